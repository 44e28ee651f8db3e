"""The OpenAI-compatible writer: prompts → chat model (langchain-openai) → checked answer → SectionDraft.

Works with any server speaking OpenAI's chat-completions API (OpenAI, DeepSeek, Qwen,
vLLM, Ollama…). Settings come from the arguments, else ``OPENAI_API_KEY``,
``OPENAI_BASE_URL`` and ``DRAFTER_MODEL`` (default ``gpt-4o-mini``); a base URL without
a key is fine for local servers. This is the only module that imports
``langchain_openai``/``openai``, and only when a request is actually sent: cached
answers (:mod:`drafter.draft.cache`) need neither the package nor a key.

Every request has one deadline, ``timeout`` seconds for the whole of it (connecting,
waiting, reading every byte of the answer; httpx's timeouts are per read, so a server
that trickles a byte now and then would never trip them). Retries are the writer's own
(the client's are off): up to ``max_retries`` for a 429 (after its ``Retry-After``, which
also holds back the other requests), a 408/409, a 5xx or a dropped connection, and only
while the time spent stays under ``timeout``; a timeout is not retried, and an unreachable
server, a rejected key, an unknown model or an exhausted quota raise
:class:`~drafter.errors.ModelUnavailableError` at once (the run stops). Each section's answer
is checked (:mod:`drafter.draft.model_checks`: length, Chinese prose, placeholders, markup,
echoes of the instructions); a refused answer is asked for once more with a turn saying what
was wrong, and a second refusal fails the section with its reason. Only accepted answers
are cached. ``max_tokens`` is sent from the section's budget.

Async calls get one HTTP client per event loop, created inside the running loop and
closed when the loop's last call finishes, so ``awrite`` works across any number of
``asyncio.run`` calls in one process; the sync ``write``/``complete`` run the async path.
Messages and log records never show the API key or a credential the base URL carries
(:mod:`drafter.draft.redact`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import threading
import time
import weakref
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from drafter.draft.answer import parse_section_markdown, strip_reasoning
from drafter.draft.base import SectionRequest, Writer
from drafter.draft.cache import AnswerCache, cache_key, display_url
from drafter.draft.model_checks import AnswerCheck, instruction_phrases, reasons, section_budget
from drafter.draft.model_errors import model_error, retry_after, timeout_error, transient
from drafter.draft.prompting import Message, render_section_prompt
from drafter.draft.redact import guard_logs, redact, url_secrets
from drafter.errors import ConfigError, DrafterError, ModelError
from drafter.models import SectionDraft
from drafter.sync import run_sync

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 30.0
"""Seconds for one whole request; with retries made only inside it, a dead server fails a run in about this long."""
DEFAULT_MAX_RETRIES = 2
MAX_RETRY_WAIT = 10.0
CONNECT_TIMEOUT = 10.0
LOCAL_DUMMY_KEY = "not-needed"
T = TypeVar("T")


def _env(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


class OpenAIWriter(Writer):
    """Writes a section with a chat model behind an OpenAI-compatible API.

    ``timeout`` bounds each whole request (seconds); ``max_retries`` counts retries of
    transient failures; ``max_tokens`` overrides the section budget's limit. ``cache_dir``
    is the cache root (answers go to ``<cache_dir>/answers``; default
    ``drafter.config.default_cache_dir()``); ``use_cache=False`` always asks the model.
    ``chat_model`` injects any langchain chat model (tests, other providers) in place of
    ``ChatOpenAI``. :meth:`usage` counts requests, cache hits, refused answers and tokens.
    """

    name = "openai"

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        temperature: float = 0.3,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        cache_dir: Path | None = None,
        max_prompt_tokens: int = 6000,
        *,
        max_tokens: int | None = None,
        use_cache: bool = True,
        chat_model: Any = None,
        prompts_dir: Path | None = None,
    ) -> None:
        self.model = model or _env("DRAFTER_MODEL") or DEFAULT_MODEL
        url = base_url or _env("OPENAI_BASE_URL")
        self.base_url = url.rstrip("/") if url else None
        self._api_key = api_key or _env("OPENAI_API_KEY")
        self._secrets = [s for s in (self._api_key, *url_secrets(self.base_url)) if s]
        self.temperature = float(temperature)
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        if not self.timeout > 0:
            raise ConfigError(f"--timeout must be more than 0 seconds, not {timeout}")
        if self.max_retries < 0:
            raise ConfigError(f"--max-retries must be 0 or more, not {max_retries}")
        self.max_tokens = int(max_tokens) if max_tokens else None
        self.max_prompt_tokens = int(max_prompt_tokens)
        self.prompts_dir = prompts_dir
        self.cache: AnswerCache | None = None
        if use_cache:
            self.cache = AnswerCache(Path(cache_dir).expanduser() / "answers" if cache_dir else None)
        self._injected = chat_model
        self._phrases: tuple[str, ...] | None = None
        self._not_before = 0.0  # monotonic time before which no request is sent (a 429's Retry-After)
        self._lock = threading.Lock()
        self._loops: weakref.WeakKeyDictionary[Any, _LoopSlot] = weakref.WeakKeyDictionary()
        self._inflight: weakref.WeakKeyDictionary[Any, dict[str, asyncio.Future[str]]] = weakref.WeakKeyDictionary()
        self.stats = {"requests": 0, "cache_hits": 0, "refused": 0, "prompt_tokens": 0, "completion_tokens": 0}

    def __repr__(self) -> str:  # never shows the key
        return f"OpenAIWriter(model={self.model!r}, base_url={self.where!r})"

    @property
    def where(self) -> str:
        """The endpoint for messages (never a credential the URL may carry)."""
        return display_url(self.base_url)

    # ------------------------------------------------------------------ public

    def describe(self) -> str:
        return f"drafter: writing with the model {self.model} at {self.where}"

    def usage(self) -> dict[str, int]:
        with self._lock:
            return dict(self.stats)

    def write(self, request: SectionRequest) -> SectionDraft:
        return run_sync(lambda: self.awrite(request))

    async def awrite(self, request: SectionRequest) -> SectionDraft:
        prompt = render_section_prompt(request, max_prompt_tokens=self.max_prompt_tokens, directory=self.prompts_dir)
        budget = section_budget(len(request.items), len(request.section.subsections))
        check = AnswerCheck(request.section, budget, self._instruction_phrases())
        answer = await self.acomplete(prompt.messages, check=check, max_tokens=self.max_tokens or budget.max_tokens)
        draft = parse_section_markdown(answer, request.section)
        draft.sources = list(dict.fromkeys(p.chunk.plan_id for p in prompt.passages if p.chunk.plan_id))
        draft.writer = self.name
        return draft

    def complete(
        self, messages: Sequence[Message], *, check: AnswerCheck | None = None, max_tokens: int | None = None
    ) -> str:
        """The model's answer to chat ``messages`` (from the cache when this exact request was answered)."""
        return run_sync(lambda: self.acomplete(messages, check=check, max_tokens=max_tokens))

    async def acomplete(
        self, messages: Sequence[Message], *, check: AnswerCheck | None = None, max_tokens: int | None = None
    ) -> str:
        """Async :meth:`complete`; ``check`` refuses answers (one corrective retry); identical requests
        in flight on one loop share one exchange."""
        key = self._key(messages)
        cached = self._cached(key, check)
        if cached is not None:
            return cached
        loop = asyncio.get_running_loop()
        pending = self._inflight.setdefault(loop, {})
        if key in pending:
            return await asyncio.shield(pending[key])
        fut: asyncio.Future[str] = loop.create_future()
        pending[key] = fut
        try:
            async with self._loop_model() as model:  # one client for every attempt of this exchange
                text, usage = await self._answer(model, messages, check, max_tokens)
            self._put(key, messages, text, usage)
            fut.set_result(text)
            return text
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                fut.cancel()
            else:
                fut.set_exception(exc)
                fut.exception()  # mark retrieved: no "never retrieved" warning when nobody else waited
            raise
        finally:
            pending.pop(key, None)

    def close(self) -> None:
        """Nothing to release: each event loop's HTTP client closes with the loop's last request."""

    # ------------------------------------------------------------------ answers

    def _instruction_phrases(self) -> tuple[str, ...]:
        if self._phrases is None:
            self._phrases = instruction_phrases(self.prompts_dir)
        return self._phrases

    def _key(self, messages: Sequence[Message]) -> str:
        return cache_key(self.model, self.base_url, self.temperature, messages)

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.stats[name] += n

    def _cached(self, key: str, check: AnswerCheck | None) -> str | None:
        if self.cache is None:
            return None
        record = self.cache.get(key)
        if record is None:
            return None
        answer = str(record["answer"])
        if check(answer) if check is not None else not answer.strip():
            log.info("ignoring cached answer %s: it fails the checks", key[:12])
            self.cache.delete(key)
            return None
        self._count("cache_hits")
        log.debug("answer %s from the cache", key[:12])
        return answer

    def _put(self, key: str, messages: Sequence[Message], text: str, usage: dict[str, Any]) -> None:
        if self.cache is not None:
            self.cache.put(
                key,
                text,
                model=self.model,
                base_url=self.base_url,
                temperature=self.temperature,
                messages=messages,
                usage=usage,
            )

    async def _answer(
        self, model: Any, messages: Sequence[Message], check: AnswerCheck | None, max_tokens: int | None
    ) -> tuple[str, dict[str, Any]]:
        """An answer that passes ``check``: the model's first, or its answer to one corrective turn."""
        text, finish, usage = await self._request(model, messages, max_tokens)
        if check is None:
            if finish == "length":
                log.warning("the model's answer was cut at its length limit (model %s)", self.model)
            if not text.strip():
                raise ModelError(
                    f"the model {self.model!r} at {self.where} returned an empty answer: retry, or try another --model"
                )
            return text, usage
        problems = check(text, finish)
        if not problems:
            return text, usage
        self._count("refused")
        log.info("answer for %r refused (%s); asking once more", check.section.title, reasons(problems))
        text, finish, again = await self._request(model, check.correct(messages, text, problems), max_tokens)
        total = {k: int(usage.get(k, 0) or 0) + int(again.get(k, 0) or 0) for k in ("input_tokens", "output_tokens")}
        problems = check(text, finish)
        if problems:
            self._count("refused")
            raise ModelError(
                redact(
                    f"the model's answer failed the checks, also after a corrective retry ({reasons(problems)}): "
                    "run again, or try another --model",
                    self._secrets,
                )
            )
        return text, total

    # ------------------------------------------------------------------ requests

    async def _request(
        self, model: Any, messages: Sequence[Message], max_tokens: int | None
    ) -> tuple[str, str | None, dict]:
        """One chat call within its deadline, retried while transient and time is left: (text, finish, usage)."""
        retries = 0
        start = time.monotonic()
        while True:
            delay = self._not_before - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                async with asyncio.timeout(self.timeout):
                    if self._injected is not None:
                        reply = await model.ainvoke(list(messages))
                    else:
                        reply = await model.ainvoke(list(messages), **self._limits(max_tokens))
            except TimeoutError:
                raise timeout_error(self.where, self.timeout) from None
            except DrafterError:
                raise
            except Exception as exc:
                wait = self._backoff(exc, retries)
                if retries < self.max_retries and transient(exc) and time.monotonic() - start + wait < self.timeout:
                    retries += 1
                    log.info(
                        "model request failed (%s %s); retry %d of %d in %.1f s",
                        type(exc).__name__,
                        getattr(exc, "status_code", ""),
                        retries,
                        self.max_retries,
                        wait,
                    )
                    await asyncio.sleep(wait)
                    continue
                raise self._fail(exc, retries) from None
            return self._read(reply)

    def _backoff(self, exc: BaseException, retries: int) -> float:
        asked = retry_after(exc)
        base = asked if asked is not None else 0.5 * 2**retries
        wait = min(base, MAX_RETRY_WAIT) * (1 + 0.25 * random.random())
        if getattr(exc, "status_code", None) == 429:  # hold back every request, not only this one
            with self._lock:
                self._not_before = max(self._not_before, time.monotonic() + wait)
        return wait

    def _limits(self, max_tokens: int | None) -> dict[str, Any]:
        """``max_tokens`` for the request: ChatOpenAI sends ``max_completion_tokens``; other servers
        (Ollama, LM Studio, older vLLM) read only ``max_tokens``, so it goes in the body too."""
        if not max_tokens:
            return {}
        limits: dict[str, Any] = {"max_tokens": int(max_tokens)}
        if self.base_url and urlsplit(self.base_url).hostname != "api.openai.com":
            limits["extra_body"] = {"max_tokens": int(max_tokens)}
        return limits

    def _read(self, reply: Any) -> tuple[str, str | None, dict[str, Any]]:
        text = _reply_text(reply)
        usage = dict(getattr(reply, "usage_metadata", None) or {})
        meta = getattr(reply, "response_metadata", None) or {}
        with self._lock:
            self.stats["requests"] += 1
            self.stats["prompt_tokens"] += int(usage.get("input_tokens", 0) or 0)
            self.stats["completion_tokens"] += int(usage.get("output_tokens", 0) or 0)
        return text, meta.get("finish_reason"), usage

    def _fail(self, exc: BaseException, retries: int) -> ModelError:
        """The one-line error for a failed call, with every credential masked."""
        log.debug("model call failed: %s (%s)", type(exc).__name__, getattr(exc, "status_code", "-"))
        err = model_error(exc, where=self.where, model=self.model, timeout=self.timeout, retries=retries)
        msg = redact(str(err), self._secrets)
        return err if msg == str(err) else type(err)(msg)

    # ------------------------------------------------------------------ clients

    def _build_model(self, http_async_client: Any = None) -> Any:
        if not self._api_key and not self.base_url:
            raise ConfigError(
                "no API key for the model server: set OPENAI_API_KEY or --api-key, "
                "or point --base-url/OPENAI_BASE_URL at a local OpenAI-compatible server"
            )
        import httpx
        from langchain_openai import ChatOpenAI

        kwargs: dict[str, Any] = {
            "model": self.model,
            "api_key": self._api_key or LOCAL_DUMMY_KEY,
            "temperature": self.temperature,
            "timeout": httpx.Timeout(self.timeout, connect=min(self.timeout, CONNECT_TIMEOUT)),
            "max_retries": 0,  # the writer retries, within its deadline
        }
        if self.base_url:
            parts = urlsplit(self.base_url)
            kwargs["base_url"] = urlunsplit((*parts[:3], "", "")).rstrip("/")
            if parts.query:  # a credential in the query string (…/v1?api-key=…) goes with every request
                kwargs["default_query"] = dict(parse_qsl(parts.query))
        if http_async_client is not None:
            kwargs["http_async_client"] = http_async_client
        model = ChatOpenAI(**kwargs)
        guard_logs(self._secrets)  # after the client libraries are imported: their loggers exist now
        return model

    @contextlib.asynccontextmanager
    async def _loop_model(self) -> AsyncIterator[Any]:
        """The chat model for the running loop; its HTTP client closes when the loop's last call ends."""
        if self._injected is not None:
            yield self._injected
            return
        loop = asyncio.get_running_loop()
        slot = self._loops.get(loop)
        if slot is None:
            import httpx

            client = httpx.AsyncClient(
                timeout=self.timeout, limits=httpx.Limits(max_connections=64, max_keepalive_connections=32)
            )
            try:
                slot = _LoopSlot(self._build_model(http_async_client=client), client)
            except BaseException:
                await client.aclose()
                raise
            self._loops[loop] = slot
        slot.users += 1
        try:
            yield slot.model
        finally:
            slot.users -= 1
            if slot.users == 0 and self._loops.get(loop) is slot:
                del self._loops[loop]
                await slot.client.aclose()


class _LoopSlot:
    def __init__(self, model: Any, client: Any) -> None:
        self.model = model
        self.client = client
        self.users = 0


def _reply_text(reply: Any) -> str:
    content = getattr(reply, "content", reply)
    if isinstance(content, str):
        return strip_reasoning(content)
    parts = []
    for block in content or []:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return strip_reasoning("".join(parts))

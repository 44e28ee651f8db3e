"""The OpenAI-compatible writer: prompts → chat model (langchain-openai) → parsed SectionDraft.

Works with any server speaking OpenAI's chat-completions API (OpenAI, DeepSeek, Qwen,
vLLM, Ollama…). Settings come from the arguments, else ``OPENAI_API_KEY``,
``OPENAI_BASE_URL`` and ``DRAFTER_MODEL`` (default ``gpt-4o-mini``); a base URL without
a key is fine for local servers. This is the only module that imports
``langchain_openai``/``openai``, and only when a request is actually sent: cached
answers (:mod:`drafter.draft.cache`) need neither the package nor a key.

Async calls get one HTTP client per event loop, created inside the running loop and
closed when the loop's last call finishes, so ``awrite`` works across any number of
``asyncio.run`` calls in one process. Failures become :class:`drafter.errors.ModelError`
with a one-line message that names the cause and the fix and never the API key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import weakref
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from drafter.draft.answer import parse_section_markdown, strip_reasoning
from drafter.draft.base import SectionRequest, Writer
from drafter.draft.cache import AnswerCache, cache_key, display_url
from drafter.draft.prompting import Message, Prompt, render_section_prompt
from drafter.errors import ConfigError, ModelError
from drafter.models import OutlineSection, SectionDraft

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-mini"
LOCAL_DUMMY_KEY = "not-needed"


def _env(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


class OpenAIWriter(Writer):
    """Writes a section with a chat model behind an OpenAI-compatible API.

    ``cache_dir`` is the cache root (answers go to ``<cache_dir>/answers``; default
    ``drafter.config.default_cache_dir()``); ``use_cache=False`` always asks the
    model. ``chat_model`` injects any langchain chat model (tests, other providers)
    in place of ``ChatOpenAI``. ``stats`` counts requests, cache hits and tokens.
    """

    name = "openai"

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        temperature: float = 0.3,
        timeout: float = 60.0,
        max_retries: int = 2,
        cache_dir: Path | None = None,
        max_prompt_tokens: int = 6000,
        *,
        use_cache: bool = True,
        chat_model: Any = None,
        prompts_dir: Path | None = None,
    ) -> None:
        self.model = model or _env("DRAFTER_MODEL") or DEFAULT_MODEL
        url = base_url or _env("OPENAI_BASE_URL")
        self.base_url = url.rstrip("/") if url else None
        self._api_key = api_key or _env("OPENAI_API_KEY")
        self.temperature = float(temperature)
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.max_prompt_tokens = int(max_prompt_tokens)
        self.prompts_dir = prompts_dir
        self.cache: AnswerCache | None = None
        if use_cache:
            self.cache = AnswerCache(Path(cache_dir).expanduser() / "answers" if cache_dir else None)
        self._injected = chat_model
        self._sync_model: Any = None
        self._lock = threading.Lock()
        self._loops: weakref.WeakKeyDictionary[Any, _LoopSlot] = weakref.WeakKeyDictionary()
        self._inflight: weakref.WeakKeyDictionary[Any, dict[str, asyncio.Future[str]]] = weakref.WeakKeyDictionary()
        self.stats = {"requests": 0, "cache_hits": 0, "prompt_tokens": 0, "completion_tokens": 0}

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
        prompt = render_section_prompt(request, max_prompt_tokens=self.max_prompt_tokens, directory=self.prompts_dir)
        answer = self.complete(prompt.messages)
        return self._draft(request.section, answer, prompt)

    async def awrite(self, request: SectionRequest) -> SectionDraft:
        prompt = render_section_prompt(request, max_prompt_tokens=self.max_prompt_tokens, directory=self.prompts_dir)
        answer = await self.acomplete(prompt.messages)
        return self._draft(request.section, answer, prompt)

    def complete(self, messages: Sequence[Message]) -> str:
        """The model's answer to chat ``messages`` (from the cache when this exact request was answered)."""
        key = self._key(messages)
        cached = self._cached(key)
        if cached is not None:
            return cached
        model = self._get_sync_model()
        try:
            reply = model.invoke(list(messages))
        except Exception as exc:
            raise self._error(exc) from None
        return self._store(key, messages, reply)

    async def acomplete(self, messages: Sequence[Message]) -> str:
        """Async :meth:`complete`; identical requests in flight on one loop share one HTTP call."""
        key = self._key(messages)
        cached = self._cached(key)
        if cached is not None:
            return cached
        loop = asyncio.get_running_loop()
        pending = self._inflight.setdefault(loop, {})
        if key in pending:
            return await asyncio.shield(pending[key])
        fut: asyncio.Future[str] = loop.create_future()
        pending[key] = fut
        try:
            async with self._loop_model() as model:
                try:
                    reply = await model.ainvoke(list(messages))
                except Exception as exc:
                    raise self._error(exc) from None
            text = self._store(key, messages, reply)
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
        self._sync_model = None

    # ------------------------------------------------------------------ internals

    def _key(self, messages: Sequence[Message]) -> str:
        return cache_key(self.model, self.base_url, self.temperature, messages)

    def _cached(self, key: str) -> str | None:
        if self.cache is None:
            return None
        record = self.cache.get(key)
        if record is None:
            return None
        with self._lock:
            self.stats["cache_hits"] += 1
        log.debug("answer %s from the cache", key[:12])
        return record["answer"]

    def _store(self, key: str, messages: Sequence[Message], reply: Any) -> str:
        text = _reply_text(reply)
        usage = dict(getattr(reply, "usage_metadata", None) or {})
        meta = getattr(reply, "response_metadata", None) or {}
        with self._lock:
            self.stats["requests"] += 1
            self.stats["prompt_tokens"] += int(usage.get("input_tokens", 0) or 0)
            self.stats["completion_tokens"] += int(usage.get("output_tokens", 0) or 0)
        if meta.get("finish_reason") == "length":
            log.warning("the model's answer was cut at its length limit (model %s)", self.model)
        if not text.strip():
            raise ModelError(
                f"the model {self.model!r} at {self.where} returned an empty answer: retry, or try another --model"
            )
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
        return text

    def _draft(self, section: OutlineSection, answer: str, prompt: Prompt) -> SectionDraft:
        draft = parse_section_markdown(answer, section)
        if not (draft.intro or draft.items or draft.subsections):
            if self.cache is not None:  # or a retry would be served the same unusable answer
                self.cache.delete(self._key(prompt.messages))
            raise ModelError(
                f"the model's answer for section {section.title!r} had no usable text: retry, or try another --model"
            )
        draft.sources = list(dict.fromkeys(p.chunk.plan_id for p in prompt.passages if p.chunk.plan_id))
        draft.writer = self.name
        return draft

    def _build_model(self, http_async_client: Any = None) -> Any:
        if not self._api_key and not self.base_url:
            raise ConfigError(
                "no API key for the model server: set OPENAI_API_KEY or --api-key, "
                "or point --base-url/OPENAI_BASE_URL at a local OpenAI-compatible server"
            )
        from langchain_openai import ChatOpenAI

        kwargs: dict[str, Any] = {
            "model": self.model,
            "api_key": self._api_key or LOCAL_DUMMY_KEY,
            "temperature": self.temperature,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
        }
        if self.base_url:
            kwargs["base_url"] = self.base_url
        if http_async_client is not None:
            kwargs["http_async_client"] = http_async_client
        return ChatOpenAI(**kwargs)

    def _get_sync_model(self) -> Any:
        if self._injected is not None:
            return self._injected
        with self._lock:
            if self._sync_model is None:
                self._sync_model = self._build_model()
            return self._sync_model

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

            client = httpx.AsyncClient(timeout=self.timeout)
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

    def _error(self, exc: Exception) -> Exception:
        """Map an openai exception to a one-line ModelError; anything else is returned unchanged."""
        err = model_error(exc, where=self.where, model=self.model, timeout=self.timeout, max_retries=self.max_retries)
        if err is None:
            return exc
        msg = str(err)
        if self._api_key and len(self._api_key) >= 4 and self._api_key in msg:
            err = ModelError(msg.replace(self._api_key, "***"))
        log.debug("model call failed: %s (%s)", type(exc).__name__, getattr(exc, "status_code", "-"))
        return err


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


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    msg = body.get("message") if isinstance(body, dict) else None
    msg = str(msg or getattr(exc, "message", "") or exc).strip().splitlines()
    text = msg[0] if msg else ""
    return text[:120] + ("…" if len(text) > 120 else "")


def model_error(exc: BaseException, *, where: str, model: str, timeout: float, max_retries: int) -> ModelError | None:
    """The user-facing :class:`ModelError` for an ``openai`` exception (``None`` for other exceptions)."""
    try:
        import openai
    except ImportError:  # pragma: no cover - openai is a dependency
        return None
    if not isinstance(exc, openai.OpenAIError):
        return None
    status = getattr(exc, "status_code", None)
    if isinstance(exc, openai.APITimeoutError):
        return ModelError(f"no answer from {where} within {timeout:g} s: raise --timeout or check the server")
    if isinstance(exc, openai.APIConnectionError):
        return ModelError(f"cannot reach the model server at {where}: is it running? set --base-url/OPENAI_BASE_URL")
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return ModelError(f"the model server rejected the API key ({status}): check OPENAI_API_KEY or --api-key")
    if isinstance(exc, openai.NotFoundError):
        return ModelError(f"model {model!r} not found at {where} (404): check --model/DRAFTER_MODEL and --base-url")
    if isinstance(exc, openai.RateLimitError):
        code = getattr(exc, "code", None)
        if code == "insufficient_quota":
            return ModelError(
                "the API key's account has no quota left (429 insufficient_quota): check its billing or use another key"
            )
        return ModelError(
            f"rate limited by the model server (429) after {max_retries} retries: wait and retry, or lower --max-concurrency"
        )
    if isinstance(exc, openai.InternalServerError) or (isinstance(status, int) and status >= 500):
        return ModelError(
            f"the model server failed ({status}) after {max_retries} retries: retry later or check the server at {where}"
        )
    if isinstance(exc, openai.BadRequestError):
        return ModelError(
            f"the model server refused the request (400: {_server_message(exc)}): lower --max-prompt-tokens or check --model"
        )
    if isinstance(exc, openai.APIStatusError):
        return ModelError(
            f"the model server answered HTTP {status} ({_server_message(exc)}): check --base-url and --model"
        )
    return ModelError(
        f"the model call failed ({type(exc).__name__}: {_server_message(exc)}): check --base-url and --model"
    )

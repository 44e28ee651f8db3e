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
import re
import threading
import weakref
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from drafter.draft.base import SectionRequest, Writer
from drafter.draft.cache import DEFAULT_BASE_URL, AnswerCache, cache_key
from drafter.draft.prompting import Message, render_section_prompt
from drafter.errors import ConfigError, ModelError
from drafter.models import OutlineSection, SectionDraft, SubSection

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
        return self.base_url or DEFAULT_BASE_URL

    # ------------------------------------------------------------------ public

    def write(self, request: SectionRequest) -> SectionDraft:
        prompt = render_section_prompt(request, max_prompt_tokens=self.max_prompt_tokens, directory=self.prompts_dir)
        answer = self.complete(prompt.messages)
        return self._draft(request.section, answer, prompt.passages)

    async def awrite(self, request: SectionRequest) -> SectionDraft:
        prompt = render_section_prompt(request, max_prompt_tokens=self.max_prompt_tokens, directory=self.prompts_dir)
        answer = await self.acomplete(prompt.messages)
        return self._draft(request.section, answer, prompt.passages)

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
            raise ModelError(f"the model {self.model!r} at {self.where} returned an empty answer: retry, or try another --model")
        if self.cache is not None:
            self.cache.put(
                key, text, model=self.model, base_url=self.base_url, temperature=self.temperature,
                messages=messages, usage=usage,
            )
        return text

    def _draft(self, section: OutlineSection, answer: str, passages: Sequence[Any]) -> SectionDraft:
        draft = parse_section_markdown(answer, section)
        if not (draft.intro or draft.items or draft.subsections):
            raise ModelError(
                f"the model's answer for section {section.title!r} had no usable text: retry, or try another --model"
            )
        draft.sources = list(dict.fromkeys(p.chunk.plan_id for p in passages if p.chunk.plan_id))
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
        return _THINK.sub("", content)
    parts = []
    for block in content or []:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return _THINK.sub("", "".join(parts))


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
            return ModelError("the API key's account has no quota left (429 insufficient_quota): check its billing or use another key")
        return ModelError(
            f"rate limited by the model server (429) after {max_retries} retries: wait and retry, or lower --max-concurrency"
        )
    if isinstance(exc, openai.InternalServerError) or (isinstance(status, int) and status >= 500):
        return ModelError(f"the model server failed ({status}) after {max_retries} retries: retry later or check the server at {where}")
    if isinstance(exc, openai.BadRequestError):
        return ModelError(
            f"the model server refused the request (400: {_server_message(exc)}): lower --max-prompt-tokens or check --model"
        )
    if isinstance(exc, openai.APIStatusError):
        return ModelError(f"the model server answered HTTP {status} ({_server_message(exc)}): check --base-url and --model")
    return ModelError(f"the model call failed ({type(exc).__name__}: {_server_message(exc)}): check --base-url and --model")


# --------------------------------------------------------------------------- parsing

_FENCE = re.compile(r"^\s*(```|~~~)")
_RULE = re.compile(r"^\s*([-*_]\s*){3,}$")
_SUB_NUM = re.compile(r"^[（(]\s*[一二三四五六七八九十]{1,3}\s*[)）]\s*[、.．]?\s*")
_TOP_NUM = re.compile(r"^(?:第[一二三四五六七八九十]{1,3}部分|[一二三四五六七八九十]{1,3}\s*[、.．])\s*")
_ITEM_NUM = re.compile(r"^(?:\d{1,2}\s*[.、．）)](?!\d)|[（(]\d{1,2}[)）]|[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮]|[-*+•·]\s)\s*")
_BULLET = re.compile(r"^[-*+•·]\s")
_CHATTER = re.compile(
    r"^(?:(?:以下是|下面是|以下为|根据您?的要求|这是).{0,60}[：:]|(?:好的|当然|没问题)[，,！!。].{0,60}"
    r"|(?:以下是|下面是|以下为|这是).{0,40}(?:部分|内容|正文|草稿|初稿).{0,20}[：:。])$"
)
_NOTE = re.compile(r"^[（(]?(注|说明|备注)[：:]|^以上(内容|是|为)|^(希望|如需|如有).{0,40}(帮助|调整|修改)")
_THINK = re.compile(r"<think>.*?</think>\s*", re.S)
_EMPHASIS = re.compile(r"\*\*|__")
_PUNCT = re.compile(r"[\s，。、；：:,.;!?！？“”\"'（）()《》]")


def _norm(text: str) -> str:
    text = _SUB_NUM.sub("", _TOP_NUM.sub("", text.strip()))
    return _PUNCT.sub("", text)


def _same_title(text: str, title: str) -> bool:
    a, b = _norm(text), _norm(title)
    if not a or not b:
        return False
    return a == b or (len(b) >= 4 and b in a and len(a) <= len(b) + 8) or (len(a) >= 4 and a in b)


def _split_heading(text: str) -> tuple[str, str]:
    """``加强学习。组织教职工…`` → (``加强学习``, ``组织教职工…``) when the lead phrase is short."""
    m = re.search(r"[。：:；;]", text)
    if m and 0 < m.start() <= 30 and text[m.end():].strip():
        return text[: m.start()].strip(), text[m.end():].strip()
    return text.rstrip("。；;：:").strip(), ""


def parse_section_markdown(answer: str, section: OutlineSection) -> SectionDraft:
    """Parse a model's Markdown answer for one section into a :class:`SectionDraft`.

    Recognises an opening paragraph (``intro``; several paragraphs are joined with
    ``\\n`` when the section has no items), sub-sections (``（一）…`` lines or Markdown
    headings after the opening, numbering removed), numbered or bulleted items
    (``1.`` ``1、`` ``（1）`` ``①`` ``-``; numbering removed), and plain lines (each
    its own item once items have begun). Code fences, horizontal rules, bold markers,
    a repeated heading of the section itself (or of the plan), a chatty first line
    ("以下是…：") and trailing notes ("注：…") are dropped. The text is data: nothing
    in it is interpreted beyond this layout.
    """
    draft = SectionDraft(id=section.id, title=section.title)
    intro: list[str] = []
    current: SubSection | None = None
    seen_content = False
    last_bullet_owner: list[str] | None = None

    for raw in answer.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _FENCE.match(raw) or _RULE.match(raw):
            continue
        indent = len(raw) - len(raw.lstrip())
        line = raw.strip()
        level = len(line) - len(line.lstrip("#"))
        text = _EMPHASIS.sub("", line.lstrip("#").strip()).lstrip(">").strip()
        if not text:
            continue
        if not seen_content and (_CHATTER.match(text) or (level and "工作计划" in text and len(text) <= 40)):
            continue
        if not seen_content and (level or _TOP_NUM.match(text)) and _same_title(text, section.title):
            continue
        if not seen_content and not _SUB_NUM.match(text) and (
            level in (1, 2) or (_TOP_NUM.match(text) and len(text) <= 30 and not re.search(r"[。；]", text[:-1]))
        ):
            continue  # the section's own heading, reworded
        if seen_content and _NOTE.match(text):
            continue
        if level and seen_content and _same_title(text, section.title):
            continue

        if _SUB_NUM.match(text) or level or (seen_content and _TOP_NUM.match(text)):
            body = _SUB_NUM.sub("", _TOP_NUM.sub("", text))
            if level:
                body = _ITEM_NUM.sub("", body, count=1)
            title, rest = _split_heading(body)
            current = SubSection(title=title)
            if rest:
                current.items.append(rest)
            draft.subsections.append(current)
            seen_content = True
            last_bullet_owner = None
            continue

        target = current.items if current is not None else draft.items
        numbered = _ITEM_NUM.match(text)
        if numbered and indent >= 2 and _BULLET.match(text) and last_bullet_owner and last_bullet_owner is target:
            sep = "" if target[-1].endswith(("。", "；", "：", "！", "？")) else "；"
            target[-1] += sep + _ITEM_NUM.sub("", text, count=1)
        elif numbered:
            target.append(_ITEM_NUM.sub("", text, count=1).strip())
            last_bullet_owner = target
        elif current is None and not draft.items:
            intro.append(text)
        else:
            target.append(text)
            last_bullet_owner = target
        seen_content = True

    if not draft.items and not draft.subsections:
        draft.intro = "\n".join(intro)
    else:
        draft.intro = "".join(intro)
    draft.items = [i for i in draft.items if i]
    return draft

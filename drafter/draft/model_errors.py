"""What went wrong with a model request, in one line that names the real cause and a real option.

:func:`model_error` maps an exception of a chat call (``openai``'s, or langchain's when the
server's reply is no chat completion) to a :class:`~drafter.errors.ModelError`;
:class:`~drafter.errors.ModelUnavailableError` when every further request would fail the
same way (server unreachable, key rejected, no such model, no quota), so a run stops at the
first. :func:`transient` says whether a retry may help (429, 408/409, 5xx, a dropped
connection); :func:`retry_after` reads the server's ``Retry-After``. Messages name only
options that exist (``--base-url``, ``--api-key``, ``--model``, ``--timeout``,
``--max-retries``, ``--concurrency``, ``--brief``) and say "after N retries" only when N
retries were made. Callers redact credentials (:mod:`drafter.draft.redact`).
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

from drafter.errors import ModelError, ModelUnavailableError

_CONNECT_ERRORS = {"ConnectError", "ConnectionRefusedError", "gaierror"}


def _openai() -> Any:
    import openai

    return openai


def server_message(exc: Any, limit: int = 120) -> str:
    """The server's own message in an error body (first line, at most ``limit`` characters)."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        msg = inner.get("message") if isinstance(inner, dict) else None
    else:
        msg = None
    lines = str(msg or getattr(exc, "message", "") or exc).strip().splitlines()
    text = lines[0].strip() if lines else ""
    return text[:limit] + ("…" if len(text) > limit else "")


def _after(retries: int) -> str:
    if retries <= 0:
        return ""
    return f" after {retries} {'retry' if retries == 1 else 'retries'}"


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def unreachable(exc: BaseException) -> bool:
    """A connection error that is a refusal or an unknown host (no server there), not a dropped connection."""
    return any(type(c).__name__ in _CONNECT_ERRORS for c in _causes(exc))


def transient(exc: BaseException) -> bool:
    """Whether a retry may help: 429 (not ``insufficient_quota``), 408, 409, 5xx, a dropped connection."""
    openai = _openai()
    if isinstance(exc, openai.APITimeoutError):
        return False  # the deadline is spent: another try would most likely take it again
    if isinstance(exc, openai.APIConnectionError):
        return not unreachable(exc)
    if isinstance(exc, openai.RateLimitError):
        return getattr(exc, "code", None) != "insufficient_quota"
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status in (408, 409) or status >= 500)


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asks to wait (``retry-after-ms``, ``retry-after`` seconds or date), if it says."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if not headers:
        return None
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return max(float(ms) / 1000, 0.0)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(float(value), 0.0)
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(when.timestamp() - time.time(), 0.0)
    except (TypeError, ValueError, OverflowError):
        return None


def timeout_error(where: str, timeout: float) -> ModelError:
    return ModelError(
        f"no complete answer from {where} within {timeout:g} s (--timeout bounds the whole request): "
        "raise --timeout, lower --concurrency or check the server"
    )


def model_error(exc: BaseException, *, where: str, model: str, timeout: float, retries: int = 0) -> ModelError:
    """The user-facing error for an exception of a chat call; ``retries`` is how many retries were made."""
    openai = _openai()
    after = _after(retries)
    status = getattr(exc, "status_code", None)
    if isinstance(exc, openai.APITimeoutError):
        return timeout_error(where, timeout)
    if isinstance(exc, openai.APIConnectionError):
        if unreachable(exc):
            return ModelUnavailableError(
                f"cannot reach the model server at {where}: is it running? set --base-url/OPENAI_BASE_URL"
            )
        cause = next((type(c).__name__ for c in _causes(exc)[1:]), type(exc).__name__)
        return ModelError(f"the connection to {where} failed ({cause}){after}: check the server and --base-url")
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return ModelUnavailableError(
            f"the model server rejected the API key ({status}: {server_message(exc)}): check OPENAI_API_KEY or --api-key"
        )
    if isinstance(exc, openai.NotFoundError):
        return ModelUnavailableError(
            f"model {model!r} not found at {where} (404): check --model/DRAFTER_MODEL and --base-url"
        )
    if isinstance(exc, openai.RateLimitError):
        if getattr(exc, "code", None) == "insufficient_quota":
            return ModelUnavailableError(
                "the API key's account has no quota left (429 insufficient_quota): check its billing or use another key"
            )
        return ModelError(f"rate limited by the model server (429){after}: wait and retry, or lower --concurrency")
    if isinstance(exc, openai.InternalServerError) or (isinstance(status, int) and status >= 500):
        return ModelError(
            f"the model server failed ({status}: {server_message(exc)}){after}: "
            f"retry later, raise --max-retries or check the server at {where}"
        )
    if isinstance(exc, openai.BadRequestError):
        return ModelError(
            f"the model server refused the request (400: {server_message(exc)}): check --model; "
            "a model with a short context window may need a shorter --brief"
        )
    if isinstance(exc, openai.APIStatusError):
        return ModelError(
            f"the model server answered HTTP {status} ({server_message(exc)}){after}: check --base-url and --model"
        )
    if isinstance(exc, openai.OpenAIError):
        return ModelError(
            f"the model call failed ({type(exc).__name__}: {server_message(exc)}): check --base-url and --model"
        )
    # langchain-openai reading a reply that is no chat completion
    text = str(exc)
    if isinstance(exc, IndexError) or "null value for 'choices'" in text:
        return ModelError(
            f"the model server at {where} returned no answer (its reply has no choices): "
            "check --model and the server's logs"
        )
    reported = exc.args[0] if isinstance(exc, ValueError) and exc.args else None
    if isinstance(reported, dict) and reported.get("message"):  # an error inside a 200 reply
        return ModelError(
            f"the model server at {where} answered with an error ({server_message(reported['message'], 80)}): "
            "check --model and the server's logs"
        )
    return ModelError(
        f"the model server at {where} sent a reply that is not a chat completion "
        f"({type(exc).__name__}: {server_message(exc, 80)}): check --base-url (an OpenAI-compatible …/v1) and --model"
    )

"""Keep credentials out of messages, logs and files.

A credential is the API key and whatever a base URL carries (``https://user:secret@host/v1``,
``…/v1?api-key=…``). :func:`redact` replaces every run of :data:`MIN_RUN` or more characters of
a credential, not only the whole of it: a server that echoes the key minus a character or two
in its error body must not get 30 of its 32 characters printed. :func:`guard_logs` does the same
for the records of the HTTP and model-client loggers (httpx, httpcore, openai, langchain), which
print request URLs at INFO and DEBUG.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

MIN_RUN = 8
"""Shortest run of a long credential that is redacted (a shorter credential is redacted whole)."""
_MIN_WHOLE = 4
MASK = "***"
_LOGGER_PREFIXES = ("httpx", "httpx2", "httpcore", "httpcore2", "openai", "langchain_openai", "drafter")


def url_secrets(url: str | None) -> list[str]:
    """The credentials a base URL carries: its user, its password and every query value (raw and decoded)."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:  # a malformed port or netloc: treat everything after :// up to @ as secret
        head = url.partition("://")[2].partition("/")[0]
        return [head.rpartition("@")[0]] if "@" in head else []
    found = [x for x in (user, password) if x]
    found += [v for _, v in parse_qsl(parts.query, keep_blank_values=False)]
    found += [raw.partition("=")[2] for raw in parts.query.split("&") if "=" in raw]
    return list(dict.fromkeys(s for x in found for s in (x, unquote(x)) if s))


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every run of ≥ :data:`MIN_RUN` characters of a secret (a short secret: whole) masked.

    The runs of every secret are found first and masked together, so two secrets that share a
    stretch of characters cannot leave pieces of each other behind.
    """
    covered = bytearray(len(text))
    for secret in secrets:
        if not secret or len(secret) < _MIN_WHOLE:
            continue
        if len(secret) < MIN_RUN:
            start = text.find(secret)
            while start >= 0:
                covered[start : start + len(secret)] = b"\x01" * len(secret)
                start = text.find(secret, start + 1)
            continue
        grams = {secret[i : i + MIN_RUN] for i in range(len(secret) - MIN_RUN + 1)}
        for i in range(len(text) - MIN_RUN + 1):
            if text[i : i + MIN_RUN] in grams:
                covered[i : i + MIN_RUN] = b"\x01" * MIN_RUN
    if not any(covered):
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        if covered[i]:
            while i < len(text) and covered[i]:
                i += 1
            out.append(MASK)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


class _RedactFilter(logging.Filter):
    """Rewrites a record's message when it holds a registered credential."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secrets: Iterable[str | None]) -> None:
        with self._lock:
            self.secrets.update(s for s in secrets if s and len(s) >= _MIN_WHOLE)

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = tuple(self.secrets)
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format: leave it to the handler to report
            return True
        clean = redact(message, secrets)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = _RedactFilter()


def guard_logs(secrets: Iterable[str | None]) -> None:
    """Mask ``secrets`` in the records of the HTTP, openai, langchain-openai and drafter loggers.

    The filter sits on each of those loggers (a filter applies to the records its own logger
    creates), including the ones that exist only once their modules are imported: call this
    after importing the client libraries.
    """
    _FILTER.add(secrets)
    names = set(_LOGGER_PREFIXES)
    names.update(n for n in list(logging.root.manager.loggerDict) if n.split(".", 1)[0] in _LOGGER_PREFIXES)
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

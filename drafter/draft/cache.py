"""Model answers cached on disk, so the same request is never paid for twice.

One JSON file per answer under ``<cache dir>/answers/<k[:2]>/<k>.json`` (default
``drafter.config.default_cache_dir()``, which honours ``DRAFTER_CACHE_DIR``). The key
``k`` is the sha256 of the model name, base URL, temperature and chat messages; the API
key is never part of the key nor of the file (the file names the endpoint without any user,
password or query string of its URL). Files are written atomically (a temporary
file in the same folder, then ``os.replace``), so parallel writers and interrupted runs
never leave a half-written answer; an unreadable file is treated as a miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from drafter.config import default_cache_dir
from drafter.fileio import write_atomic

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.openai.com/v1"


def display_url(base_url: str | None) -> str:
    """The endpoint as shown to people and written to a cache file: no user, password or query string.

    A proxy's URL may carry a credential (``https://user:sk-…@host/v1``, ``…/v1?key=…``); only the
    cache key (a hash) sees the whole URL.
    """
    url = (base_url or DEFAULT_BASE_URL).rstrip("/")
    parts = urlsplit(url)
    if not parts.netloc:
        return url.split("?", 1)[0]
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", "")).rstrip("/")


def default_answers_dir() -> Path:

    return default_cache_dir() / "answers"


def cache_key(model: str, base_url: str | None, temperature: float, messages: Sequence[dict[str, str]]) -> str:
    """sha256 hex of what determines an answer (never the API key)."""
    payload = {
        "model": model,
        "base_url": (base_url or DEFAULT_BASE_URL).rstrip("/"),
        "temperature": round(float(temperature), 4),
        "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
    }
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class AnswerCache:
    """A folder of cached answers. ``get``/``put`` by key; ``directory=None`` → the default folder."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory).expanduser() if directory else default_answers_dir()

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached record (``answer``, ``model``, ``usage``…) or ``None``."""
        path = self.path(key)
        try:
            with open(path, encoding="utf-8") as fh:
                record = json.load(fh)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable cached answer %s: %s", path, exc)
            return None
        if not isinstance(record, dict) or not isinstance(record.get("answer"), str):
            return None
        return record

    def put(
        self,
        key: str,
        answer: str,
        *,
        model: str,
        base_url: str | None,
        temperature: float,
        messages: Sequence[dict[str, str]],
        usage: dict[str, Any] | None = None,
    ) -> Path:
        """Write one answer atomically; returns its path. Cache write failures only log a warning."""
        path = self.path(key)
        record = {
            "key": key,
            "model": model,
            "base_url": display_url(base_url),
            "temperature": temperature,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "usage": usage or {},
            "answer": answer,
            "messages": list(messages),
        }
        try:
            write_atomic(path, json.dumps(record, ensure_ascii=False, indent=1))
        except OSError as exc:
            log.warning("could not cache the answer in %s: %s", path.parent, exc)
        return path

    def delete(self, key: str) -> bool:
        """Forget one answer (one the caller found unusable); True when there was one."""
        try:
            self.path(key).unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            log.warning("could not remove the cached answer %s: %s", self.path(key), exc)
            return False
        return True

    def clear(self) -> int:
        """Delete every cached answer; returns how many were removed."""
        n = 0
        if self.directory.is_dir():
            for p in self.directory.glob("*/*.json"):
                p.unlink(missing_ok=True)
                n += 1
        return n

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob("*/*.json")) if self.directory.is_dir() else 0

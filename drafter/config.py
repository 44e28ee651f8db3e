"""Settings from the environment, with explicit arguments taking precedence.

Environment variables (all optional):

``DRAFTER_INDEX_DIR``       where the local index lives (default: the user data dir)
``DRAFTER_CHROMA_URL``      use a chroma server (``http://host:port``) instead of the local folder
``DRAFTER_CHROMA_TIMEOUT``  seconds one call to a chroma server may take in all (default 15)
``DRAFTER_COLLECTION``      chroma collection name (default ``drafter``)
``DRAFTER_CACHE_DIR``       where model answers are cached (default: the user cache dir)
``DRAFTER_DEBUG``           ``1`` to re-raise errors with a traceback in the CLI
``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` / ``DRAFTER_MODEL``   the chat model (see drafter.draft)

Paths are taken with ``~`` expanded wherever they come from (an argument, an
environment variable, or an :class:`IndexConfig` built by hand).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from drafter.errors import ConfigError

APP_NAME = "drafter"
DEFAULT_COLLECTION = "drafter"
DEFAULT_CHROMA_TIMEOUT = 15.0
CHROMA_URL_HINT = "use http://HOST:PORT, e.g. http://127.0.0.1:8000"


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def expand(path: str | os.PathLike[str]) -> Path:
    """A path the user gave, ``~`` expanded."""
    return Path(os.path.expanduser(os.fspath(path)))


def default_index_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "index"


def default_cache_dir() -> Path:
    env = _env("DRAFTER_CACHE_DIR")
    if env:
        return expand(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def check_chroma_url(url: str, *, source: str = "--chroma-url") -> str:
    """``url`` normalised to ``http(s)://HOST:PORT``; a malformed one raises :class:`ConfigError` (one line).

    A bare ``HOST:PORT`` means ``http://HOST:PORT``; the port defaults to 8000.
    """
    text = url.strip()
    full = text if "://" in text else f"http://{text}"
    try:
        parts = urlsplit(full)
        port = parts.port  # raises ValueError when out of range or not a number
    except ValueError as exc:
        raise ConfigError(f"bad chroma URL {url!r} ({source}): {exc}; {CHROMA_URL_HINT}") from None
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"bad chroma URL {url!r} ({source}): the scheme must be http or https; {CHROMA_URL_HINT}")
    if not parts.hostname:
        raise ConfigError(f"bad chroma URL {url!r} ({source}): no host; {CHROMA_URL_HINT}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(
            f"bad chroma URL {url!r} ({source}): only a scheme, host and port are used; {CHROMA_URL_HINT}"
        )
    if port == 0:
        raise ConfigError(f"bad chroma URL {url!r} ({source}): port 0; {CHROMA_URL_HINT}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port or 8000}"


def chroma_timeout_from_env() -> float:
    """``DRAFTER_CHROMA_TIMEOUT`` (seconds, > 0), default 15."""
    raw = _env("DRAFTER_CHROMA_TIMEOUT")
    if raw is None:
        return DEFAULT_CHROMA_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"DRAFTER_CHROMA_TIMEOUT={raw!r} is not a number of seconds above 0; e.g. 15")
    return value


@dataclass(frozen=True)
class IndexConfig:
    """Where the index lives: a local folder, and optionally a chroma server for the vectors.

    The folder always holds the index's sidecar files (manifest, plans, fitted
    embedder, BM25 statistics); with ``chroma_url`` the vectors live on the server,
    otherwise in ``<index_dir>/chroma``. ``chroma_timeout`` bounds every call to the
    server (connect, request and the whole answer), in seconds.
    """

    index_dir: Path
    chroma_url: str | None = None
    collection: str = DEFAULT_COLLECTION
    chroma_timeout: float = DEFAULT_CHROMA_TIMEOUT

    def __post_init__(self) -> None:
        object.__setattr__(self, "index_dir", expand(self.index_dir))
        if self.chroma_url is not None:
            object.__setattr__(
                self, "chroma_url", check_chroma_url(self.chroma_url) if self.chroma_url.strip() else None
            )
        if not (
            isinstance(self.chroma_timeout, int | float)
            and math.isfinite(self.chroma_timeout)
            and self.chroma_timeout > 0
        ):
            raise ConfigError(f"chroma timeout {self.chroma_timeout!r} must be a number of seconds above 0")

    @classmethod
    def resolve(
        cls,
        index_dir: str | os.PathLike[str] | None = None,
        chroma_url: str | None = None,
        collection: str | None = None,
        chroma_timeout: float | None = None,
    ) -> IndexConfig:
        """Arguments first, then ``DRAFTER_INDEX_DIR`` / ``DRAFTER_CHROMA_URL`` / ``DRAFTER_COLLECTION`` /
        ``DRAFTER_CHROMA_TIMEOUT``, then defaults."""
        d = index_dir or _env("DRAFTER_INDEX_DIR")
        path = expand(d) if d else default_index_dir()
        url = chroma_url if chroma_url is not None and chroma_url.strip() else None
        env_url = _env("DRAFTER_CHROMA_URL")
        if url is None and env_url:
            url = check_chroma_url(env_url, source="DRAFTER_CHROMA_URL")
        elif url is not None:
            url = check_chroma_url(url)
        return cls(
            index_dir=path.resolve(),
            chroma_url=url,
            collection=collection or _env("DRAFTER_COLLECTION") or DEFAULT_COLLECTION,
            chroma_timeout=chroma_timeout if chroma_timeout is not None else chroma_timeout_from_env(),
        )


def debug_enabled() -> bool:
    return (_env("DRAFTER_DEBUG") or "0").lower() in {"1", "true", "yes", "on"}

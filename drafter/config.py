"""Settings from the environment, with explicit arguments taking precedence.

Environment variables (all optional):

``DRAFTER_INDEX_DIR``   where the local index lives (default: the user data dir)
``DRAFTER_CHROMA_URL``  use a chroma server (``http://host:port``) instead of the local folder
``DRAFTER_COLLECTION``  chroma collection name (default ``drafter``)
``DRAFTER_CACHE_DIR``   where model answers are cached (default: the user cache dir)
``DRAFTER_DEBUG``       ``1`` to re-raise errors with a traceback in the CLI
``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` / ``DRAFTER_MODEL``   the chat model (see drafter.draft)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "drafter"
DEFAULT_COLLECTION = "drafter"


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def default_index_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "index"


def default_cache_dir() -> Path:
    env = _env("DRAFTER_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class IndexConfig:
    """Where the index lives: a local folder, and optionally a chroma server for the vectors.

    The folder always holds the index's sidecar files (manifest, plans, fitted
    embedder, BM25 statistics); with ``chroma_url`` the vectors live on the server,
    otherwise in ``<index_dir>/chroma``.
    """

    index_dir: Path
    chroma_url: str | None = None
    collection: str = DEFAULT_COLLECTION

    @classmethod
    def resolve(
        cls,
        index_dir: str | os.PathLike[str] | None = None,
        chroma_url: str | None = None,
        collection: str | None = None,
    ) -> "IndexConfig":
        """Arguments first, then ``DRAFTER_INDEX_DIR`` / ``DRAFTER_CHROMA_URL`` / ``DRAFTER_COLLECTION``, then defaults."""
        d = index_dir or _env("DRAFTER_INDEX_DIR")
        path = Path(d).expanduser() if d else default_index_dir()
        url = chroma_url or _env("DRAFTER_CHROMA_URL")
        return cls(
            index_dir=path.resolve(),
            chroma_url=url.rstrip("/") if url else None,
            collection=collection or _env("DRAFTER_COLLECTION") or DEFAULT_COLLECTION,
        )


def debug_enabled() -> bool:
    return (_env("DRAFTER_DEBUG") or "0").lower() in {"1", "true", "yes", "on"}

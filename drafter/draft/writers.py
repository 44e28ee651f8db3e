"""Writers by name: a plain mapping, and the rule that picks one for ``--provider auto``."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from drafter.draft.base import Writer
from drafter.draft.offline_writer import OfflineWriter
from drafter.errors import ConfigError


def _offline(**kwargs: Any) -> Writer:

    return OfflineWriter()


def _openai(**kwargs: Any) -> Writer:
    from drafter.draft.openai_writer import OpenAIWriter  # heavy: imported only when chosen

    return OpenAIWriter(**{k: v for k, v in kwargs.items() if v is not None})


WRITERS: dict[str, Callable[..., Writer]] = {"offline": _offline, "openai": _openai}
PROVIDERS = ("auto", *WRITERS)


def model_configured(api_key: str | None = None, base_url: str | None = None) -> bool:
    """True when a chat model is configured (arguments, OPENAI_API_KEY or OPENAI_BASE_URL)."""
    return bool(
        api_key
        or base_url
        or os.environ.get("OPENAI_API_KEY", "").strip()
        or os.environ.get("OPENAI_BASE_URL", "").strip()
    )


def choose_provider(provider: str = "auto", *, api_key: str | None = None, base_url: str | None = None) -> str:
    """The writer name for a provider setting: auto = openai when a model is configured, else offline."""
    p = (provider or "auto").strip().lower()
    if p not in PROVIDERS:
        raise ConfigError(f"unknown provider {provider!r}; use one of: {', '.join(PROVIDERS)}")
    if p == "auto":
        return "openai" if model_configured(api_key, base_url) else "offline"
    return p


def make_writer(provider: str = "auto", **options: Any) -> Writer:
    """A writer instance; ``options`` (model, base_url, api_key, temperature, timeout, max_retries,
    cache_dir) go to the OpenAI-compatible writer and are ignored by the offline one."""
    name = choose_provider(provider, api_key=options.get("api_key"), base_url=options.get("base_url"))
    return WRITERS[name](**options)


def describe(writer: Writer, *, api_key: str | None = None, base_url: str | None = None) -> str:
    """The stderr line saying which writer drafts (the model and its endpoint; never a key)."""
    line = writer.describe()
    if writer.name == "offline":
        line = line.replace(" (no model configured)", "")
        line += " (--provider offline)" if model_configured(api_key, base_url) else " (no model configured)"
    return line

"""The settings of ``drafter serve``: options first, then ``DRAFTER_*`` environment variables, then defaults."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from drafter.config import APP_NAME
from drafter.errors import ConfigError

MAX_UPLOAD_MB = 10


def _env(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


def default_web_dir() -> Path:
    """Where the app keeps its database and uploaded plans (``DRAFTER_WEB_DIR``, else the user data dir)."""
    env = _env("DRAFTER_WEB_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "web"


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the app on this machine."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ModelOptions:
    """The writer options of ``drafter write`` (the key stays on the server)."""

    provider: str = "auto"
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    temperature: float | None = None
    timeout: float | None = None
    max_retries: int | None = None


@dataclass(frozen=True)
class WebSettings:
    """Everything the app needs; ``resolve`` fills the gaps from the environment."""

    host: str = "127.0.0.1"
    port: int = 8000
    index: Path | None = None
    chroma_url: str | None = None
    model: ModelOptions = field(default_factory=ModelOptions)
    token: str | None = field(default=None, repr=False)
    data_dir: Path | None = None
    db_url: str | None = None
    max_upload_bytes: int = MAX_UPLOAD_MB * 1024 * 1024
    draft_workers: int = 8
    concurrency: int = 16

    @classmethod
    def resolve(cls, **options: object) -> WebSettings:
        """Settings from keyword options (None: not given), then ``DRAFTER_TOKEN``, ``DRAFTER_DB_URL``,
        ``DRAFTER_WEB_DIR``; the index and the model follow the library's own variables."""
        given = {k: v for k, v in options.items() if v is not None}
        given.setdefault("token", _env("DRAFTER_TOKEN"))
        given.setdefault("db_url", _env("DRAFTER_DB_URL"))
        data_dir = given.get("data_dir")
        given["data_dir"] = Path(str(data_dir)).expanduser() if data_dir else default_web_dir()
        settings = cls(**given)  # type: ignore[arg-type]
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse settings that would expose the app: another address than loopback needs a token."""
        if not is_loopback(self.host) and not self.token:
            raise ConfigError(
                f"binding {self.host} opens the app to other machines: give --token (or DRAFTER_TOKEN), "
                "or keep the default --host 127.0.0.1"
            )
        if self.token is not None and len(self.token) < 8:
            raise ConfigError("--token must be at least 8 characters long")
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"--port must be between 1 and 65535, not {self.port}")
        if self.max_upload_bytes <= 0:
            raise ConfigError("the upload limit must be more than 0 MB")

    @property
    def web_dir(self) -> Path:
        return self.data_dir or default_web_dir()

    @property
    def database_url(self) -> str:
        """The drafts' database: ``db_url``, else SQLite in the data folder."""
        return self.db_url or f"sqlite:///{self.web_dir / 'drafter.sqlite3'}"

    @property
    def upload_dir(self) -> Path:
        return self.web_dir / "uploads"

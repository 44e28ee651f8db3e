"""CLI command of the web app: serve."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from drafter.cli import app
from drafter.cli._common import (
    ApiKeyOpt,
    BaseUrlOpt,
    ChromaUrlOpt,
    IndexOpt,
    MaxRetriesOpt,
    ModelOpt,
    TemperatureOpt,
    TimeoutOpt,
    handle_errors,
    info,
    user_path,
)


@app.command()
@handle_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; another than loopback needs --token."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    token: Optional[str] = typer.Option(
        None,
        "--token",
        help="Access token every page and API call must give (default: $DRAFTER_TOKEN).",
        show_default=False,
    ),
    provider: str = typer.Option(
        "auto",
        "--provider",
        help="auto (offer the model when OPENAI_API_KEY/OPENAI_BASE_URL is set), offline or openai.",
    ),
    model: Optional[str] = ModelOpt,
    base_url: Optional[str] = BaseUrlOpt,
    api_key: Optional[str] = ApiKeyOpt,
    temperature: Optional[float] = TemperatureOpt,
    timeout: Optional[float] = TimeoutOpt,
    max_retries: Optional[int] = MaxRetriesOpt,
    concurrency: int = typer.Option(16, "--concurrency", min=1, max=32, help="Sections of one plan drafted at once."),
    data_dir: Optional[Path] = typer.Option(
        None,
        "--data-dir",
        help="Folder of the drafts' database and uploaded plans (default: $DRAFTER_WEB_DIR or the user data dir).",
        show_default=False,
    ),
    db_url: Optional[str] = typer.Option(
        None,
        "--db-url",
        help="Database URL, e.g. postgresql://… (default: $DRAFTER_DB_URL, else SQLite in --data-dir).",
        show_default=False,
    ),
    max_upload_mb: float = typer.Option(10, "--max-upload-mb", help="Largest upload (all files of one upload)."),
    index: Optional[Path] = IndexOpt,
    chroma_url: Optional[str] = ChromaUrlOpt,
) -> None:
    """Serve the web app: draft, edit, score and download plans in a browser (in Chinese)."""
    from drafter.web.settings import ModelOptions, WebSettings

    settings = WebSettings.resolve(
        host=host,
        port=port,
        token=token,
        index=user_path(str(index)) if index else None,
        chroma_url=chroma_url,
        model=ModelOptions(
            provider=provider,
            model=model,
            base_url=base_url,
            api_key=api_key,
            temperature=temperature,
            timeout=timeout,
            max_retries=max_retries,
        ),
        data_dir=user_path(str(data_dir)) if data_dir else None,
        db_url=db_url,
        max_upload_bytes=int(max_upload_mb * 1024 * 1024),
        concurrency=concurrency,
    )
    try:
        import uvicorn

        from drafter.web.app import create_app
    except ImportError as exc:  # pragma: no cover - the web dependencies are core dependencies
        from drafter.errors import ConfigError

        raise ConfigError(f"the web app needs {exc.name}: pip install drafter") from None
    web = create_app(settings)
    shown = f"[{host}]" if ":" in host else host
    info(f"drafter: serving on http://{shown}:{port} (drafts in {settings.database_url.split('://')[0]}; Ctrl+C stops)")
    uvicorn.run(web, host=host, port=port, log_level="warning", proxy_headers=False)

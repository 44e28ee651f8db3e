"""IndexConfig: `~` expanded wherever a path comes from, chroma URLs checked, the chroma deadline setting."""

from __future__ import annotations

import pytest

from drafter.config import IndexConfig, check_chroma_url
from drafter.errors import ConfigError


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "http://127.0.0.1:99999",
        "ftp://127.0.0.1:8000",
        "http://",
        "http://host:8000/api/v2",
        "http://user:pw@host:8000",
        "http://host:port",
        "http://h:0",
    ],
)
def test_malformed_chroma_urls_are_one_line_config_errors(url):
    with pytest.raises(ConfigError) as info:
        IndexConfig.resolve("/tmp/x", chroma_url=url)
    msg = str(info.value)
    assert msg.startswith(f"bad chroma URL {url!r}") and "http://HOST:PORT" in msg and "\n" not in msg


def test_chroma_urls_are_normalised():
    assert check_chroma_url("127.0.0.1:8001") == "http://127.0.0.1:8001"
    assert check_chroma_url("https://chroma.example.org/") == "https://chroma.example.org:8000"
    assert check_chroma_url("http://[::1]:9000") == "http://[::1]:9000"
    assert IndexConfig.resolve("/tmp/x", chroma_url="  ").chroma_url is None


def test_a_malformed_url_in_the_environment_names_the_variable(monkeypatch):
    monkeypatch.setenv("DRAFTER_CHROMA_URL", "ftp://h")
    with pytest.raises(ConfigError, match="DRAFTER_CHROMA_URL"):
        IndexConfig.resolve("/tmp/x")


def test_tilde_is_expanded_wherever_a_path_comes_from(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert IndexConfig.resolve("~/idx").index_dir == tmp_path / "idx"
    assert IndexConfig(index_dir="~/idx2").index_dir == tmp_path / "idx2"  # type: ignore[arg-type]
    monkeypatch.setenv("DRAFTER_INDEX_DIR", "~/from-env")
    assert IndexConfig.resolve().index_dir == tmp_path / "from-env"


def test_chroma_timeout_setting(monkeypatch):
    assert IndexConfig.resolve("/tmp/x").chroma_timeout == 15.0
    monkeypatch.setenv("DRAFTER_CHROMA_TIMEOUT", "2.5")
    assert IndexConfig.resolve("/tmp/x").chroma_timeout == 2.5
    for bad in ("soon", "0", "-1", "nan"):
        monkeypatch.setenv("DRAFTER_CHROMA_TIMEOUT", bad)
        with pytest.raises(ConfigError, match="DRAFTER_CHROMA_TIMEOUT"):
            IndexConfig.resolve("/tmp/x")

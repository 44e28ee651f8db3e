"""Parsed domain data is cached by a hash of the YAML: the same data, never stale, optional."""

from __future__ import annotations

import os
import subprocess
import sys

import yaml

from drafter import resources


def _fresh(monkeypatch, tmp_path, text: str):
    path = tmp_path / "thing.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(resources, "data_path", lambda name: path)
    resources.load_data.cache_clear()
    return path


def test_the_cached_data_is_the_parsed_data(monkeypatch, tmp_path):
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(tmp_path / "cache"))
    _fresh(monkeypatch, tmp_path, "a: [1, 2.5, 送温暖]\nb: {c: null, d: true}\n")
    first = resources.load_data("thing.yaml")
    assert list((tmp_path / "cache" / "data").glob("thing-*.marshal"))
    resources.load_data.cache_clear()
    monkeypatch.setattr(yaml, "load", None)  # a second process would not parse it again
    assert resources.load_data("thing.yaml") == first == {"a": [1, 2.5, "送温暖"], "b": {"c": None, "d": True}}
    resources.load_data.cache_clear()


def test_a_changed_file_is_parsed_again(monkeypatch, tmp_path):
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(tmp_path / "cache"))
    path = _fresh(monkeypatch, tmp_path, "a: 1\n")
    assert resources.load_data("thing.yaml") == {"a": 1}
    path.write_text("a: 2\n", encoding="utf-8")
    resources.load_data.cache_clear()
    assert resources.load_data("thing.yaml") == {"a": 2}
    resources.load_data.cache_clear()


def test_an_unwritable_cache_folder_is_skipped(monkeypatch, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(blocked))  # a file where the folder should be
    _fresh(monkeypatch, tmp_path, "a: 1\n")
    assert resources.load_data("thing.yaml") == {"a": 1}
    resources.load_data.cache_clear()


def test_a_warm_cache_spares_the_yaml_import(tmp_path):
    env = {**os.environ, "DRAFTER_CACHE_DIR": str(tmp_path)}
    code = "import sys; from drafter.domain.units import list_units; list_units(); print('yaml' in sys.modules)"
    for expect in ("True", "False"):
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == expect


def test_an_edited_data_file_that_is_not_yaml_is_one_line_naming_the_place(monkeypatch, tmp_path):
    import pytest

    from drafter.errors import ConfigError

    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(tmp_path / "cache"))
    _fresh(monkeypatch, tmp_path, "a: 1\nwhen: {event: 中秋节, also: {7: 摸清{staff}情况}}\n")
    with pytest.raises(ConfigError, match=r"not valid YAML .* line 2, column \d+\): fix that line") as err:
        resources.load_data("thing.yaml")
    assert "\n" not in str(err.value)
    resources.load_data.cache_clear()

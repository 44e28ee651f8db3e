"""`drafter write`, `drafter outline` and `drafter units` through typer's CliRunner."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from drafter.cli import app

runner = CliRunner()


@pytest.fixture()
def env(corpus_index, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    return ["--index", str(corpus_index.index_dir)]


def test_units():
    r = runner.invoke(app, ["units"])
    assert r.exit_code == 0 and "kindergarten" in r.stdout and "园务公开" in r.stdout
    r = runner.invoke(app, ["units", "--json"])
    assert '"id": "hospital"' in r.stdout


def test_write_to_stdout_says_which_writer(env):
    r = runner.invoke(app, ["write", "--unit", "kindergarten", "--year", "2024", *env])
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("# 幼儿园2024年工会工作计划\n")
    assert "offline composer" in r.stderr and "offline composer" not in r.stdout


def test_write_to_files_and_refuse_overwrite(env, tmp_path):
    out = tmp_path / "plan.md"
    r = runner.invoke(app, ["write", "-u", "医院", "-y", "2026", "--name", "市第一人民医院", "--out", str(out), *env])
    assert r.exit_code == 0, r.stderr
    assert out.read_text(encoding="utf-8").startswith("# 市第一人民医院2026年工会工作计划") and r.stdout == ""
    r = runner.invoke(app, ["write", "-u", "医院", "-y", "2026", "--out", str(out), *env])
    assert r.exit_code != 0 and "already exists" in r.stderr and "--force" in r.stderr
    r = runner.invoke(app, ["write", "-u", "医院", "-y", "2026", "--out", str(out), "--force", *env])
    assert r.exit_code == 0 and out.read_text(encoding="utf-8").startswith("# 医院2026")


def test_docx_and_traditional(env, tmp_path):
    import docx

    out = tmp_path / "plan.docx"
    r = runner.invoke(app, ["write", "-u", "enterprise", "-y", "2019", "--format", "docx", "--out", str(out), *env])
    assert r.exit_code == 0, r.stderr
    assert docx.Document(str(out)).paragraphs[0].text == "企业2019年工会工作计划"
    r = runner.invoke(app, ["write", "-u", "enterprise", "-y", "2019", "--format", "docx", *env])
    assert r.exit_code == 2 and "--out" in r.stderr
    r = runner.invoke(app, ["write", "-u", "enterprise", "-y", "2019", "--script", "traditional", *env])
    assert r.exit_code == 0 and r.stdout.startswith("# 企業2019年工會工作計劃")


@pytest.mark.parametrize("args,needle", [
    (["--unit", "zoo", "--year", "2024"], "known units: kindergarten"),
    (["--unit", "kindergarten", "--year", "1999"], "between 2000 and 2100"),
    (["--unit", "kindergarten", "--year", "2024", "--provider", "gpt"], "unknown provider"),
    (["--year", "2024"], "--unit"),
])
def test_write_errors_are_one_line(env, args, needle):
    r = runner.invoke(app, ["write", *args, *env])
    assert r.exit_code != 0
    assert needle in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_outline_edit_then_write(env, tmp_path):
    path = tmp_path / "o.yaml"
    r = runner.invoke(app, ["outline", "-u", "kindergarten", "-y", "2024", "--brief", "今年重点：教职工心理健康", "--out", str(path)])
    assert r.exit_code == 0 and "drafter write --outline" in r.stderr
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: 指导思想", "title: 总体要求"), encoding="utf-8")
    r = runner.invoke(app, ["write", "--outline", str(path), *env])
    assert r.exit_code == 0, r.stderr
    assert "## 一、总体要求" in r.stdout and "心理健康" in r.stdout
    r = runner.invoke(app, ["outline", "-u", "kindergarten", "-y", "2024"])
    assert r.stdout.startswith("# drafter 提纲文件") and "sections:" in r.stdout


def test_malformed_outline_is_one_line_with_line_number(env, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("unit: kindergarten\nyear: 2024\nsections:\n  - id: a\n    title: [oops\n", encoding="utf-8")
    r = runner.invoke(app, ["write", "--outline", str(path), *env])
    assert r.exit_code == 2 and f"{path}:5" in r.stderr and r.stderr.count("\n") == 1


def test_help_lists_commands():
    r = runner.invoke(app, ["--help"])
    for cmd in ("write", "outline", "units"):
        assert cmd in r.stdout


def test_failed_sections_exit_non_zero_after_writing_the_rest(env, monkeypatch, tmp_path):
    from drafter.draft import writers
    from drafter.draft.offline_writer import OfflineWriter

    class Flaky(OfflineWriter):
        def write(self, request):
            if request.section.id == "women_workers":
                raise RuntimeError("upstream 502")
            return super().write(request)

    monkeypatch.setitem(writers.WRITERS, "offline", lambda **kw: Flaky())
    out = tmp_path / "plan.md"
    r = runner.invoke(app, ["write", "-u", "kindergarten", "-y", "2024", "--out", str(out), *env])
    assert r.exit_code == 4
    assert "1 section(s) failed" in r.stderr and "做好女教职工工作" in r.stderr
    text = out.read_text(encoding="utf-8")
    assert "园务公开" in text and "维护女教职工特殊权益" not in text.split("## 附")[0]


def test_model_unreachable_is_one_line_and_nothing_on_stdout(env, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(env[1]) + "-cache")
    r = runner.invoke(app, ["write", "-u", "kindergarten", "-y", "2024", "--provider", "openai",
                            "--base-url", f"http://127.0.0.1:{port}/v1", "--max-retries", "0", "--timeout", "5", *env])
    assert r.exit_code == 4
    errors = [l for l in r.stderr.splitlines() if "error" in l.lower()]
    assert errors == [f"drafter: error: cannot reach the model server at http://127.0.0.1:{port}/v1: is it running? "
                      "set --base-url/OPENAI_BASE_URL"]
    assert r.stdout == "" and "Traceback" not in r.stderr


def test_openai_without_key_or_url_is_one_line(env):
    r = runner.invoke(app, ["write", "-u", "kindergarten", "-y", "2024", "--provider", "openai", *env])
    assert r.exit_code != 0 and r.stdout == ""
    assert "OPENAI_API_KEY" in r.stderr and "Traceback" not in r.stderr

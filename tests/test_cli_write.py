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
    assert r.stdout.startswith("# 【待填：单位名称】2024年工会工作计划\n")
    assert "offline composer" in r.stderr and "offline composer" not in r.stdout


def test_write_to_files_and_refuse_overwrite(env, tmp_path):
    out = tmp_path / "plan.md"
    r = runner.invoke(app, ["write", "-u", "医院", "-y", "2026", "--name", "市第一人民医院", "--out", str(out), *env])
    assert r.exit_code == 0, r.stderr
    assert out.read_text(encoding="utf-8").startswith("# 市第一人民医院2026年工会工作计划") and r.stdout == ""
    r = runner.invoke(app, ["write", "-u", "医院", "-y", "2026", "--out", str(out), *env])
    assert r.exit_code != 0 and "already exists" in r.stderr and "--force" in r.stderr
    r = runner.invoke(app, ["write", "-u", "医院", "-y", "2026", "--out", str(out), "--force", *env])
    assert r.exit_code == 0 and out.read_text(encoding="utf-8").startswith("# 【待填：单位名称】2026")


def test_docx_and_traditional(env, tmp_path):
    import docx

    out = tmp_path / "plan.docx"
    r = runner.invoke(app, ["write", "-u", "enterprise", "-y", "2019", "--format", "docx", "--out", str(out), *env])
    assert r.exit_code == 0, r.stderr
    assert docx.Document(str(out)).paragraphs[0].text == "【待填：单位名称】2019年工会工作计划"
    r = runner.invoke(app, ["write", "-u", "enterprise", "-y", "2019", "--format", "docx", *env])
    assert r.exit_code == 2 and "--out" in r.stderr
    r = runner.invoke(
        app, ["write", "-u", "enterprise", "-y", "2019", "--format", "docx", "-o", str(tmp_path / "p.md"), *env]
    )
    assert r.exit_code == 2 and "does not match" in r.stderr and not (tmp_path / "p.docx").exists()
    r = runner.invoke(app, ["write", "-u", "enterprise", "-y", "2019", "--script", "traditional", *env])
    assert r.exit_code == 0 and r.stdout.startswith("# 【待填：單位名稱】2019年工會工作計劃")


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--unit", "zoo", "--year", "2024"], "known units: kindergarten"),
        (["--unit", "kindergarten", "--year", "1999"], "between 2000 and 2099"),
        (["--unit", "kindergarten", "--year", "2024", "--provider", "gpt"], "unknown provider"),
        (["--year", "2024"], "--unit"),
        (["--unit", "school", "--year", "2024"], "primary_school"),
        (["--unit", "kindergarten", "--year", "2100"], "between 2000 and 2099"),
        (["--unit", "kindergarten", "--year", "2024", "--name", "阳光\n# 幼儿园"], "one line"),
        (["--unit", "kindergarten", "--year", "2024", "--format", "pdf"], "unknown format"),
        (["--unit", "kindergarten", "--year", "2024", "--outline", "."], "folder"),
    ],
)
def test_write_errors_are_one_line(env, args, needle):
    r = runner.invoke(app, ["write", *args, *env])
    assert r.exit_code != 0
    assert needle in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_outline_edit_then_write(env, tmp_path):
    path = tmp_path / "o.yaml"
    r = runner.invoke(
        app, ["outline", "-u", "kindergarten", "-y", "2024", "--brief", "今年重点：教职工心理健康", "--out", str(path)]
    )
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
    path.write_text("unit: kindergarten\nyear: 2024\nsections:\n  - id: custom_a\n    title: [oops\n", encoding="utf-8")
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
    assert "园务公开" in text and "维护女教职工特殊权益" not in text


def test_model_unreachable_is_one_line_and_nothing_on_stdout(env, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(env[1]) + "-cache")
    r = runner.invoke(
        app,
        [
            "write",
            "-u",
            "kindergarten",
            "-y",
            "2024",
            "--provider",
            "openai",
            "--base-url",
            f"http://127.0.0.1:{port}/v1",
            "--max-retries",
            "0",
            "--timeout",
            "5",
            *env,
        ],
    )
    assert r.exit_code == 4
    errors = [x for x in r.stderr.splitlines() if "error" in x.lower()]
    assert errors == [
        f"drafter: error: cannot reach the model server at http://127.0.0.1:{port}/v1: is it running? "
        "set --base-url/OPENAI_BASE_URL"
    ]
    assert r.stdout == "" and "Traceback" not in r.stderr


def test_openai_without_key_or_url_is_one_line(env):
    r = runner.invoke(app, ["write", "-u", "kindergarten", "-y", "2024", "--provider", "openai", *env])
    assert r.exit_code != 0 and r.stdout == ""
    assert "OPENAI_API_KEY" in r.stderr and "Traceback" not in r.stderr


def test_txt_output_is_plain_text(env, tmp_path):
    out = tmp_path / "plan.txt"
    r = runner.invoke(app, ["write", "-u", "kindergarten", "-y", "2024", "-o", str(out), *env])
    assert r.exit_code == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("【待填：单位名称】2024年工会工作计划\n") and "#" not in text and "一、指导思想" in text


def test_unfilled_facts_are_listed_on_stderr_and_facts_fill_them(env, tmp_path):
    r = runner.invoke(app, ["write", "-u", "kindergarten", "-y", "2024", "--name", "阳光幼儿园", *env])
    assert "facts to fill in" in r.stderr and "落款日期" in r.stderr and "【待填：落款日期】" in r.stdout
    facts = tmp_path / "facts.yaml"
    r = runner.invoke(app, ["facts", "--unit", "幼儿园"])
    assert r.exit_code == 0 and "女职工人数:" in r.stdout and "# " in r.stdout
    facts.write_text(r.stdout.replace("落款日期:", "落款日期: 2024年1月8日"), encoding="utf-8")
    r = runner.invoke(
        app, ["write", "-u", "kindergarten", "-y", "2024", "--name", "阳光幼儿园", "--facts", str(facts), *env]
    )
    assert r.exit_code == 0, r.stderr
    assert r.stdout.rstrip().endswith("2024年1月8日") and "落款日期" not in r.stderr


def test_bad_facts_files_are_one_line(env, tmp_path):
    bad = tmp_path / "f.yaml"
    bad.write_text("女工人数: 3\n", encoding="utf-8")
    r = runner.invoke(app, ["write", "-u", "kindergarten", "-y", "2024", "--facts", str(bad), *env])
    assert r.exit_code == 2 and "did you mean" in r.stderr and r.stderr.count("\n") == 1
    r = runner.invoke(app, ["write", "-u", "kindergarten", "-y", "2024", "--facts", str(tmp_path / "no.yaml"), *env])
    assert r.exit_code == 2 and "not found" in r.stderr


def test_conflicting_options_with_an_outline_are_an_error(env, tmp_path):
    path = tmp_path / "o.yaml"
    runner.invoke(app, ["outline", "-u", "kindergarten", "-y", "2024", "--out", str(path)])
    r = runner.invoke(app, ["write", "--outline", str(path), "--unit", "hospital", *env])
    assert r.exit_code == 2 and "conflicts" in r.stderr
    r = runner.invoke(app, ["write", "--outline", str(path), "--brief", "今年重点：读书", *env])
    assert r.exit_code == 2 and "already holds the brief" in r.stderr


def test_sources_go_to_their_own_file(env, tmp_path):
    src = tmp_path / "sources.md"
    r = runner.invoke(app, ["write", "-u", "hospital", "-y", "2025", "--sources", str(src), *env])
    assert r.exit_code == 0, r.stderr
    assert "起草来源" in src.read_text(encoding="utf-8") and "起草来源" not in r.stdout


def test_version():
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.stdout.startswith("drafter ")


def test_tilde_paths_are_the_home_folder(env, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    r = runner.invoke(app, ["write", "-u", "kindergarten", "-y", "2024", "-o", "~/plan.md", *env])
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "plan.md").exists()


def test_debug_shows_the_traceback(env):
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "drafter", "write", "--unit", "zoo", "--year", "2024"]
    quiet = subprocess.run(cmd, capture_output=True, text=True, env={**__import__("os").environ, "DRAFTER_DEBUG": "0"})
    loud = subprocess.run(cmd, capture_output=True, text=True, env={**__import__("os").environ, "DRAFTER_DEBUG": "1"})
    assert quiet.returncode == 2 and "Traceback" not in quiet.stderr
    assert loud.returncode != 0 and "Traceback" in loud.stderr and "UnknownUnitError" in loud.stderr

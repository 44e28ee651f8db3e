"""`drafter revise` through typer's CliRunner: outputs, the change list, marks, and one-line errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drafter.cli import app

DATA = Path(__file__).parent / "data" / "revise"
runner = CliRunner()


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def test_markdown_to_stdout_change_list_to_stderr_with_the_inferred_unit_and_year():
    r = runner.invoke(app, ["revise", str(DATA / "hospital_2023_gb18030.txt"), "--year", "2025"])
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("# 市第一人民医院2025年工会工作计划\n")
    assert "【新增】" not in r.stdout and "【待核：" in r.stdout
    assert "unit hospital (inferred from 医院" in r.stderr
    assert (
        "last year's plan is for 2023 (inferred from 市第一人民医院2023年工会工作计划); revising for 2025" in r.stderr
    )
    assert "# 修订说明：" in r.stderr and "# 修订说明：" not in r.stdout


def test_outputs_by_suffix_changes_file_and_marks(tmp_path):
    src = DATA / "kindergarten_2024.md"
    out, changes = tmp_path / "2025.docx", tmp_path / "changes.md"
    r = runner.invoke(
        app,
        [
            "revise",
            str(src),
            "-y",
            "2025",
            "--brief",
            "今年重点：教职工心理健康",
            "-o",
            str(out),
            "--changes",
            str(changes),
            "--mark-changes",
        ],
    )
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "" and out.exists() and changes.read_text(encoding="utf-8").startswith("# 修订说明：")
    assert f"the change list is in {changes}" in r.stderr

    import docx

    runs = [run for p in docx.Document(str(out)).paragraphs for run in p.runs]
    assert any(run.font.highlight_color for run in runs)

    r = runner.invoke(app, ["revise", str(src), "-y", "2025", "--mark-changes", "--format", "txt"])
    assert r.exit_code == 0 and r.stdout.startswith("向阳花幼儿园【已更新：2024→2025】年工会工作计划\n")
    assert "【新增】" in r.stdout and "\n#" not in r.stdout


def test_facts_unit_and_from_year(tmp_path):
    facts = tmp_path / "facts.yaml"
    facts.write_text("职工人数: 72\n会员人数: 70\n", encoding="utf-8")
    r = runner.invoke(
        app,
        [
            "revise",
            str(DATA / "kindergarten_2024.md"),
            "-y",
            "2026",
            "--facts",
            str(facts),
            "-u",
            "幼儿园",
            "--from-year",
            "2024",
        ],
    )
    assert r.exit_code == 0, r.stderr
    assert "全园教职工72人" in r.stdout and "现有会员70名" in r.stdout
    assert "unit kindergarten (given)" in r.stderr and "last year's plan is for 2024 (given)" in r.stderr


def test_docx_in_traditional_out(tmp_path):
    r = runner.invoke(app, ["revise", str(DATA / "community_2021.docx"), "-y", "2025", "-o", str(tmp_path / "p.md")])
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "p.md").read_text(encoding="utf-8").startswith("# 幸福里社区2025年工会工作计划")
    r = runner.invoke(app, ["revise", str(DATA / "enterprise_2018_traditional.txt"), "-y", "2025"])
    assert r.exit_code == 0 and r.stdout.startswith("# 宏達機械有限公司2025年工會工作計劃")


def test_an_existing_output_needs_force(tmp_path):
    out = tmp_path / "plan.md"
    out.write_text("旧文件", encoding="utf-8")
    args = ["revise", str(DATA / "university_2019.txt"), "-y", "2025", "-o", str(out)]
    r = runner.invoke(app, args)
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert "already exists" in r.stderr and "--force" in r.stderr
    assert out.read_text(encoding="utf-8") == "旧文件"
    changes = tmp_path / "changes.md"
    changes.write_text("旧", encoding="utf-8")
    r = runner.invoke(app, [*args[:-2], "--changes", str(changes)])
    assert r.exit_code == 2 and "already exists" in r.stderr and r.stdout == ""
    r = runner.invoke(app, [*args, "--force"])
    assert r.exit_code == 0 and out.read_text(encoding="utf-8").startswith("# 滨江大学2025年工会工作要点")


def _unreadable(tmp_path: Path) -> list[Path]:
    binary = tmp_path / "plan.txt"
    binary.write_bytes(b"\x00\x01\x02PK\x00\xff" * 20)
    broken = tmp_path / "plan.docx"
    broken.write_bytes(b"PK\x03\x04 not really a word file")
    empty = tmp_path / "empty.md"
    empty.write_text("  \n", encoding="utf-8")
    old = tmp_path / "plan.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    return [binary, broken, empty, old]


@pytest.mark.parametrize(
    "args,needle",
    [
        (["missing.docx", "-y", "2025"], "file not found"),
        (["{data}/kindergarten_2024.md", "-y", "1999"], "between 2000 and 2099"),
        (["{data}/kindergarten_2024.md", "-y", "2100"], "between 2000 and 2099"),
        (["{data}/kindergarten_2024.md", "-y", "2024"], "reads as a plan for 2024"),
        (["{data}/kindergarten_2024.md", "-y", "2025", "-u", "zoo"], "known units"),
        (["{data}/kindergarten_2024.md", "-y", "2025", "--provider", "gpt"], "unknown provider"),
        (["{data}/kindergarten_2024.md", "-y", "2025", "--format", "pdf"], "unknown format"),
        (["{data}", "-y", "2025"], "is a folder"),
    ],
)
def test_errors_are_one_line(args, needle, tmp_path):
    args = [a.format(data=DATA) for a in args]
    r = runner.invoke(app, ["revise", *args])
    assert r.exit_code != 0
    assert needle in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_unreadable_files_are_one_line_errors(tmp_path):
    for path in _unreadable(tmp_path):
        r = runner.invoke(app, ["revise", str(path), "-y", "2025"])
        assert r.exit_code == 2, (path, r.stderr)
        assert r.stderr.startswith("drafter: error: ") and r.stderr.count("\n") == 1, (path, r.stderr)
        assert str(path.name) in r.stderr


def test_a_copy_of_the_data_keeps_working(tmp_path):
    """The file's own name does not matter (the unit and year come from its text)."""
    copy = tmp_path / "去年的计划.txt"
    shutil.copy(DATA / "hospital_2023_gb18030.txt", copy)
    r = runner.invoke(app, ["revise", str(copy), "-y", "2024"])
    assert r.exit_code == 0 and r.stdout.startswith("# 市第一人民医院2024年工会工作计划")

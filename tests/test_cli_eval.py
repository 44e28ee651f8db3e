"""`drafter score` and `drafter eval` through typer's CliRunner."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from drafter.cli import app

runner = CliRunner()

PLAN_MD = """# 人民医院2024年工会工作计划

2024年，院工会将在院党委的领导下，团结带领全体医务职工立足岗位、建功立业。

## 一、指导思想

以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神，认真落实中国工会十八大精神。

## 二、加强民主管理

按时召开职工代表大会，审议医院工作报告，深化院务公开，保障医务职工的知情权、参与权和监督权。

## 三、关心医务职工生活

坚持困难职工帮扶制度，做好生日慰问和住院探望，7月组织年度健康体检，每季度开展1次医务人员心理疏导讲座。

## 四、加强工会自身建设

加强工会干部学习培训，规范工会经费管理使用，完善会员档案，建设医务职工信赖的职工之家。
"""


@pytest.fixture(autouse=True)
def _env(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cli-eval-cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def run(*args, input: str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def _one_line_error(result, code: int, *words: str) -> None:
    assert result.exit_code == code, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines and lines[-1].startswith("drafter: error: "), result.stderr
    assert "Traceback" not in result.output
    for w in words:
        assert w in lines[-1]


def test_score_markdown_file_summary_and_json(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text(PLAN_MD, encoding="utf-8")
    res = run("score", path, "--brief", "今年重点：医务人员心理疏导、职业技能竞赛")
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert out.startswith("overall ") and "unit hospital (inferred)" in out and "year 2024 (inferred)" in out
    assert "1/2 asks turned into activities; missing: 职业技能竞赛" in out
    res = run("score", path, "--unit", "医院", "--year", "2024", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert 0 < data["overall"] <= 1 and data["unit"] == "hospital" and data["year"] == 2024
    assert data["inferred"]["unit"]["inferred"] is False
    assert data["kind"] == "plan" and data["format"] == "markdown"
    assert set(data["metrics"]) >= {
        "coverage",
        "order",
        "placeholders",
        "boilerplate",
        "foreign_words",
        "wrong_years",
        "stale_terms",
        "repeats",
        "copying",
        "asks",
        "relevance",
        "substance",
        "must_have",
        "era",
        "unit_match",
    }
    assert data["metrics"]["placeholders"]["value"] == 0
    assert {"quality", "order_factor", "penalty", "kind_factor", "unit_factor"} == set(data["components"])
    assert data["schema"] == 2 and all("relevance" in row and "substance" in row for row in data["sections"])


def test_score_reads_stdin_and_flags_faults(tmp_path):
    damaged = PLAN_MD.replace("2024年，院工会", "20xx年，院工会") + "\n以上范文供大家参考。\n"
    res = run("score", "-", "--unit", "hospital", "--year", "2024", "--json", input=damaged)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["metrics"]["placeholders"]["value"] >= 1 and data["metrics"]["boilerplate"]["value"] >= 1
    clean = json.loads(run("score", "-", "--unit", "hospital", "--year", "2024", "--json", input=PLAN_MD).stdout)
    assert data["overall"] < clean["overall"]


def test_score_bad_input_is_one_line(tmp_path):
    _one_line_error(run("score", tmp_path / "missing.md"), 2, "file not found", "missing.md")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02" * 100)
    _one_line_error(run("score", tmp_path / "bin.txt"), 2, "binary")
    (tmp_path / "bad.docx").write_bytes(b"not a zip")
    _one_line_error(run("score", tmp_path / "bad.docx"), 2, "Word document")
    _one_line_error(run("score", "-", input="   "), 2, "stdin")
    _one_line_error(run("score", tmp_path / "missing.md", "--unit", "火星"), 2)
    path = tmp_path / "plan.md"
    path.write_text(PLAN_MD, encoding="utf-8")
    _one_line_error(run("score", path, "--unit", "火星"), 2, "unknown unit")


def test_eval_offline_writes_reports_and_fails_on_thresholds(tmp_path, corpus_index):
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        yaml.safe_dump(
            {
                "name": "cli",
                "briefs": [
                    {"id": "gov", "unit": "government", "year": 2025, "brief": "今年重点：机关干部健康体检"},
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    ok = tmp_path / "ok.yaml"
    ok.write_text(yaml.safe_dump({"mean": {"overall": 0.1}, "max": {"placeholders": 0}}), encoding="utf-8")
    res = run(
        "eval",
        "--suite",
        suite,
        "--out",
        tmp_path / "out",
        "--thresholds",
        ok,
        "--index",
        corpus_index.index_dir,
        "--no-reference",
        "--update-baseline",
    )
    assert res.exit_code == 0, res.output
    assert "thresholds: passed" in res.stdout and "report.md" in res.stdout
    for name in ("report.json", "report.md", "coverage.png"):
        assert (tmp_path / "out" / name).is_file()
    assert (tmp_path / "baseline.json").is_file()
    strict = tmp_path / "strict.yaml"
    strict.write_text(yaml.safe_dump({"mean": {"overall": 0.999}}), encoding="utf-8")
    res = run(
        "eval",
        "--suite",
        suite,
        "--out",
        tmp_path / "out2",
        "--thresholds",
        strict,
        "--index",
        corpus_index.index_dir,
        "--no-reference",
        "--json",
    )
    _one_line_error(res, 5, "eval thresholds not met", "mean overall")
    data = json.loads(res.stdout)
    assert data["passed"] is False and data["breaches"]
    assert (tmp_path / "out2" / "report.md").is_file()


def test_eval_bad_suite_and_provider(tmp_path, corpus_index):
    _one_line_error(run("eval", "--suite", tmp_path / "none.yaml", "--out", tmp_path / "o"), 2, "file not found")
    (tmp_path / "s.yaml").write_text("briefs:\n  - {unit: hospital, year: 2024}\n", encoding="utf-8")
    _one_line_error(
        run(
            "eval",
            "--suite",
            tmp_path / "s.yaml",
            "--provider",
            "openai",
            "--out",
            tmp_path / "o",
            "--index",
            corpus_index.index_dir,
        ),
        2,
        "OPENAI_API_KEY",
    )

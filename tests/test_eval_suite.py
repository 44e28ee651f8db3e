"""The eval runner: suite files, drafting and scoring, reports, baselines, thresholds, providers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from drafter.errors import ConfigError, InputError, ThresholdError
from drafter.evaluate.gate import check_thresholds, load_baseline, save_baseline
from drafter.evaluate.score import parse_asks
from drafter.evaluate.suite import evals_dir, load_suite, run_eval

LENIENT = {"mean": {"overall": 0.05}, "min": {"coverage": 0.05}, "max": {"placeholders": 0}, "script_match": True}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "eval-cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def write_suite(folder: Path, briefs: list[dict], thresholds: dict | None = None, name: str = "tiny") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = {"name": name, "briefs": briefs}
    if thresholds is not None:
        (folder / "thresholds.yaml").write_text(yaml.safe_dump(thresholds, allow_unicode=True), encoding="utf-8")
    path = folder / "suite.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


TWO = [
    {"id": "kg", "unit": "幼儿园", "year": 2024, "brief": "今年重点：教职工心理健康、筹建职工之家"},
    {"id": "hosp-trad", "unit": "hospital", "year": 2025, "script": "traditional"},
]


# --------------------------------------------------------------------------- suite files


def test_shipped_suites_cover_units_years_scripts_and_asks():
    from drafter.domain.units import unit_ids

    suite = load_suite(evals_dir() / "suite.yaml")
    assert len(suite.briefs) >= 12
    assert {b.unit for b in suite.briefs} >= set(unit_ids(drafting_only=True))
    years = {b.year for b in suite.briefs}
    assert min(years) <= 2019 and max(years) >= 2027 and len(years) >= 5
    assert {b.script for b in suite.briefs} == {"simplified", "traditional"}
    assert sum(1 for b in suite.briefs if len(parse_asks(b.brief)) >= 2) >= 5
    assert suite.thresholds is not None and suite.thresholds.name == "thresholds.yaml"
    smoke = load_suite(evals_dir() / "smoke.yaml")
    assert 3 <= len(smoke.briefs) <= 4 and smoke.name == "smoke"
    assert {b.id for b in smoke.briefs} <= {b.id for b in suite.briefs}


@pytest.mark.parametrize(
    "content,words",
    [
        ("briefs: [", ["not valid YAML"]),
        ("name: x\n", ["briefs"]),
        ("briefs:\n  - {unit: hospital}\n", ["#1", "year"]),
        ("briefs:\n  - {unit: hospital, year: abc}\n", ["year"]),
        ("briefs:\n  - {unit: 火星, year: 2024}\n", ["unknown unit"]),
        ("briefs:\n  - {unit: hospital, year: 2024, script: latin}\n", ["script"]),
        ("briefs:\n  - {id: a, unit: hospital, year: 2024}\n  - {id: a, unit: hospital, year: 2025}\n", ["twice"]),
    ],
)
def test_bad_suite_files_are_input_errors(tmp_path, content, words):
    path = tmp_path / "suite.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_suite(path)
    for w in words:
        assert w in str(err.value)
    with pytest.raises(InputError, match="file not found"):
        load_suite(tmp_path / "nope.yaml")


# --------------------------------------------------------------------------- thresholds and baselines (pure)


def _row(system, brief, overall, **metrics):
    return {
        "system": system,
        "brief": brief,
        "unit": "hospital",
        "year": 2024,
        "script": "simplified",
        "script_out": metrics.pop("script_out", "simplified"),
        "overall": overall,
        "metrics": {"overall": overall, **metrics},
        "reasons": {k: f"{k} reason" for k in metrics},
        "error": None,
    }


def test_check_thresholds_mean_min_max_errors_and_script():
    rows = [
        _row("offline", "a", 0.8, coverage=0.9, placeholders=0),
        _row("offline", "b", 0.4, coverage=0.5, placeholders=2, script_out="traditional"),
        _row("reference", "c", 0.1, coverage=0.1, placeholders=9),
    ]
    aggregates = {"offline": {"mean": {"overall": 0.6}}, "reference": {"mean": {"overall": 0.1}}}
    th = {"mean": {"overall": 0.7}, "min": {"coverage": 0.6}, "max": {"placeholders": 0}, "script_match": True}
    breaches = check_thresholds(rows, aggregates, th)
    assert any(b.startswith("offline: mean overall 0.60 < 0.70") for b in breaches)
    assert any("offline/b: coverage 0.50 < 0.60" in b for b in breaches)
    assert any("offline/b: placeholders 2 > 0 (placeholders reason)" in b for b in breaches)
    assert any("offline/b: asked for simplified script, got traditional" in b for b in breaches)
    assert not any("reference" in b for b in breaches)  # the human reference is never gated
    assert check_thresholds(rows[:1], {"offline": {"mean": {"overall": 0.8}}}, th) == []
    failed = dict(rows[0], error="model down", metrics={"overall": 0.0})
    assert any("1 drafts failed" in b for b in check_thresholds([failed], aggregates, {"max_errors": 0}))


def test_baseline_is_kept_per_suite(tmp_path):
    path = tmp_path / "baseline.json"
    rows = [_row("offline", "a", 0.8, coverage=0.9)]
    save_baseline(path, "smoke", rows, {"offline": {"mean": {"overall": 0.8}}})
    save_baseline(path, "suite", rows, {"offline": {"mean": {"overall": 0.7}}})
    assert load_baseline(path, "smoke")["systems"]["offline"]["mean"]["overall"] == 0.8
    assert load_baseline(path, "suite")["systems"]["offline"]["briefs"]["a"]["coverage"] == 0.9
    assert load_baseline(path, "other") is None
    assert load_baseline(tmp_path / "none.json", "smoke") is None
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="baseline"):
        load_baseline(tmp_path / "broken.json", "smoke")


# --------------------------------------------------------------------------- running


@pytest.fixture(scope="module")
def tiny_run(corpus_index, tmp_path_factory):
    """One offline run of a two-brief suite, with the corpus reference, stored as the baseline."""
    import os

    folder = tmp_path_factory.mktemp("tiny-suite")
    suite = write_suite(folder, TWO, LENIENT)
    os.environ.pop("OPENAI_API_KEY", None)
    os.environ.pop("OPENAI_BASE_URL", None)
    seen: list[tuple[int, int, str]] = []
    result = run_eval(
        suite,
        out_dir=folder / "out",
        config=corpus_index,
        update_baseline=True,
        progress=lambda d, t, label: seen.append((d, t, label)),
    )
    return folder, result, seen


def test_run_writes_the_three_reports(tiny_run):
    folder, result, seen = tiny_run
    out = folder / "out"
    assert {p.name for p in out.iterdir()} >= {"report.json", "report.md", "coverage.png"}
    assert (out / "coverage.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["suite"] == "tiny" and data["systems"] == ["offline", "reference"]
    drafts = [r for r in data["rows"] if r["system"] == "offline"]
    assert [r["brief"] for r in drafts] == ["kg", "hosp-trad"]
    for r in drafts:
        assert 0 < r["overall"] <= 1 and r["error"] is None
        assert set(r["metrics"]) >= {
            "overall",
            "coverage",
            "relevance",
            "substance",
            "must_have",
            "asks",
            "placeholders",
        }
    assert drafts[1]["script_out"] == "traditional"
    assert drafts[0]["metrics"]["asks"] == 1.0
    refs = [r for r in data["rows"] if r["system"] == "reference"]
    assert len(refs) >= 10 and all(r["kind"] in ("plan", "summary_and_plan") for r in refs)
    assert "hospital" in data["reference_by_unit"]
    assert data["coverage"]["offline"]["kindergarten"]["guiding_ideology"] == 1.0
    assert seen[0][:2] == (1, 2) and "kg" in seen[0][2]
    assert result.passed and result.files["markdown"].endswith("report.md")


def test_report_markdown_reads_as_tables_with_shortfalls(tiny_run):
    folder, _result, _ = tiny_run
    md = (folder / "out" / "report.md").read_text(encoding="utf-8")
    assert "## Thresholds: passed" in md
    assert "| system | plans | mean overall |" in md
    assert "## offline: briefs × metrics" in md
    assert "| kg | kindergarten | 2024 | simplified |" in md
    assert "| hosp-trad | hospital | 2025 | traditional |" in md
    assert "What a reader would notice:" in md and "**kg**" in md
    assert "## Human reference: corpus union plans by unit" in md
    assert "coverage.png" in md


def test_second_run_compares_with_the_baseline_and_thresholds_fail(tiny_run, corpus_index):
    folder, _first, _ = tiny_run
    assert json.loads((folder / "baseline.json").read_text(encoding="utf-8"))["suites"]["tiny"]
    strict = folder / "strict.yaml"
    strict.write_text(yaml.safe_dump({"mean": {"overall": 1.01}, "min": {"coverage": 1.01}}), encoding="utf-8")
    result = run_eval(
        folder / "suite.yaml", out_dir=folder / "out2", config=corpus_index, thresholds=strict, reference=False
    )
    assert result.baseline is not None
    md = (folder / "out2" / "report.md").read_text(encoding="utf-8")
    assert "(=)" in md  # same drafts as the baseline: no change
    assert "## Thresholds: **FAILED**" in md and "offline: mean overall" in md
    assert any("offline/kg: coverage" in b for b in result.breaches)
    with pytest.raises(ThresholdError) as err:
        result.check()
    assert err.value.exit_code == 5 and "\n" not in str(err.value) and "report.md" in str(err.value)
    with pytest.raises(ThresholdError):
        run_eval(
            folder / "suite.yaml",
            out_dir=folder / "out3",
            config=corpus_index,
            thresholds=strict,
            reference=False,
            check=True,
        )
    assert (folder / "out3" / "report.md").exists()  # reports are written before failing


def test_openai_provider_needs_a_model(tmp_path, corpus_index):
    suite = write_suite(tmp_path, TWO[:1])
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        run_eval(suite, provider="openai", out_dir=tmp_path / "out", config=corpus_index)
    with pytest.raises(ConfigError, match="provider"):
        run_eval(suite, provider="claude", out_dir=tmp_path / "out", config=corpus_index)


def test_openai_writer_beside_the_offline_composer(fake_openai, tmp_path, corpus_index, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(tmp_path / "cache"))
    suite = write_suite(tmp_path / "s", TWO[:1], LENIENT)
    result = run_eval(suite, provider="auto", out_dir=tmp_path / "out", config=corpus_index, reference=False)
    assert result.systems == ["offline", "openai"]
    by_system = {r["system"]: r for r in result.rows}
    assert set(by_system) == {"offline", "openai"}
    assert all(r["error"] is None for r in by_system.values()), by_system
    assert by_system["offline"]["overall"] > 0 and by_system["openai"]["overall"] > 0
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "## openai: briefs × metrics" in md


def test_report_markdown_shows_failures_and_deltas():
    from drafter.evaluate.report import render_markdown

    ok = _row("offline", "a", 0.7, coverage=0.8, placeholders=1)
    ok.update(missing=["worker_care"], reasons={"placeholders": "1 placeholders, e.g. 20xx年"}, chars={})
    failed = {**_row("offline", "b", 0.0), "error": "model down: timeout", "missing": [], "chars": {}}
    result = {
        "suite": "t",
        "started": "now",
        "seconds": 1.0,
        "provider": "offline",
        "systems": ["offline"],
        "briefs": [{"id": "a"}, {"id": "b"}],
        "rows": [ok, failed],
        "breaches": ["offline: 1 drafts failed"],
        "aggregates": {
            "offline": {
                "n": 2,
                "errors": 1,
                "mean": {"overall": 0.35, "coverage": 0.8, "order": 1.0},
                "min": {"overall": 0.0},
                "sum": {"placeholders": 1},
            }
        },
        "baseline": {
            "path": "b.json",
            "created": "then",
            "systems": {"offline": {"mean": {"overall": 0.5}, "briefs": {"a": {"overall": 0.6, "placeholders": 0}}}},
        },
        "reference_by_unit": {"hospital": {"n": 1, "overall": 0.2, "coverage": 0.3, "substance": 0.4, "faults": 2.0}},
        "thresholds": {"mean": {"overall": 0.5}, "min": {"overall": 0.3}},
    }
    md = render_markdown(result)
    assert "## Thresholds: **FAILED**" in md and "- offline: 1 drafts failed" in md
    assert "| offline | overall | mean ≥ 0.50 | 0.35 | ✗ |" in md  # each threshold beside its value
    assert "| offline | 2 | 0.35 ▼0.15 |" in md  # worse than the baseline
    assert "| a | hospital | 2024 | simplified | 0.70 ▲0.10 |" in md and "1 ▼1" in md  # a new fault is worse
    assert "scraped from the web" in md  # the corpus reference is not read as "drafts beat real plans"
    assert "| b | hospital | 2024 | simplified | error |" in md
    assert "**b**: failed: model down: timeout" in md
    assert "**a**: missing worker_care; 1 placeholders, e.g. 20xx年" in md


def test_score_accepts_a_draft_object():
    from drafter.evaluate.score import score

    class FakeDraft:
        markdown = "# 医院2024年工会工作计划\n\n## 一、指导思想\n\n以习近平新时代中国特色社会主义思想为指导，团结动员广大医务职工建功立业，推动医院高质量发展。\n\n## 二、关心职工生活\n\n坚持困难职工帮扶制度，做好生日慰问和住院探望，组织年度健康体检，关注医务人员心理健康。\n"

    report = score(FakeDraft(), unit="hospital", year=2024)
    assert report.fmt == "markdown" and report.title == "医院2024年工会工作计划"
    assert [s["section"] for s in report.sections] == ["guiding_ideology", "worker_care"]


def test_a_run_without_the_reference_keeps_the_stored_reference(tmp_path):
    path = tmp_path / "baseline.json"
    rows = [_row("offline", "a", 0.8, coverage=0.9)]
    save_baseline(path, "s", rows, {"offline": {"mean": {"overall": 0.8}}, "reference": {"mean": {"overall": 0.2}}})
    save_baseline(path, "s", rows, {"offline": {"mean": {"overall": 0.85}}})  # --no-reference --update-baseline
    stored = load_baseline(path, "s")["systems"]
    assert stored["offline"]["mean"]["overall"] == 0.85 and stored["reference"]["mean"]["overall"] == 0.2


@pytest.mark.parametrize(
    "changed", ["data/unit_signals.yaml", "ingestion/normalize.py", "ingestion/clean.py", "models.py"]
)
def test_the_reference_cache_key_covers_every_data_file_and_plan_reading_module(tmp_path, changed):
    import shutil

    import drafter
    from drafter.evaluate.reference import _fingerprint

    src = Path(drafter.__file__).parent
    pkg = tmp_path / "drafter"
    for sub in ("data", "ingestion", "domain", "evaluate"):
        shutil.copytree(src / sub, pkg / sub)
    shutil.copy(src / "models.py", pkg / "models.py")
    before = _fingerprint(pkg)
    assert _fingerprint(pkg) == before
    with open(pkg / changed, "a", encoding="utf-8") as fh:
        fh.write("\n# edited\n")
    assert _fingerprint(pkg) != before
    (pkg / "ingestion" / "new_step.py").write_text("X = 1\n", encoding="utf-8")
    assert _fingerprint(pkg) != before

"""Validity of `drafter score`: a good plan scores clearly above every plan a reader would reject.

The material (tests/data/scoring/, written by hand for these tests; see its manifest.yaml):
good plans of the eight units, plain-text twins of three, hand-made rejects, and the offline drafts
of the composer as it stood before the catalogue (old_drafts/, which an expert reader marked with
14.3 faults per 1,000 characters). Variants of each good plan (tests/scoring_variants.py) degrade
one thing at a time. The margins each variant must lose by are documented in evals/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import scoring_variants as var
import yaml

from drafter.evaluate.score import score

DATA = Path(__file__).parent / "data" / "scoring"
MANIFEST = yaml.safe_load((DATA / "manifest.yaml").read_text(encoding="utf-8"))["plans"]
GOOD = [p for p in MANIFEST if p["kind"] == "good"]
REJECTS = [p for p in MANIFEST if p["kind"] == "reject"]
TWINS = [p for p in MANIFEST if p["kind"] == "plain_twin"]


@pytest.fixture(autouse=True, scope="module")
def _private_cache(tmp_path_factory):
    """The reference cache goes to a temporary folder, not the user's cache dir."""
    import os

    old = os.environ.get("DRAFTER_CACHE_DIR")
    os.environ["DRAFTER_CACHE_DIR"] = str(tmp_path_factory.mktemp("eval-cache"))
    yield
    if old is None:
        os.environ.pop("DRAFTER_CACHE_DIR", None)
    else:
        os.environ["DRAFTER_CACHE_DIR"] = old


def _score(entry: dict, text: str | None = None, **kw):
    source = text if text is not None else DATA / entry["file"]
    opts = {"unit": entry["unit"], "year": entry["year"], "brief": entry.get("brief") or "", **kw}
    return score(source, **opts)


@pytest.fixture(scope="module")
def good_scores() -> dict[str, float]:
    return {p["file"]: _score(p).overall for p in GOOD}


def test_good_plans_score_high(good_scores):
    assert min(good_scores.values()) >= 0.7, good_scores


def test_no_reject_scores_above_any_good_plan(good_scores):
    floor = min(good_scores.values())
    for p in REJECTS:
        s = _score(p).overall
        assert s < floor - 0.15, (p["file"], s, floor)


def test_old_stitched_drafts_score_well_below_good_plans(good_scores):
    floor = min(good_scores.values())
    for path in sorted((DATA / "old_drafts").glob("*.md")):
        unit, year = path.stem.rsplit("_", 1)
        s = score(path, unit=unit, year=int(year)).overall
        assert s < floor - 0.2, (path.name, s)


@pytest.mark.parametrize("entry", TWINS, ids=[t["file"] for t in TWINS])
def test_plain_text_and_markdown_score_alike(entry):
    twin = _score(entry).overall
    original = _score(next(p for p in GOOD if p["file"] == entry["twin_of"])).overall
    assert abs(twin - original) <= 0.05, (twin, original)


# Each variant and the least it must lose against its original (overall, absolute).
VARIANTS = {
    "dots": (lambda p, e: var.filler(p, "。" * 40), 0.6),
    "random_characters": (lambda p, e: var.random_chars(p), 0.6),
    "lorem_ipsum": (lambda p, e: var.filler(p, var.LOREM * 3), 0.6),
    "same_filler": (lambda p, e: var.filler(p, "认真做好工会各项工作，推动工作上新台阶。" * 6), 0.5),
    "unique_filler": (lambda p, e: var.unique_filler(p), 0.5),
    "rotated_bodies": (lambda p, e: var.rotated(p), 0.15),
    "stock_phrase_sections": (lambda p, e: var.stock_sections(p, 2), 0.05),
    "internal_repeat": (lambda p, e: var.internal_repeat(p), 0.04),
    "asks_only_mentioned": (lambda p, e: var.asks_only_mentioned(p, _asks(e)), 0.1),
    "stale_formula": (lambda p, e: var.stale_formula(p), 0.2),
    "three_sections_dropped": (lambda p, e: var.drop_sections(p), 0.05),
}


def _asks(entry: dict) -> list[str]:
    from drafter.domain.brief import parse_asks

    return parse_asks(entry.get("brief") or "")


@pytest.mark.parametrize("name", list(VARIANTS))
@pytest.mark.parametrize("entry", GOOD, ids=[g["unit"] for g in GOOD])
def test_each_variant_scores_clearly_below_its_original(entry, name, good_scores):
    make, margin = VARIANTS[name]
    plan = var.split((DATA / entry["file"]).read_text(encoding="utf-8"))
    text = make(plan, entry)
    worse = _score(entry, text).overall
    original = good_scores[entry["file"]]
    assert worse <= original - margin, (name, round(worse, 3), round(original, 3))


@pytest.mark.parametrize("entry", GOOD, ids=[g["unit"] for g in GOOD])
def test_a_plan_scored_as_another_units_loses_at_least_half(entry, good_scores):
    other = "hospital" if entry["unit"] != "hospital" else "kindergarten"
    s = _score(entry, unit=other).overall
    assert s <= good_scores[entry["file"]] / 2, (entry["unit"], other, s)


def test_the_full_guiding_formula_is_right_and_a_stale_one_is_a_fault():
    entry = next(p for p in GOOD if p["year"] == 2024)
    plan = var.split((DATA / entry["file"]).read_text(encoding="utf-8"))
    i = next(k for k, b in enumerate(plan.blocks) if "指导思想" in b[0])
    full = (
        "坚持以马克思列宁主义、毛泽东思想、邓小平理论、“三个代表”重要思想、科学发展观、习近平新时代中国特色社会主义思想为指导，"
        "全面贯彻党的二十大和二十届二中全会精神，团结动员广大教职工建功立业。"
    )
    plan.blocks[i] = [plan.blocks[i][0], "", full, ""]
    with_full = _score(entry, plan.text())
    stale = _score(entry, var.stale_formula(plan))
    assert with_full.value("era") == 0 and with_full.value("stale_terms") == 0
    assert stale.value("era") == 1 and stale.overall < with_full.overall - 0.2


def test_an_asked_topic_is_never_another_units_word():
    text = (DATA / "good" / "community_2025.md").read_text(encoding="utf-8")
    text = text.replace(
        "## 七、",
        "## 七、开展“安康杯”竞赛\n\n1. 6月组织辖区小微企业职工参加“安康杯”安全知识竞赛，参赛不少于100人。\n\n## 八、",
        1,
    )
    asked = score(text, unit="community", year=2025, brief="今年重点：安康杯竞赛")
    not_asked = score(text, unit="community", year=2025)
    assert asked.value("foreign_words") == 0 and not_asked.value("foreign_words") > 0


def test_a_report_names_what_is_missing_and_what_is_off():
    entry = next(p for p in GOOD if p["unit"] == "hospital")
    plan = var.split((DATA / entry["file"]).read_text(encoding="utf-8"))
    report = _score(entry, var.rotated(plan))
    data = report.to_dict()
    assert data["schema"] == 2 and 0 <= data["overall"] <= 1
    assert any(row["relevance"] is not None and row["relevance"] < 0.4 for row in data["sections"])
    assert {"relevance", "substance", "repeats"} <= set(data["sections"][1])
    assert "missing" in data["must_have"] and isinstance(data["asks"], list)

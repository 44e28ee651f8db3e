"""The ingest / corpus / search / sections commands through typer's CliRunner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from drafter.cli import app
from drafter.resources import corpus_files

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def _one_line_error(result, code: int, *words: str) -> None:
    assert result.exit_code == code, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("drafter: error: "), result.stderr
    assert "Traceback" not in result.output
    for w in words:
        assert w in lines[0]


def test_ingest_one_file_json(tmp_path):
    src = corpus_files()[1]
    res = run("ingest", src, "--index", tmp_path / "idx", "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["files_new"] == [src.name] and report["plans_total"] >= 1 and report["chunks_total"] > 0
    assert report["index_dir"] == str((tmp_path / "idx").resolve())
    res = run("ingest", src, "--index", tmp_path / "idx")
    assert res.exit_code == 0 and "1 unchanged" in res.stdout and "0 added" in res.stdout


def test_search_on_empty_index_indexes_the_builtin_corpus(tmp_path):
    res = run("search", "送温暖", "--index", tmp_path / "fresh", "--json", "-k", "3")
    assert res.exit_code == 0, res.output
    assert (
        "is empty: indexing the built-in corpus" in res.stderr and "indexed the built-in corpus: 22 plans" in res.stderr
    )
    assert len(json.loads(res.stdout)) == 3
    res = run("ingest", "--index", tmp_path / "fresh")
    assert res.exit_code == 0 and f"{len(corpus_files())} unchanged" in res.stdout


def test_corpus_json_fields(corpus_index):
    res = run("corpus", "--index", corpus_index.index_dir, "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert len(rows) >= 5
    for row in rows:
        assert {"id", "source", "index", "title", "opening", "unit", "kind", "year", "script", "evidence"} <= set(row)
    assert {r["source"] for r in rows} == {p.name for p in corpus_files()}
    table = run("corpus", "--index", corpus_index.index_dir)
    assert table.exit_code == 0 and f"{len(rows)} plans from {len(corpus_files())} files" in table.stdout


def test_corpus_of_paths_needs_no_index(tmp_path):
    src = corpus_files()[0]
    res = run("corpus", src, "--json", "--index", tmp_path / "none")
    assert res.exit_code == 0, res.output
    assert {r["source"] for r in json.loads(res.stdout)} == {src.name}
    assert not (tmp_path / "none").exists()


def test_search_json_fields_and_filters(corpus_index):
    res = run("search", "送温暖", "--unit", "医院", "-k", "4", "--index", corpus_index.index_dir, "--json")
    assert res.exit_code == 0, res.output
    hits = json.loads(res.stdout)
    assert 1 <= len(hits) <= 4
    for h in hits:
        assert {"text", "score", "plan_id", "unit", "section", "heading_path"} <= set(h)
        assert h["unit"] == "hospital" and isinstance(h["heading_path"], list)
    assert "送温暖" in hits[0]["text"]
    plain = run("search", "送温暖", "--section", "worker_care", "--index", corpus_index.index_dir)
    assert plain.exit_code == 0 and "[1]" in plain.stdout and "section=worker_care" in plain.stdout


def test_sections_stats(corpus_index):
    res = run("sections", "--stats", "--index", corpus_index.index_dir)
    assert res.exit_code == 0, res.output
    assert "worker_care" in res.stdout and "plans per unit:" in res.stdout
    res = run("sections", "--stats", "--json", "--index", corpus_index.index_dir)
    assert res.exit_code == 0 and "sections" in json.loads(res.stdout)


@pytest.mark.parametrize(
    "args,code,words",
    [
        (["search", "送温暖", "--unit", "spaceship"], 2, ["unknown unit 'spaceship'"]),
        (["search", "送温暖", "--section", "nonsense"], 2, ["unknown section 'nonsense'", "worker_care"]),
        (["search", "送温暖", "--kind", "poem"], 2, ["unknown kind"]),
        (["ingest", "/no/such/folder"], 2, ["/no/such/folder"]),
    ],
)
def test_bad_input_is_one_line(corpus_index, args, code, words):
    _one_line_error(run(*args, "--index", corpus_index.index_dir), code, *words)


def test_unreachable_chroma_server(tmp_path):
    res = run("ingest", corpus_files()[0], "--index", tmp_path / "x", "--chroma-url", "http://127.0.0.1:9")
    _one_line_error(res, 3, "cannot reach chroma server at http://127.0.0.1:9", "chroma run")


def test_all_bad_files_exit_non_zero(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.txt").write_bytes(b"\x00\x01\x02" * 50)
    (bad / "b.txt").write_text("", encoding="utf-8")
    res = run("ingest", bad, "--index", tmp_path / "idx")
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert res.stderr.strip().splitlines()[-1].startswith("drafter: error: none of the 2 files could be read")

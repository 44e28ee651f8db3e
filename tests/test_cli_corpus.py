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
    out = json.loads(res.stdout)
    assert out["requested"] == out["returned"] == len(out["hits"]) == 3 and out["query"] == "送温暖"
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
    out = json.loads(res.stdout)
    hits = out["hits"]
    assert out["requested"] == out["returned"] == len(hits) == 4 and out["exhausted"] is False
    for h in hits:
        assert {"text", "score", "plan_id", "unit", "section", "heading_path"} <= set(h)
        assert h["unit"] == "hospital" and isinstance(h["heading_path"], list)
    assert "送温暖" in hits[0]["text"]
    plain = run("search", "送温暖", "--section", "worker_care", "--index", corpus_index.index_dir)
    assert plain.exit_code == 0 and "[1]" in plain.stdout and "section=worker_care" in plain.stdout
    chinese = run("search", "送温暖", "--section", "关心职工生活", "--index", corpus_index.index_dir)
    assert chinese.exit_code == 0 and chinese.stdout == plain.stdout  # the Chinese name means the same section


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


# --------------------------------------------------------------------------- reliability through the CLI


def _copy(corpus_index, tmp_path):
    import shutil

    target = tmp_path / "idx"
    shutil.copytree(corpus_index.index_dir, target, ignore=shutil.ignore_patterns(".lock"))
    return target


def _extra_plan(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "阳光幼儿园.txt").write_text(
        "阳光幼儿园2025年工会工作计划\n一、指导思想\n以习近平新时代中国特色社会主义思想为指导，全心全意依靠教职工办好幼儿园。\n"
        "二、主要工作\n1、坚持教代会制度，推进园务公开。\n2、开展金秋助学活动，资助困难教职工子女完成学业。\n",
        encoding="utf-8",
    )
    return folder


@pytest.mark.parametrize("sidecar", ["bm25.npz", "plans.jsonl"])
def test_a_missing_sidecar_then_a_new_file_keeps_the_builtin_corpus(corpus_index, tmp_path, sidecar):
    """Probe: with bm25.npz missing, ingesting a new file exited 0 and the 350 built-in chunks vanished from
    search; with plans.jsonl missing, `corpus` showed 0 plans and the next ingest dropped 22 from the catalogue."""
    idx = _copy(corpus_index, tmp_path)
    before = json.loads(run("corpus", "--index", idx, "--json").stdout)
    (idx / sidecar).unlink()
    _one_line_error(
        run(
            "corpus" if sidecar == "plans.jsonl" else "search",
            *([] if sidecar == "plans.jsonl" else ["送温暖"]),
            "--index",
            idx,
        ),
        3,
        "is damaged",
        f"{sidecar} is missing",
        "drafter ingest --repair",
    )
    res = run("ingest", _extra_plan(tmp_path), "--index", idx, "--json")
    assert res.exit_code == 0, res.output
    assert f"repair: {sidecar}" in res.stderr
    report = json.loads(res.stdout)
    assert report["plans_total"] == len(before) + 1 and report["plans_added"] == 1 and report["plans_removed"] == 0
    assert (
        report["chunks_total"]
        == report["chunks_added"]
        + json.loads((corpus_index.index_dir / "manifest.json").read_text(encoding="utf-8"))["counts"]["chunks"]
    )
    assert len(json.loads(run("corpus", "--index", idx, "--json").stdout)) == len(before) + 1
    hits = json.loads(run("search", "送温暖", "--unit", "hospital", "--index", idx, "--json").stdout)["hits"]
    assert hits and "送温暖" in hits[0]["text"]


def test_repair_and_prune_flags(corpus_index, tmp_path):
    idx = _copy(corpus_index, tmp_path)
    mine = _extra_plan(tmp_path)
    assert run("ingest", mine, "--index", idx).exit_code == 0
    (idx / "plans.jsonl").write_text("{not json\n", encoding="utf-8")
    res = run("ingest", "--repair", "--index", idx)
    assert res.exit_code == 0 and "repair: plans.jsonl is unreadable" in res.stderr and "repaired: " in res.stdout
    for f in mine.iterdir():
        f.unlink()
    res = run("ingest", "--repair", "--index", idx)
    assert res.exit_code == 0 and "1 indexed file(s) no longer exist" in res.stderr and "--prune" in res.stderr
    res = run("ingest", "--repair", "--prune", "--index", idx, "--json")
    assert res.exit_code == 0 and len(json.loads(res.stdout)["files_removed"]) == 1
    _one_line_error(run("ingest", mine, "--repair", "--index", idx), 2, "--repair reads no new files")


def test_a_damaged_manifest_is_one_line_everywhere(corpus_index, tmp_path):
    idx = _copy(corpus_index, tmp_path)
    (idx / "manifest.json").write_text('{"format": 2, "sources": [], "counts": 3}', encoding="utf-8")
    for args in (["search", "送温暖"], ["corpus"], ["ingest"], ["sections", "--stats"]):
        _one_line_error(
            run(*args, "--index", idx), 3, "manifest.json has no table of sources", "drafter ingest --rebuild"
        )
    res = run("ingest", "--rebuild", "--index", idx)
    assert res.exit_code == 0 and "index rebuilt" in res.stdout


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999", "ftp://127.0.0.1:8000"])
def test_malformed_chroma_urls_are_one_line(tmp_path, url):
    for args in (["search", "送温暖"], ["ingest", corpus_files()[0]]):
        _one_line_error(run(*args, "--index", tmp_path / "i", "--chroma-url", url), 2, f"bad chroma URL {url!r}")
    assert not (tmp_path / "i").exists()


def test_a_full_disk_is_one_line_and_leaves_the_index(corpus_index, tmp_path, monkeypatch):
    import errno

    from drafter.index import journal

    idx = _copy(corpus_index, tmp_path)
    before = (idx / "manifest.json").read_bytes()

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal, "write_atomic", full)
    res = run("ingest", _extra_plan(tmp_path), "--index", idx)
    _one_line_error(res, 3, "cannot write the index", "No space left on device", "left as it was")
    assert (idx / "manifest.json").read_bytes() == before


def test_a_folder_with_bad_files_indexes_the_good_ones(tmp_path):
    import io
    import zipfile

    folder = _extra_plan(tmp_path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document><w:body>" + "<w:p/>" * 5_000_000 + "</w:body></w:document>")
    (folder / "bomb.docx").write_bytes(buf.getvalue())
    (folder / "broken.docx").write_bytes(b"PK\x03\x04broken")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4")
    res = run("ingest", folder, "--index", tmp_path / "idx", "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["plans_total"] == 1 and len(report["files_skipped"]) == 3
    assert "Traceback" not in res.output
    skipped = [ln for ln in res.stderr.splitlines() if ln.startswith("skipped ")]
    assert len(skipped) == 3 and any("zip bomb" in ln for ln in skipped)


def test_tilde_in_index_and_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "my-plans").mkdir()
    src = corpus_files()[2]
    (tmp_path / "my-plans" / src.name).write_bytes(src.read_bytes())
    res = run("ingest", "~/my-plans", "--index=~/idx", "--json")
    assert res.exit_code == 0, res.output
    assert (
        json.loads(res.stdout)["index_dir"] == str(tmp_path / "idx") and (tmp_path / "idx" / "manifest.json").is_file()
    )
    assert run("corpus", "--index", "~/idx").exit_code == 0

"""Ingest into an index: idempotent, incremental, locked, robust to bad files."""

from __future__ import annotations

import json
import os
import threading

import pytest
from conftest import parse_simple, write_sample

from drafter.config import IndexConfig
from drafter.errors import ConfigError, IndexBusyError, InputError, NoDocumentsError
from drafter.index import layout
from drafter.index.bm25 import BM25Index
from drafter.index.build import ingest, read_plans_file
from drafter.index.layout import IndexPaths
from drafter.index.store import ChromaStore


def names(files: list[str]) -> list[str]:
    return sorted(os.path.basename(f) for f in files)


def key(path) -> str:
    return str(path.resolve())


def _state(config: IndexConfig) -> dict:
    lp = IndexPaths.of(config)
    bm = BM25Index.load(lp.bm25)
    store_ids, _, _ = ChromaStore.of_index(config).get_all()
    return {
        "bm25_ids": sorted(bm.ids),
        "store_ids": sorted(store_ids),
        "manifest": layout.load_manifest(lp),
        "plans": [p.id for p in read_plans_file(lp.plans)],
    }


def _consistent(config: IndexConfig) -> dict:
    s = _state(config)
    assert s["bm25_ids"] == s["store_ids"]
    assert s["manifest"]["counts"]["chunks"] == len(s["bm25_ids"])
    assert s["manifest"]["counts"]["plans"] == len(s["plans"])
    assert sorted(s["plans"]) == sorted(pid for src in s["manifest"]["sources"].values() for pid in src["plans"])
    return s


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "src"
    d.mkdir()
    write_sample(d, "a", "kindergarten", ["guiding", "care"])
    write_sample(d, "b", "hospital", ["care", "finance"])
    return d


@pytest.fixture
def config(tmp_path):
    return IndexConfig.resolve(tmp_path / "index")


def test_ingest_then_reingest_changes_nothing(folder, config):
    progress: list[tuple[int, int, str]] = []
    first = ingest(
        [folder], config=config, parse=parse_simple, progress=lambda d, t, label: progress.append((d, t, label))
    )
    assert names(first.files_new) == ["a.txt", "b.txt"] and first.plans_total == 2
    assert first.chunks_added == first.chunks_total > 0 and first.refitted
    assert any(label == "embedding" for _, _, label in progress) and any(label == "a.txt" for _, _, label in progress)
    before = _consistent(config)
    lp = IndexPaths.of(config)
    mtimes = {p: p.stat().st_mtime_ns for p in (lp.manifest, lp.bm25, lp.plans)}

    again = ingest([folder], config=config, parse=parse_simple)
    assert names(again.files_unchanged) == ["a.txt", "b.txt"]
    assert again.files_read == 0 and again.chunks_added == again.chunks_removed == 0
    assert again.chunks_total == first.chunks_total
    assert "2 unchanged" in again.describe()
    assert _consistent(config)["bm25_ids"] == before["bm25_ids"]
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes  # nothing rewritten
    d = again.to_dict()
    assert names(json.loads(json.dumps(d, ensure_ascii=False))["files_unchanged"]) == ["a.txt", "b.txt"]


def test_changed_file_is_reindexed_and_others_kept(folder, config):
    ingest([folder], config=config, parse=parse_simple)
    old = _state(config)
    old_a = set(old["manifest"]["sources"][key(folder / "a.txt")]["plans"])
    write_sample(folder, "a", "kindergarten", ["guiding", "culture"])  # care → culture
    rep = ingest([folder / "a.txt"], config=config, parse=parse_simple)
    assert names(rep.files_changed) == ["a.txt"] and rep.chunks_removed > 0 and rep.chunks_added > 0
    assert (rep.plans_added, rep.plans_changed, rep.plans_removed) == (0, 1, 0)
    assert rep.chunks_total == len(old["bm25_ids"]) + rep.chunks_added - rep.chunks_removed
    new = _consistent(config)
    assert key(folder / "b.txt") in new["manifest"]["sources"]  # a source not named in this ingest stays
    assert set(new["manifest"]["sources"][key(folder / "a.txt")]["plans"]) == old_a
    gone = set(old["bm25_ids"]) - set(new["bm25_ids"])
    assert len(gone) == rep.chunks_removed
    texts = " ".join(c.text for c in ChromaStore.of_index(config).get(new["bm25_ids"]) if c.plan_id == "a#1")
    assert "拔河比赛" in texts and "走访慰问" not in texts


def test_new_file_added_and_rebuild_starts_over(folder, config, tmp_path):
    ingest([folder], config=config, parse=parse_simple)
    other = tmp_path / "other"
    other.mkdir()
    write_sample(other, "c", "enterprise", ["culture"])
    rep = ingest([other], config=config, parse=parse_simple)
    assert names(rep.files_new) == ["c.txt"] and rep.plans_total == 3
    before = _consistent(config)
    rebuilt = ingest([other], config=config, parse=parse_simple, rebuild=True)
    assert rebuilt.rebuilt and rebuilt.plans_total == 1
    # counters compare the rebuilt index with the old one: c#1 stayed, a#1 and b#1 left
    assert (rebuilt.plans_added, rebuilt.plans_removed) == (0, 2)
    assert rebuilt.chunks_total == len(before["bm25_ids"]) + rebuilt.chunks_added - rebuilt.chunks_removed
    assert "index rebuilt" in rebuilt.describe()
    s = _consistent(config)
    assert list(s["manifest"]["sources"]) == [key(other / "c.txt")]


def test_refit_when_grown_by_half(config, tmp_path):
    src = tmp_path / "grow"
    src.mkdir()
    write_sample(src, "a", "kindergarten", ["care"])
    first = ingest([src / "a.txt"], config=config, parse=parse_simple)
    fitted_on = layout.load_manifest(IndexPaths.of(config))["embedder"]["fitted_on"]
    assert first.refitted and fitted_on == first.chunks_total
    write_sample(src, "b", "hospital", ["guiding", "culture", "finance"])
    grown = ingest([src / "b.txt"], config=config, parse=parse_simple)
    assert grown.refitted  # more than 1.5× the chunks it was fitted on
    manifest = _consistent(config)["manifest"]
    assert manifest["embedder"]["fitted_on"] == grown.chunks_total
    assert len(list(IndexPaths.of(config).embedder.iterdir())) == 1  # old fit pruned
    assert ChromaStore(config).collection_names() == [manifest["embedder"]["collection"]]  # old collection dropped
    write_sample(src, "c", "hospital", ["care"], extra="新增一句。")
    small = ingest([src / "c.txt"], config=config, parse=parse_simple)
    assert not small.refitted
    _consistent(config)


def test_bad_files_skipped_with_warning(folder, config):
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    warnings: list[str] = []
    rep = ingest([folder], config=config, parse=parse_simple, warn=warnings.append)
    assert names([s["file"] for s in rep.files_skipped]) == ["binary.txt", "empty.txt"]
    assert any("empty.txt" in w for w in warnings) and "skipped" in rep.describe()
    assert rep.plans_total == 2


def test_all_bad_raises_no_documents(tmp_path, config):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("", encoding="utf-8")
    (bad / "zero.txt").write_bytes(b"\x00\x00")
    with pytest.raises(NoDocumentsError, match="none of the 2 files"):
        ingest([bad], config=config, parse=parse_simple)
    with pytest.raises(InputError, match="does not exist"):
        ingest([tmp_path / "nope"], config=config, parse=parse_simple)


def test_a_rebuild_from_unreadable_files_keeps_the_index(folder, config, tmp_path):
    ingest([folder], config=config, parse=parse_simple)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("", encoding="utf-8")
    with pytest.raises(NoDocumentsError, match="none of the 1 files"):
        ingest([bad], config=config, parse=parse_simple, rebuild=True)
    assert len(_consistent(config)["plans"]) == 2


def test_concurrent_ingests_leave_a_consistent_index(tmp_path, config):
    src = tmp_path / "many"
    src.mkdir()
    names = [("k", "kindergarten"), ("h", "hospital"), ("e", "enterprise"), ("m", "middle_school")]
    files = [
        write_sample(src, f"{stem}{i}", unit, ["guiding", "care", "culture"], extra=f"第{i}次。")
        for i in range(3)
        for stem, unit in names
    ]
    errors: list[BaseException] = []

    def run(part):
        try:
            ingest(part, config=config, parse=parse_simple)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(files[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    s = _consistent(config)
    assert len(s["manifest"]["sources"]) == len(files)


def test_second_writer_waits_then_gives_up(folder, config, monkeypatch):
    monkeypatch.setenv("DRAFTER_LOCK_TIMEOUT", "0.3")
    warnings: list[str] = []
    with (
        layout.index_lock(IndexPaths.of(config)),
        pytest.raises(IndexBusyError, match="being written by another process"),
    ):
        ingest([folder], config=config, parse=parse_simple, warn=warnings.append)
    assert any("waiting" in w for w in warnings)
    ingest([folder], config=config, parse=parse_simple)  # free again


def test_embedder_mismatch_is_refused(folder, config, monkeypatch):
    ingest([folder], config=config, parse=parse_simple)
    monkeypatch.setenv("DRAFTER_EMBEDDER", "openai:text-embedding-3-small")
    write_sample(folder, "z", "hospital", ["care"])
    with pytest.raises(ConfigError, match="built with embedder 'ngram'"):
        ingest([folder], config=config, parse=parse_simple)


def test_sidecars_written_atomically(folder, config):
    ingest([folder], config=config, parse=parse_simple)
    leftovers = [p.name for p in IndexPaths.of(config).root.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert not os.path.exists(IndexPaths.of(config).root / "embedder" / ".tmp")


def test_two_processes_ingesting_at_once(tmp_path, config):
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    src = tmp_path / "procs"
    src.mkdir()
    groups = [
        [write_sample(src, f"p{g}{i}", unit, ["guiding", "care"], extra=f"进程{g}文件{i}。") for i in range(3)]
        for g, unit in enumerate(["hospital", "kindergarten"])
    ]
    tests_dir = Path(__file__).resolve().parent
    procs = []
    for files in groups:
        code = textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(tests_dir)!r})
            from pathlib import Path
            from conftest import parse_simple
            from drafter.config import IndexConfig
            from drafter.index.build import ingest
            ingest([Path(p) for p in {[str(f) for f in files]!r}], config=IndexConfig.resolve({str(config.index_dir)!r}),
                   parse=parse_simple, warn=lambda m: print(m, file=sys.stderr))
            """
        )
        procs.append(
            subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    s = _consistent(config)
    assert len(s["manifest"]["sources"]) == 6
    assert len(s["plans"]) == 6


def test_same_file_name_in_two_folders_are_two_sources(folder, config, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    write_sample(other, "a", "enterprise", ["finance"])
    rep = ingest([folder, other], config=config, parse=parse_simple)
    assert names(rep.files_new) == ["a.txt", "a.txt", "b.txt"] and not rep.files_skipped
    s = _consistent(config)
    assert len(s["plans"]) == 3 and "a#1" in s["plans"] and any(p.startswith("a~") for p in s["plans"])


def test_plans_without_text_make_an_index_without_vectors(tmp_path, config):
    from drafter.errors import MissingIndexError
    from drafter.index.retrieve import Retriever

    d = tmp_path / "bare"
    d.mkdir()
    (d / "x.txt").write_text("单位：hospital\n", encoding="utf-8")  # a plan of a title only, empty body
    import dataclasses

    rep = ingest([d], config=config, parse=lambda p: [dataclasses.replace(parse_simple(p)[0], text="", sections=[])])
    assert rep.plans_total == 1 and rep.chunks_total == 0 and not rep.refitted
    with pytest.raises(MissingIndexError):
        Retriever(config)
    write_sample(d, "y", "hospital", ["care"])
    grown = ingest([d], config=config, parse=parse_simple)
    assert grown.refitted and grown.chunks_total > 0
    _consistent(config)


def test_a_change_that_leaves_the_chunks_alike_is_still_recorded(folder, config):
    ingest([folder], config=config, parse=parse_simple)
    lines = (folder / "a.txt").read_text(encoding="utf-8").split("\n")
    lines.insert(2, "")  # a blank line before the first heading: the bytes change, the plan's text does not
    (folder / "a.txt").write_text("\n".join(lines), encoding="utf-8")
    rep = ingest([folder], config=config, parse=parse_simple)
    assert names(rep.files_changed) == ["a.txt"] and rep.chunks_added == rep.chunks_removed == 0
    again = ingest([folder], config=config, parse=parse_simple)
    assert names(again.files_unchanged) == ["a.txt", "b.txt"]  # the new hash was recorded

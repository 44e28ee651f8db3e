"""The index keeps its promises under faults: atomic updates, sources keyed by path, damaged sidecars, deleted files,
a full disk. Each test names the probe finding it keeps fixed (docs/RELIABILITY.md lists them)."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import parse_simple, write_sample

from drafter.config import IndexConfig
from drafter.errors import DamagedIndexError, IndexWriteError, StoreError
from drafter.index import journal as journal_mod
from drafter.index import layout
from drafter.index.bm25 import BM25Index
from drafter.index.build import ingest
from drafter.index.build import repair_index as repair
from drafter.index.catalog import list_plans
from drafter.index.journal import Journal
from drafter.index.layout import IndexPaths
from drafter.index.retrieve import Retriever
from drafter.index.store import ChromaStore, forget_client

OLD, NEW = "走访慰问", "拔河比赛"  # in a.txt before (care section) and after (culture section) the change


def found(config: IndexConfig, phrase: str, plan: str = "a#1") -> bool:
    """Whether a search finds ``phrase`` in ``plan`` (the other plans excluded: a and b share a paragraph,
    and the retriever rightly drops near-duplicates)."""
    r = Retriever(config)
    others = set(r.bm25.labels["plan"]) - {plan}
    hits = r.search(phrase, k=20, per_plan=20, exclude_plans=others)
    return any(h.chunk.plan_id == plan and phrase in h.text for h in hits)


def consistent(config: IndexConfig) -> dict:
    lp = IndexPaths.of(config)
    manifest = layout.load_manifest(lp)
    bm = BM25Index.load(lp.bm25)
    store = set(ChromaStore.of_index(config).ids())
    plans = [p.id for p in layout.read_plans_file(lp.plans)]
    assert set(bm.ids) == store, (len(bm), len(store))
    assert manifest["counts"]["chunks"] == len(bm) and manifest["counts"]["plans"] == len(plans)
    assert sorted(plans) == sorted(pid for s in manifest["sources"].values() for pid in s["plans"])
    assert not lp.pending.exists()
    return {"manifest": manifest, "bm25": sorted(bm.ids), "plans": sorted(plans)}


@pytest.fixture
def src(tmp_path: Path) -> Path:
    d = tmp_path / "src"
    d.mkdir()
    write_sample(d, "a", "kindergarten", ["guiding", "care"])
    write_sample(d, "b", "hospital", ["care", "finance"])
    return d


@pytest.fixture
def config(tmp_path: Path) -> IndexConfig:
    return IndexConfig.resolve(tmp_path / "index")


def change_a(src: Path) -> None:
    write_sample(src, "a", "kindergarten", ["guiding", "culture"])


# --------------------------------------------------------------------------- an interrupted update


class Crash(BaseException):
    """Stands for kill -9 / Ctrl-C at one point of an ingest."""


STEPS = [
    (ChromaStore, "add"),
    (ChromaStore, "delete"),
    (ChromaStore, "drop"),
    (Journal, "begin"),
    (Journal, "stage_bm25"),
    (Journal, "stage_plans"),
    (Journal, "stage_manifest"),
    (Journal, "commit"),
    (journal_mod, "_remove"),
]


def crash_at(monkeypatch: pytest.MonkeyPatch, n: int, *, hard: bool) -> list[str]:
    """Make the n-th call to any step (or to os.replace) raise Crash; ``hard``: no clean-up runs (kill -9)."""
    calls: list[str] = []

    def wrap(name, fn):
        def wrapper(*a, **k):
            calls.append(name)
            if len(calls) == n:
                raise Crash(name)
            return fn(*a, **k)

        return wrapper

    for owner, attr in STEPS:
        monkeypatch.setattr(owner, attr, wrap(attr, getattr(owner, attr)))
    monkeypatch.setattr(os, "replace", wrap("os.replace", os.replace))
    if hard:
        monkeypatch.setattr(Journal, "abandon", lambda self, *a, **k: None)
    return calls


@pytest.mark.parametrize("hard", [True, False], ids=["kill", "ctrl-c"])
def test_a_changed_file_survives_an_interruption_at_every_step(src, config, tmp_path, monkeypatch, hard):
    """Probe: an interrupted re-ingest of a changed file lost it for good, and re-ingesting the original said 'unchanged'."""
    ingest([src], config=config, parse=parse_simple)
    original = (src / "a.txt").read_bytes()
    n = 1
    while True:
        change_a(src)
        with monkeypatch.context() as m:
            calls = crash_at(m, n, hard=hard)
            try:
                ingest([src], config=config, parse=parse_simple)
                completed = True
            except Crash:
                completed = False
        # a reader right after the crash sees the old index or the new one, never a broken one
        assert found(config, OLD) or found(config, NEW), (n, calls)
        # the next ingest, of whichever version is on disk, repairs and serves that version
        if n % 2:
            (src / "a.txt").write_bytes(original)
            ingest([src], config=config, parse=parse_simple)
            assert found(config, OLD) and not found(config, NEW), (n, calls)
        else:
            ingest([src], config=config, parse=parse_simple)
            assert found(config, NEW) and not found(config, OLD), (n, calls)
        consistent(config)
        (src / "a.txt").write_bytes(original)
        ingest([src], config=config, parse=parse_simple)
        if completed:
            break
        n += 1
    assert n >= 8  # every step of a changed-file update was interrupted once


@pytest.mark.integration
def test_an_interrupted_first_ingest_leaves_no_index_and_the_next_one_works(src, tmp_path, monkeypatch):
    """Kept from before: kill -9 during a first ingest leaves nothing half-made behind."""
    from drafter.errors import MissingIndexError

    n = 1
    while True:
        config = IndexConfig.resolve(tmp_path / f"first-{n}")
        with monkeypatch.context() as m:
            crash_at(m, n, hard=True)
            try:
                ingest([src], config=config, parse=parse_simple)
                break
            except Crash:
                pass
        if (IndexPaths.of(config).pending / layout.COMMIT).is_file():  # killed after the commit: the index exists
            assert found(config, OLD)
        else:
            with pytest.raises(MissingIndexError):
                Retriever(config)
        ingest([src], config=config, parse=parse_simple)
        consistent(config)
        assert found(config, OLD)
        assert ChromaStore(config).collection_names() == [
            layout.load_manifest(IndexPaths.of(config))["embedder"]["collection"]
        ]
        n += 1
    assert n >= 6


@pytest.mark.integration
@pytest.mark.parametrize("operation", ["refit", "rebuild"])
def test_a_refit_or_rebuild_interrupted_at_every_step_leaves_the_old_index(tmp_path, monkeypatch, operation):
    """Kept from before: kill -9 during a refit leaves the old index intact; now --rebuild too (it used to clear first)."""
    d = tmp_path / "grow"
    d.mkdir()
    write_sample(d, "a", "kindergarten", ["guiding", "care"])
    more = [write_sample(d, f"m{i}", "hospital", ["culture", "finance"], extra=f"第{i}项。") for i in range(3)]
    n = 1
    while True:
        config = IndexConfig.resolve(tmp_path / f"index-{n}")
        ingest([d / "a.txt"], config=config, parse=parse_simple)
        with monkeypatch.context() as m:
            crash_at(m, n, hard=True)
            try:
                if operation == "refit":
                    rep = ingest(more, config=config, parse=parse_simple)
                else:
                    rep = ingest([d / "a.txt", *more], config=config, parse=parse_simple, rebuild=True)
                completed = True
            except Crash:
                completed = False
        assert found(config, OLD), n
        if completed:
            assert rep.refitted
            break
        ingest([d], config=config, parse=parse_simple)
        s = consistent(config)
        assert len(s["plans"]) == 4 and found(config, OLD)
        assert ChromaStore(config).collection_names() == [s["manifest"]["embedder"]["collection"]]
        assert [p.name for p in IndexPaths.of(config).embedder.iterdir()] == [s["manifest"]["embedder"]["fit_id"]]
        n += 1
    assert n >= 8


def test_a_committed_update_is_visible_to_readers_before_it_is_applied(src, config, monkeypatch):
    ingest([src], config=config, parse=parse_simple)
    change_a(src)
    with monkeypatch.context() as m:  # killed right after the commit marker is written
        m.setattr(Journal, "apply", lambda self, *a, **k: (_ for _ in ()).throw(Crash("apply")))
        m.setattr(Journal, "abandon", lambda self, *a, **k: None)
        with pytest.raises(Crash):
            ingest([src], config=config, parse=parse_simple)
    lp = IndexPaths.of(config)
    assert (lp.pending / layout.COMMIT).is_file()
    assert found(config, NEW) and not found(config, OLD)  # readers follow the committed, staged sidecars
    assert len(list_plans(config=config)) == 2
    warnings: list[str] = []
    rep = ingest([src], config=config, parse=parse_simple, warn=warnings.append)
    assert any("after it was committed" in w for w in warnings) and rep.files_unchanged
    consistent(config)


# --------------------------------------------------------------------------- sources keyed by path


def test_same_name_in_two_folders_and_two_suffixes_are_separate_sources(tmp_path, config):
    """Probe: ingest a/plan.txt then b/plan.txt silently dropped the first; plan.txt and plan.md both became plan#1."""
    for sub, unit, keys in (("a", "kindergarten", ["care"]), ("b", "hospital", ["culture"])):
        (tmp_path / sub).mkdir()
        write_sample(tmp_path / sub, "plan", unit, keys)
    ingest([tmp_path / "a" / "plan.txt"], config=config, parse=parse_simple)
    ingest([tmp_path / "b" / "plan.txt"], config=config, parse=parse_simple)
    md = tmp_path / "a" / "plan.md"
    shutil.copy(tmp_path / "a" / "plan.txt", md)
    md.write_text(md.read_text(encoding="utf-8").replace("送温暖", "金秋助学"), encoding="utf-8")
    ingest([tmp_path / "a"], config=config, parse=parse_simple)
    s = consistent(config)
    assert len(s["manifest"]["sources"]) == 3 and len(set(s["plans"])) == 3 and "plan#1" in s["plans"]
    by_name = {e["path"]: e["plans"][0] for e in s["manifest"]["sources"].values()}
    assert by_name[str((tmp_path / "a" / "plan.txt").resolve())] == "plan#1"
    for file, phrase in (("a/plan.txt", "送温暖"), ("a/plan.md", "金秋助学"), ("b/plan.txt", "拔河比赛")):
        assert found(config, phrase, plan=by_name[str((tmp_path / file).resolve())]), file


TWIN = (
    "阳光幼儿园2024年工会工作计划\n一、指导思想\n以习近平新时代中国特色社会主义思想为指导，全心全意依靠教职工办好幼儿园。\n"
    "二、关爱教职工\n开展送温暖活动，春节前走访慰问困难教职工家庭，建立困难教职工档案。\n"
)


def test_identical_files_each_keep_their_text(tmp_path, config):
    """Probe: of two identical files the second got no chunks and lost its text when the first changed."""
    d = tmp_path / "twins"
    d.mkdir()
    for name in ("one.txt", "two.txt"):  # the real pipeline: the same text gives the same plan content hash
        (d / name).write_text(TWIN, encoding="utf-8")
    ingest([d], config=config)
    manifest = consistent(config)["manifest"]
    assert [s["chunks"] > 0 for s in manifest["sources"].values()] == [True, True]
    (d / "one.txt").write_text(TWIN.replace("送温暖", "金秋助学").replace("走访慰问", "资助"), encoding="utf-8")
    ingest([d], config=config)
    consistent(config)
    assert found(config, "走访慰问", plan="two#1") and not found(config, "走访慰问", plan="one#1")


def test_tilde_in_ingest_paths(tmp_path, config, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "my-plans").mkdir()
    write_sample(tmp_path / "my-plans", "k", "kindergarten", ["care"])
    rep = ingest(["~/my-plans"], config=config, parse=parse_simple)
    assert rep.plans_total == 1 and rep.files_new == [str(tmp_path / "my-plans" / "k.txt")]


def test_a_format_1_index_is_upgraded_in_place(src, config):
    ingest([src], config=config, parse=parse_simple)
    lp = IndexPaths.of(config)
    v2 = json.loads(lp.manifest.read_text(encoding="utf-8"))
    v1 = {
        **v2,
        "format": 1,
        "sources": {
            e["name"]: {k: e[k] for k in ("path", "sha256", "plans", "chunks")} for e in v2["sources"].values()
        },
    }
    lp.manifest.write_text(json.dumps(v1), encoding="utf-8")
    assert found(config, OLD)
    rep = ingest([src], config=config, parse=parse_simple)
    assert len(rep.files_unchanged) == 2 and not rep.files_new
    change_a(src)
    ingest([src], config=config, parse=parse_simple)
    s = consistent(config)
    assert s["manifest"]["format"] == 2 and found(config, NEW) and not found(config, OLD)


# --------------------------------------------------------------------------- damaged sidecars


def damage(path: Path, how: str) -> None:
    if how == "missing":
        path.unlink()
    elif how == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif how == "random":
        path.write_bytes(os.urandom(max(64, path.stat().st_size)))


@pytest.mark.parametrize("how", ["missing", "truncated", "random"])
@pytest.mark.parametrize("name", [layout.BM25, layout.PLANS])
def test_a_damaged_sidecar_is_reported_to_readers_and_repaired_by_the_next_ingest(src, config, tmp_path, name, how):
    """Probe: missing/truncated/random bm25.npz or plans.jsonl: tracebacks, 0 plans, or chunks vanishing from search."""
    ingest([src], config=config, parse=parse_simple)
    before = consistent(config)
    damage(IndexPaths.of(config).root / name, how)
    with pytest.raises(DamagedIndexError) as info:
        Retriever(config).plans() if name == layout.PLANS else Retriever(config)
    assert "drafter ingest --repair" in str(info.value) and "\n" not in str(info.value)
    other = tmp_path / "more"
    other.mkdir()
    write_sample(other, "c", "enterprise", ["finance"])
    warnings: list[str] = []
    rep = ingest([other], config=config, parse=parse_simple, warn=warnings.append)
    assert any(w.startswith(f"repair: {name}") for w in warnings) and rep.repairs
    after = consistent(config)
    assert set(before["bm25"]) < set(after["bm25"]) and len(after["plans"]) == 3
    assert found(config, OLD) and rep.plans_added == 1 and rep.plans_removed == 0


def test_a_missing_plans_file_is_not_zero_plans(src, config):
    ingest([src], config=config, parse=parse_simple)
    IndexPaths.of(config).plans.unlink()
    with pytest.raises(DamagedIndexError, match=r"plans\.jsonl is missing; the manifest records 2 plans"):
        list_plans(config=config)
    rep = repair(config, parse=parse_simple)
    assert rep.plans_total == 2 and len(list_plans(config=config)) == 2


@pytest.mark.parametrize(
    "bad", [[], {"format": 2, "sources": []}, {"format": 2, "sources": {}, "counts": {}}, {"format": 9}, "truncated"]
)
def test_a_damaged_manifest_is_one_line_and_rebuild_still_works(src, config, bad):
    ingest([src], config=config, parse=parse_simple)
    lp = IndexPaths.of(config)
    if bad == "truncated":
        damage(lp.manifest, "truncated")
    else:
        lp.manifest.write_text(json.dumps(bad), encoding="utf-8")
    for call in (
        lambda: Retriever(config),
        lambda: list_plans(config=config),
        lambda: ingest([src], config=config, parse=parse_simple),
    ):
        with pytest.raises(DamagedIndexError) as info:
            call()
        assert "drafter ingest --rebuild" in str(info.value) and "\n" not in str(info.value)
    rep = ingest([src], config=config, parse=parse_simple, rebuild=True)
    assert rep.rebuilt and rep.plans_total == 2
    consistent(config)
    assert found(config, OLD)


def test_a_missing_manifest_beside_other_sidecars_is_reported(src, config):
    ingest([src], config=config, parse=parse_simple)
    IndexPaths.of(config).manifest.unlink()
    with pytest.raises(DamagedIndexError, match=r"manifest\.json is missing but bm25\.npz and plans\.jsonl are there"):
        ingest([src], config=config, parse=parse_simple)


def test_a_wiped_chroma_folder_is_refilled_from_the_recorded_plans(src, config):
    """Probe: a wiped chroma/ was 'repaired' by the next ingest to 8 of 358 vectors with exit 0."""
    ingest([src], config=config, parse=parse_simple)
    before = consistent(config)
    forget_client(config)  # as a new process would find it
    shutil.rmtree(IndexPaths.of(config).chroma)
    with pytest.raises((DamagedIndexError, StoreError), match=r"vectors .*gone") as info:
        Retriever(config)
    assert "drafter ingest --repair" in str(info.value)
    warnings: list[str] = []
    rep = repair(config, parse=parse_simple, warn=warnings.append)
    assert any("the vectors are gone" in w for w in warnings) and rep.chunks_added == rep.chunks_removed == 0
    assert consistent(config)["bm25"] == before["bm25"] and found(config, OLD)


@pytest.mark.server
@pytest.mark.integration
def test_a_chroma_server_that_lost_its_data_is_refilled(chroma_server, src, tmp_path):
    """Probe: a chroma server restarted without its data was 'repaired' to a few vectors with exit 0."""
    config = IndexConfig.resolve(tmp_path / "srv", chroma_url=chroma_server, collection="lost-data")
    ingest([src], config=config, parse=parse_simple)
    before = consistent(config)
    ChromaStore.of_index(config).drop()  # what a server restarted on an empty folder looks like
    with pytest.raises(StoreError, match="gone from"):
        Retriever(config)
    write_sample(src, "c", "enterprise", ["finance"])
    rep = ingest([src], config=config, parse=parse_simple)
    assert any("the vectors are gone" in r for r in rep.repairs)
    after = consistent(config)
    assert set(before["bm25"]) < set(after["bm25"]) and found(config, OLD)


@pytest.mark.parametrize("lost", [3, "all"])
def test_some_missing_vectors_are_re_added(src, config, lost):
    ingest([src], config=config, parse=parse_simple)
    before = consistent(config)
    n = len(before["bm25"]) if lost == "all" else lost
    ChromaStore.of_index(config).delete(before["bm25"][:n])
    with pytest.raises(DamagedIndexError, match=rf"{n} of its .* vectors are missing"):
        Retriever(config)
    rep = ingest([src], config=config, parse=parse_simple)
    assert any(f"{n} of {len(before['bm25'])} vectors are missing" in r for r in rep.repairs)
    assert consistent(config)["bm25"] == before["bm25"]


def test_a_lost_embedder_is_refitted(src, config):
    ingest([src], config=config, parse=parse_simple)
    shutil.rmtree(IndexPaths.of(config).embedder)
    with pytest.raises(DamagedIndexError, match="fitted embedder"):
        Retriever(config)
    rep = repair(config, parse=parse_simple)
    assert rep.refitted and found(config, OLD)
    consistent(config)


def test_an_unopenable_chroma_folder_is_moved_aside_and_rebuilt(src, config):
    ingest([src], config=config, parse=parse_simple)
    forget_client(config)
    lp = IndexPaths.of(config)
    shutil.rmtree(lp.chroma)
    lp.chroma.write_bytes(b"not a folder")  # chroma cannot open this
    rep = repair(config, parse=parse_simple)
    assert any("moved it to chroma.damaged-" in r for r in rep.repairs)
    consistent(config)
    assert found(config, OLD)


# --------------------------------------------------------------------------- deleted files


def test_deleted_files_are_reported_and_pruned(src, config):
    """Probe: deleted source files stayed in the index and in search results with no notice."""
    ingest([src], config=config, parse=parse_simple)
    (src / "b.txt").unlink()
    warnings: list[str] = []
    rep = ingest([src], config=config, parse=parse_simple, warn=warnings.append)
    assert rep.files_gone == [str((src / "b.txt").resolve())]
    assert any("no longer exist" in w and "--prune" in w for w in warnings) and "--prune" in rep.describe()
    pruned = ingest([src], config=config, parse=parse_simple, prune=True)
    assert pruned.files_removed == rep.files_gone and pruned.plans_removed == 1 and pruned.plans_total == 1
    assert pruned.chunks_total == len(consistent(config)["bm25"])
    assert not any(h.chunk.plan_id == "b#1" for h in Retriever(config).search("送温暖", k=10))
    assert ingest([src], config=config, parse=parse_simple).files_gone == []


# --------------------------------------------------------------------------- a full disk


def test_a_full_disk_leaves_the_index_as_it_was(src, config, monkeypatch):
    ingest([src], config=config, parse=parse_simple)
    lp = IndexPaths.of(config)
    before = {n: (lp.root / n).read_bytes() for n in (layout.MANIFEST, layout.BM25, layout.PLANS)}
    change_a(src)

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(journal_mod, "write_atomic", full)
        with pytest.raises(IndexWriteError) as info:
            ingest([src], config=config, parse=parse_simple)
    msg = str(info.value)
    assert "No space left on device" in msg and "left as it was" in msg and "\n" not in msg
    assert {n: (lp.root / n).read_bytes() for n in before} == before
    assert found(config, OLD) and not found(config, NEW)
    ingest([src], config=config, parse=parse_simple)  # space again: the change goes in
    consistent(config)
    assert found(config, NEW)


# --------------------------------------------------------------------------- bad files in an ingest


def test_bad_files_are_skipped_one_line_each_and_the_rest_indexed(tmp_path, config):
    d = tmp_path / "mixed"
    d.mkdir()
    write_sample(d, "good", "hospital", ["care"])
    (d / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (d / "scan.pdf").write_bytes(b"%PDF-1.4")
    (d / "en.txt").write_text(
        "An English paragraph, with no Chinese in it at all, about next year's plans.\n", encoding="utf-8"
    )

    def parse(path: Path):
        if path.suffix == ".txt" and path.name != "en.txt":
            return parse_simple(path)
        from drafter.ingestion.pipeline import plans_from_file

        return plans_from_file(path)

    warnings: list[str] = []
    rep = ingest([d], config=config, parse=parse, warn=warnings.append)
    assert rep.plans_total == 1
    skipped = {Path(s["file"]).name: s["reason"] for s in rep.files_skipped}
    assert set(skipped) == {"broken.docx", "scan.pdf", "en.txt"}
    assert "no Chinese plan text" in skipped["en.txt"] and ".pdf files are not read" in skipped["scan.pdf"]
    assert len(warnings) == 3 and all(w.startswith("skipped ") and "\n" not in w for w in warnings)


def test_a_parser_crash_skips_only_that_file(tmp_path, config):
    d = tmp_path / "crashy"
    d.mkdir()
    write_sample(d, "good", "hospital", ["care"])
    write_sample(d, "bad", "hospital", ["finance"])

    def parse(path: Path):
        if path.name == "bad.txt":
            raise RuntimeError("lxml.etree.XMLSyntaxError: broken\nsecond line")
        return parse_simple(path)

    rep = ingest([d], config=config, parse=parse)
    assert rep.plans_total == 1
    assert rep.files_skipped[0]["reason"] == "could not be read (RuntimeError: lxml.etree.XMLSyntaxError: broken)"


def test_the_builtin_corpus_is_the_same_source_wherever_it_is_installed(tmp_path, monkeypatch):
    """In a wheel the corpus lives in site-packages/drafter/_corpus: built-in files are keyed builtin:<name>,
    so a new virtual environment (another path) or an upgrade finds the index unchanged."""
    import drafter.resources
    from drafter.index import sources
    from drafter.resources import corpus_files

    config = IndexConfig.resolve(tmp_path / "index")
    first = ingest(config=config)
    keys = set(layout.load_manifest(IndexPaths.of(config))["sources"])
    assert keys == {f"builtin:{p.name}" for p in corpus_files()}
    elsewhere = tmp_path / "venv" / "site-packages" / "drafter" / "_corpus"
    shutil.copytree(drafter.resources.corpus_dir(), elsewhere)
    monkeypatch.setattr(drafter.resources, "corpus_dir", lambda: elsewhere)
    sources._corpus_root.cache_clear()
    try:
        again = ingest(config=config)
        assert len(again.files_unchanged) == len(keys) and not again.files_new and not again.files_gone
        (elsewhere / corpus_files()[0].name).unlink()  # a new version ships one file fewer
        upgraded = ingest(config=config)
        assert len(upgraded.files_removed) == 1 and upgraded.plans_total < first.plans_total
    finally:
        sources._corpus_root.cache_clear()


def test_an_unreadable_folder_is_named_in_the_ingest(tmp_path, config, monkeypatch):
    d = tmp_path / "plans"
    (d / "locked").mkdir(parents=True)
    write_sample(d, "ok", "hospital", ["care"])
    write_sample(d / "locked", "hidden", "hospital", ["finance"])
    real = os.scandir

    def scandir(path):  # tests run as root, where chmod 000 does not stop reading
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    warnings: list[str] = []
    rep = ingest([d], config=config, parse=parse_simple, warn=warnings.append)
    assert rep.plans_total == 1
    assert rep.files_skipped == [
        {"file": str(d / "locked"), "reason": "cannot read this folder (Permission denied); its files were not indexed"}
    ]
    assert warnings == [
        f"skipped {d / 'locked'}: cannot read this folder (Permission denied); its files were not indexed"
    ]

"""Real faults, in real processes: SIGKILL at random moments of a changed-file update; a full disk (tmpfs)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import parse_simple, write_sample

from drafter.config import IndexConfig
from drafter.errors import IndexError_
from drafter.index.build import ingest
from drafter.index.retrieve import Retriever

pytestmark = pytest.mark.integration

TESTS = Path(__file__).resolve().parent
OLD, NEW = "走访慰问", "拔河比赛"

CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from conftest import parse_simple
    from drafter.config import IndexConfig
    from drafter.index.bm25 import jieba_tokens
    from drafter.index.build import ingest
    from drafter.index.chunk import count_tokens
    from drafter.index.store import shared_client
    config = IndexConfig.resolve({index!r})
    jieba_tokens(["预热"]); count_tokens("预热"); shared_client(config)  # warm up: the kill lands in the update itself
    print("ready", flush=True)
    t = time.perf_counter()
    def progress(done, total, label):
        print(f"{{label}} {{time.perf_counter() - t:.4f}}", flush=True)
    ingest([Path({src!r})], config=config, parse=parse_simple, progress=progress)
    print(f"done {{time.perf_counter() - t:.4f}}", flush=True)
    """
)


def found(config: IndexConfig, phrase: str) -> bool:
    r = Retriever(config)
    hits = r.search(phrase, k=20, per_plan=20, exclude_plans=set(r.bm25.labels["plan"]) - {"a#1"})
    return any(h.chunk.plan_id == "a#1" and phrase in h.text for h in hits)


def child(index: Path, src: Path) -> subprocess.Popen[str]:
    code = CHILD.format(tests=str(TESTS), index=str(index), src=str(src))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read() if proc.stderr else line
    return proc


def test_sigkill_at_random_moments_of_a_changed_file_update(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_sample(src, "a", "kindergarten", ["guiding", "care"])
    for i in range(6):  # enough chunks that the update takes a measurable while
        write_sample(src, f"o{i}", "hospital", ["guiding", "culture", "finance"], extra=f"第{i}份。")
    index = tmp_path / "index"
    config = IndexConfig.resolve(index)
    ingest([src], config=config, parse=parse_simple)
    original = (src / "a.txt").read_bytes()

    # when the phases of the update happen in a warmed-up process: the kills are spread over them
    write_sample(src, "a", "kindergarten", ["guiding", "culture"])
    proc = child(index, src)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    at = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in out.splitlines()}
    after = {"files read": at["done"] - at["files read"], "tokenising": at["done"] - at["tokenising"]}
    (src / "a.txt").write_bytes(original)
    ingest([src], config=config, parse=parse_simple)

    rng = random.Random(20240601)
    landed: list[str] = []
    for attempt in range(8):
        write_sample(src, "a", "kindergarten", ["guiding", "culture"])
        proc = child(index, src)
        marker = "files read" if attempt % 4 == 0 else "tokenising"  # vectors; or staging, commit and apply
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.rsplit(" ", 1)[0] == marker:
                break
        time.sleep(rng.uniform(0, after[marker]))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        pending = index / ".pending"
        landed.append(
            "finished"
            if proc.returncode != -signal.SIGKILL
            else "committed"
            if (pending / "COMMIT").exists()
            else "uncommitted"
            if pending.exists()
            else "not begun"
        )
        assert found(config, OLD) or found(config, NEW), attempt  # readers: the old index or the new one
        keep_new = attempt % 2 == 0
        if not keep_new:
            (src / "a.txt").write_bytes(original)
        ingest([src], config=config, parse=parse_simple)
        assert found(config, NEW if keep_new else OLD), attempt
        assert not found(config, OLD if keep_new else NEW), attempt
        (src / "a.txt").write_bytes(original)
        ingest([src], config=config, parse=parse_simple)
        assert not (index / ".pending").exists()
    print("kills landed:", landed)
    assert sum(w != "finished" for w in landed) >= 4 and len(set(landed) - {"finished"}) >= 2, landed


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
        ).returncode
        == 0
    )


def test_a_really_full_disk(tmp_path):
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "16m"):
        pytest.skip("cannot mount a tmpfs here (needs root); the monkeypatched ENOSPC tests cover this")
    try:
        src = tmp_path / "src"
        src.mkdir()
        write_sample(src, "a", "kindergarten", ["guiding", "care"])
        write_sample(src, "b", "hospital", ["care", "finance"])
        config = IndexConfig.resolve(disk / "index")
        ingest([src], config=config, parse=parse_simple)
        filler = disk / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:  # fill the disk to the last byte
            for block in (65536, 1):
                try:
                    while True:
                        os.write(fd, b"\0" * block)
                except OSError:
                    pass
        finally:
            os.close(fd)
        write_sample(src, "a", "kindergarten", ["guiding", "culture"], extra="新增一句。" * 400)
        with pytest.raises(IndexError_) as info:
            ingest([src], config=config, parse=parse_simple)
        msg = str(info.value)
        assert "\n" not in msg and ("No space left" in msg or "full" in msg.lower()), msg
        assert found(config, OLD) and not found(config, NEW)
        filler.unlink()
        ingest([src], config=config, parse=parse_simple)
        assert found(config, NEW) and not found(config, OLD)
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)

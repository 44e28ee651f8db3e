"""Shared fixtures: small hand-made plans, a tiny file parser, a real chroma server, indexes built once.

Fixtures that build an index are session-scoped, so the built-in corpus is ingested
once per test run. Tests that need another index build their own in ``tmp_path``.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.pop("DRAFTER_EMBEDDER", None)
os.environ.pop("DRAFTER_CHROMA_URL", None)

from drafter.config import IndexConfig
from drafter.errors import InputError
from drafter.models import Plan, Section, Tag

# --------------------------------------------------------------------------- hand-made plans


def build_plan(
    pid: str,
    sections: list[tuple[str, str, str | None]],
    *,
    unit: str = "kindergarten",
    kind: str = "plan",
    year: int | None = 2024,
    title: str | None = None,
    source: str | None = None,
) -> Plan:
    """A Plan whose text is its title, then each (heading, body, section_id) with correct offsets."""
    title = title or f"{pid}工会工作计划"
    text = title + "\n"
    secs: list[Section] = []
    for heading, body, sid in sections:
        start = len(text)
        block = f"{heading}\n{body}" if heading else body
        text += block + "\n"
        secs.append(Section(heading=heading, level=1 if heading else 0, body=body, path=[heading] if heading else [],
                            section_id=sid, own_label=sid is not None, start=start, end=start + len(block)))
    stem, _, idx = pid.partition("#")
    return Plan(
        id=pid, source=source or f"{stem}.txt", index=int(idx or 1), title=title, text=text,
        unit=Tag(unit, [unit]), kind=Tag(kind, [kind]), year=Tag(year, [str(year)] if year else []),
        script=Tag("simplified"), sections=secs, content_hash=hashlib.sha1(text.encode("utf-8")).hexdigest(),
    )


@pytest.fixture
def make_plan() -> Callable[..., Plan]:
    return build_plan


# A tiny file format for index tests that must not depend on the ingest stage's heuristics:
#   单位：hospital            (first line: unit; optional 类型：summary on the second)
#   一、指导思想               (headings 一、二、…; "[id]" after a heading sets its section id)
#   body lines…
_HEADING = re.compile(r"^([一二三四五六七八九十]+、[^\[]*)(?:\[(\w+)\])?\s*$")


def parse_simple(path: Path) -> list[Plan]:
    raw = path.read_bytes()
    if not raw.strip() or b"\x00" in raw:
        raise InputError(f"{path.name} is empty or binary: pass a text file")
    lines = raw.decode("utf-8").splitlines()
    unit = lines[0].split("：", 1)[1].strip() if lines and lines[0].startswith("单位：") else "other"
    kind = "plan"
    body_lines = lines[1:]
    if body_lines and body_lines[0].startswith("类型："):
        kind = body_lines[0].split("：", 1)[1].strip()
        body_lines = body_lines[1:]
    sections: list[tuple[str, str, str | None]] = []
    for line in body_lines:
        m = _HEADING.match(line)
        if m:
            sections.append((m.group(1).strip(), "", m.group(2)))
        elif sections:
            h, b, s = sections[-1]
            sections[-1] = (h, (b + "\n" + line) if b else line, s)
        elif line.strip():
            sections.append(("", line, None))
    return [build_plan(f"{path.stem}#1", sections, unit=unit, kind=kind, source=path.name)]


@pytest.fixture
def simple_parse() -> Callable[[Path], list[Plan]]:
    return parse_simple


SAMPLE_SECTIONS = {
    "guiding": ("一、指导思想[guiding]", "以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神。坚持全心全意依靠职工群众的根本方针，团结动员广大职工建功立业。"),
    "care": ("二、关爱职工[care]", "开展送温暖活动，春节前走访慰问困难职工家庭。建立困难职工档案，做好帮扶救助工作。组织职工健康体检，关心职工身心健康。"),
    "culture": ("三、文体活动[culture]", "组织职工开展拔河比赛、趣味运动会和读书分享会。丰富职工业余文化生活，增强集体凝聚力。"),
    "finance": ("四、经费管理[finance]", "严格执行工会经费收支管理办法，规范经费审批流程，定期公开账目，接受会员监督。"),
}


def write_sample(folder: Path, stem: str, unit: str, keys: list[str], *, extra: str = "", kind: str = "plan") -> Path:
    """A source file in the ``parse_simple`` format with the chosen sample sections."""
    lines = [f"单位：{unit}", f"类型：{kind}"]
    for key in keys:
        heading, body = SAMPLE_SECTIONS[key]
        lines += [heading, body + (extra if key == keys[-1] else "")]
    path = folder / f"{stem}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- chroma server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``chroma run`` server on 127.0.0.1 for the session; yields its URL."""
    exe = Path(sys.executable).parent / "chroma"
    if not exe.exists():
        pytest.skip(f"no chroma executable next to {sys.executable}")
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = open(data / "server.log", "wb")  # noqa: SIM115 - the server writes to it until the session ends
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail(f"chroma server did not start: {(data / 'server.log').read_text(errors='replace')[-500:]}")
        time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


# --------------------------------------------------------------------------- indexes built once


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six small plans (three units) in the ``parse_simple`` format."""
    folder = tmp_path_factory.mktemp("small-corpus")
    write_sample(folder, "k1", "kindergarten", ["guiding", "care", "culture"], extra="幼儿园教职工参加。")
    write_sample(folder, "k2", "kindergarten", ["care", "finance"], extra="幼儿园保教人员。")
    write_sample(folder, "h1", "hospital", ["guiding", "care", "finance"], extra="医院医护人员。")
    write_sample(folder, "h2", "hospital", ["care", "culture"], extra="护士节表彰优秀护士。")
    write_sample(folder, "e1", "enterprise", ["care", "culture", "finance"], extra="一线工人。")
    write_sample(folder, "e2", "enterprise", ["guiding", "finance"], kind="summary", extra="全年完成。")
    return folder


@pytest.fixture(scope="session")
def small_index(small_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> IndexConfig:
    """The small corpus ingested once into a local index."""
    from drafter.index.build import ingest

    config = IndexConfig.resolve(tmp_path_factory.mktemp("small-index"))
    ingest([small_corpus], config=config, parse=parse_simple)
    return config


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> IndexConfig:
    """The built-in corpus ingested once (through the real ingest stage) into a local index."""
    from drafter.index.build import ingest

    config = IndexConfig.resolve(tmp_path_factory.mktemp("corpus-index"))
    ingest(None, config=config)
    return config

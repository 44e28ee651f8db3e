"""Run the ingest stage: files → :class:`~drafter.models.Plan` s.

read → clean → split → normalise (simplified script, full-width punctuation) → tag
(unit, kind, year, script) → segment → label sections.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

from drafter.domain.script import detect_script, to_simplified
from drafter.domain.taxonomy import label_sections, load_taxonomy
from drafter.errors import DrafterError, InputError, NoDocumentsError
from drafter.ingestion.clean import clean_text, is_heading_start
from drafter.ingestion.load import SUFFIXES, read_document
from drafter.ingestion.normalize import normalize_punctuation
from drafter.ingestion.segment import segment
from drafter.ingestion.split import RawPlan, split_text
from drafter.ingestion.tag import tag_kind, tag_unit, tag_year
from drafter.models import Plan

log = logging.getLogger(__name__)

MIN_PLAN_CHARS = 30  # a split-off piece shorter than this is not a plan
MIN_CJK_CHARS = 20  # a piece with fewer Chinese characters is not a Chinese plan
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# document types people keep plans in that drafter does not read: named when skipped
OTHER_DOCUMENTS = {
    ".pdf",
    ".doc",
    ".wps",
    ".rtf",
    ".odt",
    ".pages",
    ".html",
    ".htm",
    ".xls",
    ".xlsx",
    ".et",
    ".ppt",
    ".pptx",
    ".epub",
    ".docm",
    ".dotx",
    ".dot",
    ".mht",
    ".xml",
    ".json",
    ".csv",
}

Skip = Callable[[Path, str], None]


def unique_stem(stem: str, key: str, taken: set[str]) -> str:
    """The id stem for a source: its file stem, or ``<stem>~<hash of its key>`` when another source has that stem."""
    if stem not in taken:
        return stem
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()
    for n in range(8, 41, 4):
        candidate = f"{stem}~{digest[:n]}"
        if candidate not in taken:
            return candidate
    i = 2
    while f"{stem}~{digest}-{i}" in taken:
        i += 1
    return f"{stem}~{digest}-{i}"


def with_ids(plans: list[Plan], stem: str, name: str) -> list[Plan]:
    """The plans of one source with ids ``<stem>#1``, ``<stem>#2``… and the source's file name."""
    return [dataclasses.replace(p, id=f"{stem}#{i}", index=i, source=name) for i, p in enumerate(plans, 1)]


def iter_source_files(paths: list[Path] | None, *, on_skip: Skip | None = None) -> list[Path]:
    """The source files under ``paths`` (files, or folders searched recursively, sorted).

    Only ``.txt``, ``.md`` and ``.docx``; ``README.md``, Word's ``~$`` lock files and
    hidden files and folders are left out without a word. Everything else that is left
    out is told to ``on_skip(path, reason)``: a file of another type (a .pdf), a folder
    that cannot be read. ``None`` means the built-in corpus. A path that does not exist
    raises :class:`InputError`.
    """
    if paths is None:
        from drafter.resources import corpus_files

        return corpus_files()
    out: list[Path] = []
    for raw in paths:
        path = Path(os.path.expanduser(os.fspath(raw)))
        if not path.exists():
            raise InputError(f"{path}: no such file or folder; check the path")
        if path.is_dir():
            out.extend(_walk(path, on_skip))
        elif path.is_file():
            if _wanted(path):
                out.append(path)
            elif on_skip is not None:
                on_skip(path, _unsupported(path))
    seen: set[Path] = set()
    unique = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _walk(root: Path, on_skip: Skip | None) -> list[Path]:
    """Files under ``root`` (links followed, each folder once), sorted; unreadable folders told to ``on_skip``."""
    found: list[Path] = []
    visited: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            if (st.st_dev, st.st_ino) in visited:
                continue
            visited.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            if on_skip is not None:
                on_skip(folder, f"cannot read this folder ({exc.strerror or exc}); its files were not indexed")
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
            except OSError:
                is_dir = is_file = False
            if is_dir:
                stack.append(path)
            elif is_file and _wanted(path):
                found.append(path)
            elif is_file and on_skip is not None and not _ignored(path):
                on_skip(path, _unsupported(path))
    return sorted(found)


def _wanted(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and not _ignored(path)


def _ignored(path: Path) -> bool:
    return path.name.lower() == "readme.md" or path.name.startswith(("~$", "."))


def _unsupported(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in OTHER_DOCUMENTS:
        return f"{suffix} files are not read; save it as .docx, .txt or .md to index it"
    return "not a .txt, .md or .docx file"


def plans_from_file(path: Path) -> list[Plan]:
    """The plans in one file. Raises :class:`InputError` when it can't be read or holds no plan."""
    path = Path(path)
    raw = read_document(path)
    cleaned = clean_text(raw)
    result = split_text(cleaned, differs=_different_unit)
    pieces = [p for p in result.plans if len(p.text.strip()) >= MIN_PLAN_CHARS]
    if not pieces:
        raise InputError(f"{path.name}: no plan text found after cleaning; check that it is a work plan")
    taxonomy = load_taxonomy()
    plans: list[Plan] = []
    for piece in pieces:
        plan = _make_plan(path, len(plans) + 1, piece, result.collection_title, taxonomy)
        if len(_CJK.findall(plan.text)) >= MIN_CJK_CHARS:
            plans.append(plan)
    if not plans:
        raise InputError(
            f"{path.name}: no Chinese plan text found (drafter indexes plans written in Chinese); "
            "check that it is a work plan"
        )
    return plans


def _make_plan(path: Path, index: int, piece: RawPlan, collection_title: str, taxonomy) -> Plan:
    script = detect_script(piece.text)
    text = normalize_punctuation(to_simplified(trim_truncated_end(piece.text)))
    heading = to_simplified(piece.heading)
    title = plan_title(heading, to_simplified(collection_title), index, text)
    unit = tag_unit(text)
    kind = tag_kind(text)
    year = tag_year(text, heading)
    sections = label_sections(segment(text), taxonomy, kind=kind.value)
    return Plan(
        id=f"{path.stem}#{index}",
        source=path.name,
        index=index,
        title=title,
        text=text,
        unit=unit,
        kind=kind,
        year=year,
        script=script,
        sections=sections,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def plan_title(heading: str, collection_title: str, index: int, text: str) -> str:
    """The plan's own heading; else the collection's title + " 篇N"; else the text's first line."""
    if heading:
        return heading
    if collection_title:
        return f"{collection_title} 篇{index}"
    first = text.strip().split("\n", 1)[0]
    return first[:40]


_END_PUNCT = "。！？!?；;…”」）)"


def trim_truncated_end(text: str) -> str:
    """Cut a plan whose source was cut off mid-sentence back to its last full sentence.

    Only the last line is touched, and only when it is a long paragraph line that ends
    without sentence punctuation (a short last line is a list item or heading).
    """
    lines = text.rstrip().split("\n")
    last = lines[-1].strip()
    if not last or last[-1] in _END_PUNCT or len(last) < 30 or (is_heading_start(last) and len(last) < 40):
        return text.rstrip()
    cut = max(last.rfind(ch) for ch in "。！？；;")
    if cut <= 0:
        lines = lines[:-1]
    else:
        kept = last[: cut + 1]
        if kept[-1] in "；;":
            kept = kept[:-1] + "。"
        lines[-1] = kept
    return "\n".join(lines).rstrip()


def _different_unit(before: str, after: str) -> bool:
    """Whether two parts of a file show different units (a restart is then a new plan)."""
    if len(after) < 200 or len(before) < 200:
        return False
    a = tag_unit(to_simplified(before))
    b = tag_unit(to_simplified(after))
    return a.value != b.value and "other" not in (a.value, b.value)


def load_plans(paths: list[Path] | None = None, *, warn: Callable[[str], None] | None = None) -> list[Plan]:
    """The plans of every file under ``paths`` (default: the built-in corpus).

    A file that fails is skipped with ``warn("skipped NAME: REASON")``, and so is a file
    or folder the walk leaves out (see :func:`iter_source_files`); when every file fails,
    :class:`NoDocumentsError` is raised. Plan ids are ``<stem>#<n>``; a second file with
    the same stem (``a/plan.txt`` and ``b/plan.txt``) gets ``<stem>~<hash of its path>#<n>``.
    """

    def skipped(path: Path, reason: str) -> None:
        log.info("skipped %s: %s", path, reason)
        if warn:
            warn(f"skipped {path}: {reason}")

    files = iter_source_files(paths, on_skip=skipped)
    if not files:
        raise NoDocumentsError("no .txt, .md or .docx files found; give files or folders with plans")
    plans: list[Plan] = []
    failures: list[str] = []
    stems: set[str] = set()
    for path in files:
        try:
            found = plans_from_file(path)
        except DrafterError as exc:
            reason = _reason(str(exc), path)
            failures.append(f"{path.name}: {reason}")
            log.info("skipped %s: %s", path, reason)
            if warn:
                warn(f"skipped {path.name}: {reason}")
            continue
        stem = unique_stem(path.stem, str(path.resolve()), stems)
        stems.add(stem)
        plans.extend(with_ids(found, stem, path.name))
    if not plans:
        detail = "; ".join(failures[:3])
        raise NoDocumentsError(
            f"no plans could be read from {len(files)} file(s) ({detail}); give readable .txt, .md or .docx plans"
        )
    return plans


def _reason(message: str, path: Path) -> str:
    """The error message without its leading file name."""
    for prefix in (f"{path}: ", f"{path.name}: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message

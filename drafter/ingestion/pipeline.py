"""Run the ingest stage: files → :class:`~drafter.models.Plan` s.

read → clean → split → normalise (simplified script, full-width punctuation) → tag
(unit, kind, year, script) → segment → label sections.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from drafter.errors import DrafterError, InputError, NoDocumentsError
from drafter.ingestion.clean import clean_text, is_heading_start
from drafter.ingestion.load import SUFFIXES, read_document
from drafter.domain.script import detect_script, to_simplified
from drafter.ingestion.normalize import normalize_punctuation
from drafter.ingestion.segment import segment
from drafter.ingestion.split import RawPlan, split_text
from drafter.ingestion.tag import tag_kind, tag_unit, tag_year
from drafter.domain.taxonomy import label_sections, load_taxonomy
from drafter.models import Plan

log = logging.getLogger(__name__)

MIN_PLAN_CHARS = 30  # a split-off piece shorter than this is not a plan


def iter_source_files(paths: list[Path] | None) -> list[Path]:
    """The source files under ``paths`` (files, or folders searched recursively, sorted).

    Only ``.txt``, ``.md`` and ``.docx``; ``README.md`` and hidden files are skipped.
    ``None`` means the built-in corpus. A path that does not exist raises :class:`InputError`.
    """
    if paths is None:
        from drafter.resources import corpus_files

        return corpus_files()
    out: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise InputError(f"{path}: no such file or folder; check the path")
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and _wanted(p) and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            out.extend(found)
        elif path.is_file():
            out.append(path)
    seen: set[Path] = set()
    unique = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _wanted(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and path.name.lower() != "readme.md" and not path.name.startswith((".", "~$"))


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
    for index, piece in enumerate(pieces, 1):
        plans.append(_make_plan(path, index, piece, result.collection_title, taxonomy))
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
    if not last or last[-1] in _END_PUNCT or len(last) < 30 or is_heading_start(last) and len(last) < 40:
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

    A file that fails is skipped with ``warn("skipped NAME: REASON")``; when every file
    fails, :class:`NoDocumentsError` is raised.
    """
    files = iter_source_files(paths)
    if not files:
        raise NoDocumentsError("no .txt, .md or .docx files found; give files or folders with plans")
    plans: list[Plan] = []
    failures: list[str] = []
    stems: dict[str, Path] = {}
    for path in files:
        try:
            if path.stem in stems:  # plan ids are "<stem>#<n>": two files with one stem would collide
                raise InputError(f"{path}: same file name as {stems[path.stem]}; rename one of them")
            plans.extend(plans_from_file(path))
            stems[path.stem] = path
        except DrafterError as exc:
            reason = _reason(str(exc), path)
            failures.append(f"{path.name}: {reason}")
            log.info("skipped %s: %s", path, reason)
            if warn:
                warn(f"skipped {path.name}: {reason}")
    if not plans:
        detail = "; ".join(failures[:3])
        raise NoDocumentsError(f"no plans could be read from {len(files)} file(s) ({detail}); give readable .txt, .md or .docx plans")
    return plans


def _reason(message: str, path: Path) -> str:
    """The error message without its leading file name."""
    for prefix in (f"{path}: ", f"{path.name}: "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message

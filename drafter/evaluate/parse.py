"""Read a plan to be scored: a Markdown/text/.docx file, or raw text (a Draft's markdown).

:func:`parse_plan` returns a :class:`ParsedPlan`: the plan's plain text (simplified script)
and its heading tree as :class:`drafter.models.Section` s with canonical section ids.

* Markdown (``#`` headings, as ``drafter write`` prints): markdown-it-py tokens; a single
  ``#`` heading at the top is the title, deeper headings become levels 1, 2, …
* Plain text with Chinese numbered headings (一、 （一） 1、): the ingest stage's segmenter.
* ``.docx``: paragraphs with Heading/Title styles become Markdown headings; without
  heading styles the text is segmented like plain text.

A trailing sources appendix (``## 附：参考来源``, as drafts carry) is provenance, not plan
text: it is left out of the scored text. Traditional-script text is converted to simplified first, since the taxonomy and the
corpus statistics are in simplified Chinese; ``ParsedPlan.script`` records the original.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from drafter.domain.script import detect_script
from drafter.domain.script import to_simplified as convert_to_simplified
from drafter.domain.taxonomy import label_sections as label
from drafter.errors import InputError
from drafter.ingestion.load import decode_bytes
from drafter.ingestion.segment import segment
from drafter.models import Section

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text", ""}
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S", re.MULTILINE)


@dataclass
class ParsedPlan:
    """A plan read for scoring. ``fmt`` is markdown, text or docx; ``source`` a path or ``<text>``."""

    title: str
    text: str
    sections: list[Section] = field(default_factory=list)
    fmt: str = "text"
    source: str = "<text>"
    script: str = "simplified"
    appendix_chars: int = 0  # a trailing 附：参考来源 list, left out of the scored text


_APPENDIX = re.compile(
    r"^\s{0,3}(?:#{1,6}\s*)?附(?:录|件)?\s*[：:、.．]?\s*(?:起草)?(?:参考来源|参考资料|资料来源|来源|出处)[^\n]{0,10}$",
    re.MULTILINE,
)


def strip_appendix(text: str) -> tuple[str, int]:
    """Cut a trailing sources appendix (``## 附：参考来源`` and what follows): provenance, not plan text."""
    m = _APPENDIX.search(text)
    if not m or m.start() < len(text) // 3:
        return text, 0
    return text[: m.start()].rstrip() + "\n", len(text) - m.start()


def read_source(source: str | Path) -> tuple[str, str, str]:
    """Return ``(text, fmt, source_name)`` for a path or raw text.

    A ``str`` that names an existing file, or that looks like a file name (one line,
    ending in .md/.txt/.docx), is read as a file; anything else is taken as the plan text.
    """
    if isinstance(source, Path) or _looks_like_path(source):
        path = Path(source).expanduser()
        if not path.exists():
            raise InputError(f"file not found: {path}; give the path of a .md, .txt or .docx plan")
        if path.is_dir():
            raise InputError(f"{path} is a folder; give the path of one .md, .txt or .docx plan")
        suffix = path.suffix.lower()
        if suffix == ".docx":
            return _read_docx(path), "docx", str(path)  # read as Markdown headings, reported as docx
        if suffix == ".doc":
            raise InputError(f"{path}: old .doc files cannot be read; save it as .docx or .txt")
        text = _read_text(path)
        fmt = "markdown" if suffix in {".md", ".markdown"} or _MD_HEADING.search(text) else "text"
        return text, fmt, str(path)
    text = str(source)
    return text, ("markdown" if _MD_HEADING.search(text) else "text"), "<text>"


def _looks_like_path(value: str) -> bool:
    if "\n" in value or len(value) > 400:
        return False
    if Path(value).expanduser().exists():
        return True
    return bool(re.search(r"\.(md|markdown|txt|text|docx|doc)$", value.strip(), re.IGNORECASE))


def _read_text(path: Path) -> str:
    """A text file in any common Chinese encoding (the ingest stage's decoder)."""

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path} ({exc.strerror or exc}); check its permissions") from None
    text = decode_bytes(data, name=str(path)).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(f"{path} is empty; give a file that holds a plan")
    return text


def _read_docx(path: Path) -> str:
    """A .docx as Markdown-ish text: heading styles become ``#`` headings."""
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise InputError("python-docx is not installed; pip install python-docx") from exc
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for bad files
        raise InputError(
            f"cannot read {path} as a Word document ({exc.__class__.__name__}); save it again as .docx"
        ) from None
    lines: list[str] = []
    styled = 0
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        m = re.match(r"(?:Heading|标题)\s*(\d)", style)
        if style == "Title":
            lines.append("# " + text)
            styled += 1
        elif m:
            lines.append("#" * (int(m.group(1)) + 1) + " " + text)
            styled += 1
        else:
            lines.append(text)
    if not lines:
        raise InputError(f"{path} has no text; give a Word document that holds a plan")
    # Without heading styles the numbered headings are found by the text segmenter.
    return "\n\n".join(lines) if styled >= 2 else "\n".join(lines)


def to_simplified(text: str) -> tuple[str, str]:
    """Convert traditional-script text to simplified; return ``(text, original_script)``."""
    script = detect_script(text).value
    return (convert_to_simplified(text), "traditional") if script == "traditional" else (text, "simplified")


def parse_plan(source: str | Path) -> ParsedPlan:
    """Read and segment a plan from a path or raw text; sections carry canonical ids."""
    raw, fmt, name = read_source(source)
    text, script = to_simplified(raw)
    text, appendix = strip_appendix(text)
    if fmt in ("markdown", "docx"):
        title, sections, plain = parse_markdown(text)
        if len([s for s in sections if s.level >= 1]) < 2:
            # Markdown without a real heading tree: segment its text instead.
            title2, sections, plain = parse_text(plain)
            title = title or title2
            fmt = "text"
    else:
        title, sections, plain = parse_text(text)
    label_sections(sections)
    return ParsedPlan(
        title=title, text=plain, sections=sections, fmt=fmt, source=name, script=script, appendix_chars=appendix
    )


def parse_markdown(text: str) -> tuple[str, list[Section], str]:
    """Headings of a Markdown document → sections; returns ``(title, sections, plain_text)``."""
    from markdown_it import MarkdownIt

    lines = text.splitlines()
    tokens = MarkdownIt("commonmark").parse(text)
    heads: list[tuple[int, int, int, str]] = []  # (md level, start line, end line, heading text)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map:
            heads.append((int(tok.tag[1]), tok.map[0], tok.map[1], tokens[i + 1].content.strip()))
    title = ""
    if heads and heads[0][0] == 1 and sum(1 for h in heads if h[0] == 1) == 1:
        title = heads[0][3]
    shift = 1 if title else 0
    sections: list[Section] = []
    plain_parts: list[str] = []
    first_line = heads[0][1] if heads else len(lines)
    pre = _md_body(lines[:first_line])
    if title and heads[0][1] == 0:
        pass
    if pre:
        sections.append(Section(heading="", level=0, body=pre))
        plain_parts.append(pre)
    path: list[str] = []
    for j, (level, _start, end, heading) in enumerate(heads):
        nxt = heads[j + 1][1] if j + 1 < len(heads) else len(lines)
        body = _md_body(lines[end:nxt])
        if title and j == 0:
            plain_parts.insert(0, heading)
            if body:
                sections.append(Section(heading="", level=0, body=body))
                plain_parts.append(body)
            continue
        lvl = max(1, level - shift)
        path = path[: lvl - 1] + [heading]
        sections.append(Section(heading=heading, level=lvl, body=body, path=list(path)))
        plain_parts.append(heading + ("\n" + body if body else ""))
    return title, sections, "\n".join(plain_parts)


_MD_MARKUP = re.compile(r"^\s{0,3}(?:[-*+]\s+|>\s?)|\*\*|(?<!_)__(?!_)|`")


def _md_body(lines: list[str]) -> str:
    out = [_MD_MARKUP.sub("", ln).rstrip() for ln in lines]
    return "\n".join(ln for ln in out if ln.strip()).strip()


def parse_text(text: str) -> tuple[str, list[Section], str]:
    """Plain text with Chinese numbered headings → sections, via the ingest segmenter."""
    text = re.sub(r"^\s{0,3}#{1,6}\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"\*\*|(?<!_)__(?!_)", "", text)  # **一、指导思想** as a model may write it (____ stays)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    title = ""
    if lines and len(lines[0]) <= 40 and re.search(r"计划|规划|要点|安排|总结|方案", lines[0]):
        title = lines[0]

    sections = list(segment(text))
    return title, sections, text


def label_sections(sections: list[Section]) -> None:
    """Give each section its canonical plan-section id (own label, else the nearest labelled ancestor's)."""

    label(sections, kind="plan")

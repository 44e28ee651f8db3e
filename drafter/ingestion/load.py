"""Read a source document (.txt/.md in any common Chinese encoding, or .docx) into text."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from drafter.errors import InputError

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md"}
DOCX_SUFFIXES = {".docx"}
SUFFIXES = TEXT_SUFFIXES | DOCX_SUFFIXES

# What is read of one file is bounded, so a hostile or broken file costs little before it is refused.
MAX_FILE_BYTES = 64 * 2**20  # a source file on disk (a plan is a few KB; a collection a few MB)
MAX_DOCX_XML_BYTES = 64 * 2**20  # the XML inside a .docx, uncompressed, in all
MAX_DOCX_RATIO = 100  # uncompressed / compressed size of one part of a .docx (a zip bomb is thousands)
MAX_TEXT_CHARS = 2_000_000  # the text extracted from one file


def read_document(path: Path) -> str:
    """The text of ``path``, with line breaks normalised to ``\\n``.

    ``.txt``/``.md``: UTF-8 (with or without BOM), UTF-16 when a BOM says so, then
    GB18030 (a superset of GBK/GB2312), then charset-normalizer as a last resort (it
    misreads short texts). ``.docx``: paragraphs and table cells, in document order.
    Raises :class:`InputError` naming the file when it is missing, unreadable, binary
    or empty.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path")
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc}); check its permissions") from None
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"{path}: too large ({size / 2**20:.0f} MB; at most {MAX_FILE_BYTES // 2**20} MB is read); "
            "split it into files of a few plans"
        )
    if suffix in DOCX_SUFFIXES:
        text = _read_docx(path)
    elif suffix in TEXT_SUFFIXES or not suffix:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc}); check its permissions") from None
        text = decode_bytes(data, name=str(path))
        if suffix == ".md":
            text = strip_markdown(text)
    else:
        raise InputError(f"{path}: unsupported file type {suffix!r}; use .txt, .md or .docx")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    if not text.strip():
        raise InputError(f"{path}: the file is empty; remove it or add the plan's text")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"{path}: holds {len(text):,} characters of text (at most {MAX_TEXT_CHARS:,} are read); "
            "split it into files of a few plans"
        )
    return text


_MD_RULES = [
    (re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+"), ""),  # ## 一、指导思想
    (re.compile(r"(?m)^[ \t]{0,3}>[ \t]?"), ""),  # > quote
    (re.compile(r"(?m)^[ \t]*[-*+][ \t]+(?=\S)(?!\d+[ \t]*-[ \t]*$)"), ""),  # - item (not a "- 1 -" page marker)
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),  # **bold**
    (re.compile(r"(?m)^[ \t]*([-*_])\1{2,}[ \t]*$"), ""),  # --- rule
]


def strip_markdown(text: str) -> str:
    """Plain text of a Markdown plan: heading marks, bullets, emphasis and rules removed."""
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    return text


def decode_bytes(data: bytes, *, name: str = "<bytes>") -> str:
    """Decode a text file's bytes (see :func:`read_document` for the order tried)."""
    if not data.strip():
        return ""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{name}: broken UTF-16 text; re-save it as UTF-8") from None
    if b"\x00" in data:
        raise InputError(f"{name}: looks like a binary file (NUL bytes); give a .txt, .md or .docx file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and not _plausible_chinese(text):
            break
        log.debug("%s decoded as %s", name, encoding)
        return text
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None or not _plausible_text(str(best)):
        raise InputError(f"{name}: cannot decode the text (not UTF-8, UTF-16 or GB18030); re-save it as UTF-8")
    log.debug("%s decoded as %s by charset-normalizer", name, best.encoding)
    return str(best)


def _plausible_chinese(text: str) -> bool:
    """GB18030 decodes almost any bytes; accept it when the result is mostly CJK or ASCII text."""
    if not text:
        return False
    good = sum(
        1
        for ch in text
        if (ch.isascii() and (ch.isprintable() or ch in "\n\t\r"))
        or "\u4e00" <= ch <= "\u9fff"
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
        or ch in "“”‘’…—·"
    )
    return good / len(text) >= 0.9


def _plausible_text(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for ch in text if not ch.isprintable() and ch not in "\n\r\t")
    return bad / len(text) < 0.05


def check_docx_archive(path: Path) -> None:
    """Refuse a .docx whose parts would expand past the bounds (a zip bomb) before anything parses it."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(
            f"{path}: not a readable .docx file ({exc.__class__.__name__}); re-save it from Word"
        ) from None
    xml_bytes = 0
    for info in infos:
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > 2**20 and ratio > MAX_DOCX_RATIO:
            raise InputError(
                f"{path}: its part {info.filename} expands {ratio:.0f}-fold ({info.file_size / 2**20:.0f} MB), "
                "like a zip bomb; re-save it from Word"
            )
        if info.filename.lower().endswith((".xml", ".rels")):
            xml_bytes += info.file_size
    if xml_bytes > MAX_DOCX_XML_BYTES:
        raise InputError(
            f"{path}: holds {xml_bytes / 2**20:.0f} MB of XML (at most {MAX_DOCX_XML_BYTES // 2**20} MB "
            "is read); split it into files of a few plans"
        )


def _read_docx(path: Path) -> str:
    try:
        import docx
    except ImportError:  # pragma: no cover - python-docx is a dependency
        raise InputError(f"{path}: reading .docx needs python-docx; pip install python-docx") from None
    check_docx_archive(path)
    try:
        return _docx_text(docx.Document(str(path)), path)
    except InputError:
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds on a damaged file (XMLSyntaxError, KeyError…)
        reason = str(exc).splitlines()[0] if str(exc) else ""
        raise InputError(
            f"{path}: not a readable .docx file ({exc.__class__.__name__}{': ' + reason[:120] if reason else ''}); "
            "re-save it from Word"
        ) from None


def _docx_text(document: object, path: Path) -> str:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    chars = 0

    def add(text: str) -> None:
        nonlocal chars
        lines.append(text)
        chars += len(text) + 1
        if chars > MAX_TEXT_CHARS:
            raise InputError(
                f"{path}: holds more than {MAX_TEXT_CHARS:,} characters of text; split it into files of a few plans"
            )

    body = document.element.body  # type: ignore[attr-defined]
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            add(Paragraph(child, document).text)  # type: ignore[arg-type]
        elif tag == "tbl":
            for row in Table(child, document).rows:  # type: ignore[arg-type]
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # merged cells repeat
                        continue
                    seen.add(id(cell._tc))
                    text = cell.text.strip()
                    if text:
                        add(text)
    return "\n".join(lines)

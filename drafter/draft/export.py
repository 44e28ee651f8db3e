"""Export a plan: Word (.docx) styled as a Chinese official document, and traditional script.

The .docx follows the usual 公文 layout: A4; margins top 3.7 cm, bottom 3.5 cm, left
2.8 cm, right 2.6 cm; title 方正小标宋简体 (宋体 fallback) 22 pt bold centred; level-1
headings 黑体 16 pt; level-2 楷体_GB2312 16 pt; body 仿宋_GB2312 16 pt; fixed 28 pt line
spacing; first-line indent of two characters; page numbers in the footer.
"""

from __future__ import annotations

import io
import re

TITLE_FONT = "方正小标宋简体"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"


def to_traditional(text: str) -> str:
    """Simplified → traditional Chinese (see :func:`drafter.ingest.normalize.to_traditional`)."""
    from drafter.ingest.normalize import to_traditional as convert

    return convert(text)


def _set_font(run, name: str, size_pt: float, bold: bool = False) -> None:  # noqa: ANN001
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()  # noqa: SLF001
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        from docx.oxml import OxmlElement

        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _paragraph(doc, text: str, font: str, size: float = 16, *, bold: bool = False, center: bool = False,  # noqa: ANN001
               indent: bool = True):
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif indent:
        fmt.first_line_indent = Pt(size * 2)
    _set_font(p.add_run(text), font, size, bold)
    return p


def _page_number_footer(section) -> None:  # noqa: ANN001
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def field_run(kind: str, text: str = "") -> None:
        run = p.add_run(text)
        _set_font(run, "宋体", 14)
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._element.append(el)  # noqa: SLF001

    field_run("", "— ")
    field_run("begin")
    run = p.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = "PAGE"
    run._element.append(instr)  # noqa: SLF001
    field_run("separate")
    field_run("", "1")
    field_run("end")
    field_run("", " —")


def build_docx(markdown: str):  # noqa: ANN201 - docx.Document
    """A python-docx Document of a plan's Markdown (as rendered by drafter.draft.assemble)."""
    import docx
    from docx.shared import Cm, Pt

    doc = docx.Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    _page_number_footer(sec)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    for line in markdown.splitlines():
        line = line.rstrip()
        if not line.strip():
            continue
        if line.startswith("# "):
            p = _paragraph(doc, line[2:].strip(), TITLE_FONT, 22, bold=True, center=True)
            p.paragraph_format.space_after = Pt(28)
        elif line.startswith("## "):
            _paragraph(doc, line[3:].strip(), H1_FONT, 16)
        elif line.startswith("### "):
            _paragraph(doc, line[4:].strip(), H2_FONT, 16)
        elif line.startswith("- "):
            _paragraph(doc, line[2:].strip(), BODY_FONT, 16)
        else:
            m = re.match(r"^(\d+)\.\s+(.*)$", line)
            text = f"{m.group(1)}．{m.group(2)}" if m else line.strip()
            _paragraph(doc, text, BODY_FONT, 16)
    return doc


def docx_bytes(markdown: str) -> bytes:
    """The .docx file of a plan's Markdown, as bytes (for atomic writes)."""
    buf = io.BytesIO()
    build_docx(markdown).save(buf)
    return buf.getvalue()

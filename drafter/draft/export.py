"""Export a plan: Word (.docx) styled as a Chinese official document, and traditional script.

The .docx follows the usual 公文 layout (GB/T 9704): A4; margins top 3.7 cm, bottom
3.5 cm, left 2.8 cm, right 2.6 cm; title 方正小标宋简体 22 pt centred (the face is already
heavy: not bold); level-1 headings 黑体 16 pt; level-2 楷体_GB2312 16 pt; body 仿宋_GB2312
16 pt; fixed 28 pt line spacing; first-line indent of two characters; "— 1 —" page numbers
in the footer. Headings carry the Title / Heading 1 / Heading 2 styles (restyled to the
above), so Word's navigation pane shows the outline and ``drafter score`` reads it back.
The document language is Chinese (zh-CN, or zh-TW for traditional script), so renderers
pick Chinese glyphs and line-breaking rules; a traditional-script plan uses the GBK faces
(宋体, 黑体, 楷体, 仿宋), since the *_GB2312 and 简体 faces have no traditional characters.
The 落款 (the union's name and the date) is right-aligned under the body.
"""

from __future__ import annotations

import datetime as _dt
import io
import re

from drafter.domain.script import detect_script

TITLE_FONT = "方正小标宋简体"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
FOOTER_FONT = "宋体"

#: faces per script: (title, level-1, level-2, body)
FONTS = {
    "simplified": (TITLE_FONT, H1_FONT, H2_FONT, BODY_FONT),
    "traditional": ("宋体", "黑体", "楷体", "仿宋"),
}
LANG = {"simplified": "zh-CN", "traditional": "zh-TW"}
#: after an item number: the full-width stop sits centred in traditional (Taiwan) faces, so "1." there
ITEM_STOP = {"simplified": "．", "traditional": "."}

_MONTH = re.compile(r"^(\d{1,2}月(?:份)?[：:])(.*)$")
_ITEM = re.compile(r"^(\d+)\.\s+(.*)$")


def _rfonts(parent, name: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    fonts = parent.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        parent.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]  # theme fonts would override the named ones
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    fonts.set(qn("w:hint"), "eastAsia")  # “” and other shared punctuation in the Chinese face


def _set_font(run, name: str, size_pt: float, bold: bool = False) -> None:
    from docx.shared import Pt

    run.font.size = Pt(size_pt)
    run.font.bold = bold
    _rfonts(run._element.get_or_add_rPr(), name)


def _format(fmt, *, line_pt: float = 28, indent_pt: float | None = None, center: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line_pt)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.widow_control = True
    if center:
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt.first_line_indent = Pt(0)
    else:
        fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        fmt.first_line_indent = Pt(indent_pt) if indent_pt is not None else None


def _restyle(doc, fonts: tuple[str, str, str, str], lang: str) -> None:
    """Document defaults and the Normal/Title/Heading styles in 公文 dress (no theme colours, borders)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    title, h1, h2, body = fonts
    styles_el = doc.styles.element
    rpr_default = styles_el.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _rfonts(rpr_default, body)
    lang_el = rpr_default.find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        rpr_default.append(lang_el)
    lang_el.set(qn("w:val"), lang)
    lang_el.set(qn("w:eastAsia"), lang)
    ppr_default = styles_el.find(qn("w:docDefaults")).find(qn("w:pPrDefault"))
    if ppr_default is not None:
        ppr_default.getparent().remove(ppr_default)  # its 10 pt space after and 1.15 lines

    for style_name, face, size, center, level in (
        ("Normal", body, 16, False, None),
        ("Title", title, 22, True, None),
        ("Heading 1", h1, 16, False, 0),
        ("Heading 2", h2, 16, False, 1),
    ):
        style = doc.styles[style_name]
        el = style.element
        for tag in ("w:pPr", "w:rPr"):
            old = el.find(qn(tag))
            if old is not None:
                el.remove(old)
        style.font.size = Pt(size)
        style.font.bold = False
        _rfonts(el.get_or_add_rPr(), face)
        fmt = style.paragraph_format
        _format(fmt, indent_pt=None if style_name == "Normal" or center else 32, center=center)
        if style_name == "Title":
            fmt.line_spacing = Pt(36)
        if level is not None:
            fmt.keep_with_next = True
            outline = OxmlElement("w:outlineLvl")
            outline.set(qn("w:val"), str(level))
            el.get_or_add_pPr().append(outline)


def _paragraph(
    doc,
    text: str,
    font: str,
    size: float = 16,
    *,
    bold: bool = False,
    center: bool = False,
    indent: bool = True,
    style: str | None = None,
    highlight: bool = False,
):
    p = doc.add_paragraph(style=style)
    _format(
        p.paragraph_format, line_pt=36 if style == "Title" else 28, indent_pt=size * 2 if indent else 0, center=center
    )
    if style in ("Heading 1", "Heading 2"):
        p.paragraph_format.keep_with_next = True
    if text:
        _add_runs(p, text, font, size, bold=bold, highlight=highlight)
    return p


#: ``drafter revise --mark-changes``: 【新增】 text (to the line's end or the next 【新增】), the new value of
#: 【已更新：旧→新】, 【待核：…】
_MARK = re.compile(
    r"【新增】(?P<added>(?:(?!【新增】).)*)|【已更新：[^】→]*→(?P<new>[^】]*)】|(?P<check>【待核：[^】]*】)"
)
_HIGHLIGHT = {"added": "BRIGHT_GREEN", "new": "YELLOW", "check": "TURQUOISE"}


def _add_runs(p, text: str, font: str, size: float, *, bold: bool = False, highlight: bool = False) -> None:
    """The text as runs; with ``highlight``, a revision's marks become highlighted runs (the mark words dropped,
    except the 【待核：…】 notes, which the chair must see)."""
    if not highlight:
        _set_font(p.add_run(text), font, size, bold)
        return
    from docx.enum.text import WD_COLOR_INDEX

    pos = 0
    for m in _MARK.finditer(text):
        if m.start() > pos:
            _set_font(p.add_run(text[pos : m.start()]), font, size, bold)
        kind = next(k for k in _HIGHLIGHT if m.group(k) is not None)
        part = m.group(kind)
        if part:
            run = p.add_run(part)
            _set_font(run, font, size, bold)
            run.font.highlight_color = getattr(WD_COLOR_INDEX, _HIGHLIGHT[kind])
        pos = m.end()
    if pos < len(text):
        _set_font(p.add_run(text[pos:]), font, size, bold)


def _page_number_footer(section) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    section.footer_distance = Cm(2.5)
    p = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def field_run(kind: str, text: str = "") -> None:
        run = p.add_run(text)
        _set_font(run, FOOTER_FONT, 14)
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._element.append(el)

    field_run("", "— ")
    field_run("begin")
    run = p.add_run()
    _set_font(run, FOOTER_FONT, 14)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run._element.append(instr)
    field_run("separate")
    field_run("", "1")
    field_run("end")
    field_run("", " —")


def _clean_properties(doc, title: str, lang: str) -> None:
    """File properties of this plan, not python-docx's template (author, 2013 dates, thumbnail)."""
    props = doc.core_properties
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0, tzinfo=None)
    props.title = title
    props.author = ""
    props.last_modified_by = ""
    props.comments = ""
    props.language = lang
    props.created = now
    props.modified = now
    props.revision = 1
    pkg_rels = doc.part.package.rels
    for rid, rel in list(pkg_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del pkg_rels[rid]  # the template's preview image, not this document


def build_docx(markdown: str, script: str | None = None, closing: list[str] | None = None, *, highlight: bool = False):
    """A python-docx Document of a plan's Markdown (as rendered by drafter.draft.assemble).

    ``script`` (simplified/traditional) picks the faces and language; detected from the text when None.
    ``closing``: the 落款 lines that end the Markdown, set right-aligned under the body.
    ``highlight``: the Markdown carries a revision's marks (``drafter revise --mark-changes``): added text is
    highlighted green, updated words yellow (their new value), 【待核：…】 notes turquoise.
    """
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    script = script if script in FONTS else detect_script(markdown).value
    fonts, lang = FONTS[script], LANG[script]
    title_f, h1_f, h2_f, body_f = fonts

    doc = docx.Document()
    _restyle(doc, fonts, lang)
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    _page_number_footer(sec)

    title = ""
    lines = [ln.rstrip() for ln in markdown.splitlines() if ln.strip()]
    tail = list(closing or [])
    body, sign = (lines[: -len(tail)], lines[-len(tail) :]) if tail and lines[-len(tail) :] == tail else (lines, [])
    for line in body:
        if line.startswith("# "):
            shown = line[2:].strip()
            if highlight:
                shown = _MARK.sub(lambda m: m.group("added") or m.group("new") or m.group("check") or "", shown)
            title = title or shown
            p = _paragraph(doc, line[2:].strip(), title_f, 22, center=True, style="Title", highlight=highlight)
            p.paragraph_format.space_after = Pt(28)  # one blank line under the title
        elif line.startswith("## "):
            _paragraph(doc, line[3:].strip(), h1_f, 16, style="Heading 1", highlight=highlight)
        elif line.startswith("### "):
            _paragraph(doc, line[4:].strip(), h2_f, 16, style="Heading 2", highlight=highlight)
        else:
            text = line[2:].strip() if line.startswith("- ") else line.strip()
            m = _ITEM.match(text)
            if m:
                text = f"{m.group(1)}{ITEM_STOP[script]}{m.group(2)}"
            month = _MONTH.match(text)
            if month:
                # Schedule lines: the month label bold, the arrangements after it.
                p = _paragraph(doc, "", body_f, 16)
                _set_font(p.add_run(month.group(1)), body_f, 16, bold=True)
                _add_runs(p, month.group(2), body_f, 16, highlight=highlight)
            else:
                _paragraph(doc, text, body_f, 16, highlight=highlight)
    for k, line in enumerate(sign):
        # The 落款: the union's name and the date, right-aligned under the body.
        p = _paragraph(doc, line, body_f, 16, indent=False, highlight=highlight)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(32)
        if k == 0:
            p.paragraph_format.space_before = Pt(28)
    _clean_properties(doc, title, lang)
    return doc


def docx_bytes(
    markdown: str, script: str | None = None, closing: list[str] | None = None, *, highlight: bool = False
) -> bytes:
    """The .docx file of a plan's Markdown, as bytes (for atomic writes); ``highlight``: see :func:`build_docx`."""
    buf = io.BytesIO()
    build_docx(markdown, script, closing, highlight=highlight).save(buf)
    return buf.getvalue()

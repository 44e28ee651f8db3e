"""Reading source documents in every encoding the corpus meets, .docx, and skipping bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafter.errors import InputError, NoDocumentsError
from drafter.ingestion.load import read_document
from drafter.ingestion.pipeline import iter_source_files, load_plans, plans_from_file

PLAN = (
    "阳光幼儿园2024年工会工作计划\n"
    "一、指导思想\n以习近平新时代中国特色社会主义思想为指导，全心全意依靠教职工办好幼儿园。\n"
    "二、主要工作\n1、坚持教代会制度，推进园务公开。\n2、开展送温暖活动，关心教职工生活，慰问困难教职工。\n"
    "3、组织全园教职工开展文体活动，丰富教职工文化生活，增强幼儿园凝聚力。\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "gb18030", "gbk"])
def test_text_encodings_round_trip(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"plan-{encoding}.txt"
    data = PLAN.encode(encoding)
    if encoding == "utf-16-be":  # with a BOM, as Windows Notepad writes it
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    assert read_document(path) == PLAN


def test_windows_line_endings_and_md(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_bytes(PLAN.replace("\n", "\r\n").encode("utf-8"))
    assert read_document(path) == PLAN


def test_short_gbk_text_is_not_misread(tmp_path: Path) -> None:
    # charset-normalizer alone misreads short GBK strings; GB18030 is tried first
    path = tmp_path / "short.txt"
    path.write_bytes("工会工作计划".encode("gbk"))
    assert read_document(path) == "工会工作计划"


def test_docx_paragraphs_and_table_cells(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("阳光幼儿园2024年工会工作计划")
    document.add_paragraph("一、指导思想")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "3月份"
    table.cell(0, 1).text = "三八妇女节活动"
    table.cell(1, 0).text = "4月份"
    table.cell(1, 1).text = "教职工春季运动会"
    document.add_paragraph("二、保障措施")
    path = tmp_path / "plan.docx"
    document.save(str(path))
    text = read_document(path)
    lines = text.split("\n")
    assert lines[:2] == ["阳光幼儿园2024年工会工作计划", "一、指导思想"]
    assert lines[2:6] == ["3月份", "三八妇女节活动", "4月份", "教职工春季运动会"]
    assert lines[-1] == "二、保障措施"


def test_binary_empty_and_broken_files_raise_input_error(tmp_path: Path) -> None:
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n", encoding="utf-8")
    fake_docx = tmp_path / "fake.docx"
    fake_docx.write_bytes(b"not a zip file")
    for path in (binary, empty, fake_docx):
        with pytest.raises(InputError) as info:
            read_document(path)
        message = str(info.value)
        assert path.name in message and "\n" not in message
    with pytest.raises(InputError, match="no such file"):
        read_document(tmp_path / "missing.txt")


def test_iter_source_files_walks_folders_and_skips_readme_and_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for rel in ("a.txt", "b/c.md", "b/d.docx", "README.md", "b/notes.pdf", ".secret.txt", ".hidden/e.txt"):
        (tmp_path / rel).write_bytes(b"x")
    found = iter_source_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.txt", "b/c.md", "b/d.docx"]
    # a file given twice (directly and through its folder) is read once
    assert len(iter_source_files([tmp_path / "a.txt", tmp_path])) == 3
    with pytest.raises(InputError, match="no such file"):
        iter_source_files([tmp_path / "nope"])


def test_iter_source_files_none_is_the_builtin_corpus() -> None:
    files = iter_source_files(None)
    assert [p.name[:3] for p in files] == ["000", "001", "002", "003", "004"]


def test_plans_from_file_of_a_single_plan_in_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "yangguang.txt"
    path.write_bytes(PLAN.encode("gb18030"))
    (plan,) = plans_from_file(path)
    assert plan.id == "yangguang#1" and plan.source == "yangguang.txt" and plan.index == 1
    assert plan.title == "阳光幼儿园2024年工会工作计划"
    assert plan.unit.value == "kindergarten" and plan.year.value == 2024 and plan.kind.value == "plan"
    assert plan.text.startswith("一、指导思想")


def test_load_plans_skips_bad_files_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(PLAN, encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 10)
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    warnings: list[str] = []
    plans = load_plans([tmp_path], warn=warnings.append)
    assert [p.id for p in plans] == ["good#1"]
    assert sorted(w.split(":")[0] for w in warnings) == ["skipped binary.txt", "skipped empty.md"]
    assert all("\n" not in w for w in warnings)


def test_load_plans_raises_when_every_file_fails(tmp_path: Path) -> None:
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 10)
    (tmp_path / "empty.txt").write_bytes(b"")
    warnings: list[str] = []
    with pytest.raises(NoDocumentsError):
        load_plans([tmp_path], warn=warnings.append)
    assert len(warnings) == 2
    with pytest.raises(NoDocumentsError):
        load_plans([tmp_path / "binary.txt"])


def test_markdown_marks_are_stripped(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(
        "# 阳光幼儿园2024年工会工作计划\n\n## 一、指导思想\n\n以**习近平新时代中国特色社会主义思想**为指导。\n\n"
        "## 二、主要工作\n\n- 工会开展送温暖活动，慰问困难教职工。\n- 组织全园教职工开展文体活动。\n\n---\n",
        encoding="utf-8",
    )
    text = read_document(path)
    assert "#" not in text and "**" not in text and "---" not in text
    assert "\n一、指导思想\n" in text and "\n工会开展送温暖活动，慰问困难教职工。\n" in text
    (plan,) = plans_from_file(path)
    assert plan.title == "阳光幼儿园2024年工会工作计划"
    assert [s.heading for s in plan.sections if s.level == 1] == ["指导思想", "主要工作"]
    assert plan.sections[0].section_id == "guiding_ideology"


def test_two_files_with_one_name_both_get_plans_with_distinct_ids(tmp_path: Path) -> None:
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "plan.txt").write_text(PLAN, encoding="utf-8")
    (tmp_path / "a" / "plan.md").write_text(PLAN, encoding="utf-8")
    warnings: list[str] = []
    plans = load_plans([tmp_path], warn=warnings.append)
    ids = [p.id for p in plans]
    assert len(ids) == 3 and len(set(ids)) == 3 and ids[0] == "plan#1"
    assert all(i.startswith("plan~") for i in ids[1:]) and not warnings
    assert {p.source for p in plans} == {"plan.txt", "plan.md"}


def test_the_walk_names_what_it_leaves_out(tmp_path: Path, monkeypatch) -> None:
    import os

    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "a.txt").write_text(PLAN, encoding="utf-8")
    (tmp_path / "plans" / "scan.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "plans" / "photo.png").write_bytes(b"\x89PNG")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "b.txt").write_text(PLAN, encoding="utf-8")
    real = os.scandir

    def scandir(path):  # tests run as root, where chmod 000 does not stop reading
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    skipped: list[tuple[str, str]] = []
    found = iter_source_files([tmp_path], on_skip=lambda p, why: skipped.append((p.name, why)))
    assert [p.name for p in found] == ["a.txt"]
    reasons = dict(skipped)
    assert set(reasons) == {"scan.pdf", "photo.png", "locked"}
    assert ".pdf files are not read" in reasons["scan.pdf"] and "Permission denied" in reasons["locked"]
    warnings: list[str] = []
    load_plans([tmp_path], warn=warnings.append)
    assert len(warnings) == 3 and all(w.startswith("skipped ") and "\n" not in w for w in warnings)


def test_english_text_is_not_a_plan(tmp_path: Path) -> None:
    english = tmp_path / "en.txt"
    english.write_text(
        "This is an English paragraph about the union plan for next year. We will hold meetings and "
        "organise activities for all the staff members of the school.\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="no Chinese plan text found"):
        plans_from_file(english)


def _docx_bytes(document_xml: bytes) -> bytes:
    import io
    import zipfile

    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = document_xml if info.filename == "word/document.xml" else src.read(info.filename)
            z.writestr(info.filename, data)
    return out.getvalue()


def test_docx_with_broken_xml_is_one_line_input_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.docx"
    broken.write_bytes(_docx_bytes(b"<w:document><w:body><w:p>unclosed"))
    with pytest.raises(InputError) as info:
        read_document(broken)
    assert "broken.docx: not a readable .docx file (XMLSyntaxError" in str(info.value) and "\n" not in str(info.value)


def test_docx_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    import time
    import tracemalloc

    head = b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(_docx_bytes(head + b"<w:p/>" * (40 * 2**20 // 6) + b"</w:body></w:document>"))
    assert bomb.stat().st_size < 2**20
    tracemalloc.start()
    t = time.perf_counter()
    with pytest.raises(InputError, match="zip bomb"):
        read_document(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.perf_counter() - t < 1.0 and peak < 16 * 2**20


def test_oversized_files_are_refused(tmp_path: Path, monkeypatch) -> None:
    from drafter.ingestion import load

    monkeypatch.setattr(load, "MAX_FILE_BYTES", 1000)
    big = tmp_path / "big.txt"
    big.write_text(PLAN * 10, encoding="utf-8")
    with pytest.raises(InputError, match="too large"):
        read_document(big)
    monkeypatch.setattr(load, "MAX_FILE_BYTES", 10**9)
    monkeypatch.setattr(load, "MAX_TEXT_CHARS", 100)
    with pytest.raises(InputError, match="characters of text"):
        read_document(big)

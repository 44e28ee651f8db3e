"""The library page's API: the corpus tagged as `drafter corpus` shows it, uploads of past plans into the
index (size, type and content checks), search with provenance."""

from __future__ import annotations

import io
import zipfile

import pytest
from web_support import PLANTED, client, make_settings

PLAN = (
    """幸福社区工会2025年工作计划

一、指导思想
以习近平新时代中国特色社会主义思想为指导，团结动员社区职工和新就业形态劳动者。

二、主要工作
1. 开展“暖心驿站”建设，为快递员、外卖送餐员提供歇脚、饮水、充电服务。
2. 春节前走访慰问辖区困难职工家庭，送温暖到户。
3. 组织辖区小微企业职工开展健步走和趣味运动会。
"""
    + PLANTED
)


@pytest.fixture(scope="module")
def own_index(tmp_path_factory):
    """An index of its own (uploads change it): the built-in corpus, ingested once for this module."""
    from drafter.config import IndexConfig
    from drafter.index.build import ingest

    config = IndexConfig.resolve(tmp_path_factory.mktemp("web-index"))
    ingest(None, config=config)
    return config


@pytest.fixture
def c(tmp_path, own_index):
    with client(make_settings(tmp_path / "web", own_index.index_dir, max_upload_bytes=200_000)) as cl:
        yield cl


def _docx(text: str) -> bytes:
    import docx

    d = docx.Document()
    for line in text.splitlines():
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_the_corpus_is_listed_with_its_tags(c):
    rows = c.get("/api/library/plans").json()
    assert len(rows) > 10
    r = rows[0]
    assert {"unit_name", "kind_name", "year", "script", "evidence", "source"} <= set(r)
    assert any(x["unit_name"] == "医院" and x["kind_name"] == "工作计划" for x in rows)
    plan = c.get(f"/api/library/plans/{r['id'].replace('#', '%23')}").json()
    assert plan["id"] == r["id"] and plan["sections"]
    assert c.get("/api/library/plans/nope%231").status_code == 422


def test_upload_a_past_plan_then_find_it(c):
    res = c.post(
        "/api/library/uploads",
        files=[
            ("files", ("幸福社区2025.txt", PLAN.encode("utf-8"), "text/plain")),
            ("files", ("幸福社区2024.docx", _docx(PLAN.replace("2025", "2024")), "application/octet-stream")),
        ],
    )
    assert res.status_code == 201, res.text
    up = res.json()
    assert up["plans_added"] == 2 and "已收入 2 个文件" in up["message"]
    rows = {r["source"]: r for r in c.get("/api/library/plans").json()}
    mine = rows["幸福社区2025.txt"]
    assert mine["uploaded"] and mine["unit_name"] == "社区" and mine["year"] == 2025 and mine["evidence"]["unit"]
    assert rows["幸福社区2024.docx"]["year"] == 2024
    hits = c.get("/api/library/search", params={"q": "暖心驿站 快递员", "unit": "community"}).json()
    uploaded = {mine["id"], rows["幸福社区2024.docx"]["id"]}  # the two files differ only in their year
    assert hits and hits[0]["plan_id"] in uploaded and hits[0]["plan_title"] and hits[0]["unit_name"] == "社区"
    again = c.post("/api/library/uploads", files=[("files", ("幸福社区2025.txt", PLAN.encode("utf-8")))]).json()
    assert again["plans_added"] == 0 and "相同" in again["message"]
    assert "<script>alert" not in c.get("/library").text


@pytest.mark.parametrize(
    "name, data, status, words",
    [
        ("计划.exe", b"MZ...", 422, ".docx、.txt 或 .md"),
        ("计划", PLAN.encode(), 422, ".docx、.txt 或 .md"),
        ("空白.txt", b"   \n", 422, "空文件"),
        ("坏的.docx", b"PK\x03\x04 not a zip at all", 422, "文件无法读取"),
        ("大的.txt", ("一" * 100_000).encode(), 413, "文件太大"),
        ("二进制.txt", b"\x00\x01\x02" * 100, 422, "文件无法读取"),
    ],
)
def test_bad_uploads_are_refused_with_one_line(c, own_index, name, data, status, words):
    before = len(c.get("/api/library/plans").json())
    res = c.post("/api/library/uploads", files=[("files", (name, data))])
    assert res.status_code == status, res.text
    assert words in res.json()["error"] and "\n" not in res.json()["error"]
    assert len(c.get("/api/library/plans").json()) == before


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>" + " " * 50_000_000 + "</w:document>")
    assert len(buf.getvalue()) < 200_000
    return buf.getvalue()


def test_a_zip_bomb_docx_shows_no_traceback_and_changes_nothing(c):
    before = len(c.get("/api/library/plans").json())
    res = c.post("/api/library/uploads", files=[("files", ("炸弹.docx", _bomb()))])
    assert res.status_code >= 400
    msg = res.json()["error"]
    assert "\n" not in msg and "Traceback" not in msg and "AttributeError" not in msg
    assert len(c.get("/api/library/plans").json()) == before


def test_a_zip_bomb_docx_is_refused_as_unreadable(c):
    res = c.post("/api/library/uploads", files=[("files", ("炸弹.docx", _bomb()))])
    assert res.status_code == 422 and res.json()["error"].startswith("文件无法读取")


def test_an_upload_cannot_write_outside_its_folder(c, tmp_path):
    res = c.post("/api/library/uploads", files=[("files", ("../../逃逸计划.txt", PLAN.encode("utf-8")))])
    assert res.status_code == 201, res.text
    assert res.json()["files"] == ["逃逸计划.txt"]
    assert (tmp_path / "web" / "uploads" / "逃逸计划.txt").is_file()
    assert not (tmp_path / "逃逸计划.txt").exists()


def test_uploads_need_a_length_and_multipart(c):
    csrf = {"X-CSRF-Token": c.cookies.get("drafter_csrf")}
    res = c.post("/api/library/uploads", content=b"abc", headers={**csrf, "Content-Type": "text/plain"})
    assert res.status_code == 422 and "multipart" in res.json()["error"]
    res = c.post("/api/library/uploads", files=[])
    assert res.status_code == 422


def test_search_checks_its_query(c):
    assert c.get("/api/library/search", params={"q": ""}).status_code == 422
    assert c.get("/api/library/search", params={"q": "送温暖", "k": 0}).status_code == 422
    hits = c.get("/api/library/search", params={"q": "送温暖"}).json()
    assert hits and all(h["plan_title"] for h in hits)

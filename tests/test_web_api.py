"""The web app's JSON API and pages, driven through the real ASGI app (TestClient): every endpoint,
its bad inputs, escaping, concurrency of edits, restarts and failures."""

from __future__ import annotations

import io
import threading

import pytest
from web_support import PLANTED, client, drafted, events, make_settings

from drafter.web.settings import ModelOptions


@pytest.fixture
def settings(tmp_path, corpus_index):
    return make_settings(tmp_path / "web", corpus_index.index_dir)


@pytest.fixture
def c(settings):
    with client(settings) as cl:
        yield cl


@pytest.fixture
def done(c):
    return drafted(c, unit="幼儿园", year=2025, name="阳光幼儿园", brief="今年重点：教职工心理健康、筹建职工之家")


# --------------------------------------------------------------------------- form, outline
def test_config_lists_units_facts_and_the_offline_writer(c):
    cfg = c.get("/api/config").json()
    assert {"kindergarten", "hospital", "community"} <= {u["id"] for u in cfg["units"]}
    assert "幼儿园" in [u["name"] for u in cfg["units"]]
    assert "职工人数" in [f["key"] for f in cfg["facts"]]
    assert [w["id"] for w in cfg["writers"]] == ["offline"]


def test_the_configured_model_is_named_with_its_endpoint_and_its_key_never_shown(tmp_path, corpus_index):
    key = "sk-very-secret-key-0123456789"
    s = make_settings(
        tmp_path / "web",
        corpus_index.index_dir,
        model=ModelOptions(model="qwen-plus", base_url="http://127.0.0.1:9/v1", api_key=key),
    )
    with client(s) as cl:
        cfg = cl.get("/api/config").json()
        model = cfg["writers"][0]
        assert model["id"] == "model" and model["model"] == "qwen-plus" and "127.0.0.1:9" in model["endpoint"]
        page = cl.get("/").text
        assert "qwen-plus" in page
        for text in (page, cl.get("/api/config").text, cl.get("/api/openapi.json").text):
            assert key not in text and key[:12] not in text


def test_outline_shows_must_haves_and_takes_edits(c):
    plan = {"unit": "kindergarten", "year": 2025, "brief": "今年重点：教职工心理健康"}
    o = c.post("/api/outline", json=plan).json()
    ids = [s["id"] for s in o["sections"]]
    care = next(s for s in o["sections"] if s["id"] == "worker_care")
    assert care["must"] and all(m["tier"] == "must" for m in care["must"]) and care["asks"] == ["教职工心理健康"]
    assert not next(s for s in o["sections"] if s["id"] == "schedule")["written"]
    edited = [{"id": "worker_care", "title": "关爱教职工"}, {"title": "开展读书月活动"}] + [
        {"id": i} | {"title": s["title"]} for i, s in zip(ids, o["sections"]) if i not in ("worker_care", "goals")
    ]
    o2 = c.post("/api/outline", json=plan | {"sections": edited}).json()
    assert [s["id"] for s in o2["sections"]][:2] == ["worker_care", "custom_1"]
    assert o2["sections"][0]["title"] == "关爱教职工" and "goals" not in [s["id"] for s in o2["sections"]]


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"unit": "火星", "year": 2025}, 422, "不认识的单位类型"),
        ({"unit": "kindergarten", "year": 1999}, 422, "年度不能小于 2000"),
        ({"unit": "kindergarten", "year": "明年"}, 422, "年度应是整数"),
        ({"unit": "kindergarten"}, 422, "年度必须填写"),
        ({"unit": "kindergarten", "year": 2025, "brief": "重" * 2001}, 422, "今年的工作要求太长了"),
        ({"unit": "kindergarten", "year": 2025, "colour": "red"}, 422, "不认识的字段"),
        ({"unit": "kindergarten", "year": 2025, "facts": {"职工人数": "很多"}}, 422, "must be a number"),
        ({"unit": "kindergarten", "year": 2025, "facts": {"工资": "1"}}, 422, "unknown fact"),
        ({"unit": "kindergarten", "year": 2025, "writer": "model"}, 422, "没有配置大模型"),
        ({"unit": "kindergarten", "year": 2025, "sections": []}, 422, "at least one section"),
        ({"unit": "kindergarten", "year": 2025, "sections": [{"id": "nope", "title": "甲"}]}, 422, "no section 'nope'"),
        ({"unit": "kindergarten", "year": 2025, "name": "阳光<b>幼儿园</b>"}, 422, "输入有误"),
    ],
)
def test_bad_plans_are_refused_with_one_line(c, body, status, words):
    for url in ("/api/outline", "/api/drafts"):
        res = c.post(url, json=body)
        assert res.status_code == status, (url, res.text)
        msg = res.json()["error"]
        assert words in msg and "\n" not in msg and "Traceback" not in msg
    assert c.get("/api/drafts").json() == []  # nothing was saved


def test_a_body_that_is_not_json_is_refused(c):
    res = c.post("/api/drafts", content=b"{not json", headers={"Content-Type": "application/json"})
    assert res.status_code == 422 and "输入有误" in res.json()["error"]


# --------------------------------------------------------------------------- drafting
def test_a_draft_streams_its_sections_then_is_saved_complete(c):
    res = c.post("/api/drafts", json={"unit": "hospital", "year": 2026, "name": "市第一人民医院"})
    assert res.status_code == 201
    created = res.json()
    assert created["url"] == f"/drafts/{created['id']}" and created["draft"]["status"] == "drafting"
    evs = events(c, created["id"])
    names = [n for n, _ in evs]
    assert names[0] == "snapshot" and names[-1] == "end"
    final = c.get(f"/api/drafts/{created['id']}").json()
    assert final["status"] == "done" and final["progress_done"] == final["progress_total"] > 5
    assert not any(s["pending"] or s["error"] for s in final["sections"])
    assert final["title"] == "市第一人民医院2026年工会工作计划"
    if "section" in names:  # the events came before the end (a fast offline draft may finish before we listen)
        sections = [d["section"] for n, d in evs if n == "section"]
        assert len(sections) == len(set(sections)) and names.index("done") > names.index("section")
    rows = c.get("/api/drafts").json()
    assert rows[0]["id"] == created["id"] and rows[0]["status_label"] == "已完成" and rows[0]["unit_name"] == "医院"
    assert c.get(f"/drafts/{created['id']}").status_code == 200


def test_unfilled_slots_and_provenance_are_in_the_draft(done):
    assert "会员人数" in done["unfilled"]
    items = [it for s in done["sections"] for it in s["items"]]
    assert items and all(it["basis"] for it in items)
    assert any(it["basis"].startswith("工作事项库") for it in items)
    assert any(it["unfilled"] for it in items)
    assert any(it["basis"].startswith("本年重点要求") for it in items)


def test_events_of_a_finished_draft_are_its_snapshot(c, done):
    evs = events(c, done["id"])
    assert [n for n, _ in evs] == ["snapshot", "end"]
    assert evs[0][1]["draft"]["version"] == done["version"]


def test_edit_saves_the_chairs_text_and_rebuilds_the_schedule(c, done):
    text = "关心教职工身心健康。\n\n1. 9月组织全体教职工秋季登山活动。\n2. 全年走访困难教职工不少于4户次。"
    res = c.put(f"/api/drafts/{done['id']}/sections/worker_care", json={"text": text, "base_version": done["version"]})
    assert res.status_code == 200, res.text
    d = res.json()
    care = next(s for s in d["sections"] if s["id"] == "worker_care")
    assert [it["text"] for it in care["items"]][0].startswith("9月组织全体教职工秋季登山活动")
    assert care["items"][0]["basis"] == "本人修改" and care["rev"] == d["version"] > done["version"]
    schedule = next(s for s in d["sections"] if s["id"] == "schedule")
    assert any("登山" in it["text"] for it in schedule["items"])
    md = c.get(f"/api/drafts/{done['id']}/download?format=md").text
    assert "秋季登山活动" in md


def test_two_chairs_editing_different_sections_keep_both_edits(c, done):
    base = done["version"]
    url = f"/api/drafts/{done['id']}/sections/"
    results = []

    def edit(sid, text):
        results.append(c.put(url + sid, json={"text": text, "base_version": base}).status_code)

    threads = [
        threading.Thread(target=edit, args=("worker_care", "1. 9月组织秋季登山活动。")),
        threading.Thread(target=edit, args=("culture_sports", "1. 5月组织教职工拔河比赛。")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200, 200]
    md = c.get(f"/api/drafts/{done['id']}/download?format=md").text
    assert "秋季登山活动" in md and "拔河比赛" in md


def test_an_edit_of_a_section_changed_meanwhile_is_refused(c, done):
    url = f"/api/drafts/{done['id']}/sections/worker_care"
    assert c.put(url, json={"text": "1. 9月组织秋季登山活动。", "base_version": done["version"]}).status_code == 200
    res = c.put(url, json={"text": "1. 我的另一版本。", "base_version": done["version"]})
    assert res.status_code == 409 and "已被他人修改" in res.json()["error"]
    assert "秋季登山活动" in c.get(f"/api/drafts/{done['id']}/download?format=md").text


@pytest.mark.parametrize(
    "section, body, status, words",
    [
        ("schedule", {"text": "1月：开会。", "base_version": 1}, 422, "schedule"),
        ("nope", {"text": "1. 某事。", "base_version": 1}, 422, "no section"),
        ("worker_care", {"text": "", "base_version": 1}, 422, "正文不能为空"),
        ("worker_care", {"text": "x" * 20001, "base_version": 1}, 422, "正文太长了"),
        ("worker_care", {"text": "1. 某事。"}, 422, "版本号必须填写"),
    ],
)
def test_bad_edits_are_refused(c, done, section, body, status, words):
    res = c.put(f"/api/drafts/{done['id']}/sections/{section}", json=body)
    assert res.status_code == status and words in res.json()["error"]


def test_redraft_rewrites_one_section_and_keeps_the_others(c, done):
    url = f"/api/drafts/{done['id']}/sections/"
    d = c.put(url + "worker_care", json={"text": "1. 9月组织秋季登山活动。", "base_version": done["version"]}).json()
    res = c.post(url + "culture_sports/redraft", json={"base_version": d["version"]})
    assert res.status_code == 200
    again = res.json()
    assert "秋季登山活动" in next(s for s in again["sections"] if s["id"] == "worker_care")["text"]
    assert next(s for s in again["sections"] if s["id"] == "culture_sports")["items"]
    restored = c.post(url + "worker_care/redraft", json={}).json()
    assert "秋季登山活动" not in next(s for s in restored["sections"] if s["id"] == "worker_care")["text"]
    assert c.post(url + "nope/redraft", json={}).status_code == 422


def test_score_panel_and_its_update_after_an_edit(c, done):
    s = c.get(f"/api/drafts/{done['id']}/score").json()
    assert 0.5 < s["overall"] <= 1 and s["coverage"]["label"] == "结构完整度" and s["version"] == done["version"]
    assert s["missing_must"] == [] and {a["ask"] for a in s["asks"]} == {"教职工心理健康", "筹建职工之家"}
    d = c.put(
        f"/api/drafts/{done['id']}/sections/women_workers",
        json={"text": "1. 组织活动。", "base_version": done["version"]},
    ).json()
    s2 = c.get(f"/api/drafts/{done['id']}/score").json()
    assert s2["version"] == d["version"] and s2["overall"] < s["overall"]
    assert "宣传贯彻《女职工劳动保护特别规定》" in s2["missing_must"]


def test_downloads_are_the_plan_as_word_and_markdown(c, done):
    import docx

    res = c.get(f"/api/drafts/{done['id']}/download?format=docx")
    assert res.status_code == 200 and res.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in res.headers["content-disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(res.content)).paragraphs)
    assert "阳光幼儿园2025年工会工作计划" in text and "指导思想" in text
    md = c.get(f"/api/drafts/{done['id']}/download?format=md")
    assert md.headers["content-type"].startswith("text/markdown") and md.text.startswith(
        "# 阳光幼儿园2025年工会工作计划"
    )
    assert c.get(f"/api/drafts/{done['id']}/download?format=pdf").status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        "/api/drafts/..%2F..%2F..%2Fetc%2Fpasswd/download",
        "/api/drafts/../../etc/passwd/download",
        "/api/drafts/0123456789abcdef0123456789abcdef/download",
        "/api/drafts/%2Fetc%2Fpasswd/download?format=md",
        "/api/drafts/deadbeef",
    ],
)
def test_downloads_cannot_reach_other_files(c, path):
    res = c.get(path)
    assert res.status_code == 404
    assert "root:" not in res.text


def test_delete(c, done):
    assert c.delete(f"/api/drafts/{done['id']}").status_code == 204
    assert c.get(f"/api/drafts/{done['id']}").status_code == 404
    assert c.delete(f"/api/drafts/{done['id']}").status_code == 404
    page = c.get(f"/drafts/{done['id']}", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "找不到这份计划" in page.text


# --------------------------------------------------------------------------- escaping
def test_planted_markup_is_escaped_in_every_page(c):
    d = drafted(c, brief=f"今年重点：{PLANTED}教职工心理健康", facts={"工会主席": PLANTED, "上级工会": PLANTED})
    assert PLANTED in c.get(f"/api/drafts/{d['id']}/download?format=md").text  # it is data, kept as typed
    for url in ("/", "/plans", f"/drafts/{d['id']}", "/library"):
        html = c.get(url).text
        assert "<script>alert" not in html, url
    assert "&lt;script&gt;" in c.get("/plans").text or PLANTED not in d["title"]
    csp = c.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


# --------------------------------------------------------------------------- storage
def test_drafts_survive_a_restart(settings, c, done):
    with client(settings) as again:
        d = again.get(f"/api/drafts/{done['id']}").json()
        assert d["status"] == "done" and d["version"] == done["version"]
        assert [r["id"] for r in again.get("/api/drafts").json()] == [done["id"]]


def test_an_interrupted_draft_keeps_its_finished_sections_and_can_be_finished(settings):
    from drafter.draft.drafter import Drafter
    from drafter.web.store import DraftStore
    from drafter.web.views import PENDING

    d = Drafter(index=settings.index, provider="offline")
    request, outline = d.request("community", 2025, name="幸福社区")
    full = d.write(outline=outline)
    written = [s for s in full.sections if s.id in ("worker_care", "culture_sports")]
    store = DraftStore(settings.database_url)
    rec = store.create(d.unfinished(request, outline, written, PENDING), provider="offline")
    store.close()
    with client(settings) as cl:  # a new server finds it 'drafting' with no job behind it
        got = cl.get(f"/api/drafts/{rec.id}").json()
        assert got["status"] == "interrupted" and "服务器在起草过程中停止" in got["error"]
        assert got["progress_done"] == 2 and got["progress_total"] > 2
        care = next(s for s in got["sections"] if s["id"] == "worker_care")
        assert care["items"] and not care["error"]
        assert cl.post(f"/api/drafts/{rec.id}/resume").status_code == 202
        evs = events(cl, rec.id)
        assert evs[-1][0] == "end"
        final = cl.get(f"/api/drafts/{rec.id}").json()
        assert final["status"] == "done" and not final["failed"]
        assert cl.get(f"/api/drafts/{rec.id}/download?format=md").text == full.markdown


def test_a_full_disk_is_a_clear_message_and_the_saved_draft_is_kept(settings, c, done):
    from sqlalchemy import event

    engine = c.app.state.workspace.store.engine  # type: ignore[attr-defined]
    engine.dispose()

    @event.listens_for(engine, "connect")
    def tiny(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA page_count")
        pages = cur.fetchone()[0]
        cur.execute(f"PRAGMA max_page_count={pages}")  # no room for one more page: SQLITE_FULL
        cur.close()

    big = "1. " + "组织教职工开展读书分享活动。" * 1000
    res = c.put(f"/api/drafts/{done['id']}/sections/worker_care", json={"text": big, "base_version": done["version"]})
    assert res.status_code == 507 and "磁盘已满" in res.json()["error"]
    event.remove(engine, "connect", tiny)
    engine.dispose()
    assert c.get(f"/api/drafts/{done['id']}").json()["version"] == done["version"]


# --------------------------------------------------------------------------- failures of the model and the index
def test_a_model_that_fails_leaves_a_clear_message_and_a_saved_draft(tmp_path, corpus_index, fake_openai):
    fake_openai.status = 401
    key = "sk-test-key-abcdefghijklmnop"
    s = make_settings(
        tmp_path / "web",
        corpus_index.index_dir,
        model=ModelOptions(base_url=fake_openai.base_url, api_key=key, max_retries=0),
    )
    with client(s) as cl:
        res = cl.post("/api/drafts", json={"unit": "kindergarten", "year": 2025, "writer": "model"})
        assert res.status_code == 201
        evs = events(cl, res.json()["id"])
        failed = [
            d for n, d in evs if n in ("failed", "snapshot") and d.get("draft") and d["draft"]["status"] == "failed"
        ]
        assert failed, evs[-2:]
        d = cl.get(f"/api/drafts/{res.json()['id']}").json()
        assert d["status"] == "failed" and d["error"].startswith("大模型调用失败")
        assert key not in d["error"] and key[:10] not in str(evs)
        assert cl.get(f"/api/drafts/{res.json()['id']}/download?format=docx").status_code == 200


def test_a_stopped_chroma_server_is_a_clear_message(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = make_settings(tmp_path / "web", tmp_path / "index", chroma_url=f"http://127.0.0.1:{port}")
    with client(s) as cl:
        res = cl.get("/api/library/search", params={"q": "送温暖"})
        assert res.status_code == 503, res.text
        assert res.json()["error"].startswith("资料库") and "\n" not in res.json()["error"]
        d = drafted(cl, unit="hospital", year=2025)  # offline drafting needs no passages: it still works
        assert d["status"] == "done"


def test_openapi_describes_the_api(c):
    spec = c.get("/api/openapi.json").json()
    for path in (
        "/api/drafts",
        "/api/drafts/{draft_id}",
        "/api/drafts/{draft_id}/events",
        "/api/drafts/{draft_id}/sections/{section_id}",
        "/api/drafts/{draft_id}/sections/{section_id}/redraft",
        "/api/drafts/{draft_id}/download",
        "/api/drafts/{draft_id}/score",
        "/api/library/uploads",
        "/api/library/search",
        "/api/outline",
    ):
        assert path in spec["paths"], path
    assert c.get("/docs").status_code == 404  # no Swagger UI: it would load JavaScript from a CDN

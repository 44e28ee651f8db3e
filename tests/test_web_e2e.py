"""The web app end to end in a real headless Chromium (Debian's `chromium` package, driven by Playwright),
against `drafter serve` on 127.0.0.1; and a bounded load test: 20 chairs drafting at once.

Screenshots of the main screens are saved to the folder the test prints (``$DRAFTER_SCREENSHOTS`` or a
temporary folder)."""

from __future__ import annotations

import io
import os
import shutil
import statistics
import threading
import time
from pathlib import Path

import pytest
from web_support import PLANTED, LiveServer

pytestmark = pytest.mark.integration

CHROMIUM = next(
    (p for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser")) if p), None
)


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("DRAFTER_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH: apt-get install chromium (the end-to-end test drives the system's Chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


def test_a_chair_drafts_edits_regenerates_and_downloads(tmp_path, corpus_index, fake_openai, browser, shots):
    import docx

    fake_openai.delay = 0.25  # a model that takes its time, so the sections visibly arrive one by one
    server = LiveServer(
        tmp_path,
        corpus_index.index_dir,
        "--base-url",
        fake_openai.base_url,
        "--api-key",
        "sk-e2e-secret-key-0123456789",
        "--model",
        "qwen-test",
        "--concurrency",
        "1",
    )
    alerts: list[str] = []
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="zh-CN")
        page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
        page.goto(server.url + "/")
        assert "sk-e2e-secret" not in page.content()
        page.select_option("#f-unit", "kindergarten")
        page.fill("#f-year", "2025")
        page.fill("#f-name", "阳光幼儿园")
        page.fill("#f-brief", f"今年重点：教职工心理健康、筹建职工之家{PLANTED}")
        page.click("#facts summary")
        page.fill("[name='fact:职工人数']", "86")
        page.fill("[name='fact:工会主席']", PLANTED)
        page.fill("[name='fact:上级工会']", PLANTED)
        assert page.locator("input[name=writer][value=model]").is_checked()
        assert "qwen-test" in page.locator("fieldset.writers").inner_text()
        page.screenshot(path=str(shots / "01-new-plan.png"), full_page=True)

        page.click("#btn-outline")
        page.wait_for_selector("#outline-list li")
        care = page.locator("#outline-list li[data-id=worker_care]")
        assert "必备事项" in care.inner_text()
        care.locator("input.sec-title").fill("关心教职工生活，办好暖心实事")
        page.locator("#outline-list li[data-id=goals] button:has-text('删除')").click()
        page.screenshot(path=str(shots / "02-outline.png"), full_page=True)
        page.click("#btn-draft-outline")

        page.wait_for_url("**/drafts/*")
        page.wait_for_function(
            "() => { const t = document.querySelector('#status-text').textContent; const m = t.match(/已完成 (\\d+) \\/ (\\d+)/); return m && +m[1] > 0 && +m[1] < +m[2]; }",
            timeout=30_000,
        )
        assert page.locator(".sec.is-pending").count() > 0  # some sections still being written
        page.screenshot(path=str(shots / "03-drafting.png"))
        page.wait_for_selector("#status.st-done", timeout=60_000)
        page.wait_for_selector("#score-body .overall", timeout=30_000)
        assert page.locator(".sec.is-pending").count() == 0
        assert page.locator("h3", has_text="关心教职工生活，办好暖心实事").count() == 1
        assert page.locator("h3", has_text="工作目标").count() == 0
        assert page.locator("mark.slot").count() > 0 and page.locator("#unfilled-list .chip").count() > 0
        page.screenshot(path=str(shots / "04-draft.png"))

        # edit one section in place
        sec = page.locator("#sec-worker_care")
        sec.hover()
        sec.locator("button:has-text('修改本节')").click()
        sec.locator("textarea.editor").fill(
            "关心教职工身心健康。\n\n1. 9月组织全体教职工秋季登山活动，工会委员分组负责。"
        )
        page.screenshot(path=str(shots / "05-editing.png"))
        sec.locator("button:has-text('保存修改')").click()
        page.wait_for_selector("#sec-worker_care li:has-text('秋季登山活动')")
        sec.locator(".basis-btn").first.click()
        assert "本人修改" in sec.locator(".basis").first.inner_text()

        # regenerate another
        other = page.locator("#sec-culture_sports")
        before = other.locator(".sec-body").inner_text()
        other.hover()
        other.locator("button:has-text('重新起草本节')").click()
        page.wait_for_selector("#toast:has-text('本节已重新起草')")
        assert page.locator("#sec-worker_care li:has-text('秋季登山活动')").count() == 1  # the edit is kept
        assert other.locator(".sec-body").inner_text() != before
        page.wait_for_function("() => document.querySelector('#score-state').textContent === ''", timeout=30_000)

        # the planted markup is text on the page, never markup
        md = page.request.get(page.url.replace("/drafts/", "/api/drafts/") + "/download?format=md").text()
        planted = md.count("<script>")
        assert planted >= 1  # the brief's markup reached the plan's text (as text)
        assert page.inner_text("#doc").count("<script>") == planted
        assert page.evaluate("() => document.querySelectorAll('script:not([src])').length") == 0
        assert alerts == []

        with page.expect_download() as dl:
            page.click("#dl-docx")
        data = Path(dl.value.path()).read_bytes()
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
        assert "阳光幼儿园2025年工会工作计划" in text and "秋季登山活动" in text

        page.goto(server.url + "/plans")
        assert page.locator("#plans-table tbody tr").count() == 1
        page.screenshot(path=str(shots / "06-my-plans.png"))
    finally:
        server.stop()


def test_the_library_takes_an_upload_and_finds_it(tmp_path, browser, shots):
    plan = tmp_path / "幸福社区2025年工会工作计划.txt"
    plan.write_text(
        "幸福社区工会2025年工作计划\n\n一、指导思想\n以习近平新时代中国特色社会主义思想为指导。\n\n二、主要工作\n"
        "1. 建设“暖心驿站”，为快递员、外卖送餐员提供歇脚、饮水、充电服务。\n2. 春节前走访慰问困难职工家庭。\n"
        + PLANTED,
        encoding="utf-8",
    )
    server = LiveServer(tmp_path, tmp_path / "index")  # an index of its own: the upload changes it
    alerts: list[str] = []
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
        page.goto(server.url + "/library")
        page.wait_for_selector("#corpus-body tr td button", timeout=120_000)
        page.set_input_files("#upload-files", str(plan))
        page.click("#btn-upload")
        page.wait_for_selector("#upload-result.ok", timeout=120_000)
        assert "新增 1 份计划" in page.inner_text("#upload-result")
        row = page.locator("#corpus-body tr.uploaded")
        assert row.count() == 1 and "社区" in row.inner_text() and "2025" in row.inner_text()
        page.fill("#search-q", "暖心驿站 快递员")
        page.click("#search-form button")
        page.wait_for_selector("#search-results li .hit-text")
        assert "暖心驿站" in page.locator("#search-results li").first.inner_text()
        page.screenshot(path=str(shots / "07-library.png"))
        page.locator("#search-results li button.link").first.click()
        page.wait_for_selector("#source-dialog[open] .source-part")
        assert PLANTED in page.inner_text("#source-body")  # shown as text
        page.screenshot(path=str(shots / "08-source.png"))
        assert alerts == []
    finally:
        server.stop()


def test_twenty_chairs_drafting_at_once_on_two_cores(tmp_path, corpus_index):
    import httpx

    server = LiveServer(tmp_path, corpus_index.index_dir, cores=2)
    results: list[tuple[float, str, int]] = []
    errors: list[str] = []

    def chair(i: int) -> None:
        try:
            with httpx.Client(base_url=server.url, timeout=120) as c:
                c.get("/")
                t0 = time.perf_counter()
                units = ["kindergarten", "hospital", "enterprise", "government", "community"]
                res = c.post(
                    "/api/drafts",
                    json={
                        "unit": units[i % 5],
                        "year": 2025 + i % 3,
                        "name": f"第{i}单位",
                        "brief": "今年重点：职工心理健康",
                    },
                    headers={"X-CSRF-Token": c.cookies["drafter_csrf"]},
                )
                res.raise_for_status()
                did = res.json()["id"]
                with c.stream("GET", f"/api/drafts/{did}/events") as ev:
                    for line in ev.iter_lines():
                        if line.startswith("event: end"):
                            break
                d = c.get(f"/api/drafts/{did}").json()
                results.append((time.perf_counter() - t0, d["status"], len(d["failed"])))
        except Exception as exc:
            errors.append(f"{i}: {exc!r}")

    try:
        threads = [threading.Thread(target=chair, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert errors == []
        assert len(results) == 20 and all(status == "done" and failed == 0 for _, status, failed in results)
        times = sorted(t for t, _, _ in results)
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"\n20 drafts: median {statistics.median(times):.2f} s, p95 {p95:.2f} s, peak memory {server.peak_memory_mb():.0f} MiB"
        )
        assert p95 < 60
        assert "Traceback" not in server.log_path.read_text(errors="replace")
    finally:
        server.stop()

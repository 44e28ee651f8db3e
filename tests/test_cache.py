"""The on-disk answer cache: keys, atomic files, no API key anywhere, no request paid twice."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fake_openai_server import FakeOpenAIServer

from drafter.draft.cache import AnswerCache, cache_key, default_answers_dir, display_url
from drafter.draft.openai_writer import OpenAIWriter

MESSAGES = [
    {"role": "system", "content": "你是工会文字秘书。"},
    {"role": "user", "content": "写“关心关爱教职工”部分。"},
]
SECRET = "sk-test-SECRET-0123456789abcdef"


@pytest.fixture
def fake_openai():
    """A local OpenAI-compatible server (tests/fake_openai_server.py), closed after the test."""
    with FakeOpenAIServer() as server:
        yield server


def test_key_depends_on_model_url_temperature_and_messages_only():
    k = cache_key("gpt-4o-mini", "http://127.0.0.1:1/v1", 0.3, MESSAGES)
    assert len(k) == 64 and k == cache_key("gpt-4o-mini", "http://127.0.0.1:1/v1/", 0.3, [dict(m) for m in MESSAGES])
    assert cache_key("deepseek-chat", "http://127.0.0.1:1/v1", 0.3, MESSAGES) != k
    assert cache_key("gpt-4o-mini", "http://127.0.0.1:2/v1", 0.3, MESSAGES) != k
    assert cache_key("gpt-4o-mini", "http://127.0.0.1:1/v1", 0.7, MESSAGES) != k
    assert cache_key("gpt-4o-mini", "http://127.0.0.1:1/v1", 0.3, MESSAGES[:1]) != k
    # None means OpenAI's own endpoint
    assert cache_key("m", None, 0.3, MESSAGES) == cache_key("m", "https://api.openai.com/v1", 0.3, MESSAGES)


def test_put_get_round_trip_is_utf8_and_atomic(tmp_path):
    cache = AnswerCache(tmp_path)
    key = cache_key("m", None, 0.3, MESSAGES)
    assert cache.get(key) is None
    path = cache.put(
        key,
        "坚持以习近平新时代中国特色社会主义思想为指导。",
        model="m",
        base_url=None,
        temperature=0.3,
        messages=MESSAGES,
        usage={"input_tokens": 10},
    )
    assert path == tmp_path / key[:2] / f"{key}.json"
    raw = path.read_text(encoding="utf-8")
    assert "习近平" in raw  # ensure_ascii=False
    record = cache.get(key)
    assert record["answer"].startswith("坚持") and record["model"] == "m" and record["messages"] == MESSAGES
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind
    assert len(cache) == 1 and cache.clear() == 1 and cache.get(key) is None


def test_delete_forgets_one_answer(tmp_path):
    cache = AnswerCache(tmp_path)
    keep, drop = cache_key("m", None, 0.3, MESSAGES), cache_key("m", None, 0.3, MESSAGES[:1])
    for key in (keep, drop):
        cache.put(key, "工会将办好实事。", model="m", base_url=None, temperature=0.3, messages=MESSAGES)
    assert cache.delete(drop) is True and cache.get(drop) is None
    assert cache.delete(drop) is False and cache.get(keep) is not None and len(cache) == 1


def test_a_credential_in_the_base_url_is_never_written_or_shown(tmp_path):
    url = "https://team:sk-in-url-123456@proxy.example:8443/v1/?key=sk-query-654321"
    assert display_url(url) == "https://proxy.example:8443/v1"
    assert display_url(None) == "https://api.openai.com/v1"
    assert display_url("http://127.0.0.1:8000/v1/") == "http://127.0.0.1:8000/v1"
    # the whole URL still tells requests apart (it is hashed into the key, never stored)
    assert cache_key("m", url, 0.3, MESSAGES) != cache_key("m", "https://proxy.example:8443/v1", 0.3, MESSAGES)
    cache = AnswerCache(tmp_path)
    path = cache.put(
        cache_key("m", url, 0.3, MESSAGES), "回答。", model="m", base_url=url, temperature=0.3, messages=MESSAGES
    )
    raw = path.read_text(encoding="utf-8")
    assert "sk-in-url" not in raw and "sk-query" not in raw and "team" not in raw
    assert json.loads(raw)["base_url"] == "https://proxy.example:8443/v1"


def test_unreadable_cache_file_is_a_miss(tmp_path):
    cache = AnswerCache(tmp_path)
    key = "ab" + "0" * 62
    cache.path(key).parent.mkdir(parents=True)
    cache.path(key).write_text("{not json", encoding="utf-8")
    assert cache.get(key) is None


def test_default_folder_honours_drafter_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(tmp_path / "c"))
    assert default_answers_dir() == tmp_path / "c" / "answers"
    assert AnswerCache().directory == tmp_path / "c" / "answers"
    assert OpenAIWriter(api_key=SECRET).cache.directory == tmp_path / "c" / "answers"
    assert OpenAIWriter(api_key=SECRET, cache_dir=tmp_path / "x").cache.directory == tmp_path / "x" / "answers"
    assert OpenAIWriter(api_key=SECRET, use_cache=False).cache is None


@pytest.mark.server
def test_second_identical_run_makes_no_request_and_never_stores_the_key(fake_openai, tmp_path):
    def run() -> tuple[str, dict[str, int]]:
        writer = OpenAIWriter(model="fake-model", base_url=fake_openai.base_url, api_key=SECRET, cache_dir=tmp_path)
        return writer.complete(MESSAGES), writer.usage()

    first, usage = run()
    assert len(fake_openai.requests) == 1 and usage["requests"] == 1 and usage["cache_hits"] == 0
    second, usage = run()  # a new writer, as in a second process: served from disk
    assert second == first and len(fake_openai.requests) == 1
    assert usage == {"requests": 0, "cache_hits": 1, "refused": 0, "prompt_tokens": 0, "completion_tokens": 0}
    files = list(tmp_path.rglob("*"))
    assert any(f.suffix == ".json" for f in files)
    for f in files:
        if f.is_file():
            assert SECRET not in f.read_text(encoding="utf-8")
            assert SECRET[-12:] not in f.read_text(encoding="utf-8")
    # a different temperature is a different request
    OpenAIWriter(
        model="fake-model", base_url=fake_openai.base_url, api_key=SECRET, cache_dir=tmp_path, temperature=0.9
    ).complete(MESSAGES)
    assert len(fake_openai.requests) == 2


@pytest.mark.server
def test_failed_answers_are_not_cached(fake_openai, tmp_path):
    from drafter.errors import ModelError

    writer = OpenAIWriter(
        model="fake-model", base_url=fake_openai.base_url, api_key=SECRET, cache_dir=tmp_path, max_retries=0
    )
    fake_openai.fail_next(500)
    with pytest.raises(ModelError):
        writer.complete(MESSAGES)
    fake_openai.enqueue("   ")
    with pytest.raises(ModelError, match="empty answer"):
        writer.complete(MESSAGES)
    assert len(AnswerCache(tmp_path / "answers")) == 0
    assert writer.complete(MESSAGES) and len(AnswerCache(tmp_path / "answers")) == 1
    assert not [p for p in Path(tmp_path).rglob("*.tmp")] and os.listdir(tmp_path)
    record = json.loads(next(Path(tmp_path).rglob("*.json")).read_text(encoding="utf-8"))
    assert record["model"] == "fake-model" and record["base_url"] == fake_openai.base_url


@pytest.mark.server
def test_a_written_section_is_cached_with_its_prompt_and_never_the_key(fake_openai, tmp_path, monkeypatch):
    from test_prompts import make_request

    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    writer = OpenAIWriter(model="fake-model", base_url=fake_openai.base_url, cache_dir=tmp_path)
    first = writer.write(make_request([]))
    again = OpenAIWriter(model="fake-model", base_url=fake_openai.base_url, cache_dir=tmp_path).write(make_request([]))
    assert again == first and len(fake_openai.requests) == 1
    (path,) = Path(tmp_path).rglob("*.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["messages"] == fake_openai.requests[0]["messages"]
    assert "本单位的已知情况：女职工人数：38" in record["messages"][1]["content"]
    assert SECRET not in path.read_text(encoding="utf-8")
    # other facts are another prompt, hence another request
    OpenAIWriter(model="fake-model", base_url=fake_openai.base_url, cache_dir=tmp_path).write(
        make_request([], facts={"女职工人数": 40})
    )
    assert len(fake_openai.requests) == 2


@pytest.mark.server
def test_an_answer_that_fails_the_checks_is_never_cached(fake_openai, tmp_path):
    from test_prompts import make_request

    from drafter.draft.model_checks import AnswerCheck, section_budget
    from drafter.errors import ModelError

    section = make_request([]).section
    check = AnswerCheck(section, section_budget(2, 2))
    writer = OpenAIWriter(model="fake-model", base_url=fake_openai.base_url, api_key=SECRET, cache_dir=tmp_path)
    fake_openai.enqueue("20xx年工作安排。", "某某负责全年工作。")  # refused, and refused again after the correction
    with pytest.raises(ModelError, match="also after a corrective retry"):
        writer.complete(MESSAGES, check=check)
    assert len(AnswerCache(tmp_path / "answers")) == 0
    fake_openai.enqueue("XX单位全年工作。", "工会将全面做好全年工作。\n1. 每季度召开一次工会委员会议。")
    answer = writer.complete(MESSAGES, check=check)  # the corrected answer is cached under the request's key
    record = AnswerCache(tmp_path / "answers").get(cache_key("fake-model", fake_openai.base_url, 0.3, MESSAGES))
    assert record is not None and record["answer"] == answer and "XX" not in answer
    assert record["messages"] == MESSAGES  # the request, not the corrective exchange

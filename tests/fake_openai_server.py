"""A small OpenAI-compatible chat server on 127.0.0.1 for tests (real HTTP, the real openai client).

Use the ``fake_openai`` fixture (import it into a test module or a conftest), or a
``with FakeOpenAIServer() as server:`` block in a fixture of your own::

    from fake_openai_server import fake_openai  # noqa: F401  (the fixture)

    def test_x(fake_openai):
        writer = OpenAIWriter(base_url=fake_openai.base_url, api_key="sk-test")
        fake_openai.enqueue("一段回答")          # next answer; default answers otherwise
        fake_openai.delay = 1.0                  # seconds before each answer
        fake_openai.status = 429                 # answer every request with this error status
        fake_openai.fail_next(500, times=1)      # only the next request fails
        fake_openai.mode = "never"               # accept the request, never answer ("trickle": headers, then
                                                 #   one byte every ``trickle_interval`` s, never the whole body)
        fake_openai.enqueue_raw({"choices": []}) # the next reply's JSON body, as it is
        fake_openai.error_message = "…"          # the message of error bodies (a server echoing the key)
        ... fake_openai.requests[-1]["messages"] # recorded JSON bodies (never the Authorization header)
        ... fake_openai.max_in_flight            # most requests the server held at once

It implements ``POST /v1/chat/completions`` (non-streaming, OpenAI's JSON shape with
``usage``; a query string on the path is accepted and recorded in ``queries``) and
``GET /v1/models``. ``max_tokens``/``max_completion_tokens`` cut the answer at that many
characters with ``finish_reason: "length"`` unless ``honour_max_tokens`` is False (a server
that ignores the limit). The default answer is derived from the request: for a
section prompt (a line ``本部分标题：X``, see ``prompts/section.md``) a well-formed Markdown
section about X (an opening sentence naming X, two （一）（二） sub-sections, three items that
differ from answer to answer); for any other prompt an opening sentence and two numbered items.
"""

from __future__ import annotations

import collections
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

__all__ = ["FakeOpenAIServer", "default_answer", "fake_openai"]


def _user_text(body: dict[str, Any]) -> str:
    """Every user message's text, the last one last (a corrective turn follows the section prompt)."""
    texts = []
    for m in body.get("messages") or []:
        if m.get("role") == "user":
            content = m.get("content")
            if isinstance(content, list):
                texts.append("".join(str(b.get("text", "")) for b in content if isinstance(b, dict)))
            else:
                texts.append(str(content or ""))
    return "\n".join(texts)


_POOL = [
    "每学期召开一次工会委员会议，专题研究年度重点任务。",
    "建立教职工谈心谈话制度，及时了解思想动态。",
    "组织开展读书分享会，营造浓厚学习氛围。",
    "健全提案征集办理制度，做到件件有回音。",
    "定期公开涉及切身利益的重要事项，接受群众监督。",
    "评选表彰一批爱岗敬业的先进典型并广泛宣传。",
    "举办青年骨干岗位练兵比武，促进专业成长。",
    "邀请专家开设心理健康讲座，提供个体咨询服务。",
    "春节前走访慰问困难家庭，送去节日温暖。",
    "落实年度健康体检，建立健康档案。",
    "开展女同志专题健康知识培训。",
    "组建羽毛球、合唱等兴趣小组，常态化开展活动。",
    "秋季举办趣味运动会，增强团队凝聚力。",
    "规范经费收支管理，按时接受经费审查。",
    "加强基层工会干部培训，提升履职能力。",
    "完善会员信息台账，做好会员发展和服务。",
    "推动建设母婴室和健身角，改善工作环境。",
    "组织劳模工匠进基层宣讲，弘扬劳动精神。",
    "开展师徒结对帮带，发挥传帮带作用。",
    "协调做好夏季防暑降温和送清凉工作。",
    "设立意见箱和线上留言渠道，畅通诉求表达。",
    "开展法律知识普及，提高依法维权意识。",
    "组织志愿服务队走进社区开展公益活动。",
    "年中对照计划开展督查，查找不足及时整改。",
    "围绕重要节日策划主题活动，丰富精神生活。",
    "做好困难会员精准帮扶，建立动态管理台账。",
    "开展文明科室和优秀班组创建评比。",
    "加强宣传阵地建设，及时报道工会动态。",
    "组织退休老同志重阳节茶话会，传递组织关怀。",
    "年底开展会员评家活动，听取意见改进工作。",
]


def default_answer(body: dict[str, Any], index: int = 0) -> str:
    """A plausible Markdown answer for a drafter prompt (the section of its last ``本部分标题：`` line).

    Answers take their items from a pool by ``index`` (the request's number), so the first
    ten answers of a server never repeat an item.
    """
    titles = re.findall(r"本部分标题[：:]\s*(.+)", _user_text(body))
    if titles:
        title = titles[-1].strip()
        a, b, c = (_POOL[(3 * index + k) % len(_POOL)] for k in range(3))
        return (
            f"围绕“{title}”，工会将结合本单位实际，扎实推进各项工作。\n\n"
            f"（一）健全工作机制\n1. {a}\n2. {b}\n\n"
            f"（二）抓好重点任务\n1. {c}\n"
        )
    a, b = (_POOL[(2 * index + k) % len(_POOL)] for k in range(2))
    return f"工会将突出重点、统筹推进，扎实做好各项工作。\n1. {a}\n2. {b}\n"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the default 5 drops simultaneous connects (1 s SYN retry)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that gave up (a timeout, a cancelled section) is not the server's error."""


class FakeOpenAIServer:
    """The server and its knobs; ``requests`` holds each request's JSON body in order."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.delay = 0.0
        self.status: int | None = None
        self.error_code: str | None = None
        self.error_message: str | None = None
        self.retry_after_ms: int | None = 1
        self.retry_after_s: float | None = None
        self.mode: str | None = None  # None, "never" or "trickle"
        self.trickle_interval = 5.0
        self.honour_max_tokens = True
        self.answers: collections.deque[str] = collections.deque()
        self.raw: collections.deque[dict[str, Any]] = collections.deque()
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.queries: list[str] = []
        self.header_names: list[list[str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._fail: collections.deque[int] = collections.deque()
        self._served = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = _Server((host, port), _handler(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def enqueue(self, *answers: str) -> None:
        """Script the next answers (first in, first out); the default answer follows when empty."""
        self.answers.extend(answers)

    def enqueue_raw(self, *payloads: dict[str, Any]) -> None:
        """Script the next replies' JSON bodies exactly (status 200), e.g. ``{"choices": []}``."""
        self.raw.extend(payloads)

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next ``times`` requests with an error ``status``."""
        self._fail.extend([status] * times)

    def reset(self) -> None:
        self.delay, self.status, self.error_code, self.error_message = 0.0, None, None, None
        self.mode, self.honour_max_tokens = None, True
        self.retry_after_ms, self.retry_after_s = 1, None
        self.answers.clear()
        self.raw.clear()
        self._fail.clear()
        with self._lock:
            self.requests.clear()
            self.paths.clear()
            self.queries.clear()
            self.header_names.clear()
            self._served = 0
            self.max_in_flight = 0

    def close(self) -> None:
        self._stop.set()  # wake answers that are still sleeping
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # called from handler threads
    def _respond(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        if self.delay:
            self._stop.wait(self.delay)
        status = self._fail.popleft() if self._fail else self.status
        if status:
            kind = {401: "invalid_request_error", 404: "invalid_request_error", 429: "rate_limit_exceeded"}.get(
                status, "server_error"
            )
            messages = {
                401: "Incorrect API key provided.",
                403: "Forbidden.",
                404: f"The model `{body.get('model')}` does not exist.",
                429: "Rate limit reached.",
                400: "Bad request.",
            }
            err = {
                "error": {
                    "message": self.error_message or messages.get(status, "The server had an error."),
                    "type": kind,
                    "code": self.error_code or kind,
                    "param": None,
                }
            }
            headers = {}
            if self.retry_after_ms is not None:
                headers["retry-after-ms"] = str(self.retry_after_ms)
            if self.retry_after_s is not None:
                headers["retry-after"] = f"{self.retry_after_s:g}"
            return status, err, headers
        if body.get("stream"):
            return (
                400,
                {
                    "error": {
                        "message": "streaming is not supported by the fake server",
                        "type": "invalid_request_error",
                    }
                },
                {},
            )
        try:
            return 200, self.raw.popleft(), {}
        except IndexError:
            pass
        try:
            answer = self.answers.popleft()
        except IndexError:
            with self._lock:
                index = self._served
                self._served += 1
            answer = default_answer(body, index)
        finish = "stop"
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if self.honour_max_tokens and isinstance(limit, int) and len(answer) > limit:
            answer, finish = answer[:limit], "length"
        prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages") or [])
        return (
            200,
            {
                "id": f"chatcmpl-fake{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake-model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer},
                        "finish_reason": finish,
                        "logprobs": None,
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_chars,
                    "completion_tokens": len(answer),
                    "total_tokens": prompt_chars + len(answer),
                },
            },
            {},
        )


def _handler(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                self.close_connection = True

        def do_GET(self) -> None:
            if self.path.partition("?")[0].rstrip("/").endswith("/models"):
                self._send(
                    200, {"object": "list", "data": [{"id": "fake-model", "object": "model", "owned_by": "test"}]}
                )
            else:
                self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

        def _hold(self) -> None:
            """``never``: answer nothing until the server closes; ``trickle``: headers, then a byte now and then."""
            if server.mode == "never":
                server._stop.wait()
                self.close_connection = True
                return
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", "1000000")
                self.end_headers()
                self.wfile.write(b"{")
                self.wfile.flush()
                while not server._stop.wait(server.trickle_interval):
                    self.wfile.write(b" ")
                    self.wfile.flush()
            except OSError:  # the client gave up
                pass
            self.close_connection = True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            if not path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"unknown path {self.path}", "type": "invalid_request_error"}})
                return
            try:
                body = json.loads(raw.decode("utf-8") or "{}")
            except ValueError:
                self._send(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
                return
            with server._lock:
                server.requests.append(body)
                server.paths.append(path)
                server.queries.append(query)
                server.header_names.append(sorted(k.lower() for k in self.headers if k.lower() != "authorization"))
                server.in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server.in_flight)
            try:
                if server.mode in ("never", "trickle"):
                    self._hold()
                    return
                status, payload, headers = server._respond(body)
                self._send(status, payload, headers)
            finally:
                with server._lock:
                    server.in_flight -= 1

    return Handler


@pytest.fixture
def fake_openai() -> Any:
    """A running :class:`FakeOpenAIServer` (closed after the test)."""
    server = FakeOpenAIServer()
    try:
        yield server
    finally:
        server.close()

"""The offline n-gram embedder: deterministic, meaningful, round-trips, lean query path."""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from drafter.errors import ConfigError
from drafter.index.embed import NgramEmbedder, check_spec, load_embedder, make_embedder

TEXTS = [
    "开展送温暖活动，春节前走访慰问困难职工家庭。",
    "建立困难职工档案，做好帮扶救助和送温暖工作。",
    "组织职工开展拔河比赛、趣味运动会和读书分享会。",
    "丰富职工业余文化生活，举办文艺汇演和运动会。",
    "严格执行工会经费收支管理办法，定期公开账目。",
    "规范经费审批流程，接受会员和审计委员会监督。",
    "以习近平新时代中国特色社会主义思想为指导，贯彻党的二十大精神。",
    "加强教职工思想政治教育，开展师德师风建设活动。",
    "关心女职工特殊利益，组织三八妇女节系列活动。",
    "做好职工健康体检，举办心理健康讲座。",
] * 4  # repeated so the bulk path (≥ 32 texts) is exercised


@pytest.fixture(scope="module")
def fitted() -> NgramEmbedder:
    return NgramEmbedder(dims=8).fit(TEXTS)


def test_vectors_are_unit_float32(fitted):
    v = fitted.embed(TEXTS[:3])
    assert v.dtype == np.float32 and v.shape == (3, fitted.dim)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert fitted.dim == 8


def test_deterministic():
    a = NgramEmbedder(dims=8).fit(TEXTS).embed(["送温暖慰问困难职工"])
    b = NgramEmbedder(dims=8).fit(TEXTS).embed(["送温暖慰问困难职工"])
    assert np.array_equal(a, b)


def test_similar_texts_are_closer(fitted):
    q, near, far = fitted.embed(
        ["春节送温暖，慰问困难职工", "开展送温暖活动，走访困难职工家庭", "规范工会经费审批和账目公开"]
    )
    assert float(q @ near) > float(q @ far) + 0.2


def test_bulk_path_matches_query_path(fitted):
    bulk = fitted.embed_documents(TEXTS)
    single = fitted.embed(TEXTS)
    assert np.allclose(bulk, single, atol=1e-5)


def test_query_path_matches_scikit_learn(fitted):
    """The pure-numpy transform equals TfidfVectorizer + SVD projection."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, max_features=fitted.max_features)
    vec.fit(TEXTS)
    queries = ["送温暖  慰问", "ABC 经费审批", "心理健康讲座"]
    x = vec.transform(queries).toarray() @ fitted.components.T
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    assert np.allclose(x, fitted.embed(queries), atol=1e-5)


def test_save_load_round_trip(fitted, tmp_path):
    fitted.save(tmp_path / "emb")
    loaded = load_embedder(tmp_path / "emb")
    assert isinstance(loaded, NgramEmbedder)
    q = ["工会经费管理", "送温暖"]
    assert np.array_equal(loaded.embed(q), fitted.embed(q))


def test_unknown_text_gives_zero_vector_not_error(fitted):
    v = fitted.embed(["🙂🙂"])
    assert v.shape == (1, fitted.dim) and not np.isnan(v).any()


def test_tiny_corpus_fits():
    emb = NgramEmbedder().fit(["送温暖", "经费管理"])
    assert emb.dim == 1 and emb.embed(["送温暖"]).shape == (1, 1)


def test_query_path_imports_no_sklearn(fitted, tmp_path):
    fitted.save(tmp_path / "emb")
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from drafter.index.embed import load_embedder
        v = load_embedder(Path({str(tmp_path / "emb")!r})).embed(["送温暖"])
        assert v.shape[0] == 1
        heavy = [m for m in ("sklearn", "scipy", "jieba") if m in sys.modules]
        print(",".join(heavy))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_choosing_embedders(monkeypatch, tmp_path):
    assert make_embedder("ngram").name == "ngram"
    assert make_embedder(f"st:{tmp_path}").spec == f"st:{tmp_path}"
    assert make_embedder("openai:text-embedding-3-small").spec == "openai:text-embedding-3-small"
    with pytest.raises(ConfigError, match="unknown DRAFTER_EMBEDDER"):
        make_embedder("word2vec")
    with pytest.raises(ConfigError, match="not found"):
        make_embedder(f"st:{tmp_path / 'missing'}").embed(["x"])
    monkeypatch.setenv("DRAFTER_EMBEDDER", "openai:text-embedding-3-small")
    with pytest.raises(ConfigError, match="built with embedder 'ngram'"):
        check_spec("ngram")
    monkeypatch.delenv("DRAFTER_EMBEDDER")
    check_spec("ngram")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        make_embedder("openai:text-embedding-3-small").embed(["x"])


# --------------------------------------------------------------------------- OpenAI-compatible endpoint


class _EmbeddingServer:
    """A local /v1/embeddings endpoint: deterministic hashed character-bigram vectors (dim 32)."""

    def __init__(self) -> None:
        import http.server
        import json
        import threading
        import zlib

        calls = self.calls = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                calls.append((self.path, self.headers.get("Authorization"), len(body["input"])))
                data = []
                for i, text in enumerate(body["input"]):
                    v = [0.0] * 32
                    for a, b in itertools.pairwise(text):
                        v[zlib.crc32((a + b).encode()) % 32] += 1.0
                    data.append({"object": "embedding", "index": i, "embedding": v})
                out = json.dumps(
                    {
                        "object": "list",
                        "data": data,
                        "model": body["model"],
                        "usage": {"prompt_tokens": 1, "total_tokens": 1},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.server
def test_openai_embedder_builds_and_queries_an_index(monkeypatch, tmp_path, small_corpus):
    from conftest import parse_simple

    from drafter.config import IndexConfig
    from drafter.index.build import ingest
    from drafter.index.retrieve import Retriever

    server = _EmbeddingServer()
    try:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("DRAFTER_EMBEDDER", "openai:fake-embed")
        config = IndexConfig.resolve(tmp_path / "idx")
        report = ingest([small_corpus], config=config, parse=parse_simple)
        assert report.embedder == "openai:fake-embed" and report.chunks_total > 0
        assert server.calls and all(
            path == "/v1/embeddings" and auth == "Bearer sk-test" for path, auth, _ in server.calls
        )
        hits = Retriever(config).search("送温暖 慰问困难职工", unit="hospital", k=3)
        assert hits and all(h.chunk.unit == "hospital" for h in hits) and hits[0].scores["vector"] > 0
        monkeypatch.setenv("DRAFTER_EMBEDDER", "ngram")
        with pytest.raises(ConfigError, match="built with embedder 'openai:fake-embed'"):
            Retriever(config)
    finally:
        server.close()

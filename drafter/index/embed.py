"""Embedders: text → L2-normalised float32 vectors.

Chosen by ``DRAFTER_EMBEDDER``:

``ngram`` (default)                 offline: character 1–3-gram TF-IDF (sublinear tf) + truncated
                                    SVD fitted on the corpus (:class:`NgramEmbedder`)
``st:/path/to/model``               a local sentence-transformers model (never downloaded)
``openai:text-embedding-3-small``   an OpenAI-compatible embeddings endpoint
                                    (``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``)

The spec is recorded in the index's manifest; querying an index with another
embedder raises :class:`~drafter.errors.ConfigError`.

The n-gram embedder's query path is pure numpy (no sklearn/scipy import): fitting and
bulk document embedding use scikit-learn, and a test checks that both paths agree.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from drafter.errors import ConfigError, ModelError

log = logging.getLogger(__name__)

DEFAULT_SPEC = "ngram"
_WS = re.compile(r"\s\s+")


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32)


class Embedder:
    """The interface: ``fit`` on the corpus (no-op for pretrained models), ``embed`` texts.

    ``embed_documents`` is for bulk ingest (may use heavier libraries); ``embed`` is the
    query path. Both return an (n, dim) float32 array of unit vectors.
    """

    name: str = "base"
    spec: str = ""
    needs_fit: bool = False

    @property
    def dim(self) -> int:
        raise NotImplementedError

    def fit(self, texts: Sequence[str]) -> Embedder:
        return self

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "embedder.json").write_text(
            json.dumps({"spec": self.spec, "name": self.name, "dim": self.dim}, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> Embedder:
        raise NotImplementedError


# --------------------------------------------------------------------------- n-gram TF-IDF + SVD


GRAM_MAX_DOCS = 1500  # exact SVD through the n×n Gram matrix up to here (eigh is O(n³))
FIT_SAMPLE = 20000  # the SVD is fitted on at most this many texts (a fixed-seed sample)


def _svd_by_gram(x, k: int) -> np.ndarray:
    """Top ``k`` right singular vectors of sparse ``x`` (n_docs × n_features) via the n×n Gram matrix.

    Exact, and much faster than a randomized SVD when documents are few (≤ a few
    thousand): ``x xᵀ = U Λ Uᵀ`` gives ``Vₖᵀ = Λₖ^-½ Uₖᵀ x``. Signs are fixed so each
    component's largest coefficient is positive (deterministic output).
    """
    gram = np.asarray((x @ x.T).toarray(), dtype=np.float64)
    vals, vecs = np.linalg.eigh(gram)
    order = np.argsort(vals)[::-1][:k]
    vals, vecs = np.clip(vals[order], 1e-12, None), vecs[:, order]
    comps = np.asarray((x.T @ vecs).T, dtype=np.float64) / np.sqrt(vals)[:, None]
    signs = np.sign(comps[np.arange(len(comps)), np.abs(comps).argmax(axis=1)])
    signs[signs == 0] = 1.0
    return (comps * signs[:, None]).astype(np.float32)


class NgramEmbedder(Embedder):
    """Character 1–3-gram TF-IDF with sublinear tf, reduced by truncated SVD, fitted on the corpus.

    Mirrors scikit-learn's ``TfidfVectorizer(analyzer="char", ngram_range=(1, 3),
    sublinear_tf=True)`` followed by ``TruncatedSVD``; saved as ``vocab.json`` (the
    n-grams in column order), and ``ngram.npz`` (idf, SVD components).
    """

    name = "ngram"
    spec = "ngram"
    needs_fit = True

    def __init__(
        self, dims: int = 256, max_features: int = 32768, ngram_range: tuple[int, int] = (1, 3), seed: int = 0
    ):
        self.dims = dims
        self.max_features = max_features
        self.ngram_range = ngram_range
        self.seed = seed
        self.vocab: dict[str, int] = {}
        self.idf: np.ndarray | None = None
        self.components: np.ndarray | None = None  # (dim, n_features)

    @property
    def dim(self) -> int:
        return 0 if self.components is None else int(self.components.shape[0])

    @property
    def fitted(self) -> bool:
        return self.components is not None

    # -- fitting (sklearn) ---------------------------------------------------
    def _vectorizer(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            analyzer="char",
            ngram_range=self.ngram_range,
            sublinear_tf=True,
            lowercase=True,
            max_features=self.max_features,
            dtype=np.float32,
        )

    def fit(self, texts: Sequence[str]) -> NgramEmbedder:
        from sklearn.decomposition import TruncatedSVD

        texts = [t for t in texts if t.strip()]
        if not texts:
            raise ValueError("cannot fit an embedder on no texts")
        if len(texts) > FIT_SAMPLE:
            rng = np.random.default_rng(self.seed)
            texts = [texts[i] for i in sorted(rng.choice(len(texts), FIT_SAMPLE, replace=False))]
        vec = self._vectorizer()
        x = vec.fit_transform(texts)
        n_docs, n_feat = x.shape
        k = max(1, min(self.dims, n_docs - 1, n_feat - 1))
        if k < 2:  # one or two documents: a trivial projection on the first one's direction
            comps = np.asarray(x.toarray(), dtype=np.float32)[:1]
        elif n_docs <= GRAM_MAX_DOCS:
            comps = _svd_by_gram(x, k)
        else:
            # n_iter=2 skips the LU re-normalisations (the costly part at 32k features); the
            # captured variance is within 0.1 % of n_iter=7 on recombined-corpus tests
            svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=2, random_state=self.seed)
            svd.fit(x)
            comps = svd.components_.astype(np.float32)
        terms = vec.get_feature_names_out()
        self.vocab = {str(t): i for i, t in enumerate(terms)}
        self.idf = vec.idf_.astype(np.float32)
        self.components = comps
        log.debug("ngram embedder fitted: %d docs, %d n-grams, %d dims", n_docs, n_feat, self.dim)
        return self

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Bulk path (scipy sparse): same result as :meth:`embed`, much faster for many texts."""
        self._check()
        if len(texts) < 32:
            return self.embed(texts)
        from scipy import sparse
        from sklearn.feature_extraction.text import CountVectorizer

        counts = CountVectorizer(
            analyzer="char", ngram_range=self.ngram_range, lowercase=True, vocabulary=self.vocab, dtype=np.float32
        ).transform(texts)
        x = counts.tocsr().astype(np.float32)
        x.data = 1.0 + np.log(x.data)  # sublinear tf
        idf, components = self._fitted()
        x = x.multiply(idf[None, :]).tocsr()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        x = sparse.diags(1.0 / norms).dot(x)
        return _normalise(np.asarray(x.dot(components.T)))

    # -- query path (pure numpy) ----------------------------------------------
    def _ngrams(self, text: str) -> list[str]:
        text = _WS.sub(" ", text.lower())
        lo, hi = self.ngram_range
        n_chars = len(text)
        grams: list[str] = []
        for n in range(lo, min(hi, n_chars) + 1):
            grams.extend(text[i : i + n] for i in range(n_chars - n + 1))
        return grams

    def _counts(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(g for g in self._ngrams(text) if g in self.vocab)
        if not counts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        idx = np.fromiter((self.vocab[g] for g in counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float32, count=len(counts))
        return idx, tf

    def _check(self) -> None:
        if not self.fitted:
            raise ConfigError("the n-gram embedder is not fitted: ingest a corpus first (`drafter ingest`)")

    def _fitted(self) -> tuple[np.ndarray, np.ndarray]:
        """The idf weights and SVD components (raises when not fitted)."""
        if self.idf is None or self.components is None:
            raise ConfigError("the n-gram embedder is not fitted: ingest a corpus first (`drafter ingest`)")
        return self.idf, self.components

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self._check()
        assert self.components is not None and self.idf is not None
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            idx, tf = self._counts(text)
            if len(idx) == 0:
                continue
            w = tf * self.idf[idx]
            w /= np.linalg.norm(w) or 1.0
            out[i] = self.components[:, idx] @ w
        return _normalise(out)

    # -- persistence ------------------------------------------------------------
    def save(self, directory: Path) -> None:
        self._check()
        super().save(directory)
        terms = [""] * len(self.vocab)
        for t, i in self.vocab.items():
            terms[i] = t
        (directory / "vocab.json").write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
        idf, components = self._fitted()
        np.savez(
            directory / "ngram.npz",
            idf=idf,
            components=components,
            ngram_range=np.array(self.ngram_range),
            dims=np.array(self.dims),
        )

    @classmethod
    def load(cls, directory: Path) -> NgramEmbedder:
        with np.load(directory / "ngram.npz") as data:
            emb = cls(dims=int(data["dims"]), ngram_range=tuple(int(v) for v in data["ngram_range"]))  # type: ignore[arg-type]
            emb.idf = data["idf"].astype(np.float32)
            emb.components = data["components"].astype(np.float32)
        terms = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
        emb.vocab = {t: i for i, t in enumerate(terms)}
        return emb


# --------------------------------------------------------------------------- pretrained models


class SentenceTransformerEmbedder(Embedder):
    """A local sentence-transformers model (a folder path; nothing is downloaded)."""

    name = "st"

    def __init__(self, model_path: str):
        self.model_path = model_path
        self.spec = f"st:{model_path}"
        self._model: Any = None
        self._dim: int | None = None

    def _load(self) -> Any:
        if self._model is None:
            if not Path(self.model_path).expanduser().is_dir():
                raise ConfigError(
                    f"sentence-transformers model folder {self.model_path} not found: set DRAFTER_EMBEDDER=st:/path/to/local/model"
                )
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise ConfigError(
                    "sentence-transformers is not installed: pip install 'drafter[st]' or use DRAFTER_EMBEDDER=ngram"
                ) from None
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            self._model = SentenceTransformer(str(Path(self.model_path).expanduser()), local_files_only=True)
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._load().get_sentence_embedding_dimension())
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vecs = self._load().encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return _normalise(vecs)

    @classmethod
    def load(cls, directory: Path) -> SentenceTransformerEmbedder:
        meta = json.loads((directory / "embedder.json").read_text(encoding="utf-8"))
        return cls(meta["spec"].split(":", 1)[1])


class OpenAIEmbedder(Embedder):
    """An OpenAI-compatible embeddings endpoint (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``)."""

    name = "openai"
    batch_size = 128

    def __init__(self, model: str = "text-embedding-3-small", base_url: str | None = None, api_key: str | None = None):
        self.model = model
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        self.api_key = api_key or os.environ.get("OPENAI_API_KEY") or None
        self.spec = f"openai:{model}"
        self._client: Any = None
        self._dim: int | None = None

    def _get_client(self) -> Any:
        if self._client is None:
            if not self.api_key:
                raise ConfigError(
                    "DRAFTER_EMBEDDER=openai:… needs OPENAI_API_KEY: set it, or use DRAFTER_EMBEDDER=ngram"
                )
            import openai

            self._client = openai.OpenAI(api_key=self.api_key, base_url=self.base_url)
        return self._client

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.embed(["维度"]).shape[1])
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import openai

        client = self._get_client()
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = [t or " " for t in texts[i : i + self.batch_size]]
            try:
                resp = client.embeddings.create(model=self.model, input=batch, encoding_format="float")
            except openai.OpenAIError as exc:
                raise ModelError(
                    f"embedding with {self.model} failed: {str(exc).splitlines()[0]}; check OPENAI_API_KEY/OPENAI_BASE_URL or use DRAFTER_EMBEDDER=ngram"
                ) from None
            out.extend(d.embedding for d in sorted(resp.data, key=lambda d: d.index))
        vecs = _normalise(np.asarray(out, dtype=np.float32)) if out else np.zeros((0, self._dim or 0), np.float32)
        if len(vecs):
            self._dim = vecs.shape[1]
        return vecs

    @classmethod
    def load(cls, directory: Path) -> OpenAIEmbedder:
        meta = json.loads((directory / "embedder.json").read_text(encoding="utf-8"))
        emb = cls(meta["spec"].split(":", 1)[1])
        emb._dim = int(meta.get("dim") or 0) or None
        return emb


# --------------------------------------------------------------------------- choosing


def configured_spec() -> str | None:
    """``DRAFTER_EMBEDDER`` if set."""
    value = os.environ.get("DRAFTER_EMBEDDER", "").strip()
    return value or None


def make_embedder(spec: str | None = None) -> Embedder:
    """A fresh (unfitted) embedder for ``spec`` (default ``DRAFTER_EMBEDDER`` or ``ngram``)."""
    spec = (spec or configured_spec() or DEFAULT_SPEC).strip()
    kind, _, arg = spec.partition(":")
    if kind == "ngram":
        return NgramEmbedder()
    if kind == "st" and arg:
        return SentenceTransformerEmbedder(arg)
    if kind == "openai":
        return OpenAIEmbedder(arg or "text-embedding-3-small")
    raise ConfigError(f"unknown DRAFTER_EMBEDDER {spec!r}: use ngram, st:/path/to/model or openai:MODEL")


def load_embedder(directory: Path) -> Embedder:
    """The embedder saved in an index's ``embedder/`` folder."""
    meta_path = directory / "embedder.json"
    if not meta_path.is_file():
        raise ConfigError(f"no embedder saved in {directory}: rebuild the index with `drafter ingest --rebuild`")
    spec = json.loads(meta_path.read_text(encoding="utf-8"))["spec"]
    kind = spec.partition(":")[0]
    classes: dict[str, type[Embedder]] = {
        "ngram": NgramEmbedder,
        "st": SentenceTransformerEmbedder,
        "openai": OpenAIEmbedder,
    }
    if kind not in classes:
        raise ConfigError(
            f"the index's embedder {spec!r} is unknown to this drafter: rebuild with `drafter ingest --rebuild`"
        )
    return classes[kind].load(directory)


def check_spec(index_spec: str) -> None:
    """Raise if ``DRAFTER_EMBEDDER`` names another embedder than the one the index was built with."""
    wanted = configured_spec()
    if wanted and wanted != index_spec:
        raise ConfigError(
            f"the index was built with embedder {index_spec!r} but DRAFTER_EMBEDDER={wanted!r}: "
            "unset DRAFTER_EMBEDDER or rebuild with `drafter ingest --rebuild`"
        )

"""Sentence embeddings of articles, computed once per article.

Articles are content-addressed (their id hashes title and text), so an
article's sentence vectors never change: they are kept in a bounded
in-process memo and, when a store is given, in its `cache` table (kind
EMBED_KIND, key = article id, value = float16 matrix, one row per sentence)
so later processes reuse them. Embedding is the most expensive per-article
step of the brief (MiniLM on CPU), hence the care.
"""
from __future__ import annotations

import io
from collections import OrderedDict

import numpy as np

from ..model import Article

EMBED_KIND = "embed:all-MiniLM-L6-v2"
MEMO_ARTICLES = 4096

_memo: OrderedDict[str, np.ndarray] = OrderedDict()


def article_vectors(articles: list[Article], store=None) -> dict[str, np.ndarray]:
    """{article id: unit vectors of its sentences}, embedding only what no cache holds."""
    from .nlp import embed

    found: dict[str, np.ndarray] = {}
    missing: list[Article] = []
    for a in articles:
        if a.id in found:
            continue
        vectors = _memo.get(a.id)
        if vectors is None and store is not None:
            blob = store.cache_get(EMBED_KIND, a.id)
            vectors = _decode(blob) if blob is not None else None
        if vectors is not None and len(vectors) == len(a.sentences):
            found[a.id] = vectors
            _remember(a.id, vectors)
        elif all(m.id != a.id for m in missing):
            missing.append(a)
    if missing:
        # One batch over all missing articles: the encoder sorts by length and pads less.
        flat = embed([s.text for a in missing for s in a.sentences])
        row = 0
        fresh = {}
        for a in missing:
            fresh[a.id] = flat[row: row + len(a.sentences)]
            row += len(a.sentences)
        if store is not None:
            with store.transaction():
                for aid, vectors in fresh.items():
                    store.cache_put(EMBED_KIND, aid, _encode(vectors))
        for aid, vectors in fresh.items():
            _remember(aid, vectors)
        found.update(fresh)
    return found


def _remember(article_id: str, vectors: np.ndarray) -> None:
    _memo[article_id] = vectors
    _memo.move_to_end(article_id)
    while len(_memo) > MEMO_ARTICLES:
        _memo.popitem(last=False)


def _encode(vectors: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, vectors.astype(np.float16), allow_pickle=False)
    return buf.getvalue()


def _decode(blob: bytes) -> np.ndarray:
    vectors = np.load(io.BytesIO(blob), allow_pickle=False).astype(np.float32)
    # float16 storage loses a little norm; renormalise so dot products stay cosines.
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)

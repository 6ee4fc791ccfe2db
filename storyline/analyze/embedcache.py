"""MiniLM sentence vectors, embedded on demand and never twice.

Embedding a sentence costs more than parsing it (MiniLM runs at ~0.5 ms per
word piece on a laptop CPU, ~30 word pieces a sentence), so nothing embeds a
whole story up front: each step first narrows the sentences down with a
cheap test (position, shared content words) and asks `SentenceVectors` for
just those. Vectors are keyed by the sentence's text, so a syndicated copy
reuses its original's, and are kept in a bounded in-process memo and, when a
store is given, in its `cache` table (kind EMBED_KIND, key = hash of the
text, value = float16 vector) for later processes.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable

import numpy as np

from ..model import Article

EMBED_KIND = "sentence:all-MiniLM-L6-v2:64"  # model and MAX_TOKENS: vectors of other settings differ
DIM = 384
MEMO_SENTENCES = 200_000

_memo: OrderedDict[str, np.ndarray] = OrderedDict()
counts = {"embedded": 0, "reused": 0}  # sentences run through MiniLM vs found in a cache (for benchmarks)


class SentenceVectors:
    """Unit vectors of the sentences of some articles, looked up by (article id, sentence index)."""

    def __init__(self, articles: Iterable[Article], store=None):
        self.articles = {a.id: a for a in articles}
        self.store = store

    def __call__(self, keys: Iterable[tuple[str, int]]) -> np.ndarray:
        """One row per key, in order; whatever no cache holds is embedded in one batch."""
        texts = [self.articles[aid].sentences[i].text for aid, i in keys]
        return text_vectors(texts, self.store)


def text_vectors(texts: list[str], store=None) -> np.ndarray:
    """Unit vectors of texts, one row each, embedding only what no cache holds."""
    from .nlp import embed

    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    found: dict[str, np.ndarray] = {}
    for key in keys:
        vector = _memo.get(key)
        if vector is None and store is not None:
            blob = store.cache_get(EMBED_KIND, key)
            vector = _decode(blob) if blob is not None else None
        if vector is not None:
            found[key] = vector
    missing = list(dict.fromkeys(k for k in keys if k not in found))
    counts["embedded"] += len(missing)
    counts["reused"] += len(keys) - len(missing)
    if missing:
        text_of = dict(zip(keys, texts))
        fresh = dict(zip(missing, embed([text_of[k] for k in missing])))
        if store is not None:
            with store.transaction():
                for key, vector in fresh.items():
                    store.cache_put(EMBED_KIND, key, vector.astype(np.float16).tobytes())
        found.update(fresh)
    for key, vector in found.items():
        _memo[key] = vector
        _memo.move_to_end(key)
    while len(_memo) > MEMO_SENTENCES:
        _memo.popitem(last=False)
    if not keys:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.vstack([found[k] for k in keys]).astype(np.float32)


def _decode(blob: bytes) -> np.ndarray:
    vector = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
    # float16 storage loses a little norm; renormalise so dot products stay cosines.
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector

"""Sentence vectors: embedded on demand, once per distinct text, kept in the store."""
from __future__ import annotations

import numpy as np

from storyline.analyze import embedcache
from storyline.analyze.embedcache import SentenceVectors, text_vectors
from storyline.ingest import RawArticle, build_article

TEXT = ("The ferry service to Port Alder resumes on Monday after two weeks of repairs. "
        "The operator said the new engine passed its sea trials. "
        "Tickets bought for cancelled crossings will be refunded.")


def _articles():
    original = build_article(RawArticle(source="a.txt", text=TEXT, outlet="Alder Press"))
    reprint = build_article(RawArticle(source="b.txt", text=TEXT + " Reporting by the Alder Press.",
                                       outlet="Valley Herald"))
    return original, reprint


def test_vectors_are_unit_rows_in_key_order():
    original, _ = _articles()
    vectors = SentenceVectors([original])
    rows = vectors([(original.id, 2), (original.id, 0)])
    assert rows.shape == (2, embedcache.DIM)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-3)
    assert np.allclose(rows[1], vectors([(original.id, 0)])[0], atol=1e-3)
    assert float(rows[0] @ rows[1]) < 0.9  # different sentences, different vectors


def test_a_copy_reuses_its_originals_vectors(store):
    original, reprint = _articles()
    embedcache._memo.clear()
    before = embedcache.counts["embedded"]
    SentenceVectors([original], store)([(original.id, i) for i in range(len(original.sentences))])
    first = embedcache.counts["embedded"] - before
    assert first == len(original.sentences)
    SentenceVectors([reprint], store)([(reprint.id, i) for i in range(len(reprint.sentences))])
    # only the reprint's extra line is new
    assert embedcache.counts["embedded"] - before == first + 1


def test_vectors_survive_the_process_in_the_store(store):
    original, _ = _articles()
    texts = [s.text for s in original.sentences]
    embedcache._memo.clear()
    fresh = text_vectors(texts, store)
    embedcache._memo.clear()  # as a new process would start
    before = embedcache.counts["embedded"]
    again = text_vectors(texts, store)
    assert embedcache.counts["embedded"] == before
    assert np.allclose(fresh, again, atol=2e-3)  # float16 storage
    assert text_vectors([], store).shape == (0, embedcache.DIM)

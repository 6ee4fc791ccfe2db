"""Sentence vectors: embedded on demand, once per distinct text, kept in the store."""
from __future__ import annotations

import numpy as np

import pytest

from storyline.analyze import embedcache
from storyline.analyze.embedcache import SentenceVectors, embed_kind, text_vectors
from storyline.errors import StorylineError
from storyline.ingest import RawArticle, build_article
from storyline.settings import EmbedSettings

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
    assert rows.shape == (2, 384)
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
    assert text_vectors([], store).shape == (0, 384)


def test_vectors_of_other_settings_are_kept_apart(store):
    """The cache kind is the settings' model and max tokens: a text embedded reading 8 word
    pieces is not served the vector of the text read whole, from the memo or the store."""
    assert embed_kind() == "sentence:all-MiniLM-L6-v2:64"  # the kind of the caches made so far
    short = EmbedSettings(max_tokens=8)
    assert embed_kind(short) == "sentence:all-MiniLM-L6-v2:8"
    text = ("The ferry operator said on Monday that the repaired engine had passed every one of "
            "its sea trials in the harbour at Port Alder.")
    embedcache._memo.clear()
    whole = text_vectors([text], store)[0]
    cut = text_vectors([text], store, short)[0]
    assert float(whole @ cut) < 0.95  # what the first 8 pieces say is not the whole sentence
    embedcache._memo.clear()
    before = embedcache.counts["embedded"]
    assert np.allclose(text_vectors([text], store, short)[0], cut, atol=2e-3)
    assert np.allclose(text_vectors([text], store)[0], whole, atol=2e-3)
    assert embedcache.counts["embedded"] == before  # both from the store, each under its own kind


def test_an_unknown_embedder_is_an_error_that_says_which_exist():
    with pytest.raises(StorylineError, match="all-MiniLM-L6-v2"):
        text_vectors(["A sentence about the ferry."], settings=EmbedSettings(model="no-such-model"))


def _sentences_job(texts: list[str], asked: int):
    """A job that asks for vectors the way a story's steps do: several small requests."""
    def job():
        return [text_vectors(texts[k:k + 1]) for k in range(asked)]
    return job


def test_jobs_in_rounds_get_the_vectors_a_direct_call_gives(monkeypatch):
    texts = [f"The council in town number {k} voted to {verb} the harbour fees this spring."
             for k, verb in enumerate(["raise", "cut", "freeze", "review", "double", "halve"])]
    embedcache._memo.clear()
    direct = text_vectors(texts)
    embedcache._memo.clear()
    calls = []
    from storyline.analyze import nlp

    original = nlp.embed
    monkeypatch.setattr(nlp, "embed", lambda batch, **kw: calls.append(len(batch)) or original(batch, **kw))
    jobs = [_sentences_job(texts[k::3], 2) for k in range(3)]  # three jobs, two requests each
    results = embedcache.in_rounds(jobs)
    # each round answers every job's request at once: two batches of three, not six calls
    assert calls == [3, 3]
    for k, answers in enumerate(results):
        for j, rows in enumerate(answers):
            assert np.allclose(rows[0], direct[k + 3 * j], atol=1e-4)


def test_a_failing_job_fails_the_call_without_hanging_the_others():
    def bad():
        text_vectors(["A first sentence about the storm."])
        raise ValueError("broken story")

    good = _sentences_job(["The bridge reopened on Friday.", "Traffic was light."], 2)
    try:
        embedcache.in_rounds([good, bad, good])
    except ValueError as e:
        assert "broken story" in str(e)
    else:
        raise AssertionError("the job's error was swallowed")
    # and the machinery is free again: a later call batches as before
    assert len(embedcache.in_rounds([good, good])) == 2

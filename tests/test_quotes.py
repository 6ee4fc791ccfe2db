"""Quotes and reported statements: marks, speakers, merging across outlets."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from storyline.analyze.entities import parse_articles, story_entities
from storyline.analyze.quotes import extract_quotes, find_quote_spans, merge_quotes, norm_words
from storyline.ingest.segment import segment
from storyline.model import Article, PartialDate, QuoteEntry
from storyline.settings import QuoteSettings

from .conftest import CORPUS, corpus_story

EXAMPLES = json.loads((Path(__file__).parent / "data" / "analysis_examples.json").read_text())


def article(paragraphs: list[str], aid: str = "x", outlet: str = "Test") -> Article:
    text, sentences = segment(paragraphs)
    return Article(text=text, title=aid, outlet=outlet, id=aid, sentences=sentences,
                   published=PartialDate.parse("2024-03-05"))


def example(name: str) -> list[Article]:
    return [article(r["paragraphs"], r["id"], r["outlet"]) for r in EXAMPLES[name]]


def analyse(arts, nlp):
    docs = parse_articles(arts, nlp)
    ents = story_entities(arts, docs)
    quotes = [q for a, d in zip(arts, docs) for q in extract_quotes(a, d, ents)]
    return quotes, merge_quotes(quotes, {a.id: a for a in arts})


def find(merged, words: str, kind: str = "direct") -> QuoteEntry:
    """The one merged quote of this kind whose text holds the words."""
    key = " ".join(norm_words(words))
    hits = [q for q, _ in merged if q.kind == kind and key in " ".join(norm_words(q.text))]
    assert len(hits) == 1, f"{words!r}: {[(q.speaker, q.text) for q in hits]}"
    return hits[0]


@pytest.fixture(scope="module")
def seeds(seed_articles, nlp):
    return analyse(seed_articles, nlp)


@pytest.fixture(scope="module")
def strike(nlp):
    return analyse(example("port_strike"), nlp)


def test_quote_marks_skip_apostrophes():
    a = article(["The workers’ union said it was “ready” and ‘willing’, but Mr Costa’s aides called it \"noise\"."])
    inner = [a.text[m.start:m.end] for m in find_quote_spans(a)]
    assert inner == ["ready", "willing", "noise"]


def test_seed_white_house_quotes(seeds):
    _, merged = seeds
    q = find(merged, "suffering in Syria has gone on for far too long")
    assert q.speaker == "White House" and q.verb == "said"
    q = find(merged, "The conversation was a very good one")
    assert q.speaker == "White House"


def test_seed_kremlin_business_like_constructive(seeds):
    _, merged = seeds
    q = find(merged, "business-like")
    assert "constructive" in q.text and q.speaker == "Kremlin" and q.verb == "described"


def test_seed_tweet_is_one_quote_from_two_sources(seeds, seed_articles):
    _, merged = seeds
    q = find(merged, "everyone will come to their senses")
    assert q.speaker == "Donald Trump"
    assert sorted(q.article_ids()) == sorted(a.id for a in seed_articles)
    assert len(q.citations) == 2


def test_seed_putin_statements(seeds):
    _, merged = seeds
    assert find(merged, "We never interfere in the political life").speaker == "Vladimir Putin"
    q = find(merged, "Certainly, without the participation of such a party")
    assert q.speaker == "Vladimir Putin"
    assert "continue to be in contact" in q.text  # the quote goes on after "Mr. Putin said."
    # "He said ... were “simply rumours”": the pronoun points back to Mr Putin
    assert find(merged, "simply rumours").speaker == "Vladimir Putin"


def test_seed_reported_statements(seeds):
    _, merged = seeds
    assert find(merged, "Moscow ever interferes in other countries", "reported").verb == "denied"
    assert find(merged, "Moscow ever interferes in other countries", "reported").speaker == "Vladimir Putin"
    assert find(merged, "agreed to bolster diplomatic efforts", "reported").speaker == "Kremlin"
    assert find(merged, "cooperation with Washington was critical", "reported").speaker == "Vladimir Putin"


def test_split_quote_merged_across_outlets_with_ellipsis(strike):
    _, merged = strike
    q = find(merged, "our patience is over")
    assert q.speaker == "Ana Ferreira"
    assert set(q.article_ids()) == {"wire", "wire_edited", "wire_partial", "courier", "post"}
    assert "Nobody will unload a single ship" in q.text
    # each merged quote comes with the article quotes it merges, one citation each
    (members,) = [ms for entry, ms in merged if entry is q]
    assert [m.article_id for m in members] == [c.article_id for c in q.citations]
    assert q.independent_sources == 5  # no copies given: every article is a source of its own


def test_role_pronoun_and_paragraph_inheritance(strike):
    _, merged = strike
    assert find(merged, "We are ready to talk").speaker == "Rui Costa"  # "the minister said"
    assert find(merged, "would not negotiate under pressure", "reported").speaker == "Rui Costa"  # "He said"
    assert find(merged, "Our members are tired of promises").speaker == "Ana Ferreira"  # previous paragraph
    q = find(merged, "unaffordable")
    assert q.speaker == "Rui Costa" and set(q.article_ids()) == {"wire", "wire_edited"}


def test_no_inheritance_when_narrative_intervenes(nlp):
    a = article(["“We will win,” said coach Maria Lopes. The team trained in the rain on Friday.",
                 "“The referee was a disgrace and everybody in the stadium saw it.”"])
    quotes, _ = analyse([a], nlp)
    last = next(q for q in quotes if "referee" in q.text)
    assert last.speaker is None


def test_scare_quotes_and_quote_free_articles(nlp):
    a = article(["The so-called “peace plan” was published on Monday. Markets rose slightly."])
    quotes, merged = analyse([a], nlp)
    assert [q for q in quotes if q.kind == "direct"] == []
    b = article(["Heavy rain fell across the region on Sunday. Rivers rose by two metres."])
    assert analyse([b], nlp) == ([], [])


def test_different_speakers_never_merge(nlp):
    a = article(["“We must protect the harbour at all costs,” said Ana Ferreira."], "a")
    b = article(["“We must protect the harbour at all costs,” said Rui Costa."], "b")
    _, merged = analyse([a, b], nlp)
    assert sorted(q.speaker for q, _ in merged if q.kind == "direct") == ["Ana Ferreira", "Rui Costa"]


def test_how_far_a_pronoun_reaches_back_is_a_setting(nlp):
    a = article(["Mayor Lena Okafor visited the harbour on Monday. The tide was high and the wind was strong. "
                 "“We will rebuild the sea wall before the winter storms,” she said."])
    docs = parse_articles([a], nlp)
    ents = story_entities([a], docs)

    def speaker(settings: QuoteSettings) -> str | None:
        (q,) = [q for q in extract_quotes(a, docs[0], ents, settings) if q.kind == "direct"]
        return q.speaker.name if q.speaker else None

    assert speaker(QuoteSettings()) == "Lena Okafor"  # back over one narrative sentence
    assert speaker(QuoteSettings(look_back_sentences=1)) is None


PEOPLE_GOLD = Path(__file__).resolve().parents[1] / "bench" / "gold" / "people.json"


def real_quotes(nlp, file: str, story_id: str):
    arts = corpus_story(file, story_id)
    docs = parse_articles(arts, nlp)
    ents = story_entities(arts, docs)
    return [q for a, d in zip(arts, docs) for q in extract_quotes(a, d, ents)]


def test_real_speakers_are_the_full_names(nlp):
    # Golden State Killer (events dev s02): every quote of Schubert's is Anne Marie Schubert's,
    # "The Bee reports" the Sacramento Bee's; none is a bare "Schubert" or "Bee"
    quotes = real_quotes(nlp, "events/dev.jsonl", "s02")
    speakers = Counter(q.speaker.name for q in quotes if q.speaker is not None)
    assert speakers["Anne Marie Schubert"] >= 6
    assert "Schubert" not in speakers and "Bee" not in speakers
    assert any(q.speaker.name == "Sacramento Bee" and "three decades" in q.text for q in quotes if q.speaker)


def test_real_nested_attribution_names_the_speaker_not_the_reporting_outlet(nlp):
    # Roger Ailes (events dev d02): '"I am profoundly sad ...," Elizabeth Ailes said, Fox News reported.'
    quotes = real_quotes(nlp, "events/dev.jsonl", "d02")
    sad = next(q for q in quotes if "profoundly sad" in q.text)
    assert sad.speaker is not None and sad.speaker.name == "Elizabeth Ailes" and sad.speaker.type == "PERSON"


def test_real_shared_surname_speaks_for_nobody(nlp):
    # three Kimmels (events dev d08): "Kimmel said ..." is not given to a third, bare "Kimmel"
    quotes = real_quotes(nlp, "events/dev.jsonl", "d08")
    assert not [q for q in quotes if q.speaker is not None and q.speaker.name == "Kimmel"]


def test_party_noun_is_no_speaker(nlp):
    arts = [article(["Senator Jane Roe spoke on Tuesday.",
                     "The bill will pass, the most senior Democrat in the Senate said on Tuesday.",
                     "“We will not wait,” said Tom Hale, a Republican aide."])]
    quotes, _ = analyse(arts, nlp)
    assert not [q for q in quotes if q.speaker is not None and q.speaker.type not in ("PERSON", "ORG", "GPE")]
    assert any(q.speaker is not None and q.speaker.name == "Tom Hale" for q in quotes)


def test_people_scorer_meets_the_targets_on_the_gold(nlp):
    from storyline.evaluate.people import evaluate_people

    if not CORPUS.exists():
        pytest.skip("../shared/corpus not present")
    result = evaluate_people(PEOPLE_GOLD, CORPUS, part=True)  # the brief's own entities and quotes
    assert result["counts"]["stories"] >= 30 and result["counts"]["lost"] <= 20
    assert result["speakers_right"] >= 0.95, result["errors"]
    assert result["odd_speakers"] == []
    assert result["merge_precision"] >= 0.98 and result["merge_recall"] >= 0.7

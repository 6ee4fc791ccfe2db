"""One entry point for the cross-source analysis of a story:
entities, who said what, where sources agree, differ, or stand alone."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model import Article, Difference, EntityEntry, Fact, QuoteEntry
from ..settings import DEFAULT_SETTINGS, Settings
from .embedcache import SentenceVectors
from .entities import StoryEntities, parse_articles, story_entities
from .facts import (Statement, align, article_dates, candidate_pairs, figure_tensions, figures, group_facts,
                    negation_differences, omissions, overlap_matrix, quote_statement_links, slot_differences,
                    statement_slots, statements)
from .nlp import embedder
from .quotes import Quote, extract_quotes, merge_quotes, sentence_speakers
from .samefact import sentence_meanings


@dataclass
class StoryAnalysis:
    """The typed sections of a brief that compare the sources, and who is quoted where."""

    entities: list[EntityEntry] = field(default_factory=list)
    quotes: list[QuoteEntry] = field(default_factory=list)
    agree: list[Fact] = field(default_factory=list)
    differ: list[Difference] = field(default_factory=list)
    single_source: list[Fact] = field(default_factory=list)
    independent_sources: int = 0
    speakers: dict[tuple[str, int], str] = field(default_factory=dict)  # (article id, sentence) -> who is quoted


def analyze_story(articles: list[Article], docs: list | None = None, vectors: SentenceVectors | None = None,
                  copies: dict[str, str] | None = None, settings: Settings = DEFAULT_SETTINGS,
                  meanings: dict | None = None, dates: dict | None = None) -> StoryAnalysis:
    """Analyse the articles of one story. docs (entities.parse_articles(articles)) and
    vectors (a SentenceVectors over the articles, shared with the other steps of the
    brief) may be passed in; otherwise each article is parsed here and sentences are
    embedded as needed. copies ({copy id: original id}, stories/dedup's syndicated copies)
    are taken as they are: a copy and its original count as one source everywhere. meanings
    (samefact.sentence_meanings of the docs, shared with the summary) and dates ({article id:
    facts.article_dates of its doc}) are made here when not passed."""
    if not articles:
        return StoryAnalysis()
    docs = parse_articles(articles) if docs is None else docs
    vectors = SentenceVectors(articles, settings=settings.embed) if vectors is None else vectors
    copies = copies or {}
    ents = story_entities(articles, docs, settings.entities)
    meanings = sentence_meanings(articles, docs) if meanings is None else meanings
    stmts = statements(articles, docs, ents, copies, meanings, settings.facts)
    pairs = candidate_pairs(stmts, *overlap_matrix(stmts), settings.facts)
    # rows of statements never embedded stay zero
    vecs = np.zeros((len(stmts), embedder(vectors.settings).dim), dtype=np.float32)
    _fill(vecs, sorted({k for pair in pairs for k in pair}), stmts, vectors)

    quotes = [q for a, d in zip(articles, docs) for q in extract_quotes(a, d, ents, settings.quotes)]
    merged = _ranked_quotes(merge_quotes(quotes, {a.id: a for a in articles}, copies), articles)
    groups = align(stmts, vecs, pairs, quote_statement_links(stmts, [members for _, members in merged], settings.facts),
                   settings.same_fact)
    _fill(vecs, [i for g in groups if len(g) > 1 for i in g if not vecs[i].any()], stmts, vectors)
    labels = {a.id: a.label for a in articles}
    differ = _differences(articles, docs, ents, quotes, stmts, vecs, vectors, settings) + negation_differences(
        stmts, vecs, pairs, labels, settings.same_fact) + _slot_differences(
        articles, docs, ents, stmts, vecs, pairs, groups, labels, settings, dates)
    in_tension = {(c.article_id, c.sentence) for d in differ for c in d.citations}
    agree, single = group_facts(stmts, groups, vecs, settings=settings.facts, same_fact=settings.same_fact,
                                exclude={k for k, s in enumerate(stmts) if (s.article_id, s.sentence) in in_tension})
    by_id = {a.id: a for a in articles}
    return StoryAnalysis(
        entities=[e.entry(by_id) for e in ents.listed(settings.entities)],
        quotes=[entry for entry, _ in merged], agree=agree, differ=differ, single_source=single,
        independent_sources=len({copies.get(a.id, a.id) for a in articles}), speakers=sentence_speakers(quotes))


def _ranked_quotes(merged: list[tuple[QuoteEntry, list[Quote]]],
                   articles: list[Article]) -> list[tuple[QuoteEntry, list[Quote]]]:
    """Most independent sources first, attributed before unattributed, then in text order."""
    order = {a.id: k for k, a in enumerate(articles)}
    return sorted(merged, key=lambda qm: (-qm[0].independent_sources, qm[0].speaker is None,
                                          order[qm[1][0].article_id], qm[1][0].sentences[0]))


def _differences(articles: list[Article], docs: list, ents: StoryEntities, quotes: list[Quote],
                 stmts: list[Statement], vecs: np.ndarray, vectors: SentenceVectors,
                 settings: Settings) -> list[Difference]:
    """Explicit omissions, then contradicting figures for one count (statements embedded on demand)."""
    row = {(s.article_id, s.sentence): k for k, s in enumerate(stmts)}

    def similarity(a: Statement, b: Statement) -> float:
        i, j = row[(a.article_id, a.sentence)], row[(b.article_id, b.sentence)]
        _fill(vecs, [k for k in (i, j) if not vecs[k].any()], stmts, vectors)
        return float(vecs[i] @ vecs[j])

    labels = {a.id: a.label for a in articles}
    counts = figures(stmts, {a.id: d for a, d in zip(articles, docs)})
    return omissions(articles, docs, ents, quotes, settings.quotes) + figure_tensions(
        counts, labels, similarity, settings.facts, {a.id: a.published.iso() or "" for a in articles})


def _slot_differences(articles: list[Article], docs: list, ents: StoryEntities, stmts: list[Statement],
                      vecs: np.ndarray, pairs: list[tuple[int, int]], groups: list[list[int]],
                      labels: dict[str, str], settings: Settings, dates: dict | None = None) -> list[Difference]:
    """Sentences that match except for a date, a place or a named participant."""
    doc_of = {a.id: d for a, d in zip(articles, docs)}
    published = {a.id: a.published for a in articles}
    dates = {a.id: article_dates(d) for a, d in zip(articles, docs)} if dates is None else dates
    wanted = {k for pair in pairs for k in pair}
    wanted |= {k for g in groups if len(g) > 1 and wanted.intersection(g) for k in g}  # aligned with a side
    slots = [statement_slots(s, dates[s.article_id], ents, published[s.article_id]) if k in wanted else []
             for k, s in enumerate(stmts)]
    return slot_differences(stmts, slots, doc_of, vecs, pairs, groups, labels, settings.facts, settings.same_fact)


def _fill(vecs: np.ndarray, rows: list[int], stmts, vectors: SentenceVectors) -> None:
    """Embed the statements at rows (one batch) into vecs."""
    if rows:
        vecs[rows] = vectors([(stmts[k].article_id, stmts[k].sentence) for k in rows])

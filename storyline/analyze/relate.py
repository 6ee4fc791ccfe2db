"""One entry point for the cross-source analysis of a story:
entities, who said what, where sources agree, differ, or stand alone."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model import Article
from ..stories.dedup import find_copies
from .entities import parse_articles, story_entities
from .embedcache import DIM, SentenceVectors
from .facts import (align, candidate_pairs, fact_dicts, figure_tensions, figures, omissions, overlap_matrix,
                    quote_statement_links, rewritten_copies, statements)
from .quotes import extract_quotes, merge_quotes, sentence_speakers


@dataclass
class StoryAnalysis:
    entities: list[dict] = field(default_factory=list)
    quotes: list[dict] = field(default_factory=list)
    agree: list[dict] = field(default_factory=list)
    differ: list[dict] = field(default_factory=list)
    single_source: list[dict] = field(default_factory=list)
    independent_sources: int = 0
    copies: dict[str, str] = field(default_factory=dict)  # copy article id -> original id
    speakers: dict[tuple[str, int], str] = field(default_factory=dict)  # (article id, sentence) -> who is quoted


def analyze_story(articles: list[Article], docs: list | None = None,
                  vectors: SentenceVectors | None = None, copies: dict[str, str] | None = None) -> StoryAnalysis:
    """Analyse the articles of one story. docs (entities.parse_articles(articles)),
    vectors (a SentenceVectors over the articles, shared with the other steps of the
    brief) and copies (dedup.find_copies(articles)) may be passed in; otherwise each
    article is parsed here and sentences are embedded as needed."""
    if not articles:
        return StoryAnalysis()
    if docs is None:
        docs = parse_articles(articles)
    if vectors is None:
        vectors = SentenceVectors(articles)
    by_id = {a.id: a for a in articles}
    ents = story_entities(articles, docs)
    # Copies: the shingle index first, then lightly edited rewrites it misses.
    copies = find_copies(articles) if copies is None else copies
    stmts = statements(articles, docs, ents, copies)
    pairs = candidate_pairs(stmts, *overlap_matrix(stmts))
    vecs = np.zeros((len(stmts), DIM), dtype=np.float32)  # rows of statements never embedded stay zero
    _fill(vecs, sorted({k for pair in pairs for k in pair}), stmts, vectors)
    published_order = [a.id for a in sorted(articles, key=lambda a: (a.published.sort_key(), a.id))]
    copies = rewritten_copies(stmts, vecs, copies, published_order)
    for st in stmts:
        st.origin = copies.get(st.article_id, st.article_id)
    origins = {copies.get(a.id, a.id) for a in articles}

    quotes = [q for a, d in zip(articles, docs) for q in extract_quotes(a, d, ents)]
    merged = merge_quotes(quotes, by_id)
    members = [m.pop("_members") for m in merged]
    for m, ms in zip(merged, members):
        m["independent_sources"] = len({copies.get(q.article_id, q.article_id) for q in ms})
    order = {a.id: k for k, a in enumerate(articles)}
    ranked = sorted(zip(merged, members), key=lambda mm: (-mm[0]["independent_sources"],
                                                          mm[0]["speaker"] is None,
                                                          order[mm[1][0].article_id], mm[1][0].sentences[0]))
    merged = [m for m, _ in ranked]
    members = [ms for _, ms in ranked]

    groups = align(stmts, vecs, pairs, quote_statement_links(stmts, members))
    _fill(vecs, [i for g in groups if len(g) > 1 for i in g if not vecs[i].any()], stmts, vectors)
    labels = {a.id: a.label for a in articles}
    row = {(s.article_id, s.sentence): k for k, s in enumerate(stmts)}

    def similarity(a, b) -> float:
        i, j = row[(a.article_id, a.sentence)], row[(b.article_id, b.sentence)]
        _fill(vecs, [k for k in (i, j) if not vecs[k].any()], stmts, vectors)
        return float(vecs[i] @ vecs[j])

    differ = omissions(articles, docs, ents, quotes) + figure_tensions(
        figures(stmts, {a.id: d for a, d in zip(articles, docs)}), labels, similarity)
    in_tension = {(c.article_id, c.sentence) for d in differ for c in d["citations"]}
    agree, single = fact_dicts(stmts, groups, vecs,
                               exclude={k for k, s in enumerate(stmts) if (s.article_id, s.sentence) in in_tension})
    return StoryAnalysis(
        entities=[e.to_dict(by_id) for e in ents.listed()],
        quotes=merged, agree=agree, differ=differ, single_source=single,
        independent_sources=len(origins), copies=copies, speakers=sentence_speakers(quotes))


def quote_speakers(articles: list[Article], docs: list | None = None) -> dict[tuple[str, int], str]:
    """Who says the direct quotation in each sentence of a story's articles (the
    speakers of analyze_story, without the rest of the analysis)."""
    if not articles:
        return {}
    docs = parse_articles(articles) if docs is None else docs
    ents = story_entities(articles, docs)
    return sentence_speakers([q for a, d in zip(articles, docs) for q in extract_quotes(a, d, ents)])


def _fill(vecs: np.ndarray, rows: list[int], stmts, vectors: SentenceVectors) -> None:
    """Embed the statements at rows (one batch) into vecs."""
    if rows:
        vecs[rows] = vectors([(stmts[k].article_id, stmts[k].sentence) for k in rows])

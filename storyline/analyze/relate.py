"""One entry point for the cross-source analysis of a story:
entities, who said what, where sources agree, differ, or stand alone."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model import Article
from ..stories.dedup import find_copies
from .entities import parse_articles, story_entities
from .facts import (align, fact_dicts, figure_tensions, figures, omissions, quote_statement_links,
                    rewritten_copies, statements)
from .quotes import extract_quotes, merge_quotes


@dataclass
class StoryAnalysis:
    entities: list[dict] = field(default_factory=list)
    quotes: list[dict] = field(default_factory=list)
    agree: list[dict] = field(default_factory=list)
    differ: list[dict] = field(default_factory=list)
    single_source: list[dict] = field(default_factory=list)
    independent_sources: int = 0
    copies: dict[str, str] = field(default_factory=dict)  # copy article id -> original id


def analyze_story(articles: list[Article], docs: list | None = None,
                  vectors: dict[str, np.ndarray] | None = None) -> StoryAnalysis:
    """Analyse the articles of one story. docs (entities.parse_articles(articles)) and
    vectors ({article id: embeddings of its sentences, one row per sentence}) may be passed
    in when the caller already has them; otherwise each article is parsed once here and each
    sentence embedded once."""
    if not articles:
        return StoryAnalysis()
    if docs is None:
        docs = parse_articles(articles)
    by_id = {a.id: a for a in articles}
    ents = story_entities(articles, docs)
    # Copies: the shingle index first, then lightly edited rewrites it misses.
    copies = find_copies(articles)
    stmts = statements(articles, docs, ents, copies)
    vecs = _statement_vectors(stmts, vectors)
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

    groups = align(stmts, vecs, quote_statement_links(stmts, members))
    labels = {a.id: a.label for a in articles}
    row = {(s.article_id, s.sentence): k for k, s in enumerate(stmts)}

    def similarity(a, b) -> float:
        return float(vecs[row[(a.article_id, a.sentence)]] @ vecs[row[(b.article_id, b.sentence)]])

    differ = omissions(articles, docs, ents, quotes) + figure_tensions(
        figures(stmts, {a.id: d for a, d in zip(articles, docs)}), labels, similarity)
    in_tension = {(c.article_id, c.sentence) for d in differ for c in d["citations"]}
    agree, single = fact_dicts(stmts, groups, vecs,
                               exclude={k for k, s in enumerate(stmts) if (s.article_id, s.sentence) in in_tension})
    return StoryAnalysis(
        entities=[e.to_dict(by_id) for e in ents.listed()],
        quotes=merged, agree=agree, differ=differ, single_source=single,
        independent_sources=len(origins), copies=copies)


def _statement_vectors(stmts, vectors: dict[str, np.ndarray] | None) -> np.ndarray:
    if not stmts:
        return np.zeros((0, 384), dtype=np.float32)
    if vectors is not None and all(s.article_id in vectors for s in stmts):
        return np.array([vectors[s.article_id][s.sentence] for s in stmts], dtype=np.float32).reshape(len(stmts), -1)
    from .nlp import embed

    return embed([s.text for s in stmts])

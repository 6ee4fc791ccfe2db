"""Multi-document extractive summary with citations.

Sentences from all sources are embedded once (MiniLM); each candidate is
scored by centrality (similarity to the story's centroid), cross-source
support (how many other sources state something similar) and position
(news puts the essentials first). Selection is MMR-style: the best next
sentence that is not redundant with what is already chosen. Chosen
sentences are ordered by their position in the sources, and each cites
every source sentence that states the same thing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..model import Article, Citation, CitedText, Sentence

SAME_FACT = 0.66  # cosine at which two sentences state the same thing (MiniLM)
REDUNDANT = 0.60  # a candidate this close to a chosen sentence adds nothing
MIN_WORDS, MAX_WORDS = 7, 55

# Sentences that make no sense alone: they lean on something said before.
DANGLING = re.compile(
    r"^(?:he|she|it|they|this|that|these|those|his|her|its|their|there|such|the two|both|"
    r"but|and|yet|so|also|however|still|meanwhile|instead|then|later|moreover|"
    r"in addition|as a result|that's|it's|he's|she's|they're)\b",
    re.IGNORECASE,
)
# Furniture and asides that survive extraction inside prose paragraphs.
NOT_REPORTING = re.compile(
    r"(?:click|subscribe|sign up|newsletter|follow us|share this|read more|photo:|image:|getty images|"
    r"\(ap photo|all rights reserved|©|this story has been|contributed to this report|cookies?\b|"
    r"advertis|terms of (?:use|service)|privacy policy)",
    re.IGNORECASE,
)
CONNECTIVE = re.compile(r"^(?:But|And|Yet|So|Still|However|Meanwhile|Also),?\s+(?=\w)")


@dataclass
class Candidate:
    article: Article
    sentence: Sentence
    text: str  # possibly with a dangling connective removed
    position: float  # 0 = lead, 1 = last sentence
    vector: np.ndarray | None = None
    score: float = 0.0
    support: int = 0


def summarize(articles: list[Article], words: int = 100, key_points: int = 5) -> tuple[list[CitedText], list[CitedText]]:
    """(summary sentences, key points), each with citations to source sentences."""
    from ..analyze.nlp import embed

    everything = [(a, s) for a in articles for s in a.sentences]
    if not everything:
        return [], []
    vectors = embed([s.text for _, s in everything])
    row_of = {(a.id, s.index): i for i, (a, s) in enumerate(everything)}
    candidates = [c for c in (_candidate(a, s) for a, s in everything) if c is not None]
    if not candidates:  # very short sources: take their first sentences as they are
        candidates = [Candidate(a, a.sentences[0], a.sentences[0].text, 0.0) for a in articles if a.sentences]
    for c in candidates:
        c.vector = vectors[row_of[(c.article.id, c.sentence.index)]]
    _score(candidates, articles, vectors, everything)

    summary = _select(candidates, budget=words, chosen=[])
    extra_budget = max(60, words // 2)
    # Key points favour what several sources state.
    others = max(1, len(articles) - 1)
    rest = sorted((c for c in candidates if c not in summary), key=lambda c: -(c.score + 0.2 * c.support / others))
    points = _select(rest, budget=10_000, chosen=list(summary), limit=key_points,
                     max_words=min(40, extra_budget), ranked=True)
    if len(points) < 3:  # short stories: key points may restate the summary's sentences
        points = summary[: max(3, len(points))] if not points else points
    summary.sort(key=lambda c: (c.position, c.article.published.sort_key()))
    points.sort(key=lambda c: -c.score)
    return [_cite(c, everything, vectors) for c in summary], [_cite(c, everything, vectors) for c in points]


def _candidate(article: Article, sentence: Sentence) -> Candidate | None:
    text = sentence.text.strip()
    n_words = len(text.split())
    if not MIN_WORDS <= n_words <= MAX_WORDS or text.endswith("?") or NOT_REPORTING.search(text):
        return None
    if not text[:1].isupper() and not text.startswith(("“", '"')):
        return None
    stripped = CONNECTIVE.sub("", text)
    if DANGLING.match(stripped):
        return None
    if _unattributed_quote(stripped) or _unbalanced_quotes(stripped):
        return None
    if stripped != text:
        stripped = stripped[0].upper() + stripped[1:]
    n = max(1, len(article.sentences) - 1)
    return Candidate(article, sentence, stripped, sentence.index / n)


def _unattributed_quote(text: str) -> bool:
    """A sentence that is all quotation: without its speaker it misleads."""
    return text.startswith(("“", '"')) and text.rstrip().endswith(("”", '"'))


def _unbalanced_quotes(text: str) -> bool:
    opening, closing = text.count("“"), text.count("”")
    return opening != closing or text.count('"') % 2 == 1


def _score(candidates: list[Candidate], articles: list[Article], vectors: np.ndarray, everything) -> None:
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    article_rows: dict[str, list[int]] = {}
    for i, (a, _) in enumerate(everything):
        article_rows.setdefault(a.id, []).append(i)
    for c in candidates:
        sims = vectors @ c.vector
        # Soft support: how closely each other source states the same thing.
        best = [float(sims[rows].max()) for aid, rows in article_rows.items() if aid != c.article.id]
        c.support = sum(1 for b in best if b >= SAME_FACT)
        soft = float(np.mean(best)) if best else 0.0
        c.score = 0.45 * float(centroid @ c.vector) + 0.3 * soft + 0.25 * (1.0 - c.position)


def _select(candidates: list[Candidate], budget: int, chosen: list[Candidate], limit: int | None = None,
            max_words: int = MAX_WORDS, ranked: bool = False) -> list[Candidate]:
    """Greedy MMR: best-scoring candidates not redundant with what is chosen."""
    picked: list[Candidate] = []
    used = 0
    pool = candidates if ranked else sorted(candidates, key=lambda c: -c.score)
    for c in pool:
        n = len(c.text.split())
        if n > max_words:
            continue
        if any(float(c.vector @ o.vector) >= REDUNDANT for o in chosen + picked):
            continue
        if picked and used + n > budget * 1.15:
            continue
        picked.append(c)
        used += n
        if used >= budget or (limit and len(picked) >= limit):
            break
    return picked


def _cite(c: Candidate, everything, vectors: np.ndarray) -> CitedText:
    """Cite the chosen sentence and, in every other article, the sentence
    that states the same thing (if any)."""
    citations = [Citation(c.article.id, c.sentence.index, c.sentence.start, c.sentence.end)]
    sims = vectors @ c.vector
    best: dict[str, tuple[float, Article, Sentence]] = {}
    for i, (a, s) in enumerate(everything):
        if a.id == c.article.id or sims[i] < SAME_FACT:
            continue
        if a.id not in best or sims[i] > best[a.id][0]:
            best[a.id] = (float(sims[i]), a, s)
    for _, a, s in sorted(best.values(), key=lambda t: -t[0]):
        citations.append(Citation(a.id, s.index, s.start, s.end))
    return CitedText(c.text, citations)

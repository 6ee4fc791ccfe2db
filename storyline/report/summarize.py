"""Multi-document extractive summary with citations.

Every sentence of every source is embedded once (MiniLM, cached per
article, see analyze/embedcache.py). Sentences that cannot stand alone in a
summary (site furniture, photo captions, headlines, questions, dangling
openers, reader-addressed prompts) are not candidates, but still count as
evidence. Each candidate gets four features, each rescaled to 0..1 within
the story:

- centrality: similarity to the story's centroid, in embedding space and in
  TF-IDF space (the two disagree usefully: embeddings see paraphrase, TF-IDF
  sees the story's rare names and figures);
- support: how closely the other sources state the same thing (soft: the
  mean over other sources of their most similar sentence);
- position: news writing puts the essentials first, so the prior decays
  with the sentence's index in its article;
- length: very short sentences carry little and read as fragments.

Selection is greedy: the best next sentence that does not restate a chosen
one (cosine below REDUNDANT) until the word budget is filled. The summary
keeps the sources' order (by position, then article), and each sentence
cites itself first and then, in every other article, the sentence that
states the same thing (cosine >= SAME_FACT and shared words, see _cite).

Weights and constants were tuned on multinews dev.jsonl only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..model import Article, Citation, CitedText, Sentence

SAME_FACT = 0.66  # cosine at which two sentences state the same thing (MiniLM)
REDUNDANT = 0.60  # a candidate this close to a chosen sentence adds nothing
CITE_OVERLAP = 0.4  # share of the smaller content-word set two restating sentences share
MIN_WORDS, MAX_WORDS = 7, 55
KEY_POINT_MAX_WORDS = 40  # a key point is read at a glance
POSITION_HALF_LIFE = 6.0  # sentences: the lead prior halves every this many sentences
LENGTH_FULL = 18  # words from which a sentence gets the full length score


@dataclass(frozen=True)
class Weights:
    centrality: float = 0.20
    lexical: float = 0.10
    support: float = 0.20
    position: float = 0.40
    length: float = 0.05


WEIGHTS = Weights()

# Sentences that make no sense alone: they lean on something said before.
DANGLING = re.compile(
    r"^(?:he|she|it|they|this|that|these|those|his|her|its|their|there|such|the two|both|"
    r"but|and|yet|so|also|however|still|meanwhile|instead|then|later|moreover|"
    r"in addition|as a result|that's|it's|he's|she's|they're)\b",
    re.IGNORECASE,
)
# Furniture, captions and asides that survive extraction inside prose paragraphs.
NOT_REPORTING = re.compile(
    r"(?:click|subscribe|sign up|newsletter|follow us|share this|read more|photo:|image:|getty images|"
    r"\(ap photo|all rights reserved|©|this story has been|contributed to this report|cookies?\b|"
    r"advertis|terms of (?:use|service)|privacy policy|"
    r"image (?:copyright|caption)|media (?:playback|caption)|file photo|photographer\)|"
    r"\((?:ap|afp|reuters|associated press|getty)\)|reuters/|ap photo/|pic\.twitter\.com|https?://|www\.|"
    r"\bemail alerts?\b|breaking news emails?|reprints?\b|opinions expressed|javascript|browser)",
    re.IGNORECASE,
)
# Captions describe a picture: "In this May 4, 2001, file photo, ...", "Pictured: ...".
CAPTION = re.compile(r"^(?:in this\b.{0,60}\b(?:photo|image|picture)|pictured\b|above:|below:)", re.IGNORECASE)
# The reader is addressed only by site furniture ("You can add location ..."),
# so second person outside quotation marks disqualifies a sentence.
READER = re.compile(r"\b(?:you|your|yours)\b", re.IGNORECASE)
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
# A quote whose only speaker is a pronoun ('"...," she said.') leans on the sentence before.
PRONOUN_SPEAKER = re.compile(
    r"[”\"],?\s+(?:he|she|they)\s+(?:\w+\s+)?(?:said|says|added|adds|told|wrote|explained|noted|argued|warned)\b",
    re.IGNORECASE)
CONNECTIVE = re.compile(r"^(?:But|And|Yet|So|Still|However|Meanwhile|Also),?\s+(?=\w)")
ENDS_SENTENCE = re.compile(r"[.!][\"'”’)]*$")


@dataclass
class Candidate:
    article: Article
    sentence: Sentence
    text: str  # possibly with a dangling connective removed
    row: int  # row of the sentence in the story's vector matrix
    vector: np.ndarray | None = None
    score: float = 0.0
    support: int = 0


def summarize(articles: list[Article], words: int = 100, key_points: int = 5,
              store=None) -> tuple[list[CitedText], list[CitedText]]:
    """(summary sentences, key points), each with citations to source sentences.
    store: where per-article sentence embeddings are cached (optional)."""
    from ..analyze.embedcache import article_vectors

    articles = [a for a in articles if a.sentences]
    everything = [(a, s) for a in articles for s in a.sentences]
    if not everything:
        return [], []
    by_article = article_vectors(articles, store)
    vectors = np.vstack([by_article[a.id] for a in articles])
    candidates = _candidates(everything)
    if not candidates:  # very short sources: take their first sentences as they are
        first_rows = {}
        for row, (a, s) in enumerate(everything):
            first_rows.setdefault(a.id, (row, a, s))
        candidates = [Candidate(a, s, s.text, row) for row, a, s in first_rows.values()]
    for c in candidates:
        c.vector = vectors[c.row]
    _score(candidates, everything, vectors)

    summary = _select(candidates, budget=words, chosen=[])
    # Key points favour what several sources state.
    others = max(1, len(articles) - 1)
    rest = sorted((c for c in candidates if c not in summary), key=lambda c: -(c.score + 0.2 * c.support / others))
    points = _select(rest, budget=10_000, chosen=list(summary), limit=key_points,
                     max_words=KEY_POINT_MAX_WORDS, ranked=True)
    if len(points) < 3:  # short stories: key points may restate the summary's sentences
        points = summary[: max(3, len(points))] if not points else points
    order = {a.id: i for i, a in enumerate(articles)}
    summary.sort(key=lambda c: (c.sentence.index, order[c.article.id]))
    points.sort(key=lambda c: -c.score)
    return [_cite(c, everything, vectors) for c in summary], [_cite(c, everything, vectors) for c in points]


def _candidates(everything: list[tuple[Article, Sentence]]) -> list[Candidate]:
    """Sentences fit to stand alone in a summary; the first of identical texts only."""
    seen: set[str] = set()
    out = []
    for row, (a, s) in enumerate(everything):
        text = _standalone(s.text.strip())
        if text is None or text.lower() in seen:
            continue
        seen.add(text.lower())
        out.append(Candidate(a, s, text, row))
    return out


def _standalone(text: str) -> str | None:
    """The sentence as a summary would use it, or None if it cannot stand alone."""
    n_words = len(text.split())
    if not MIN_WORDS <= n_words <= MAX_WORDS or not ENDS_SENTENCE.search(text) or text.endswith(("...", "…")):
        return None
    if NOT_REPORTING.search(text) or CAPTION.search(text) or READER.search(QUOTED.sub("", text)):
        return None
    if not text[:1].isupper() and not text.startswith(("“", '"')):
        return None
    stripped = CONNECTIVE.sub("", text)
    if DANGLING.match(stripped) or _unattributed_quote(stripped) or _unbalanced_quotes(stripped) \
            or PRONOUN_SPEAKER.search(stripped):
        return None
    if stripped != text:
        stripped = stripped[0].upper() + stripped[1:]
    return stripped


def _unattributed_quote(text: str) -> bool:
    """A sentence that is all quotation: without its speaker it misleads."""
    return text.startswith(("“", '"')) and text.rstrip().endswith(("”", '"'))


def _unbalanced_quotes(text: str) -> bool:
    opening, closing = text.count("“"), text.count("”")
    return opening != closing or text.count('"') % 2 == 1


def _score(candidates: list[Candidate], everything, vectors: np.ndarray, weights: Weights = WEIGHTS) -> None:
    rows = np.array([c.row for c in candidates])
    index = np.array([c.sentence.index for c in candidates], dtype=float)
    position = 0.5 ** (index / POSITION_HALF_LIFE)
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    centrality = vectors[rows] @ centroid
    lexical = _tfidf_centrality([s.text for _, s in everything])[rows]

    number: dict[str, int] = {}
    article_of = np.array([number.setdefault(a.id, len(number)) for a, _ in everything])
    sims = vectors[rows] @ vectors.T
    support = np.zeros(len(candidates))
    counts = np.zeros(len(candidates), dtype=int)
    if len(number) > 1:
        # best[i, k]: the closest sentence of article k to candidate i (NaN for its own article).
        best = np.stack([np.where(article_of == k, sims, -1.0).max(axis=1) for k in range(len(number))], axis=1)
        best[np.arange(len(candidates)), article_of[rows]] = np.nan
        support = np.nanmean(best, axis=1)
        counts = (np.nan_to_num(best, nan=-1.0) >= SAME_FACT).sum(axis=1)

    length = np.minimum(1.0, np.array([len(c.text.split()) for c in candidates]) / LENGTH_FULL)

    score = (weights.centrality * _rescale(centrality) + weights.lexical * _rescale(lexical)
             + weights.support * _rescale(support) + weights.position * position + weights.length * length)
    for c, s, n in zip(candidates, score, counts):
        c.score, c.support = float(s), int(n)


def _tfidf_centrality(texts: list[str]) -> np.ndarray:
    """Cosine of each sentence's TF-IDF vector with the story's mean TF-IDF vector."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    except ValueError:  # nothing but stop words
        return np.zeros(len(texts))
    centroid = np.asarray(matrix.mean(axis=0)).ravel()
    norm = np.linalg.norm(centroid)
    return np.asarray(matrix @ (centroid / norm if norm else centroid)).ravel()


def _rescale(values: np.ndarray) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    return (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values, dtype=float)


def _select(candidates: list[Candidate], budget: int, chosen: list[Candidate], limit: int | None = None,
            max_words: int = MAX_WORDS, ranked: bool = False) -> list[Candidate]:
    """Greedy: best-scoring candidates not redundant with what is chosen."""
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
    that states the same thing (if any): close in meaning (cosine >= SAME_FACT),
    sharing the statement's words (CITE_OVERLAP of the smaller word set: the
    embedding alone links sentences that are merely on the same topic), and
    reporting rather than furniture or a caption."""
    citations = [Citation(c.article.id, c.sentence.index, c.sentence.start, c.sentence.end)]
    sims = vectors @ c.vector
    words = _content_words(c.text)
    best: dict[str, tuple[float, Article, Sentence]] = {}
    for i, (a, s) in enumerate(everything):
        if a.id == c.article.id or sims[i] < SAME_FACT or (a.id in best and sims[i] <= best[a.id][0]):
            continue
        if NOT_REPORTING.search(s.text) or CAPTION.search(s.text):
            continue
        other = _content_words(s.text)
        if len(words & other) < CITE_OVERLAP * min(len(words), len(other)):
            continue
        best[a.id] = (float(sims[i]), a, s)
    for _, a, s in sorted(best.values(), key=lambda t: -t[0]):
        citations.append(Citation(a.id, s.index, s.start, s.end))
    return CitedText(c.text, citations)


def _content_words(text: str) -> set[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return {w for w in re.findall(r"\w\w+", text.lower()) if w not in ENGLISH_STOP_WORDS}

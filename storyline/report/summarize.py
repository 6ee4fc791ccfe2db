"""Multi-document extractive summary with citations.

Embedding a sentence costs more than parsing it (see analyze/embedcache.py),
so sentences are ranked with cheap lexical features and MiniLM is asked only
about the sentences that selection and citation actually examine:

1. Candidates: complete reporting sentences (site furniture, photo
   captions, headlines, fragments and reader-addressed prompts are not;
   they still count as evidence). A dateline or wire credit left at the
   start ("(CNN)", "CAIRO—") is dropped. Sentences that cannot stand alone
   (a dangling pronoun or connective, a quote without its speaker) are used
   only when the others cannot fill the budget, and never as key points.
2. Score: a weighted sum of features in 0..1 (support and centrality
   rescaled within the story):
   - position: news writing puts the essentials first, so the prior decays
     with the sentence's index in its article;
   - support: how closely the other sources state the same thing (TF-IDF
     cosine of their most similar sentence, averaged over the other sources);
   - lexical centrality: similarity to the story's mean TF-IDF vector (the
     story's rare names and figures);
   - length: very short sentences carry little and read as fragments.
   On multinews dev, embedding centrality and support (which need every
   sentence embedded), coverage of content words weighted by frequency,
   SumBasic-style word frequency, the share of sources using a sentence's
   words, LexRank, KL-divergence selection, MMR and a linear probe of MiniLM
   vectors all scored within noise of these features.
3. Selection is greedy: the summary takes, at each step, the sentence with
   the best score plus coverage_weight x its coverage gain, the number of
   a human summary's words it is expected to add per word it costs. How
   often a human summary of the story uses each word is predicted from how
   the sources use it (`word_rates`: a Poisson model of its count, the
   number of sources using it, its first position, stop word or not), and a
   word already chosen counts only as far as a summary is expected to
   repeat it. Stop words count: the same gain over content words alone
   scored within noise on dev, so part of what it adds is a preference for
   full sentences of prose over lists of names and fragments. Key points
   are picked down the plain score. A sentence that restates a chosen one
   (MiniLM cosine at least `redundant`) is passed over. Only a candidate
   sharing `redundant_shared` content words with a chosen sentence can
   restate it, so only such pairs are embedded.
4. Each sentence cites itself first and then, in every other article, the
   sentence that states the same thing. Only sentences that share enough of
   its content words (`cite_overlap`) are embedded to test that (cosine >=
   SameFact.cosine, the notion the facts' agreement groups use too), and a
   sentence cited must give the claim's figures where it gives any and not
   deny what it asserts (analyze.samefact.states_same_fact).

The summary keeps the sources' order (by position, then article). The tuned
values are SummarySettings (storyline/settings.py), tuned on multinews
dev.jsonl only.
"""
from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace

import numpy as np

from ..analyze.embedcache import SentenceVectors
from ..analyze.samefact import Meaning, states_same_fact
from ..analyze.nlp import content_words
from ..ingest.furniture import is_furniture, reporting
from ..model import Article, Citation, CitedText, Sentence
from ..settings import IngestSettings, SameFact, SummarySettings
from .standalone import standalone

# The word-rate model's features, one coefficient each in SummarySettings.word_rate_coef
# (fitted by bench/fit_word_rates.py: a change here needs a refit).
WORD_FEATURES = ("log count", "log sources", "first position", "stop word", "stop word x log count",
                 "log story words")
TOKEN = re.compile(r"[a-z0-9]+")

FIGURE = re.compile(r"\d(?:[\d,.]*\d)?")
YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass
class Candidate:
    article: Article
    sentence: Sentence
    text: str  # possibly with a leading dateline or dangling connective removed
    row: int  # index of the sentence among all the story's sentences
    standalone: bool = True  # False: it leans on what comes before it (a pronoun, a quote's speaker)
    score: float = 0.0
    support: float = 0.0  # how closely the other sources state it (TF-IDF cosine)
    vector: np.ndarray | None = None  # MiniLM, fetched only when selection compares it
    words: set[str] | None = None  # content words, computed when selection needs them
    tokens: Counter | None = None  # lower-cased word tokens (coverage gain), counted
    speaker: str | None = None  # who says the quotation in it (the quote analysis)


def summarize(articles: list[Article], words: int = 100, key_points: int = 5, store=None,
              vectors: SentenceVectors | None = None,
              previews: Collection[str] = (),
              speakers: Mapping[tuple[str, int], str] | None = None,
              settings: SummarySettings = SummarySettings(), same_fact: SameFact = SameFact(),
              ingest: IngestSettings = IngestSettings(),
              meanings: Mapping[tuple[str, int], Meaning] | None = None) -> tuple[list[CitedText], list[CitedText]]:
    """(summary sentences, key points), each with citations to source sentences.
    store: where sentence embeddings are cached (optional); vectors: a
    SentenceVectors over these articles shared with other steps (optional);
    previews: ids of articles written before the event that other articles
    report (the timeline's story development). A preview's lead announces what
    the reports then tell as done, so its sentences get no position prior;
    speakers: who says the quotation in a sentence, by (article id, sentence
    index), from the quote analysis: such a sentence can then stand alone;
    same_fact: when a sentence of another article states the same (its citation);
    ingest: what a reporting sentence is (the summary quotes no other);
    meanings: each sentence's clauses, by (article id, sentence index), from the parse: a
    sentence is cited for a claim only if it states each of its clauses."""
    articles = [a for a in articles if a.sentences]
    everything = [(a, s) for a in articles for s in a.sentences]
    if not everything:
        return [], []
    vectors = vectors or SentenceVectors(articles, store)
    candidates = _candidates(everything, speakers, settings, ingest)
    if not candidates:  # very short sources: take their first sentences as they are
        first_rows = {}
        for row, (a, s) in enumerate(everything):
            first_rows.setdefault(a.id, (row, a, s))
        candidates = [Candidate(a, s, s.text, row) for row, a, s in first_rows.values()]
    _score(candidates, everything, set(previews), settings)
    # Sentences that cannot stand alone come last: a summary of the few that
    # can would leave most of the budget, and the story, out.
    coverage = Coverage(word_rates(everything, settings), settings)
    summary = _select(candidates, vectors, settings, budget=words, chosen=[],
                      value=lambda c: (float(c.standalone), c.score + settings.coverage_weight * coverage.gain(c)),
                      on_pick=coverage.add)
    rest = [c for c in candidates if c.standalone and c not in summary]
    points = _select(rest, vectors, settings, budget=10_000, chosen=summary, limit=key_points,
                     max_words=settings.key_point_max_words,
                     value=lambda c: (c.score + settings.key_point_support * c.support,))
    if not points:  # short stories: key points may restate the summary's sentences
        points = [c for c in summary if c.standalone][:3] or summary[:3]
    order = {a.id: i for i, a in enumerate(articles)}
    summary.sort(key=lambda c: (c.sentence.index, order[c.article.id]))
    points.sort(key=lambda c: -c.score)
    cited = _cite(summary + points, everything, vectors, settings, same_fact, meanings or {})
    return _attribute_once(summary, cited[: len(summary)]), cited[len(summary):]


def _candidates(everything: list[tuple[Article, Sentence]],
                speakers: Mapping[tuple[str, int], str] | None = None,
                settings: SummarySettings = SummarySettings(),
                ingest: IngestSettings = IngestSettings()) -> list[Candidate]:
    """Complete reporting sentences, the first of identical texts only; those
    that cannot stand alone are flagged (a summary takes them only when the
    others cannot fill its budget)."""
    speakers = speakers or {}
    seen: set[str] = set()
    out = []
    for row, (a, s) in enumerate(everything):
        speaker = speakers.get((a.id, s.index))
        alone = _standalone(s.text, speaker, settings, ingest)
        text = alone or reporting(s.text, settings.max_words, ingest)
        if text is None or text.lower() in seen:
            continue
        seen.add(text.lower())
        out.append(Candidate(a, s, text, row, standalone=alone is not None, speaker=speaker))
    return out


def _standalone(text: str, speaker: str | None = None, settings: SummarySettings = SummarySettings(),
                ingest: IngestSettings = IngestSettings()) -> str | None:
    """The sentence as a summary would use it, or None if it cannot stand alone: the one
    rule of report/standalone.py, with the summary's longest sentence."""
    return standalone(text, speaker, settings.max_words, ingest)

def _attribute_once(summary: list[Candidate], cited: list[CitedText]) -> list[CitedText]:
    """A quotation given its speaker ("Name: “...”") right after a summary
    sentence that quotes the same speaker and names them reads on from it, as
    a news report's next paragraph does: the speaker is not repeated."""
    out = []
    named = None  # the speaker the sentence before quotes and names
    for c, item in zip(summary, cited):
        if c.speaker and c.speaker == named and item.text.startswith(f"{c.speaker}: "):
            item = replace(item, text=item.text[len(c.speaker) + 2:])
        else:
            surname = c.speaker and re.escape(c.speaker.split()[-1])
            named = c.speaker if surname and re.search(rf"\b{surname}\b", item.text) else None
        out.append(item)
    return out


def _score(candidates: list[Candidate], everything, previews: set[str] = frozenset(),
           settings: SummarySettings = SummarySettings()) -> None:
    """Score every candidate from position and TF-IDF features (no embedding)."""
    rows = np.array([c.row for c in candidates])
    index = np.array([c.sentence.index for c in candidates], dtype=float)
    position = 0.5 ** (index / settings.position_half_life)
    position[[c.article.id in previews for c in candidates]] = 0.0
    matrix = _tfidf([s.text for _, s in everything])
    if matrix is None:  # nothing but stop words
        lexical = support = np.zeros(len(candidates))
    else:
        centroid = np.asarray(matrix.mean(axis=0)).ravel()
        centroid /= np.linalg.norm(centroid) or 1.0
        lexical = np.asarray(matrix[rows] @ centroid).ravel()
        support = _support(np.asarray((matrix[rows] @ matrix.T).todense()), rows, everything)
    length = np.minimum(1.0, np.array([len(c.text.split()) for c in candidates]) / settings.length_full)
    score = (settings.position_weight * position + settings.support_weight * _rescale(support)
             + settings.lexical_weight * _rescale(lexical) + settings.length_weight * length)
    for c, total, sup in zip(candidates, score, support):
        c.score, c.support = float(total), float(sup)


def _tfidf(texts: list[str]):
    """L2-normalised TF-IDF rows of the texts (sparse), or None if they hold only stop words."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        return TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    except ValueError:
        return None


def _support(sims: np.ndarray, rows: np.ndarray, everything) -> np.ndarray:
    """Per candidate, the mean over the other articles of their most similar sentence."""
    number: dict[str, int] = {}
    article_of = np.array([number.setdefault(a.id, len(number)) for a, _ in everything])
    if len(number) < 2:
        return np.zeros(len(rows))
    # best[i, k]: the closest sentence of article k to candidate i (NaN for its own article).
    best = np.stack([np.where(article_of == k, sims, -1.0).max(axis=1) for k in range(len(number))], axis=1)
    best[np.arange(len(rows)), article_of[rows]] = np.nan
    return np.nanmean(best, axis=1)


def _rescale(values: np.ndarray) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    return (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values, dtype=float)


def _select(candidates: list[Candidate], vectors: SentenceVectors, settings: SummarySettings, budget: int,
            chosen: list[Candidate], value: Callable[[Candidate], tuple], limit: int | None = None,
            max_words: int | None = None, on_pick: Callable[[Candidate], None] | None = None) -> list[Candidate]:
    """Greedy: at each step the candidate of highest value that fits the budget
    and does not restate what is chosen, until the budget (or limit) is reached.
    on_pick is told of each pick; a value may then fall (coverage gain) but
    never rise, so a value computed before the last pick bounds the current one
    and only the candidates at the top are asked again (lazy greedy). Only a
    candidate that shares `redundant_shared` content words with a chosen
    sentence can restate it, so only such pairs are embedded and compared.
    max_words: the longest candidate taken (default: settings.max_words)."""
    max_words = max_words or settings.max_words
    pool = [c for c in candidates if len(c.text.split()) <= max_words]
    # (negated value, order, number of picks when the value was asked): the first of equals wins
    heap = [(_negated(value(c)), i, 0) for i, c in enumerate(pool)]
    heapq.heapify(heap)
    picked: list[Candidate] = []
    used = 0
    while heap:
        _, i, asked_at = heapq.heappop(heap)
        c = pool[i]
        n = len(c.text.split())
        if picked and used + n > budget * settings.overfill:
            continue  # the budget only shrinks: it will never fit
        if on_pick and asked_at < len(picked):
            heapq.heappush(heap, (_negated(value(c)), i, len(picked)))
            continue
        close = [o for o in chosen + picked if len(_words(c) & _words(o)) >= settings.redundant_shared]
        if close:
            _embed([c] + close, vectors)
            if any(_restates(c, o, settings) for o in close):
                continue
        picked.append(c)
        if on_pick:
            on_pick(c)
        used += n
        if used >= budget or (limit and len(picked) >= limit):
            break
    return picked


def _negated(value: tuple) -> tuple:
    return tuple(-v for v in value)


def word_rates(everything: list[tuple[Article, Sentence]],
               settings: SummarySettings = SummarySettings()) -> dict[str, float]:
    """Per word of the story's sentences, how many times a human summary of the
    story is expected to use it (the Poisson mean of settings.word_rate_coef)."""
    words, features = word_features(everything, settings)
    if not words:
        return {}
    rates = np.exp(settings.word_rate_intercept + features @ np.array(settings.word_rate_coef))
    return dict(zip(words, rates.tolist()))


def word_features(everything: list[tuple[Article, Sentence]],
                  settings: SummarySettings = SummarySettings()) -> tuple[list[str], np.ndarray]:
    """The story's words (lower-cased tokens) and their WORD_FEATURES, one row each."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    count: Counter = Counter()
    sources: Counter = Counter()
    first: dict[str, int] = {}
    by_article: dict[str, set[str]] = {}
    for a, s in everything:
        tokens = TOKEN.findall(s.text.lower())
        count.update(tokens)
        by_article.setdefault(a.id, set()).update(tokens)
        for w in set(tokens):
            if first.get(w, s.index + 1) > s.index:
                first[w] = s.index
    for tokens in by_article.values():
        sources.update(tokens)
    words = list(count)
    counts = np.log1p(np.array([count[w] for w in words], dtype=float))
    stop = np.array([w in ENGLISH_STOP_WORDS for w in words], dtype=float)
    return words, np.column_stack([
        counts, np.log1p(np.array([sources[w] for w in words], dtype=float)),
        0.5 ** (np.array([first[w] for w in words], dtype=float) / settings.first_half_life), stop, stop * counts,
        np.full(len(words), np.log1p(sum(count.values())))]).reshape(len(words), len(WORD_FEATURES))


class Coverage:
    """What the chosen sentences are expected to share with a human summary.
    The k-th use of a word matches the summary if the summary uses it at least
    k times: P(N >= k) for N ~ Poisson(the word's rate)."""

    def __init__(self, rates: dict[str, float], settings: SummarySettings = SummarySettings()):
        from scipy.stats import poisson

        # at_least[w][k]: P(N >= k + 1) for word w (lists: read one value at a time)
        repeats = settings.max_repeats
        table = poisson.sf(np.arange(repeats)[None, :], np.array(list(rates.values()))[:, None]) \
            if rates else np.zeros((0, repeats))
        self.at_least = dict(zip(rates, table.tolist()))
        self.used: Counter = Counter()

    def gain(self, c: Candidate) -> float:
        """Expected summary words c adds, per word of c (0..1)."""
        tokens = _tokens(c)
        total = 0.0
        for w, k in tokens.items():
            row = self.at_least.get(w)
            if row is not None:
                done = self.used[w]
                total += sum(row[done:done + k])
        return total / max(1, sum(tokens.values()))

    def add(self, c: Candidate) -> None:
        self.used.update(_tokens(c))


def _tokens(c: Candidate) -> Counter:
    if c.tokens is None:
        c.tokens = Counter(TOKEN.findall(c.text.lower()))
    return c.tokens


def _restates(c: Candidate, o: Candidate, settings: SummarySettings = SummarySettings()) -> bool:
    """Whether c states what o does: close in meaning (MiniLM), or less close but
    giving the same figure ("59% of investors", "$2,500 a season"): MiniLM tells
    paraphrases of one figure apart poorly, and a story's figures recur mostly where
    its sources restate one fact."""
    sim = float(c.vector @ o.vector)
    return sim >= settings.redundant or (sim >= settings.redundant_figure
                                         and bool(_figures(c.text) & _figures(o.text)))


def _figures(text: str) -> set[str]:
    """The numbers of a text other than years (which date a fact rather than state it)."""
    numbers = (m.replace(",", "") for m in FIGURE.findall(text))
    return {n for n in numbers if not YEAR.fullmatch(n)}


def _words(c: Candidate) -> set[str]:
    if c.words is None:
        c.words = content_words(c.text)
    return c.words


def _embed(candidates: list[Candidate], vectors: SentenceVectors) -> None:
    """Give the candidates that have none their vector, in one batch."""
    missing = [c for c in candidates if c.vector is None]
    for c, v in zip(missing, vectors([(c.article.id, c.sentence.index) for c in missing])):
        c.vector = v


def _cite(chosen: list[Candidate], everything, vectors: SentenceVectors, settings: SummarySettings,
          same_fact: SameFact, meanings: Mapping[tuple[str, int], Meaning]) -> list[CitedText]:
    """Cite each chosen sentence and, in every other article, the sentence
    that states the same thing (if any): sharing the statement's words
    (`cite_overlap` of the smaller word set: the embedding alone links
    sentences that are merely on the same topic), close in meaning (cosine >=
    same_fact.cosine), stating the same fact (analyze.samefact.states_same_fact: no
    contradicting figure, no negation flip, each of its clauses stated) and reporting
    rather than furniture or a caption. The word test comes first, so only sentences that pass it are embedded."""
    words_of = [content_words(s.text) for _, s in everything]
    usable: dict[int, bool] = {}  # furniture test, run only on sentences that share the words

    def is_usable(i: int) -> bool:
        if i not in usable:
            usable[i] = not is_furniture(everything[i][1].text)
        return usable[i]

    tries: list[list[int]] = []
    for c in chosen:
        words = _words(c)
        overlap: dict[str, list[tuple[float, int]]] = {}
        for i, (a, s) in enumerate(everything):
            if a.id == c.article.id or not words or not words_of[i]:
                continue
            shared = len(words & words_of[i])
            if shared >= settings.cite_overlap * min(len(words), len(words_of[i])) and is_usable(i):
                overlap.setdefault(a.id, []).append((shared / len(words), i))
        most_shared = (sorted(found, key=lambda t: (-t[0], t[1]))[:settings.cite_tries] for found in overlap.values())
        tries.append([i for found in most_shared for _, i in found])
    _embed([c for c, t in zip(chosen, tries) if t], vectors)
    rows = sorted({i for t in tries for i in t})
    matrix = vectors([(everything[i][0].id, everything[i][1].index) for i in rows])
    row_of = {i: r for r, i in enumerate(rows)}

    out = []
    for c, t in zip(chosen, tries):
        best: dict[str, tuple[float, Sentence]] = {}
        for i in t:
            a, s = everything[i]
            sim = float(matrix[row_of[i]] @ c.vector)
            if sim >= same_fact.cosine and (a.id not in best or sim > best[a.id][0]) \
                    and states_same_fact(c.sentence.text, s.text, cited=True, settings=same_fact,
                                         meanings=(meanings.get((c.article.id, c.sentence.index)),
                                                   meanings.get((a.id, s.index)))):
                best[a.id] = (sim, s)
        citations = [Citation(c.article.id, c.sentence.index, c.sentence.start, c.sentence.end)]
        for aid, (_, s) in sorted(best.items(), key=lambda kv: -kv[1][0]):
            citations.append(Citation(aid, s.index, s.start, s.end))
        out.append(CitedText(c.text, citations))
    return out



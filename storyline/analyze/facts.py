"""Facts across sources: what several independent sources state, what only one
states, and where they are in tension.

Sentences of different articles are aligned when they share distinctive words
and their embeddings are close (or they carry the same quote); only sentences
that share such words with another source are embedded. A group of aligned
sentences is one fact. Copies of one wire story (storyline.stories.dedup,
passed in by the caller) count as one independent source, so a fact carried
only by a wire story and its reprints is single-source. Tension is reported only on explicit evidence,
because a false "sources differ" misleads more than a missed one:
- an account said to leave a topic out ("It made no mention of safe zones")
  against another party's statement that covers it;
- different figures for the same count in the same context
  ("hundreds of thousands dead" / "more than 400,000 dead").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from scipy.cluster.hierarchy import DisjointSet

from ..model import Article, Citation, Difference, Fact, Side
from ..settings import FactsSettings, QuoteSettings, SameFact
from .entities import StoryEntities, fold
from .quotes import Context, Quote, quote_citation, resolve_mention

# Two sentences state the same thing when their embeddings are close (SameFact) AND they
# share distinctive words (FactsSettings.word_overlap). MiniLM alone rates "the first call
# since the strikes" and "they have spoken twice since January" at 0.8; the words they
# share (Trump, Putin, speak) are the story's everyday vocabulary, so an IDF-weighted
# overlap tells them apart.
CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM"}
TIME_MARK = re.compile(r"\b(?:1[89]\d\d|20\d\d|(?:this|last|next) year)\b", re.IGNORECASE)
# Counted nouns too generic to compare ("the two sides", "two men").
GENERIC_UNITS = {"side", "man", "woman", "time", "one", "thing", "way", "part", "day", "week", "month", "year",
                 "hour", "minute", "of", "and", "or", "to", "in", "the", "a"}
STOP = {"the", "a", "an", "of", "in", "on", "to", "and", "or", "that", "which", "has", "have", "had", "be", "is",
        "was", "were", "are", "by", "for", "with", "as", "at", "from", "it", "its", "more", "than", "about",
        "some", "nearly", "almost", "over", "least", "around", "roughly", "up"}
OMISSION = re.compile(
    r"\b(?:made|makes|make|making)\s+no\s+(?:mention|reference)\s+(?:of|to)\s+(?P<topic>[^.;:,]+)"
    r"|\b(?:did|does|do)\s+not\s+(?:mention|refer\s+to|address)\s+(?P<topic2>[^.;:,]+)"
    r"|\b(?:was|were|is|are)\s+silent\s+(?:on|about)\s+(?P<topic3>[^.;:,]+)")


@dataclass
class Statement:
    """One sentence of one article, with what alignment needs."""

    article_id: str
    sentence: int
    text: str
    start: int
    end: int
    origin: str  # id of the original this article copies, else its own id
    entities: set[str] = field(default_factory=set)
    lemmas: set[str] = field(default_factory=set)  # content words

    def citation(self) -> Citation:
        return Citation(self.article_id, self.sentence, self.start, self.end)


@dataclass
class Figure:
    """A count in a sentence: 'more than 400,000' dead."""

    statement: Statement
    phrase: str
    unit: str  # lemma of the counted word
    unit_text: str  # as written: "ships"
    governor: str  # the verb the count hangs on: "left", "killed"
    low: float
    high: float
    context: set[str]
    when: frozenset[str]  # years named in the sentence: counts of different years don't compare


def statements(articles: list[Article], docs: list, ents: StoryEntities, copies: dict[str, str],
               settings: FactsSettings = FactsSettings()) -> list[Statement]:
    """The sentences long enough to state something, each with its origin (its article's
    original, for a copy) and its content words and names."""
    out = []
    for a, doc in zip(articles, docs):
        mentions = ents.by_article.get(a.id, [])
        for s in a.sentences:
            if len(s.text.split()) < settings.statement_min_words:
                continue
            keys = {e.key for m, e in mentions if s.start <= m.start < s.end and e.type != "NORP"}
            span = doc.char_span(s.start, s.end, alignment_mode="expand") or []
            lemmas = {t.lemma_.lower() for t in span if t.pos_ in CONTENT_POS and t.is_alpha and not t.is_stop}
            out.append(Statement(a.id, s.index, s.text, s.start, s.end, copies.get(a.id, a.id), keys, lemmas))
    return out


def overlap_matrix(stmts: list[Statement]) -> tuple[np.ndarray, np.ndarray]:
    """(overlap, cosine) of every two statements' content words, IDF over the story:
    the IDF-weighted overlap coefficient (shared weight / the smaller statement's
    weight) and the cosine of IDF-weighted word vectors. One sparse product each, so
    this stays cheap for stories of hundreds of articles."""
    from scipy.sparse import csr_matrix

    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, s in enumerate(stmts):
        for w in s.lemmas:
            rows.append(i)
            cols.append(vocab.setdefault(w, len(vocab)))
    n = len(stmts)
    if not vocab:
        return np.zeros((n, n), dtype=np.float32), np.zeros((n, n), dtype=np.float32)
    words = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, len(vocab)))
    df = np.asarray(words.sum(axis=0)).ravel()
    idf = np.log((n + 1) / (df + 0.5)).astype(np.float32)
    weighted = words.multiply(idf).tocsr()
    own = np.asarray(weighted.sum(axis=1)).ravel()
    smaller = np.minimum(own[:, None], own[None, :])
    shared = (weighted @ words.T).toarray()
    overlap = np.divide(shared, smaller, out=np.zeros_like(shared), where=smaller > 0)
    dots = (weighted @ weighted.T).toarray()
    norms = np.sqrt(np.diag(dots))
    scale = norms[:, None] * norms[None, :]
    return overlap, np.divide(dots, scale, out=np.zeros_like(dots), where=scale > 0)


def candidate_pairs(stmts: list[Statement], overlap: np.ndarray, cosine: np.ndarray,
                    settings: FactsSettings = FactsSettings()) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, of statements of different articles that may state the same
    thing: each is the other's best lexical match in the other's article, sharing enough
    distinctive words. Only these are compared in meaning (and so embedded)."""
    n = len(stmts)
    if not n:
        return []
    arts = np.array([s.article_id for s in stmts])
    best: dict[tuple[int, str], int] = {}
    for a in dict.fromkeys(arts):
        idx = np.where(arts == a)[0]
        for i, j in enumerate(idx[np.argmax(overlap[:, idx], axis=1)]):
            if arts[i] != a:
                best[(i, a)] = int(j)
    return sorted((i, j) for (i, a), j in best.items()
                  if i < j and best.get((j, arts[i])) == i
                  and overlap[i, j] >= settings.word_overlap and cosine[i, j] >= settings.word_cosine)


def align(stmts: list[Statement], vectors: np.ndarray, pairs: list[tuple[int, int]],
          quote_links: set[tuple[int, int]], same_fact: SameFact = SameFact()) -> list[list[int]]:
    """Groups of statement indices that state the same thing in different articles:
    candidate pairs close in meaning, and sentences carrying the same quote. Linking
    only mutual best matches keeps a chain of loose resemblances from gluing unrelated
    sentences together."""
    same = DisjointSet(range(len(stmts)))
    for i, j in pairs:
        if float(vectors[i] @ vectors[j]) >= same_fact.cosine:
            same.merge(i, j)
    for i, j in quote_links:
        same.merge(i, j)
    return [sorted(g) for g in sorted(same.subsets(), key=min)]


def quote_statement_links(stmts: list[Statement], merged_quotes: list[list[Quote]]) -> set[tuple[int, int]]:
    """Sentences carrying the same quote in different articles state the same thing."""
    where = {(s.article_id, s.sentence): k for k, s in enumerate(stmts)}
    links = set()
    for members in merged_quotes:
        idx = [where[(q.article_id, q.sentences[0])] for q in members if (q.article_id, q.sentences[0]) in where]
        for k in idx[1:]:
            if stmts[k].article_id != stmts[idx[0]].article_id:
                links.add((idx[0], k))
    return links


def group_facts(stmts: list[Statement], groups: list[list[int]], vectors: np.ndarray, exclude: set[int],
                settings: FactsSettings = FactsSettings()) -> tuple[list[Fact], list[Fact]]:
    """(agree, single_source): a group stated by two or more independent sources agrees
    (most sources, then most articles, first); notable single-origin groups are listed as
    single-source. Within those, the statements that carry more of the story's common
    vocabulary come first. vectors must hold the rows of every statement in a group of two
    or more."""
    centrality = lexical_centrality(stmts)
    agree, single = [], []  # (sort key, fact)
    for g in groups:
        if any(i in exclude for i in g):
            continue
        origins = {stmts[i].origin for i in g}
        centre = vectors[g].mean(axis=0)
        # rounded: in a pair both members are equally close to their mean, and float noise
        # (which batch embedded a sentence) must not pick the representative
        rep = max(g, key=lambda i: (round(float(vectors[i] @ centre), 3), centrality[i]))
        fact = Fact(text=stmts[rep].text, independent_sources=len(origins),
                    citations=[stmts[i].citation() for i in g])
        weight = round(float(centrality[rep]), 4)
        if len(origins) >= 2:
            agree.append(((-len(origins), -len(fact.article_ids()), -weight), fact))
        elif stmts[rep].entities:
            single.append(((-weight,), fact))
    agree.sort(key=lambda kf: kf[0])
    single.sort(key=lambda kf: kf[0])
    return [f for _, f in agree], [f for _, f in single[:settings.max_single_source]]


def lexical_centrality(stmts: list[Statement]) -> np.ndarray:
    """Cosine of each statement's TF-IDF content-word vector with the story's mean one:
    how much of the story's common vocabulary a statement carries."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not stmts:
        return np.zeros(0)
    try:
        matrix = TfidfVectorizer(analyzer=lambda lemmas: lemmas).fit_transform([sorted(s.lemmas) for s in stmts])
    except ValueError:  # no content words at all
        return np.zeros(len(stmts))
    centroid = np.asarray(matrix.mean(axis=0)).ravel()
    norm = np.linalg.norm(centroid)
    return np.asarray(matrix @ (centroid / norm if norm else centroid)).ravel()


# ---- tension: explicit omissions ----

def omissions(articles: list[Article], docs: list, ents: StoryEntities, quotes: list[Quote],
              quote_settings: QuoteSettings = QuoteSettings()) -> list[Difference]:
    """"It made no mention of safe zones" against another party's statement on safe zones.
    quote_settings: how the omitting party ("It") is resolved, as the quotes' speakers are."""
    out = []
    for a, doc in zip(articles, docs):
        for s in a.sentences:
            m = OMISSION.search(s.text)
            if not m:
                continue
            topic = next(g for g in m.groups() if g).strip()
            topic_span = doc.char_span(s.start + m.start(), s.start + m.end(), alignment_mode="expand")
            verb = next((t for t in topic_span if t.pos_ in ("VERB", "AUX")), None) if topic_span else None
            subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None) if verb else None
            party = resolve_mention(a, doc, subj, ents, Context(settings=quote_settings)) if subj is not None \
                else None
            if party is None:
                continue
            topic_words = _topic_words(doc, s.start + m.start(m.lastgroup), s.start + m.end(m.lastgroup))
            if not topic_words:
                continue
            other = [q for q in quotes if q.speaker is not None and q.speaker.key != party.key
                     and _covers(q.text, topic_words)]
            if not other:
                continue
            said = max(other, key=lambda q: (q.kind == "direct", len(q.text)))
            arts = {x.id: x for x in articles}
            other_cites = [quote_citation(arts[q.article_id], q) for q in other]
            omit_cite = Citation(a.id, s.index, s.start, s.end)
            topic_text = re.sub(r"^(?:the|any)\s+", "", topic)
            who = _named(said.speaker)
            out.append(Difference(
                topic=topic_text, kind="omission",
                text=f"{who[0].upper()}{who[1:]} mentioned {topic_text}; {_named(party)} made no mention of it.",
                sides=[Side(label=said.speaker.name, text=said.text, citations=other_cites),
                       Side(label=party.name, text=s.text, citations=[omit_cite])],
                citations=other_cites + [omit_cite]))
    return out


def _named(e) -> str:
    """"the Kremlin", "the Ministry of Transport", "Ana Ferreira"."""
    return f"the {e.name}" if e.type == "ORG" else e.name


def _topic_words(doc, start: int, end: int) -> list[str]:
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return []
    return [t.lemma_.lower() for t in span if t.pos_ in ("NOUN", "PROPN", "ADJ") and t.lower_ not in STOP]


def _covers(text: str, topic_words: list[str]) -> bool:
    """Every topic word (or its plural) occurs in the text."""
    low = fold(text)
    return all(re.search(rf"\b{re.escape(w)}(?:s|es)?\b", low) for w in topic_words)


# ---- tension: figures ----

WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40,
                "fifty": 50, "hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "dozen": 12}
# "hundreds of thousands": plurals are vague multiples of the unit
VAGUE_NUMBERS = {"dozens": 12, "hundreds": 100, "thousands": 1e3, "millions": 1e6, "billions": 1e9}


def parse_figure(phrase: str) -> tuple[float, float] | None:
    """'more than 400,000' -> (400000, inf); 'hundreds of thousands' -> (200000, 999999);
    None when the phrase holds no single count."""
    low = re.sub(r"(?<=\d),(?=\d{3})", "", fold(phrase))
    words = re.findall(r"\d+(?:\.\d+)?|[a-z]+", low)
    if sum(bool(re.fullmatch(r"\d+(?:\.\d+)?", w)) for w in words) > 1:
        return None  # "3 or 4", "10 to 15": a range, not one figure
    value, vague, found = 1.0, False, False
    for w in words:
        if re.fullmatch(r"\d+(?:\.\d+)?", w):
            value *= float(w)
        elif w in WORD_NUMBERS:
            value *= WORD_NUMBERS[w]
        elif w in VAGUE_NUMBERS:
            value *= VAGUE_NUMBERS[w]
            vague = True
        else:
            continue
        found = True
    if not found:
        return None
    lo, hi = (2 * value, 10 * value - 1) if vague else (value, value)
    if re.search(r"\b(?:more than|over|at least|upwards of)\b", low):
        hi = float("inf")
    elif re.search(r"\b(?:less than|fewer than|under|up to|at most)\b", low):
        lo = 0.0
    elif re.search(r"\b(?:about|around|nearly|almost|roughly|some|approximately)\b", low):
        lo, hi = lo * 0.85, hi * 1.15
    return lo, hi


def figures(stmts: list[Statement], docs: dict[str, object]) -> list[Figure]:
    """Counts with the word they count and the verb they hang on ("left ... dead")."""
    out = []
    doc_ents = {aid: list(doc.ents) for aid, doc in docs.items()}
    for st in stmts:
        doc = docs[st.article_id]
        span = doc.char_span(st.start, st.end, alignment_mode="expand")
        if span is None:
            continue
        for ent in (e for e in doc_ents[st.article_id] if st.start <= e.start_char < st.end):
            if ent.label_ not in ("CARDINAL", "QUANTITY"):
                continue
            rng = parse_figure(ent.text)
            nxt = doc[ent.end] if ent.end < len(doc) else None
            unit = nxt.lemma_.lower() if nxt is not None and nxt.is_alpha else ""
            governor = _governor(ent.root)
            if rng is None or not unit or unit in GENERIC_UNITS or governor is None:
                continue
            when = frozenset(m.group(0).lower() for m in TIME_MARK.finditer(st.text))
            window = doc[max(span.start, ent.start - 8):min(span.end, ent.end + 4)]
            context = {t.lemma_.lower() for t in window if t.is_alpha and t.lower_ not in STOP
                       and not (ent.start <= t.i <= ent.end)}
            out.append(Figure(st, ent.text, unit, nxt.text, governor, rng[0], rng[1], context, when))
    return out


def _governor(tok) -> str | None:
    for _ in range(4):
        if tok.pos_ == "VERB":
            return tok.lemma_.lower()
        if tok.head.i == tok.i:
            return None
        tok = tok.head
    return None


def figure_tensions(figs: list[Figure], labels: dict[str, str], similarity,
                    settings: FactsSettings = FactsSettings()) -> list[Difference]:
    """Different figures for the same count (same counted word and verb, shared context)
    from independent sources: one item per count, one side per figure."""
    by_count: dict[tuple[str, str], list[Figure]] = {}
    for f in figs:
        by_count.setdefault((f.unit, f.governor), []).append(f)
    out = []
    for (unit, _), fs in by_count.items():
        phrases: dict[str, list[Figure]] = {}
        for f in fs:
            # only figures whose surroundings match a figure given elsewhere
            if any(g.statement.origin != f.statement.origin and fold(g.phrase) != fold(f.phrase)
                   and g.when == f.when
                   and (len(f.context & g.context) >= settings.figure_context_words
                        or similarity(f.statement, g.statement) >= settings.figure_similarity)
                   for g in fs):
                phrases.setdefault(fold(f.phrase), []).append(f)
        if len(phrases) < 2 or len({f.statement.origin for v in phrases.values() for f in v}) < 2:
            continue
        groups = list(phrases.values())
        compatible = all(a[0].low <= b[0].high and b[0].low <= a[0].high
                         for i, a in enumerate(groups) for b in groups[i + 1:])
        shown = " and ".join(f"“{g[0].phrase} {g[0].unit_text}”" for g in groups)
        sides = [Side(label=", ".join(dict.fromkeys(labels.get(f.statement.article_id, f.statement.article_id)
                                                    for f in g)),
                      text=g[0].statement.text, figure=f"{g[0].phrase} {g[0].unit_text}",
                      citations=[f.statement.citation() for f in g]) for g in groups]
        out.append(Difference(
            topic=f"how many {groups[0][0].unit_text}", kind="figures", compatible=compatible,
            text=f"Sources give different figures: {shown}"
                 + (" (the ranges overlap; one is more precise)." if compatible
                    else " (the figures contradict each other)."),
            sides=sides, citations=[c for side in sides for c in side.citations]))
    return out

"""Facts across sources: what several independent sources state, what only one
states, and where they are in tension.

Sentences of different articles are aligned when they share distinctive words
and their embeddings are close (or they carry the same quote); only sentences
that share such words with another source are embedded. A group of aligned
sentences is one fact. Copies of one wire story (storyline.stories.dedup,
passed in by the caller) count as one independent source, so a fact carried
only by a wire story and its reprints is single-source. Sentences close in words and
meaning state the same fact only if no figure of one contradicts the other and neither
denies what the other asserts (states_same_fact: the one check behind the summary's
citations, agreement groups and quote-statement links). Tension is reported only on
explicit evidence, because a false "sources differ" misleads more than a missed one:
- an account said to leave a topic out ("It made no mention of safe zones")
  against another party's statement that covers it;
- contradicting figures for the same count in the same context ("three dead" / "five
  dead"), said to have changed over time when the later report says it rose; figures whose
  ranges overlap ("hundreds of thousands" / "more than 400,000") agree;
- a denial of what another source asserts ("did not sign" / "signed");
- sentences that match except for one date, place or named participant ("landfall near
  Carrow on Monday" / "on Sunday", "in Leeds" / "in Bradford"): dates compared resolved, a
  name the other article also gives is no difference, nor a place a sentence only adds.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.cluster.hierarchy import DisjointSet

from ..model import Article, Citation, Difference, Fact, Side
from ..settings import FactsSettings, QuoteSettings, SameFact
from .entities import StoryEntities, fold
from .quotes import Context, Quote, quote_citation, resolve_mention
from .samefact import (WORD_NUMBERS, Meaning, anchor, compatible, contradicts, covers, figures_conflict, frame_words,
                       frames_align, negation_flip, parse_figure, reporting_date, same_predicate, states_same_fact)

# Two sentences state the same thing when their embeddings are close (SameFact) AND they
# share distinctive words (FactsSettings.word_overlap). MiniLM alone rates "the first call
# since the strikes" and "they have spoken twice since January" at 0.8; the words they
# share (Trump, Putin, speak) are the story's everyday vocabulary, so an IDF-weighted
# overlap tells them apart.
CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM"}
# A count's time: years and months ("17 states through July" / "32 states as of November"
# are two moments, not two sources disagreeing).
TIME_MARK = re.compile(r"\b(?:1[89]\d\d|20\d\d|(?:this|last|next) (?:year|month)|(?:january|february|march|april|"
                       r"june|july|august|september|october|november|december)\b)", re.IGNORECASE)
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
    meaning: Meaning | None = None  # its clauses, for whether it states all of another's claim

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
               meanings: Mapping[tuple[str, int], Meaning],
               settings: FactsSettings = FactsSettings()) -> list[Statement]:
    """The sentences long enough to state something, each with its origin (its article's
    original, for a copy), its content words and names, and its clauses (meanings, by
    article id and sentence index: samefact.sentence_meanings)."""
    out = []
    for a, doc in zip(articles, docs):
        mentions = ents.by_article.get(a.id, [])
        for s in a.sentences:
            if len(s.text.split()) < settings.statement_min_words:
                continue
            keys = {e.key for m, e in mentions if s.start <= m.start < s.end and e.type != "NORP"}
            span = doc.char_span(s.start, s.end, alignment_mode="expand") or []
            lemmas = {t.lemma_.lower() for t in span if t.pos_ in CONTENT_POS and t.is_alpha and not t.is_stop}
            out.append(Statement(a.id, s.index, s.text, s.start, s.end, copies.get(a.id, a.id), keys, lemmas,
                                 meanings.get((a.id, s.index))))
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
    candidate pairs close in meaning, and sentences carrying the same quote, when every
    member of the one group can state the same fact as every member of the other
    (states_same_fact: a group never holds "three dead" beside "five dead"). Linking only
    mutual best matches keeps a chain of loose resemblances from gluing unrelated
    sentences together."""
    same = DisjointSet(range(len(stmts)))

    def join(i: int, j: int) -> None:
        if not same.connected(i, j) and all(states_same_fact(stmts[a].text, stmts[b].text, settings=same_fact)
                                            for a in same.subset(i) for b in same.subset(j)):
            same.merge(i, j)
    for i, j in pairs:
        if float(vectors[i] @ vectors[j]) >= same_fact.cosine:
            join(i, j)
    for i, j in sorted(quote_links):
        join(i, j)
    return [sorted(g) for g in sorted(same.subsets(), key=min)]


# words every attributed quote has: they say nothing about which sentence of the quote it is
REPORTING_VERBS = {"say", "tell", "add", "state", "write", "note", "explain"}


def quote_statement_links(stmts: list[Statement], merged_quotes: list[list[Quote]],
                          settings: FactsSettings = FactsSettings()) -> set[tuple[int, int]]:
    """Sentences carrying the same quote in different articles state the same thing, when
    they share its words: a quotation of several sentences starts in one article with "The
    answer was in the DNA" and in another with "We found the needle in the haystack"."""
    where = {(s.article_id, s.sentence): k for k, s in enumerate(stmts)}
    links = set()
    for members in merged_quotes:
        idx = [where[(q.article_id, q.sentences[0])] for q in members if (q.article_id, q.sentences[0]) in where]
        for k in idx[1:]:
            a, b = stmts[idx[0]], stmts[k]
            words_a, words_b = a.lemmas - REPORTING_VERBS, b.lemmas - REPORTING_VERBS
            smaller = min(len(words_a), len(words_b))
            if a.article_id != b.article_id and smaller \
                    and len(words_a & words_b) >= settings.quote_link_overlap * smaller:
                links.add((idx[0], k))
    return links


def group_facts(stmts: list[Statement], groups: list[list[int]], vectors: np.ndarray, exclude: set[int],
                settings: FactsSettings = FactsSettings(),
                same_fact: SameFact = SameFact()) -> tuple[list[Fact], list[Fact]]:
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
        centre = vectors[g].mean(axis=0)
        # rounded: in a pair both members are equally close to their mean, and float noise
        # (which batch embedded a sentence) must not pick the representative. The fact shown
        # is one every member states whole (_stating): the one most members state, first.
        rep = max(g, key=lambda i: (_has_clause(stmts[i]), len(_stating(stmts, g, i, same_fact)),
                                    round(float(vectors[i] @ centre), 3), centrality[i]))
        g = _stating(stmts, g, rep, same_fact)
        origins = {stmts[i].origin for i in g}
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


def _has_clause(st: Statement) -> bool:
    """A sentence with a verb of its own, not a caption or a fragment ("Jack Smith, in prison")."""
    return st.meaning is None or bool(st.meaning.clauses)


def _stating(stmts: list[Statement], group: list[int], claim: int, same_fact: SameFact) -> list[int]:
    """The members of a group that state the whole of the claim's statement (its clauses:
    samefact.covers), the claim itself included."""
    c = stmts[claim].meaning
    return [i for i in group if i == claim or c is None or stmts[i].meaning is None
            or covers(c, stmts[i].meaning, same_fact)]


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

def figures(stmts: list[Statement], docs: dict[str, object]) -> list[Figure]:
    """Counts with the word they count and the verb they hang on ("left ... dead")."""
    out = []
    doc_ents = {aid: list(doc.ents) for aid, doc in docs.items()}
    texts = {aid: doc.text for aid, doc in docs.items()}  # Doc.text joins every token anew: read once
    for st in stmts:
        doc = docs[st.article_id]
        span = doc.char_span(st.start, st.end, alignment_mode="expand")
        if span is None:
            continue
        for ent in (e for e in doc_ents[st.article_id] if st.start <= e.start_char < st.end):
            if ent.label_ not in ("CARDINAL", "QUANTITY", "MONEY"):
                continue
            text = texts[st.article_id]
            written = _money_phrase(text, ent.start_char, ent.end_char) if ent.label_ == "MONEY" else ent.text
            rng = parse_figure(written)
            unit, unit_text = _currency(written) if ent.label_ == "MONEY" else _counted(doc, ent, text)
            # "120 km": the unit is in the entity; the figure is shown once as "120 km/h"
            unit_inside = ent.label_ == "QUANTITY" and bool(unit_text) and fold(unit_text).startswith(ent[-1].lower_)
            phrase = doc[ent.start:ent.end - 1].text if unit_inside else written
            governor = _governor(ent.root)
            if rng is None or not unit or unit in GENERIC_UNITS:
                continue
            when = frozenset(m.group(0).lower() for m in TIME_MARK.finditer(st.text))
            window = doc[max(span.start, ent.start - 8):min(span.end, ent.end + 4)]
            # the counted word is no context ("4,000 homes"), but what follows a measure is
            # ("about 65 miles west of Chicago")
            last = ent.end - 1 if unit_inside else ent.end
            context = {t.lemma_.lower() for t in window if t.is_alpha and t.lower_ not in STOP
                       and not (ent.start <= t.i <= last)}
            out.append(Figure(st, phrase, unit, unit_text, governor or "", rng[0], rng[1], context, when))
    return out


CURRENCIES = {"$": "dollars", "£": "pounds", "€": "euros", "dollar": "dollars", "pound": "pounds", "euro": "euros",
              "yen": "yen", "yuan": "yuan", "rupee": "rupees"}


MONEY = re.compile(r"[$£€]?\s?\d[\d,.]*(?:\s?(?:m|bn|k|million|billion|trillion)\b)?(?:\s+(?:dollars|pounds|euros))?",
                   re.IGNORECASE)


MONEY_HEDGE = re.compile(r"\b(?:more than|less than|fewer than|at least|up to|about|around|nearly|almost|roughly|some|"
                         r"approximately|over|under)\s+$", re.IGNORECASE)


def _money_phrase(text: str, start: int, end: int) -> str:
    """The sum as written around a MONEY entity (spaCy gives "4" of "$4m")."""
    begin = start - 1 if start and text[start - 1] in "$£€" else start
    m = MONEY.match(text, begin)
    if not m or m.end() < end:
        return text[start:end]
    hedge = MONEY_HEDGE.search(text[max(0, begin - 20):begin])
    return (hedge.group(0) if hedge else "") + m.group(0)


def _currency(text: str) -> tuple[str, str]:
    """("money:dollars", "") for "$4m", "4 million dollars": a sum is compared with sums of
    its currency, and shown as written."""
    low = fold(text)
    name = next((v for k, v in CURRENCIES.items() if k in low), None)
    return (f"money:{name}", "") if name else ("", "")


COUNTING_NOUNS = {"number", "toll", "total", "count", "tally"}  # "the number of residents rose to 6,000"


def _counted(doc, ent, text: str) -> tuple[str, str]:
    """(lemma, as written) of what a count counts: the noun after it ("4,000 homes"), a unit
    of measure ("120 km/h"), or for a bare count the thing a counting noun names ("the
    number of residents rose to 6,000"; "the death toll rose to five": people). text: doc.text
    (read once by the caller: Doc.text joins every token anew)."""
    # a rate is part of its unit: "400 miles per second" is no rival of "a million miles per hour"
    measure = re.match(r"\s*(?:/|per\s|an?\s(?=(?:second|minute|hour|day|week|month|year)\b))\s*([a-z]+)",
                       text[ent.end_char:], re.IGNORECASE)
    last = doc[ent.end - 1]
    if ent.label_ == "QUANTITY" and last.is_alpha and last.lower_ not in WORD_NUMBERS:
        written = last.text + (f"/{measure.group(1)}" if measure else "")
        return written.lower(), written
    nxt = doc[ent.end] if ent.end < len(doc) else None
    if nxt is not None and nxt.is_alpha and nxt.pos_ in ("NOUN", "PROPN"):
        return nxt.lemma_.lower(), nxt.text
    verb = ent.root.head.head if ent.root.head.pos_ == "ADP" else ent.root.head  # "rose to 6,000"
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None or subject.lemma_.lower() not in COUNTING_NOUNS:
        return "", ""
    counted = next((p for c in subject.children if c.dep_ == "prep" and c.lower_ == "of"
                    for p in c.children if p.dep_ == "pobj"), None)
    if counted is not None:
        return counted.lemma_.lower(), counted.text
    return ("people", "people") if subject.lemma_.lower() == "toll" else ("", "")


def _governor(tok) -> str | None:
    for _ in range(4):
        if tok.pos_ == "VERB":
            return tok.lemma_.lower()
        if tok.head.i == tok.i:
            return None
        tok = tok.head
    return None


RISE = re.compile(r"\b(?:rose|risen|rising|climbed|increased|jumped|grew|up from|went up|fell|dropped|"
                  r"down from|revised)\b", re.IGNORECASE)


def figure_tensions(figs: list[Figure], labels: dict[str, str], similarity,
                    settings: FactsSettings = FactsSettings(),
                    published: dict[str, str] | None = None) -> list[Difference]:
    """Contradicting figures for the same count (same counted word, shared context or close
    meaning) from independent sources: one item per count, one side per figure, sides in
    publication order (published: article id -> ISO date). Figures whose ranges overlap
    ("hundreds of thousands" / "more than 400,000", "some 9,000" / "around 9,000") agree and
    make one side, so a count on which every figure is compatible is no difference. When the
    later report says the figure rose or fell, the item says it changed over time."""
    published = published or {}
    by_count: dict[str, list[Figure]] = {}
    for f in figs:
        by_count.setdefault(f.unit, []).append(f)
    out = []
    for fs in by_count.values():
        # one item per set of figures compared with each other: "121 cases" / "120 cases" of
        # 2014 is not one count with "32 cases" / "50 cases" of this year
        link = DisjointSet(range(len(fs)))
        for k, f in enumerate(fs):
            for m in range(k + 1, len(fs)):
                if not link.connected(k, m) and _comparable(f, fs[m], similarity, settings):
                    link.merge(k, m)
        for members in sorted(link.subsets(), key=min):
            if len(members) < 2:
                continue
            groups = _figure_sides([fs[k] for k in sorted(members)], published, settings)
            if len(groups) < 2 or len({f.statement.origin for g in groups for f in g}) < 2 \
                    or _told_apart(groups):
                continue
            if len(groups) > settings.max_figure_sides and not _changed_over_time(groups, published):
                continue  # many values of one word: many counts (a scale's categories, each suspect's charges)
            out.append(_figure_difference(groups, labels, published))
    return out


def _told_apart(groups: list[list[Figure]]) -> bool:
    """A sentence of the item gives the figures of two of its sides, not as a change: the
    figures linked into one count through others are counts of different things ("some 900
    miles west of the port ... and some 200 miles south of the first search area")."""
    texts = {f.statement.text for g in groups for f in g if not RISE.search(f.statement.text)}
    return any(sum(any(f.phrase in t for f in g) for g in groups) >= 2 for t in texts)


def _comparable(f: Figure, g: Figure, similarity, settings: FactsSettings) -> bool:
    """Two figures of independent sources for the same count: shared words near them, or
    close meaning, neither sentence giving both figures ("$150 per game and $100 for special
    event appearances"; "rose to 6,000, up from 2,000" is a change, and compares). Sums (one currency counts everything from a share price to a deal) need
    the shared words and the same verb (every sentence of a deal story is close in meaning
    to every other), and to lie within sum_ratio of each other ("$42" a share is no rival
    of "$13.7 billion", nor the "$21.5 billion" Amazon had of the "$13.7 billion" it pays)."""
    if g.statement.origin == f.statement.origin or fold(g.phrase) == fold(f.phrase) \
            or any(f.phrase in s.text and g.phrase in s.text and not RISE.search(s.text)
                   for s in (f.statement, g.statement)):
        return False  # a sentence that gives both figures, not as a change, tells them apart itself
    if _a_hair_apart(f, g, settings):
        return True
    if g.when != f.when:
        return False
    near = len(f.context & g.context) >= settings.figure_context_words
    if f.unit.startswith("money:"):
        small, large = sorted((max(f.low, 1e-9), max(g.low, 1e-9)))
        return near and f.governor == g.governor and large / small <= settings.sum_ratio
    return near or similarity(f.statement, g.statement) >= settings.figure_similarity


YEAR_MARK = re.compile(r"(?:1[89]|20)\d\d|(?:this|last|next) year")


def _a_hair_apart(f: Figure, g: Figure, settings: FactsSettings) -> bool:
    """Two exact figures of one count a slip apart ("$972,815" / "$972,814", "121 cases" /
    "120 cases" in 2014): at least settings.near_figure_min each, within settings.near_figure
    of each other and at most two units of the last digit the more precise one gives, of the
    same year (a sentence naming a year or none; months may differ: "between August and
    December 2014"), and sharing a named year or a word near the figure. Distinct counts
    rarely lie so close, so these compare without the shared context or meaning that figures
    further apart need."""
    if f.low != f.high or g.low != g.high or min(f.low, g.low) < settings.near_figure_min:
        return False
    years_f = {w for w in f.when if YEAR_MARK.fullmatch(w)}
    years_g = {w for w in g.when if YEAR_MARK.fullmatch(w)}
    if years_f != years_g or not (years_f or f.context & g.context):
        return False
    gap = abs(f.low - g.low)
    return 0 < gap <= settings.near_figure * max(f.low, g.low) \
        and gap <= 2 * min(_last_place(f.low), _last_place(g.low))


def _last_place(value: float) -> float:
    """The place of a figure's last non-zero digit: 972815 -> 1, 120 -> 10, 4.5e6 -> 1e5."""
    n, place = round(value), 1
    if n != value:
        return 10 ** -len(repr(value).split(".")[1]) if "." in repr(value) else 1
    while n and n % 10 == 0:
        n //= 10
        place *= 10
    return place


def _rounded(x: Figure, y: Figure, settings: FactsSettings = FactsSettings()) -> bool:
    """One exact figure is the other rounded to thousands or more, and within
    settings.rounded_figure of it ("$70,000" / "$70,246", "$973,000" / "$972,815"): the text
    reconciles them. "120" / "121" is no such rounding, nor "70,000" / "74,000"."""
    if x.low != x.high or y.low != y.high:
        return False
    (rough, rough_place), (fine, fine_place) = sorted(((v, _last_place(v)) for v in (x.low, y.low)),
                                                      key=lambda vp: -vp[1])
    return rough_place >= 1000 and fine_place < rough_place and round(fine / rough_place) * rough_place == rough \
        and abs(rough - fine) <= settings.rounded_figure * fine


def _figure_sides(figs: list[Figure], published: dict[str, str],
                  settings: FactsSettings = FactsSettings()) -> list[list[Figure]]:
    """Figures grouped into sides of compatible ranges (or one the other rounded: _rounded),
    earliest published side first."""
    sides: list[list[Figure]] = []
    for f in sorted(figs, key=lambda f: (published.get(f.statement.article_id) or "", f.low)):
        side = next((g for g in sides if all(compatible((f.low, f.high), (x.low, x.high)) or _rounded(f, x, settings)
                                             for x in g)), None)
        if side is None:
            sides.append([f])
        else:
            side.append(f)
    return sides


def _changed_over_time(groups: list[list[Figure]], published: dict[str, str]) -> bool:
    """The last side (sides in publication order) was published later and says the figure rose or fell."""
    first, last = (min(published.get(f.statement.article_id) or "" for f in g) for g in (groups[0], groups[-1]))
    return first < last and any(RISE.search(f.statement.text) for f in groups[-1])


def _figure_difference(groups: list[list[Figure]], labels: dict[str, str],
                       published: dict[str, str]) -> Difference:
    sides = [Side(label=", ".join(dict.fromkeys(labels.get(f.statement.article_id, f.statement.article_id)
                                                for f in g)),
                  text=g[0].statement.text, figure=f"{g[0].phrase} {g[0].unit_text}".strip(),
                  citations=list({(f.statement.article_id, f.statement.sentence): f.statement.citation()
                                  for f in g}.values())) for g in groups]
    shown = " and ".join(f"“{s.figure}”" for s in sides)
    if _changed_over_time(groups, published):
        text = "The figure changed over time: " + ", then ".join(f"“{s.figure}” ({s.label})" for s in sides) + "."
    else:
        text = f"Sources give different figures: {shown} (the figures contradict each other)."
    unit = groups[0][0].unit
    topic = f"how much ({unit.split(':')[1]})" if unit.startswith("money:") else f"how many {groups[0][0].unit_text}"
    return Difference(topic=topic, kind="figures", compatible=False, text=text,
                      sides=sides, citations=[c for side in sides for c in side.citations])


def negation_differences(stmts: list[Statement], vectors: np.ndarray, pairs: list[tuple[int, int]],
                         labels: dict[str, str], same_fact: SameFact = SameFact()) -> list[Difference]:
    """Two independent sources close in words and meaning where one denies what the other
    asserts ("did not sign the treaty" / "signed the treaty")."""
    out = []
    for i, j in pairs:
        a, b = stmts[i], stmts[j]
        if a.origin == b.origin or float(vectors[i] @ vectors[j]) < same_fact.cosine \
                or not contradicts(a.text, b.text):
            continue
        sides = [Side(label=labels.get(s.article_id, s.article_id), text=s.text, citations=[s.citation()])
                 for s in (a, b)]
        out.append(Difference(topic="whether it happened", kind="negation",
                              text=f"{sides[0].label} and {sides[1].label} contradict each other: "
                                   "one says it happened, the other that it did not.",
                              sides=sides, citations=[a.citation(), b.citation()]))
    return out


# ---- tension: a date, a place or a participant ----

SLOT_KINDS = {"DATE": "date", "GPE": "place", "LOC": "place", "FAC": "place", "PERSON": "participant",
              "ORG": "participant"}
SLOT_WORDS = {"date": "dates", "place": "places", "participant": "names"}
SLOT_TOPICS = {"date": "when", "place": "where", "participant": "who"}


@dataclass(frozen=True)
class Slot:
    """A date, place or named participant of a statement: "Monday" resolved to 2024-10-07."""

    kind: str  # date | place | participant
    text: str  # as written
    key: tuple  # what is compared: (granularity, iso) of a date, the entity's key
    start: int  # char offsets in the article
    end: int


def article_dates(doc) -> list[tuple]:
    """(span, Spec) of every date an article's parse names (temporal's reading: spaCy's
    DATE entities, then day names and "Month D" dates the model missed)."""
    from .temporal import _spans

    return _spans(doc)


def statement_slots(stmt: Statement, dates: list[tuple], ents: StoryEntities, published) -> list[Slot]:
    """The dates (article_dates, resolved against the article's date), places and named
    participants (canonical entities) of a statement. A date of the reporting ("the
    coastguard said on Tuesday", "Izvestia reported on Monday": samefact.reporting_date) is
    left out: two reports are said on different days."""
    from .temporal import Reference, resolve

    out = []
    for m, e in ents.by_article.get(stmt.article_id, []):
        kind = SLOT_KINDS.get(e.type)
        if kind and stmt.start <= m.start < stmt.end:
            out.append(Slot(kind, m.text, ("entity", e.key), m.start, m.end))
    ref = Reference(published, "published") if published.precision != "unknown" else Reference()
    for span, spec in dates:
        if not stmt.start <= span.start_char < stmt.end or span.root.head.lemma_.lower() in REPORTING_VERBS \
                or (head := anchor(span)) is not None and reporting_date(head) \
                or spec.end is not None or spec.end_days is not None:
            continue
        value = resolve(spec, None, ref)
        if value.start is not None and value.granularity in ("day", "month", "year"):
            key = (value.granularity, value.iso)
        elif spec.kind == "weekday" and spec.direction is None:
            key = ("weekday", spec.weekday)  # undated articles: two day names still differ
        else:
            continue
        out.append(Slot("date", span.text, key, span.start_char, span.end_char))
    return out


def slot_differences(stmts: list[Statement], slots: list[list[Slot]], docs: dict[str, object],
                     vectors: np.ndarray, pairs: list[tuple[int, int]], groups: list[list[int]],
                     labels: dict[str, str], settings: FactsSettings = FactsSettings(),
                     same_fact: SameFact = SameFact()) -> list[Difference]:
    """Sentences of independent sources that match except for one date, place or named
    participant ("landfall near Carrow on Monday" / "on Sunday"): one item per such fact,
    one side per value, the sentences aligned with a side's (groups) joined to it. Only on
    explicit evidence: the sentences are close in meaning, each names its own value of that
    kind and the other's never occurs in its article (so a sentence that only adds a place,
    or a surname for a full name, is no difference), dates are compared resolved (Monday and
    October 7 of one week are one date), no other kind of slot differs too, and either the
    sentences' other words are the same (SameFact.slot_rest_overlap) or, for a paraphrase,
    both values hang on one predicate whose clauses say the same once the values are left
    out (_aligned_slot: "wrote a long emotional letter to Patriarch Kirill in May 2012" /
    "in April wrote a lengthy emotional letter to ... Patriarch Kirill")."""
    texts = {aid: fold(doc.text) for aid, doc in docs.items()}
    found: dict[tuple[int, int], tuple[str, Slot, Slot]] = {}
    for i, j in pairs:
        a, b = stmts[i], stmts[j]
        if a.origin == b.origin or float(vectors[i] @ vectors[j]) < same_fact.cosine \
                or figures_conflict(a.text, b.text, sums=True) or negation_flip(a.text, b.text):
            continue
        differing = _differing_slots(slots[i], slots[j], texts[a.article_id], texts[b.article_id])
        if differing is not None and len(differing) == 1 \
                and _rest_overlap(a, b, slots[i], slots[j], docs) >= same_fact.slot_rest_overlap:
            found[(i, j)] = differing[0]
            continue
        aligned = _aligned_slot(a, b, slots[i], slots[j], docs, texts, same_fact)
        if aligned is not None:
            found[(i, j)] = aligned
    out = []
    for kind in SLOT_WORDS:
        out += _slot_items(stmts, slots, {p: v for p, v in found.items() if v[0] == kind}, groups, labels)
    return out


def _differing_slots(xs: list[Slot], ys: list[Slot], text_x: str,
                     text_y: str) -> list[tuple[str, Slot, Slot]] | None:
    """(kind, x's slot, y's slot) for each kind in which each sentence names one value the
    other does not, comparably (dates of one granularity) and not named anywhere in the
    other's article; None when a kind's values differ in a way that leaves the pair
    unclear (several values differ, dates of different granularity)."""
    out = []
    for kind in SLOT_WORDS:
        kx = {s.key: s for s in xs if s.kind == kind}
        ky = {s.key: s for s in ys if s.kind == kind}
        only_x, only_y = [kx[k] for k in kx if k not in ky], [ky[k] for k in ky if k not in kx]
        if not only_x or not only_y:
            continue  # the same values, or one sentence only adds one
        if len(only_x) > 1 or len(only_y) > 1 or (kind == "date" and only_x[0].key[0] != only_y[0].key[0]):
            return None
        x, y = only_x[0], only_y[0]
        if kind != "date" and (_named_in(x.text, text_y) or _named_in(y.text, text_x)):
            continue  # the other article names it too: not a contradiction the text shows
        out.append((kind, x, y))
    return out


def _date_relation(x: Slot, y: Slot) -> bool | None:
    """Whether two date slots name one date: True, False, or None when their forms do not
    compare (a weekday beside a calendar date, a month beside a day). A month or day whose
    year the article leaves open ("in April": --04) compares on the month and day alone."""
    (gx, ix), (gy, iy) = x.key, y.key
    if gx != gy:
        return None
    if gx == "weekday" or gx == "year":
        return ix == iy
    if ix.startswith("--") or iy.startswith("--"):
        return _partial(ix) == _partial(iy)
    return ix == iy


def _partial(iso: str) -> tuple[str, ...]:
    """A month or day without its year: "2012-05" and "--05" -> ("05",)."""
    parts = iso.lstrip("-").split("-")
    return tuple(parts[1:] if not iso.startswith("--") else parts)


def _aligned_slot(a: Statement, b: Statement, xs: list[Slot], ys: list[Slot], docs: dict[str, object],
                  texts: dict[str, str], same_fact: SameFact) -> tuple[str, Slot, Slot] | None:
    """(kind, a's value, b's value) when two sentences state one fact but for one date, place
    or name, in other words: one value of that kind in each hangs on the same predicate
    (samefact.anchor, same_predicate: "wrote ... in May 2012" / "in April wrote"), the two
    values differ (dates resolved, compared on what both give), no other such pair differs,
    and the clauses around the values hold the same words once the values are left out
    (samefact.frames_align). A name the other article gives too is no different name."""
    doc_a, doc_b = docs[a.article_id], docs[b.article_id]
    sent_a = doc_a.char_span(a.start, a.end, alignment_mode="expand")
    sent_b = doc_b.char_span(b.start, b.end, alignment_mode="expand")
    if sent_a is None or sent_b is None:
        return None

    def span(doc, slot: Slot):
        return doc.char_span(slot.start, slot.end, alignment_mode="expand")
    spans_a = {x: span(doc_a, x) for x in xs}
    spans_b = {y: span(doc_b, y) for y in ys}
    anchors_a = {x: anchor(sp) for x, sp in spans_a.items() if sp is not None}
    anchors_b = {y: anchor(sp) for y, sp in spans_b.items() if sp is not None}
    differing = []
    for x, hx in anchors_a.items():
        for y, hy in anchors_b.items():
            if x.kind != y.kind or hx is None or hy is None or not same_predicate(hx, hy):
                continue
            if x.kind == "date":
                same = _date_relation(x, y)
                if same is None:
                    return None  # one predicate dated in two forms: unclear
                if same:
                    continue
            elif x.key == y.key or _named_in(x.text, texts[b.article_id]) or _named_in(y.text, texts[a.article_id]):
                continue
            differing.append((x.kind, x, y))
    if len(differing) != 1:
        return None
    kind, x, y = differing[0]
    if kind == "date" and any(_date_relation(x, z) for z in ys if z.kind == "date"):
        return None  # b gives a's date too, at another word
    if kind == "date" and any(_date_relation(z, y) for z in xs if z.kind == "date"):
        return None
    words_a = frame_words(sent_a, anchors_a[x], [spans_a[x]])
    words_b = frame_words(sent_b, anchors_b[y], [spans_b[y]])
    return differing[0] if frames_align(words_a, words_b, same_fact) else None


def _named_in(name: str, text: str) -> bool:
    """The name, its last word (a surname) or its words run together ("Van Wert" / "VanWert")
    occurs in the folded text."""
    words = fold(name).split()
    return bool(words) and any(re.search(rf"\b{re.escape(w)}\b", text)
                               for w in {" ".join(words), words[-1], "".join(words)})


def _rest_overlap(a: Statement, b: Statement, slots_a: list[Slot], slots_b: list[Slot],
                  docs: dict[str, object]) -> float:
    """Jaccard of the two statements' content words outside their dates, places and names
    (each statement's own: slot offsets are offsets in its own article)."""
    def rest(s: Statement, own: list[Slot]) -> set[str]:
        doc = docs[s.article_id]
        span = doc.char_span(s.start, s.end, alignment_mode="expand") or []
        return {t.lemma_.lower() for t in span if t.is_alpha and not t.is_stop and t.pos_ in CONTENT_POS
                and not any(x.start <= t.idx < x.end for x in own)} - REPORTING_VERBS
    ra, rb = rest(a, slots_a), rest(b, slots_b)
    return len(ra & rb) / len(ra | rb) if ra | rb else 0.0


def _slot_items(stmts: list[Statement], slots: list[list[Slot]], found: dict[tuple[int, int], tuple[str, Slot, Slot]],
                groups: list[list[int]], labels: dict[str, str]) -> list[Difference]:
    """One Difference per connected set of differing pairs of one kind: sides by value, a
    side joined by the sentences aligned with its members that give the same value."""
    if not found:
        return []
    link = DisjointSet(sorted({k for p in found for k in p}))
    value: dict[int, Slot] = {}
    for (i, j), (_, x, y) in found.items():
        link.merge(i, j)
        value.setdefault(i, x)
        value.setdefault(j, y)
    group_of = {i: g for g in groups for i in g}
    out = []
    for members in sorted(link.subsets(), key=min):
        sides: dict[tuple, list[int]] = {}
        for i in sorted(members):
            sides.setdefault(value[i].key, []).append(i)
        kind = found[next(p for p in found if p[0] in members)][0]
        for key, idx in sides.items():
            idx += [k for i in list(idx) for k in group_of.get(i, []) if k not in members and k not in idx
                    and any(s.kind == kind and s.key == key for s in slots[k])]
        made = [Side(label=", ".join(dict.fromkeys(labels.get(stmts[i].article_id, stmts[i].article_id) for i in idx)),
                     text=stmts[idx[0]].text, figure=value[idx[0]].text,
                     citations=[stmts[i].citation() for i in idx]) for idx in sides.values()]
        shown = " and ".join(f"“{s.figure}” ({s.label})" for s in made)
        out.append(Difference(topic=SLOT_TOPICS[kind], kind=kind, text=f"Sources give different {SLOT_WORDS[kind]}: "
                              f"{shown}.", sides=made, citations=[c for s in made for c in s.citations]))
    return out

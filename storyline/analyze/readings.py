"""What the later stages read off one article's parse alone, kept in the store beside the
parse, so that a story that grows reads only its new articles again.

A brief's analysis is mostly story-wide (entities are canonicalised over the story, quotes
are attributed to them, statements are compared across sources), but three readings depend
on nothing but the article and its parse:

    meanings      each sentence's clauses and content words (samefact.meaning_of)
    dates         the dates its parse names (facts.article_dates: temporal's reading)
    expressions   the temporal expressions of its sentences, unresolved (temporal.find_expressions
                  over the sentence docs the timeline cuts from the parse: assemble.sentence_docs)

They are a function of the parse (cache.parse_key: the text, the sentence starts, the model,
the NLP packages, the parse stage's code) and of storyline's code; no setting is read. Their
key (cache.readings_key) hashes all of them, so a cached reading can never be stale. The
value is JSON; the dates are kept as token spans of the parse and turned back into spaCy
Spans of it. The rows are owned by their article (Store.cache_put): one per article.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace

from ..model import Article
from .temporal import Spec, TimeExpression

counts = {"read": 0, "reused": 0}  # articles read vs readings taken from the store (for benchmarks)


@dataclass
class Readings:
    """One article's readings (see the module's docstring)."""

    meanings: dict  # sentence index -> samefact.Meaning
    dates: list[tuple[int, int, Spec]]  # (token start, token end, Spec) of facts.article_dates
    expressions: list[TimeExpression]  # temporal.find_expressions, value and tense unset
    sentence_docs: list = field(default_factory=list)  # the timeline's sentence docs; made when read


def read(article: Article, doc) -> Readings:
    """The readings of one parsed article, its sentence docs kept for the timeline."""
    from ..report.assemble import sentence_docs
    from .facts import article_dates
    from .samefact import sentence_meanings
    from .temporal import find_expressions

    meanings = {index: m for (_, index), m in sentence_meanings([article], [doc]).items()}
    dates = [(span.start, span.end, spec) for span, spec in article_dates(doc)]
    docs = sentence_docs([article], [doc])[article.id]
    return Readings(meanings, dates, find_expressions(article, docs), docs)


def readings(articles: list[Article], docs: list, store=None, nlp=None) -> list[Readings]:
    """The readings of each article (docs[i] parses articles[i]), in order: from the store
    where it holds them, read otherwise (and stored). Taken from the store, an article's
    sentence docs are cut only for the sentences whose expressions the timeline describes."""
    from .. import cache
    from ..report.assemble import sentence_docs

    if store is None or not articles:
        counts["read"] += len(articles)
        return [read(a, d) for a, d in zip(articles, docs)]
    if nlp is None:
        from .nlp import load_spacy

        nlp = load_spacy()
    keys = [cache.readings_key(a, nlp) for a in articles]
    blobs = store.cache_get_many(cache.READINGS, keys)
    out: list = [None] * len(articles)
    fresh = []
    for k, (a, doc, key) in enumerate(zip(articles, docs, keys)):
        if key in blobs:
            r = from_json(json.loads(blobs[key]))
            wanted = {e.sentence for e in r.expressions}
            r.sentence_docs = sentence_docs([a], [doc], wanted)[a.id]
            out[k] = r
        else:
            out[k] = read(a, doc)
            fresh.append(k)
    counts["read"] += len(fresh)
    counts["reused"] += len(articles) - len(fresh)
    if fresh:
        with store.transaction():
            for k in fresh:
                store.cache_put(cache.READINGS, keys[k], json.dumps(to_json(out[k])).encode(),
                                owner=articles[k].id)
    return out


def dates_of(r: Readings, doc) -> list[tuple]:
    """(span, Spec) of the article's dates, as facts.article_dates gives them."""
    return [(doc[start:end], spec) for start, end, spec in r.dates]


def expressions_of(r: Readings) -> list[TimeExpression]:
    """Copies of the article's expressions (the timeline sets their values)."""
    return [replace(e) for e in r.expressions]


# -- JSON ------------------------------------------------------------------------------------
def to_json(r: Readings) -> dict:
    return {"meanings": [[index, [[c.verb, sorted(c.words), c.attribution] for c in m.clauses], sorted(m.words)]
                         for index, m in r.meanings.items()],
            "dates": [[start, end, asdict(spec)] for start, end, spec in r.dates],
            "expressions": [[e.text, e.sentence, e.start, e.end, asdict(e.spec), e.verb_tense, e.in_quote]
                            for e in r.expressions]}


def from_json(data: dict) -> Readings:
    from .samefact import Clause, Meaning

    meanings = {index: Meaning(tuple(Clause(verb, frozenset(words), attribution) for verb, words, attribution in clauses),
                               frozenset(words))
                for index, clauses, words in data["meanings"]}
    dates = [(start, end, _spec(spec)) for start, end, spec in data["dates"]]
    expressions = [TimeExpression(text=text, sentence=sentence, start=start, end=end, spec=_spec(spec),
                                  verb_tense=tense, in_quote=in_quote)
                   for text, sentence, start, end, spec, tense, in_quote in data["expressions"]]
    return Readings(meanings, dates, expressions)


def _spec(data: dict) -> Spec:
    end = data.get("end")
    return Spec(**{**data, "end": _spec(end) if end is not None else None})

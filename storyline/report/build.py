"""Articles of one story -> Brief (summary, key points, sources, analysis)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import fields, replace
from functools import partial

from spacy.attrs import ENT_IOB
from spacy.tokens import Doc

from ..model import Article, Brief, Cited, Citation, Development, Record, SourceRef
from ..analyze.embedcache import SentenceVectors, in_rounds
from ..analyze.entities import parse_articles
from ..analyze.relate import analyze_story
from ..analyze.temporal import TEMPORAL_CUE
from ..analyze.timeline import build_timeline
from ..stories.dedup import find_copies
from .summarize import summarize


PARSE_PROCESSES = 2  # worker processes for parsing many stories at once


def make_brief(articles: list[Article], words: int = 100, story_id: str | None = None, store=None,
               docs: dict | None = None, copies: dict[str, str] | None = None) -> Brief:
    """The brief of one story. store (optional) caches sentence embeddings; docs (optional):
    {article id: spaCy Doc} already parsed by entities.parse_articles; copies (optional):
    dedup.find_copies of the English articles."""
    english = [a for a in articles if a.language == "en"]
    notes = [f"{a.label}: language '{a.language}', left out of the English-only analysis"
             for a in articles if a.language != "en"]
    ordered = sorted(english, key=lambda a: (a.published.sort_key(), a.label, a.id))
    # Near-verbatim copies (wire reprints) say nothing their original does not: they are
    # analysed once, as the original, and credited with the original's sentences after.
    copies = find_copies(ordered) if copies is None else copies
    analysed = [a for a in ordered if a.id not in copies]
    # One parse per article and one vector per sentence (embedded only when a step needs it),
    # shared by every step.
    vectors = SentenceVectors(analysed, store)
    parsed = [docs[a.id] for a in analysed] if docs and all(a.id in docs for a in analysed) \
        else parse_articles(analysed)
    analysis = analyze_story(analysed, docs=parsed, vectors=vectors, copies={})
    timeline = build_timeline(analysed, docs=_sentence_docs(analysed, parsed))
    summary, key_points = summarize(analysed, words=words, store=store, vectors=vectors,
                                    previews=_previews(timeline.development), speakers=analysis.speakers)
    brief = Brief(
        headline=_headline(ordered, summary),
        summary=summary,
        key_points=key_points,
        sources=_sources(ordered, copies, timeline.development),
        story_id=story_id,
        entities=analysis.entities,
        quotes=analysis.quotes,
        agree=analysis.agree,
        differ=analysis.differ,
        single_source=analysis.single_source,
        timeline=timeline.entries,
        development=timeline.development,
        notes=notes + timeline.notes,
    )
    _credit_copies(brief, copies, ordered)
    _fill_citation_text(brief, articles)
    return brief


def _previews(development: list[Development]) -> set[str]:
    """Articles written before the main event, when a later article reports it."""
    if not any(d.written == "after" for d in development):
        return set()
    return {d.article_id for d in development if d.written == "before"}


def _credit_copies(brief: Brief, copies: dict[str, str], articles: list[Article]) -> None:
    """Wherever an original is cited, cite its copies' identical sentences too: they
    carry the same words."""
    if not copies:
        return
    by_id = {a.id: a for a in articles}
    copies_of: dict[str, list[Article]] = {}
    for copy, original in copies.items():
        copies_of.setdefault(original, []).append(by_id[copy])
    where = {c.id: {s.text: s for s in c.sentences} for cs in copies_of.values() for c in cs}

    def credited(citations: list[Citation]) -> list[Citation]:
        out = list(citations)
        for cite in citations:
            if cite.article_id in copies_of:
                text = by_id[cite.article_id].sentences[cite.sentence].text
                for c in copies_of[cite.article_id]:
                    s = where[c.id].get(text)
                    if s is not None:
                        out.append(Citation(c.id, s.index, s.start, s.end))
        return out

    _map_citations(brief, credited)
    for part in _parts(brief):  # old dict sections (until every section is typed)
        if isinstance(part, dict) and isinstance(part.get("article_ids"), list):
            part["article_ids"] = list(dict.fromkeys(
                x for aid in part["article_ids"] for x in [aid] + [c.id for c in copies_of.get(aid, [])]))
            if isinstance(part.get("outlets"), int):
                part["outlets"] = len(part["article_ids"])


def _fill_citation_text(brief: Brief, articles: list[Article]) -> None:
    """Give every citation in every section the exact source text it points at."""
    by_id = {a.id: a for a in articles}

    def filled(citations: list[Citation]) -> list[Citation]:
        return [replace(c, text=by_id[c.article_id].text[c.start:c.end]) if c.article_id in by_id else c
                for c in citations]

    _map_citations(brief, filled)


def _parts(brief: Brief) -> list:
    """Every item of a brief's sections that holds citations, however nested (a
    difference's sides too)."""
    found = []

    def walk(value) -> None:
        if isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            found.append(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, Record) and not isinstance(value, Citation):
            if isinstance(value, Cited):
                found.append(value)
            for f in fields(value):
                walk(getattr(value, f.name))

    walk(brief)
    return found


def _map_citations(brief: Brief, change) -> None:
    """Replace every list of citations in the brief by change(list)."""
    for part in _parts(brief):
        if isinstance(part, Cited):
            part.citations = change(part.citations)
        elif isinstance(part.get("citations"), list):
            part["citations"] = change(part["citations"])


def _sentence_docs(articles: list[Article], docs: list) -> dict[str, list]:
    """Per-sentence docs for the timeline, cut from the article parses (no second parse);
    None for sentences with no temporal cue, as temporal.sentence_docs gives."""
    out: dict[str, list] = {}
    for a, doc in zip(articles, docs):
        head = doc._get_array_attrs()
        array = doc.to_array(head)
        out[a.id] = [_sentence_doc(doc.char_span(s.start, s.end, alignment_mode="expand"), head, array)
                     if TEMPORAL_CUE.search(s.text) else None for s in a.sentences]
    return out


def _sentence_doc(span, head: list, array) -> Doc:
    """span.as_doc() less what costs most there and the timeline never reads: as_doc
    rebuilds the whole article's entities (twice) and the span's vector for every
    sentence. As there, an entity cut by the sentence's ends is left out."""
    part = array[span.start:span.end].copy()
    span._fix_dep_copy(head, part)  # heads outside the sentence are rewired into it
    iob = head.index(ENT_IOB)
    begun_before = len(part) > 0 and part[0][iob] == 1  # IOB 1: inside an entity, 3: its beginning
    goes_on = span.end < len(array) and array[span.end][iob] == 1
    if begun_before:
        part[0][iob] = 3
    doc = Doc(span.doc.vocab, words=[t.text for t in span], spaces=[bool(t.whitespace_) for t in span])
    doc.from_array(head, part)
    ents = doc.ents
    cut = ([ents[0]] if begun_before and ents else []) + ([ents[-1]] if goes_on and len(ents) > begun_before else [])
    if cut:
        doc.set_ents([], missing=cut, default="unmodified")
    return doc


def _sources(articles: list[Article], copies: dict[str, str], development: list[Development]) -> list[SourceRef]:
    """The sources list; a publication date without a year gets the year the timeline
    inferred for it (its development entry, flagged), so the brief does not say "year
    unknown" beside a note that gives the year. Copies have no development entry."""
    number = {a.id: i for i, a in enumerate(articles, 1)}
    dated = {d.article_id: d for d in development}
    out = []
    for a in articles:
        d = dated.get(a.id, Development(article_id=a.id, published=a.published.iso()))
        out.append(SourceRef(number=number[a.id], article_id=a.id, outlet=a.outlet, title=a.title,
                             published=d.published, source=a.source, url=a.url,
                             copy_of=number.get(copies[a.id]) if a.id in copies else None,
                             year_inferred=d.year_inferred))
    return out


def _headline(articles: list[Article], summary) -> str:
    """The title of the source whose text the summary draws on most."""
    if not articles:
        return "(no articles)"
    cited: dict[str, int] = {}
    for item in summary:
        for aid in item.article_ids():
            cited[aid] = cited.get(aid, 0) + 1
    titled = [a for a in articles if a.title]
    if titled:
        return max(titled, key=lambda a: (cited.get(a.id, 0), -articles.index(a))).title
    return summary[0].text if summary else articles[0].sentences[0].text


BRIEF_CACHE_VERSION = "5"  # 5: briefs stored as Brief.to_json


def make_briefs(stories: list[list[Article]], words: int = 100, story_ids: list[str | None] | None = None,
                store=None, processes: int = PARSE_PROCESSES) -> list[Brief]:
    """Briefs of several stories, their articles parsed in one pass over `processes` workers."""
    ids = story_ids or [None] * len(stories)
    # make_brief analyses no copy, so none is parsed
    copies = [find_copies([a for a in group if a.language == "en"]) for group in stories]
    unique = list({a.id: a for group, cs in zip(stories, copies) for a in group
                   if a.language == "en" and a.id not in cs}.values())
    docs = dict(zip((a.id for a in unique), parse_articles(unique, processes=processes)))
    # stories are analysed side by side so that their sentences are embedded together
    return in_rounds([partial(make_brief, group, words=words, story_id=sid, store=store, docs=docs, copies=cs)
                      for group, sid, cs in zip(stories, ids, copies)], store)


def cached_briefs(store, stories: list[list[Article]], words: int = 100,
                  story_ids: list[str | None] | None = None, processes: int = PARSE_PROCESSES) -> list[Brief]:
    """make_briefs, each brief cached in the store (as JSON, never pickle: a database may
    come from elsewhere) under the exact set of its articles and words, so a story's brief
    is computed once until its articles change."""
    ids = story_ids or [None] * len(stories)
    keys = [hashlib.sha256("|".join([BRIEF_CACHE_VERSION, str(words), str(sid)] + sorted(a.id for a in group))
                           .encode()).hexdigest() for group, sid in zip(stories, ids)]
    briefs: list[Brief | None] = []
    for key in keys:
        blob = store.cache_get("brief", key)
        briefs.append(Brief.from_json(json.loads(blob)) if blob is not None else None)
    todo = [k for k, b in enumerate(briefs) if b is None]
    made = make_briefs([stories[k] for k in todo], words, [ids[k] for k in todo], store, processes)
    with store.transaction():
        for k, brief in zip(todo, made):
            briefs[k] = brief
            store.cache_put("brief", keys[k], json.dumps(brief.to_json(), ensure_ascii=False).encode("utf-8"))
    return briefs


def cached_brief(store, articles: list[Article], words: int = 100, story_id: str | None = None) -> Brief:
    """The brief of one story, cached (see cached_briefs)."""
    return cached_briefs(store, [articles], words, [story_id], processes=1)[0]

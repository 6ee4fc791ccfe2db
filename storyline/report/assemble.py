"""The last stage of a brief: the stages' results into one Brief, with its sources
numbered, its headline chosen, syndicated copies credited and every citation given the
exact source text it points at; every key point, agreement and single-source fact made to
read alone (report/standalone.py) or left out. Also the two small adapters between stages
(previews for the summary, sentence docs for the timeline)."""
from __future__ import annotations

from dataclasses import fields, replace

from spacy.attrs import ENT_IOB
from spacy.tokens import Doc

from ..analyze.temporal import TEMPORAL_CUE
from ..model import Article, Brief, Cited, Citation, CitedText, Development, Record, SourceRef
from ..settings import IngestSettings
from ..stories.features import headline_of
from .standalone import Context, standalone_items


def assemble(story, ordered: list[Article], summary: list[CitedText], key_points: list[CitedText],
             analysis, timeline, notes: list[str], ingest: IngestSettings = IngestSettings()) -> Brief:
    """story: pipeline.Story (its thread: the other stories of its thread, stored); ordered: its articles in publication order (all of them
    are sources, those in other languages too); analysis: relate.StoryAnalysis;
    timeline: timeline.Timeline; ingest: what a reporting sentence is (an item that
    reads alone is one)."""
    context = Context(story.articles, analysis.speakers, analysis.entities, ingest)
    brief = Brief(
        headline=headline_of(ordered),
        summary=summary,
        key_points=standalone_items(key_points, context),
        sources=sources(ordered, story.copies, timeline.development),
        story_id=story.id,
        entities=analysis.entities,
        quotes=analysis.quotes,
        agree=standalone_items(analysis.agree, context),
        differ=analysis.differ,
        single_source=standalone_items(analysis.single_source, context),
        timeline=timeline.entries,
        development=timeline.development,
        thread=list(getattr(story, "thread", [])),
        notes=notes + undated_note(ordered) + timeline.notes,
    )
    credit_copies(brief, story.copies, ordered)
    fill_citation_text(brief, story.articles)
    return brief


UNDATED_NOTE = ("Date unknown: none of this story's articles gives a publication date, so the story "
                "was placed without time and its dates are only those its articles report.")


def undated_note(ordered: list[Article]) -> list[str]:
    """The note of a story none of whose articles is dated (its date is unknown, not the day
    it was stored); none otherwise."""
    return [] if any(a.published.precision != "unknown" for a in ordered) else [UNDATED_NOTE]


def previews(development: list[Development]) -> set[str]:
    """Articles written before the main event, when a later article reports it."""
    if not any(d.written == "after" for d in development):
        return set()
    return {d.article_id for d in development if d.written == "before"}


def sources(articles: list[Article], copies: dict[str, str], development: list[Development]) -> list[SourceRef]:
    """The sources list; a publication date without a year gets the year the timeline
    inferred for it (its development entry, flagged), so the brief does not say "year
    unknown" beside a note that gives the year. Copies have no development entry."""
    number = {a.id: i for i, a in enumerate(articles, 1)}
    dated = {d.article_id: d for d in development}
    out = []
    for a in articles:
        d = dated.get(a.id)
        out.append(SourceRef(number=number[a.id], article_id=a.id, outlet=a.outlet, title=a.title,
                             published=d.published if d else a.published.iso(), source=a.source, url=a.url,
                             copy_of=number.get(copies[a.id]) if a.id in copies else None,
                             year_inferred=d.year_inferred if d else False))
    return out


def credit_copies(brief: Brief, copies: dict[str, str], articles: list[Article]) -> None:
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

    map_citations(brief, credited)


def fill_citation_text(brief: Brief, articles: list[Article]) -> None:
    """Give every citation in every section the exact source text it points at."""
    by_id = {a.id: a for a in articles}

    def filled(citations: list[Citation]) -> list[Citation]:
        return [replace(c, text=by_id[c.article_id].text[c.start:c.end]) if c.article_id in by_id else c
                for c in citations]

    map_citations(brief, filled)


def cited_items(value) -> list[Cited]:
    """Every item of a brief (or any typed object) that holds citations, however nested
    (a difference's sides too)."""
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in cited_items(v)]
    if not isinstance(value, Record) or isinstance(value, Citation):
        return []
    own = [value] if isinstance(value, Cited) else []
    return own + [item for f in fields(value) for item in cited_items(getattr(value, f.name))]


def map_citations(brief: Brief, change) -> None:
    """Replace every list of citations in the brief by change(list)."""
    for item in cited_items(brief):
        item.citations = change(item.citations)


def sentence_docs(articles: list[Article], docs: list, only: set[int] | None = None) -> dict[str, list]:
    """Per-sentence docs for the timeline, cut from the article parses (no second parse);
    None for sentences with no temporal cue, as temporal.sentence_docs gives. only: the
    indices of the sentences wanted (the others None too)."""
    out: dict[str, list] = {}
    for a, doc in zip(articles, docs):
        head = doc._get_array_attrs()
        array = doc.to_array(head)
        out[a.id] = [_sentence_doc(doc.char_span(s.start, s.end, alignment_mode="expand"), head, array)
                     if (only is None or s.index in only) and TEMPORAL_CUE.search(s.text) else None
                     for s in a.sentences]
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

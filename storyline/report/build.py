"""Articles of one story -> Brief (summary, key points, sources, analysis)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, fields, replace

from ..model import Article, Brief, Citation, CitedText, SourceRef
from ..analyze.embedcache import article_vectors
from ..analyze.entities import parse_articles
from ..analyze.relate import analyze_story
from ..analyze.temporal import TEMPORAL_CUE
from ..analyze.timeline import build_timeline
from .summarize import summarize


def make_brief(articles: list[Article], words: int = 100, story_id: str | None = None, store=None) -> Brief:
    """The brief of one story. store (optional) caches per-article sentence embeddings."""
    english = [a for a in articles if a.language == "en"]
    notes = [f"{a.label}: language '{a.language}', left out of the English-only analysis"
             for a in articles if a.language != "en"]
    ordered = sorted(english, key=lambda a: (a.published.sort_key(), a.label, a.id))
    vectors = article_vectors(ordered, store)
    docs = parse_articles(ordered)  # one spaCy parse per article, shared by every step
    analysis = analyze_story(ordered, docs=docs, vectors=vectors)
    timeline = build_timeline(ordered, docs=_sentence_docs(ordered, docs))
    summary, key_points = summarize(ordered, words=words, store=store)
    brief = Brief(
        headline=_headline(ordered, summary),
        summary=summary,
        key_points=key_points,
        sources=_sources(ordered, analysis.copies),
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
    _fill_citation_text(brief, articles)
    return brief


def _fill_citation_text(brief: Brief, articles: list[Article]) -> None:
    """Give every citation in every section the exact source text it points at."""
    by_id = {a.id: a for a in articles}

    def fill(value):
        if isinstance(value, Citation):
            article = by_id.get(value.article_id)
            return replace(value, text=article.text[value.start:value.end]) if article else value
        if isinstance(value, CitedText):
            value.citations = [fill(c) for c in value.citations]
        elif isinstance(value, dict):
            for k, v in value.items():
                value[k] = fill(v)
        elif isinstance(value, list):
            value[:] = [fill(v) for v in value]
        return value

    for f in fields(brief):
        fill(getattr(brief, f.name))


def _sentence_docs(articles: list[Article], docs: list) -> dict[str, list]:
    """Per-sentence docs for the timeline, cut from the article parses (no second parse);
    None for sentences with no temporal cue, as temporal.sentence_docs gives."""
    out: dict[str, list] = {}
    for a, doc in zip(articles, docs):
        out[a.id] = [doc.char_span(s.start, s.end, alignment_mode="expand").as_doc()
                     if TEMPORAL_CUE.search(s.text) else None for s in a.sentences]
    return out


def _sources(articles: list[Article], copies: dict[str, str]) -> list[SourceRef]:
    number = {a.id: i for i, a in enumerate(articles, 1)}
    return [
        SourceRef(number=number[a.id], article_id=a.id, outlet=a.outlet, title=a.title,
                  published=a.published.iso(), source=a.source, url=a.url,
                  copy_of=number.get(copies[a.id]) if a.id in copies else None)
        for a in articles
    ]


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


BRIEF_CACHE_VERSION = "2"


def cached_brief(store, articles: list[Article], words: int = 100, story_id: str | None = None) -> Brief:
    """make_brief, cached in the store (as JSON, never pickle: a database may
    come from elsewhere) under the exact set of articles and words, so a
    story's brief is computed once until its articles change."""
    key = hashlib.sha256(
        "|".join([BRIEF_CACHE_VERSION, str(words), str(story_id)] + sorted(a.id for a in articles)).encode()
    ).hexdigest()
    blob = store.cache_get("brief", key)
    if blob is not None:
        return brief_from_dict(json.loads(blob))
    brief = make_brief(articles, words=words, story_id=story_id, store=store)
    with store.transaction():
        store.cache_put("brief", key, json.dumps(asdict(brief), ensure_ascii=False).encode("utf-8"))
    return brief


def brief_from_dict(data: dict) -> Brief:
    """Inverse of dataclasses.asdict(brief)."""
    citation_keys = {f.name for f in fields(Citation)}

    def revive(value):
        if isinstance(value, dict):
            if set(value) == citation_keys:
                return Citation(**value)
            return {k: revive(v) for k, v in value.items()}
        if isinstance(value, list):
            return [revive(v) for v in value]
        return value

    data = revive(data)
    for section in ("summary", "key_points"):
        data[section] = [CitedText(**item) for item in data[section]]
    data["sources"] = [SourceRef(**s) for s in data["sources"]]
    return Brief(**data)

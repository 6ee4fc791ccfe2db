"""The one path from articles to stories to briefs. Every caller goes through it: the CLI,
the web app and its uploads, the Python API, the evaluation and the benchmarks.

    pipeline = Pipeline(settings, store=store)        # store optional: no store, no cache
    report = pipeline.ingest(["examples/"])           # read, store, place into stories
    report = pipeline.fetch(urls, fetcher)            # the same, for pages fetched over HTTP
    report = pipeline.ingest_items(items)             # the same, for articles read elsewhere (the watcher)
    stories = pipeline.stories_of(report.articles)    # -> [Story] (stored: the store's stories)
    briefs = pipeline.briefs(stories, words=100)      # cached in the store when there is one
    timeline = pipeline.part(stories[0], "timeline")  # the brief's own timeline, without the summary

A story's brief is made by these stages, each taking its input once and handing a typed
result on:

    language   English articles are analysed; the others are named in the notes
    copies     syndicated copies (stories/dedup, the one definition) are analysed once, as
               their original, and credited with the original's sentences at the end
    parse      one spaCy parse per article, many stories in one pass (analyze/entities),
               kept in the store (analyze/parsecache): a grown story parses its new articles;
               what the later stages read off one parse alone (sentence meanings, dates,
               temporal expressions: analyze/readings) is kept beside it
    analysis   entities, quotes, agree/differ/single source (analyze/relate)
    timeline   dated events and the story's development (analyze/timeline)
    summary    the cited summary and key points (report/summarize)
    assemble   sources, headline, copies credited, every citation given its text (report/assemble)

`part` runs the stages a part needs (the timeline does not need the summary) or slices the
cached brief: both give the same part.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from .analyze.embedcache import SentenceVectors, in_rounds
from .analyze.entities import parse_articles
from .analyze.parsecache import parsed
from .analyze.readings import readings
from .errors import InputError, StorylineError
from .model import Article, Brief, PartialDate
from .settings import DEFAULT_SETTINGS, Settings

PARSE_PROCESSES = 2  # worker processes for parsing many stories at once
PARTS = {  # part name -> the brief fields it holds (the web API's /timeline, /quotes, /facts)
    "timeline": ("timeline", "development"),
    "quotes": ("quotes",),
    "facts": ("agree", "differ", "single_source"),
}


@dataclass
class Story:
    """The articles of one story (publication order) and which of them are syndicated copies."""

    id: str | None
    articles: list[Article]
    copies: dict[str, str] = field(default_factory=dict)  # copy article id -> original article id
    thread: list = field(default_factory=list)  # model.ThreadLink: the other stories of its thread (stored)


@dataclass
class Prepared:
    """A story after the language, copies and parse stages: what every later stage reads."""

    story: Story
    ordered: list[Article]  # every article, publication order: the sources
    analysed: list[Article]  # the English ones that are not copies
    docs: list  # spaCy Docs of `analysed`
    vectors: SentenceVectors
    notes: list[str]
    readings: list = field(default_factory=list)  # analyze/readings.Readings of `analysed`


class Pipeline:
    """Stories and briefs, with the given settings; a store (optional) keeps articles,
    stories and caches (sentence vectors, briefs)."""

    def __init__(self, settings: Settings = DEFAULT_SETTINGS, store=None, processes: int = PARSE_PROCESSES,
                 on_stage: Callable[[str, float], None] | None = None):
        self.settings = settings
        self.store = store
        self.processes = processes
        self.on_stage = on_stage  # (stage name, seconds): for benchmarks

    # -- into stories ------------------------------------------------------------
    def ingest(self, paths: list[str], published: PartialDate | None = None,
               on_article: Callable[[Article | InputError], None] | None = None):
        """Read and store the articles under paths and place them into stories (after each
        stored batch; an article left without a story by an interrupted ingest is placed too)."""
        from .ingest import ingest

        store = self._need_store()
        report = ingest(paths, store, published=published, on_article=on_article, after_batch=self.place,
                        settings=self.settings.ingest)
        self.place(report.articles)  # known articles an earlier, interrupted ingest left without a story
        return report

    def fetch(self, urls: list[str], fetcher, published: PartialDate | None = None,
              on_article: Callable[[Article | InputError], None] | None = None):
        """Fetch the pages at urls (ingest/fetch.Fetcher), read them by the readers files take
        and store and place them as ingest does; a FetchError is reported like a bad file."""
        from .ingest.fetch import fetch_articles

        return self.ingest_items(fetch_articles(fetcher, urls, published, self.settings.ingest), published,
                                 on_article)

    def ingest_items(self, items, published: PartialDate | None = None,
                     on_article: Callable[[Article | InputError], None] | None = None):
        """Store and place articles read elsewhere by the file readers (fetched pages, a
        polled feed's entries: Article or InputError items) as ingest does."""
        from .ingest import ingest

        report = ingest([], self._need_store(), published=published, on_article=on_article,
                        after_batch=self.place, settings=self.settings.ingest, items=items)
        self.place(report.articles)
        return report

    def add(self, articles: list[Article]) -> dict[str, str]:
        """Store a batch of articles read elsewhere (one transaction) and place them:
        {article id: story id} of the batch."""
        self._need_store().add_articles(articles)
        return self.place(articles)

    def place(self, articles: list[Article]) -> dict[str, str]:
        """{article id: story id} for stored articles, placing those that have no story yet."""
        from .stories.cluster import assign_stories

        placed = assign_stories(self._need_store(), articles, self.settings.cluster, self.settings.dedup)
        self.rethread(sorted(set(placed.values())))
        return placed

    def recluster(self) -> int:
        """Rebuild every stored story from scratch (user corrections kept); the number of stories."""
        from .stories.cluster import recluster

        count = recluster(self._need_store(), self.settings.cluster, self.settings.dedup)
        self.rethread([])  # the rebuild dropped every signature: all are remade
        return count

    def merge(self, story_ids: list[str]) -> str:
        """Merge stored stories into the first one given (kept by later ingests); its id."""
        from .stories.cluster import merge_stories

        merged = merge_stories(self._need_store(), story_ids)
        self.rethread([merged])
        return merged

    def split(self, story_id: str, article_ids: list[str]) -> str:
        """Move articles out of a stored story into a new one (kept by later ingests); its id."""
        from .stories.cluster import resolve_story, split_story

        old = resolve_story(self._need_store(), story_id)
        new = split_story(self.store, old, article_ids)
        self.rethread([old, new])
        return new

    def rethread(self, story_ids: list[str]) -> list[str]:
        """Remake the thread links (stories/threads.py) of the stories whose articles changed,
        and of stories that have none yet; the stories remade."""
        from .stories.threads import refresh

        return refresh(self._need_store(), story_ids, self.settings.threads)

    def stories_of(self, articles: list[Article]) -> list[Story]:
        """The articles grouped into stories, largest first: by the store's stories when the
        articles are stored, else clustered on the spot."""
        from .stories.cluster import cluster_articles

        if self.store is None:
            groups = cluster_articles(articles, self.settings.cluster, self.settings.dedup)
            return [Story(None, group, self.copies(group)) for group in groups]
        story_of = self.store.stories_of([a.id for a in articles])
        groups: dict[str | None, list[Article]] = {}
        for a in articles:
            groups.setdefault(story_of.get(a.id), []).append(a)
        ordered = sorted(groups.items(), key=lambda kv: -len(kv[1]))
        return [self.story(sid) if sid is not None else Story(None, group, self.copies(group))
                for sid, group in ordered]

    def story(self, story_id: str) -> Story:
        """A stored story (id or unique prefix) with all its articles and the copy links
        they got when they were placed."""
        from .stories.cluster import resolve_story, story_articles, story_copies
        from .stories.threads import thread_of

        full_id = resolve_story(self._need_store(), story_id)
        return Story(full_id, story_articles(self.store, full_id), story_copies(self.store, full_id),
                     thread_of(self.store, full_id))

    def copies(self, articles: list[Article]) -> dict[str, str]:
        """Syndicated copies among articles that are not stored: the same detector
        (stories/dedup) that gives stored articles their copy links when placed."""
        from .stories.dedup import find_copies

        return find_copies([a for a in articles if a.language == "en"], self.settings.dedup)

    # -- to briefs ------------------------------------------------------------------
    def brief(self, story: Story, words: int = 100) -> Brief:
        return self.briefs([story], words)[0]

    def briefs(self, stories: list[Story], words: int = 100) -> list[Brief]:
        """The brief of each story; with a store, each is cached under a key that changes
        whenever its output could (storyline/cache.py) and made only when missing."""
        from . import cache

        if self.store is None:
            return self._make_briefs(stories, words)
        keys = [cache.brief_key(s, words, self.settings) for s in stories]
        briefs = [self._cached(key) for key in keys]
        todo = [k for k, b in enumerate(briefs) if b is None]
        made = self._make_briefs([stories[k] for k in todo], words)
        with self.store.transaction():
            for k, brief in zip(todo, made):
                briefs[k] = brief
                self.store.cache_put(cache.BRIEF, keys[k], cache.encode_brief(brief),
                                     owner=stories[k].id, meta=cache.brief_meta(stories[k], words, self.settings))
        return briefs

    def part(self, story: Story, name: str, words: int = 100) -> Brief:
        """A brief holding only the named part (PARTS) and its sources: the cached brief's,
        else made by the stages the part needs."""
        from . import cache

        if name not in PARTS:
            raise StorylineError(f"unknown part {name!r} (choose from {', '.join(PARTS)})")
        brief = self._cached(cache.brief_key(story, words, self.settings)) if self.store is not None else None
        if brief is None:
            prepared = self._prepare([story])[0]
            brief = self._assemble(prepared, words, summary=False, analysis=name != "timeline")
        return brief

    def article_marks(self, article: Article) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]]:
        """(entity mentions (start, end, label), quoted spans (start, end)) of one article, from
        the parse the brief uses (the article's own sentence boundaries); cached with a store."""
        from . import cache
        from .analyze.entities import find_mentions
        from .analyze.quotes import find_quote_spans

        key = cache.marks_key(article.id)
        blob = self.store.cache_get(cache.MARKS, key) if self.store is not None else None
        if blob is not None:
            data = json.loads(blob)
            return [tuple(e) for e in data["entities"]], [tuple(q) for q in data["quotes"]]
        doc = parse_articles([article])[0] if article.language == "en" else None
        entities = [(m.start, m.end, m.label) for m in find_mentions(article, doc)] if doc is not None else []
        quotes = [(m.start, m.end) for m in find_quote_spans(article)]
        if self.store is not None:
            with self.store.transaction():
                self.store.cache_put(cache.MARKS, key, json.dumps({"entities": entities, "quotes": quotes}).encode(),
                                     owner=article.id)
        return entities, quotes

    def _cached(self, key: str) -> Brief | None:
        from . import cache

        blob = self.store.cache_get(cache.BRIEF, key)
        return Brief.from_json(json.loads(blob)) if blob is not None else None

    def _make_briefs(self, stories: list[Story], words: int) -> list[Brief]:
        prepared = self._prepare(stories)
        # stories are analysed side by side so that their sentences are embedded together
        return in_rounds([partial(self._assemble, p, words) for p in prepared], self.store)

    def _prepare(self, stories: list[Story]) -> list[Prepared]:
        """The language, copies and parse stages of several stories, parsed in one pass."""
        out = []
        for story in stories:
            ordered = sorted(story.articles, key=lambda a: (a.published.sort_key(), a.label, a.id))
            notes = [f"{a.label}: language '{a.language}', left out of the English-only analysis"
                     for a in ordered if a.language != "en"]
            analysed = [a for a in ordered if a.language == "en" and a.id not in story.copies]
            vectors = SentenceVectors(analysed, self.store, self.settings.embed)
            out.append(Prepared(story, ordered, analysed, [], vectors, notes))
        unique = list({a.id: a for p in out for a in p.analysed}.values())
        started = time.perf_counter()
        # each article's parse is kept in the store: a grown story parses only its new articles
        docs = dict(zip((a.id for a in unique),
                        parsed(unique, partial(parse_articles, processes=self.processes), self.store)))
        # and what the stages read off each parse alone, kept beside it
        read = dict(zip((a.id for a in unique), readings(unique, [docs[a.id] for a in unique], self.store)))
        if self.on_stage:
            self.on_stage("parse", time.perf_counter() - started)
        for p in out:
            p.docs = [docs[a.id] for a in p.analysed]
            p.readings = [read[a.id] for a in p.analysed]
        return out

    def _assemble(self, p: Prepared, words: int, summary: bool = True, analysis: bool = True) -> Brief:
        """The analysis, timeline and summary stages of one prepared story, assembled."""
        from .analyze.readings import dates_of, expressions_of
        from .analyze.relate import StoryAnalysis, analyze_story
        from .analyze.timeline import build_timeline
        from .report.assemble import assemble, previews
        from .report.summarize import summarize

        # each sentence's clauses (citations and agreements), the dates of each parse, the
        # timeline's sentence docs and expressions: read off each article's parse (_prepare)
        meanings = {(a.id, index): m for a, r in zip(p.analysed, p.readings) for index, m in r.meanings.items()}
        found = analyze_story(p.analysed, docs=p.docs, vectors=p.vectors, settings=self.settings, meanings=meanings,
                              dates={a.id: dates_of(r, d) for a, r, d in zip(p.analysed, p.readings, p.docs)}) \
            if analysis else StoryAnalysis()
        timeline = build_timeline(p.analysed, docs={a.id: r.sentence_docs for a, r in zip(p.analysed, p.readings)},
                                  settings=self.settings.timeline,
                                  expressions={a.id: expressions_of(r) for a, r in zip(p.analysed, p.readings)})
        cited, key_points = summarize(p.analysed, words=words, store=self.store, vectors=p.vectors,
                                      previews=previews(timeline.development), speakers=found.speakers,
                                      settings=self.settings.summary, same_fact=self.settings.same_fact,
                                      ingest=self.settings.ingest, meanings=meanings) \
            if summary else ([], [])
        return assemble(p.story, p.ordered, cited, key_points, found, timeline, p.notes, self.settings.ingest)

    def _need_store(self):
        if self.store is None:
            raise StorylineError("this needs a store (the articles are not stored)")
        return self.store

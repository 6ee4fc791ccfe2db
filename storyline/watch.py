"""The feed watcher: `storyline watch [--once] [--interval MIN] [--allow-private]` polls every
followed feed (storyline/feeds.py) when it is due and stores its new entries through the
Pipeline, as `storyline fetch` and `ingest` do.

One poll of a feed:

- a conditional GET (the ETag and Last-Modified stored as received are sent back as
  If-None-Match / If-Modified-Since); 304 means nothing was downloaded and nothing changed;
- a permanent redirect (301, 308) renames the feed to where it ended; 410 marks it gone and
  it is never polled again (it stays listed, and can be removed);
- any other failure (network, 4xx/5xx, not a feed) is stored as its last error and the feed
  backs off: the wait doubles with each failure in a row, up to FeedSettings.max_backoff_minutes,
  so a broken feed is retried daily, never dropped;
- the entries are read by the feed reader (ingest/feed.py, through ingest/fetch.read_page);
  an entry read before (feed_entries: its id, else its link) is skipped; an entry whose text
  is a teaser (ingest/feed.is_teaser) has its article page fetched and read instead;
- the new articles are stored and placed into stories by Pipeline.ingest_items, and only
  then are the validators, the entries read and the next poll written: a watcher stopped in
  the middle of a poll finds the feed due again and stores nothing twice (article ids are
  digests of their text);
- the next poll is the largest of the base interval, the feed's <ttl>, Cache-Control max-age
  and Retry-After, lengthened by up to FeedSettings.jitter.

Without --once it loops until SIGINT or SIGTERM, which let the feed in hand finish first.

Briefs kept current (BriefRebuilder): a Watcher given `rebuild=` queues the stories its new
articles were placed into (PollResult.stories); a worker thread with a Store of its own builds
their briefs through Pipeline.briefs, whose cache is what `storyline show`, `brief` and the web
app read, so they serve a current brief without building it. The queue is a set of story ids
(a story queued twice is built once), bounded (put waits while max_pending are queued); the
worker takes a few at a time, so that their articles are parsed in one pass. Stopping finishes
the batch in hand; stories still queued then are built when first asked for, as before.

`storyline serve --watch` runs both on background threads of the web app's process (Service,
started and stopped by the app's lifespan); every thread has its own Store (SQLite in WAL mode:
the app's readers are not blocked by the watcher's short write transactions).

Hooks for benchmarks: Watcher(on_poll=) gets each PollResult (its `stories`), and
BriefRebuilder(on_brief=) is called with (story id, cache key) once that story's brief is
stored in the cache; BriefRebuilder.wait_idle() returns once nothing is queued or in hand.
"""
from __future__ import annotations

import random
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, StorylineError
from .ingest import read_decoded
from .ingest.feed import NO_ENTRIES, feed_ttl, is_teaser, looks_like_feed, read_feed
from .ingest.fetch import Page, read_page, retry_after
from .model import Article
from .settings import DEFAULT_SETTINGS, FeedSettings, Settings

MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.I)
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, */*;q=0.5"


@dataclass
class PollResult:
    """What one poll of one feed did."""

    url: str  # the feed's URL after the poll (its new one after a permanent redirect)
    status: int | None
    added: int = 0
    known: int = 0
    error: str | None = None
    moved_from: str | None = None
    entry_errors: list[InputError] = field(default_factory=list)
    stories: list[str] = field(default_factory=list)  # ids of the stories the new articles were placed into


def base_interval(settings: FeedSettings, minutes: float | None = None) -> float:
    """Seconds of the base interval (--interval, else the setting); StorylineError under the minimum."""
    minutes = settings.interval_minutes if minutes is None else minutes
    if minutes < settings.min_interval_minutes:
        raise StorylineError(f"--interval {minutes:g}: feeds are polled at most every "
                             f"{settings.min_interval_minutes:g} minutes")
    return minutes * 60.0


def cache_seconds(headers: dict[str, str]) -> float | None:
    value = _header(headers, "cache-control")
    m = MAX_AGE.search(value or "")
    return float(m.group(1)) if m else None


def _header(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


class _Stop(threading.Event):
    """The watcher's stop flag; setting it also wakes the loop from its wait."""

    def __init__(self, wake: threading.Event):
        super().__init__()
        self._wake = wake

    def set(self) -> None:
        super().set()
        self._wake.set()


class Watcher:
    """Polls the store's feeds with one Fetcher (its per-host politeness holds across polls).
    rebuild: a BriefRebuilder that is given the stories each poll's new articles went into."""

    def __init__(self, pipeline, fetcher, settings: Settings = DEFAULT_SETTINGS, interval: float | None = None,
                 clock: Callable[[], float] = time.time, rng: random.Random | None = None,
                 on_poll: Callable[[PollResult], None] | None = None, rebuild: "BriefRebuilder | None" = None):
        self.pipeline = pipeline
        self.store = pipeline.store
        self.fetcher = fetcher
        self.settings = settings
        self.feed_settings = settings.feeds
        self.interval = base_interval(settings.feeds, interval)
        self.clock = clock
        self.rng = rng or random.Random()
        self.on_poll = on_poll
        self.rebuild = rebuild
        self._wake = threading.Event()
        self.stop = _Stop(self._wake)

    def wake(self) -> None:
        """Look for due feeds now rather than after the current wait (a feed was just added)."""
        self._wake.set()

    # -- the loop ------------------------------------------------------------------------
    def poll_due(self) -> list[PollResult]:
        """Poll each feed due now, most overdue first; stops between feeds once stop is set."""
        results = []
        for row in self.store.due_feeds(self.clock()):
            if self.stop.is_set():
                break
            result = self.poll(row)
            results.append(result)
            if self.on_poll:
                self.on_poll(result)
        return results

    def run(self, once: bool = False) -> list[PollResult]:
        """Poll due feeds until stop is set (SIGINT/SIGTERM in `storyline watch`), or once."""
        results = []
        while not self.stop.is_set():
            results += self.poll_due()
            if once or self.stop.is_set():
                break
            upcoming = self.store.next_feed_poll()
            wait = 60.0 if upcoming is None else max(0.0, upcoming - self.clock())
            self._wake.wait(min(wait, 60.0))  # re-read: feeds added meanwhile are seen within a minute
            self._wake.clear()
        return results

    def stop_on_signals(self) -> None:
        """SIGINT and SIGTERM set stop: the feed in hand is finished, then run returns."""
        def handler(signum, frame):
            self.stop.set()

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)

    # -- one feed ------------------------------------------------------------------------
    def poll(self, row) -> PollResult:
        url, now = row["url"], self.clock()
        headers = {"Accept": FEED_ACCEPT}
        if row["etag"]:
            headers["If-None-Match"] = row["etag"]
        if row["last_modified"]:
            headers["If-Modified-Since"] = row["last_modified"]
        try:
            page = self.fetcher.fetch(url, accept=lambda _type: True, headers=headers)
        except InputError as e:  # a FetchError, or a body that cannot be decoded
            return self._failed(row, now, e.problem, getattr(e, "status", None), getattr(e, "retry_after", None))
        result = PollResult(url, page.status)
        if page.moved_to and page.moved_to != url:
            self.store.move_feed(url, page.moved_to)
            result.url, result.moved_from = page.moved_to, url
        if page.status == 304:
            self._succeeded(result, row, now, page, ttl=None)
            return result
        if not looks_like_feed(page.text):
            kind = (page.content_type.split(";")[0].strip() or "no Content-Type")
            problem = f"not an RSS/Atom feed ({kind}" + (", empty body)" if not page.text.strip() else ")")
            return self._failed(row, now, problem, page.status, None, result.url)
        try:
            self._store_entries(result, page)
        except InputError as e:
            return self._failed(row, now, e.problem, page.status, None, result.url)
        self._succeeded(result, row, now, page, ttl=feed_ttl(page.text))
        return result

    def _entries(self, page: Page) -> tuple[dict[str, tuple], list[InputError]]:
        """{entry key: (the reader's item, the raw entry)} of a feed, and the feed's own errors.
        The items come from the one reader path (ingest.read_decoded, as a feed file's); the raw
        entries (read_feed again) give a teaser's link, which the reader refuses as too short."""
        try:
            raws = {raw.source: raw for raw in read_feed(page.url, page.text)[0]}
        except InputError as e:
            if e.problem == NO_ENTRIES:
                return {}, []
            raise  # unparseable: the poll failed
        entries, errors = {}, []
        for item in read_decoded(page.url, page.text, "feed", None, None, self.settings.ingest, page.notes,
                                 url=page.final_url):
            raw = raws.get(item.source)
            if raw is None:
                errors.append(item)
            else:
                entries.setdefault(_entry_key(raw.metadata, raw.url, raw.source), (item, raw))
        return entries, errors

    def _store_entries(self, result: PollResult, page: Page) -> None:
        """(InputError when the feed cannot be parsed.) Store the entries not read before (a teaser's page instead of the teaser), then mark
        them read; a teaser whose page could not be fetched stays unread (tried next poll)."""
        entries, result.entry_errors = self._entries(page)
        seen = self.store.seen_entries(result.url, entries)
        items: list[Article | InputError] = []
        done = []
        for key, (item, raw) in entries.items():
            if key in seen:
                continue
            got, final = self._full_article(key, item, raw)
            items += got
            if final:
                done.append(key)
        report = self.pipeline.ingest_items(items)
        result.added, result.known = len(report.added), len(report.known)
        result.entry_errors += report.errors
        self.store.mark_entries(result.url, done)
        result.stories = sorted(set(self.store.stories_of([a.id for a in report.added]).values()))
        if self.rebuild is not None and result.stories:
            self.rebuild.put(result.stories)

    def _full_article(self, key: str, item, raw) -> tuple[list, bool]:
        """(items to store or report, whether the entry is done): the entry's article page when
        the entry is a teaser with a link, else the entry as read."""
        if not raw.url or not is_teaser(raw.text, self.feed_settings.teaser_words):
            return [item], True
        try:
            page = self.fetcher.fetch(raw.url)
        except InputError as e:
            if isinstance(item, Article):
                return [item, e], True  # a short entry that is an article by itself is kept
            return [e], False
        read = list(read_page(page, settings=self.settings.ingest))
        full = [a for a in read if isinstance(a, Article)]
        if not full:
            return ([item] if isinstance(item, Article) else []) + read, True
        article = full[0]
        article.title = article.title or raw.title
        article.metadata = {**article.metadata, "feed": raw.metadata.get("feed"), "entry": key}
        return [article], True

    def _succeeded(self, result: PollResult, row, now: float, page: Page, ttl: float | None) -> None:
        wait = max(self.interval, (ttl or 0) * 60.0, cache_seconds(page.headers) or 0.0,
                   retry_after(_header(page.headers, "retry-after")) or 0.0)
        fields = dict(last_poll=now, status=page.status, last_error=None, failures=0,
                      next_poll=now + self._jittered(wait))
        if page.status != 304:  # validators as received; a 304 may omit them
            fields.update(etag=_header(page.headers, "etag"), last_modified=_header(page.headers, "last-modified"))
        if not row["title"]:
            title = _feed_title(page)
            if title:
                fields["title"] = title
        self.store.update_feed(result.url, added=result.added, **fields)

    def _failed(self, row, now: float, problem: str, status: int | None, wait: float | None,
                url: str | None = None) -> PollResult:
        url = url or row["url"]
        if status == 410:
            self.store.update_feed(url, last_poll=now, status=410, last_error=problem, gone=1)
            return PollResult(url, 410, error=problem)
        failures = row["failures"] + 1
        backoff = min(self.interval * 2 ** (failures - 1), self.feed_settings.max_backoff_minutes * 60.0)
        self.store.update_feed(url, last_poll=now, status=status, last_error=problem, failures=failures,
                               next_poll=now + self._jittered(max(backoff, wait or 0.0)))
        return PollResult(url, status, error=problem)

    def _jittered(self, seconds: float) -> float:
        return seconds * (1.0 + self.feed_settings.jitter * self.rng.random())


def _entry_key(metadata: dict, url: str | None, source: str) -> str:
    """An entry's identity in its feed: its id (guid), else its link, else its place."""
    return str(metadata.get("id") or url or source)


def _feed_title(page: Page) -> str | None:
    m = re.search(r"<title[^>]*>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</title>", page.text[:50_000], re.S | re.I)
    if not m:
        return None
    import html

    return html.unescape(re.sub(r"\s+", " ", m.group(1))).strip()[:300] or None


# -- briefs kept current ------------------------------------------------------------------
class BriefRebuilder:
    """Builds the briefs of changed stories on a worker thread, into the store's brief cache.

        rebuild = BriefRebuilder(db_path, settings)  # starts its thread, which opens its own Store
        rebuild.put(story_ids)       # queue them (a set: one already queued is not added twice)
        rebuild.wait_idle(timeout)   # True once nothing is queued or in hand
        rebuild.close()              # finish the batch in hand, then stop (drain=True: the queue too)

    The briefs are made by Pipeline.briefs (words, settings: the ones `storyline show` and the
    web app ask for, so they find them cached); a story already current costs a cache look-up.
    on_brief(story_id, key) is called once the story's brief is in the cache under key. A story
    gone before its turn (merged into another, which is queued in its turn) is skipped; any other
    failure is reported on stderr (and kept in .errors) and the worker goes on."""

    def __init__(self, db_path: str | Path | None, settings: Settings = DEFAULT_SETTINGS, words: int = 100,
                 batch: int = 8, max_pending: int = 10_000,
                 on_brief: Callable[[str, str], None] | None = None, processes: int = 1):
        self.db_path = db_path
        self.settings = settings
        self.words = words
        self.batch = batch
        self.max_pending = max_pending
        self.on_brief = on_brief
        self.processes = processes  # parse processes: one, so the watcher and the web app keep a core
        self.errors: list[str] = []
        self.built = 0  # briefs made (a story found current is not counted)
        self._pending: dict[str, None] = {}  # an ordered set: oldest first
        self._in_hand: list[str] = []
        self._closing = False
        self._drain = False
        self._cv = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="storyline-briefs", daemon=True)
        self._thread.start()

    def put(self, story_ids: Iterable[str]) -> None:
        """Queue stories whose brief may be stale; waits while max_pending others are queued."""
        with self._cv:
            for sid in story_ids:
                if sid in self._pending:
                    continue
                self._cv.wait_for(lambda: len(self._pending) < self.max_pending or self._closing)
                if self._closing:
                    return
                self._pending[sid] = None
            self._cv.notify_all()

    def pending(self) -> list[str]:
        """The story ids queued or in hand."""
        with self._cv:
            return list(self._in_hand) + [s for s in self._pending if s not in self._in_hand]

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._cv:
            return self._cv.wait_for(lambda: not self._pending and not self._in_hand, timeout)

    def close(self, drain: bool = False, timeout: float | None = None) -> list[str]:
        """Stop after the batch in hand (drain: after the whole queue); the ids left unbuilt."""
        with self._cv:
            self._closing, self._drain = True, drain
            self._cv.notify_all()
        self._thread.join(timeout)
        with self._cv:
            return list(self._pending)

    def _take(self) -> list[str] | None:
        with self._cv:
            self._cv.wait_for(lambda: self._pending or self._closing)
            if self._closing and not (self._drain and self._pending):
                return None
            self._in_hand = list(self._pending)[: self.batch]
            for sid in self._in_hand:
                del self._pending[sid]
            return self._in_hand

    def _done(self) -> None:
        with self._cv:
            self._in_hand = []
            self._cv.notify_all()

    def _work(self) -> None:
        from .pipeline import Pipeline
        from .store import Store

        try:
            store = Store(self.db_path)
        except StorylineError as e:
            self._fail(f"storyline: briefs not rebuilt: {e}")
            with self._cv:  # put() must not wait for a worker that is not there
                self._closing = True
                self._pending.clear()
                self._cv.notify_all()
            return
        with store:
            pipeline = Pipeline(self.settings, store=store, processes=self.processes)
            while (ids := self._take()) is not None:
                try:
                    self._build(pipeline, ids)
                finally:
                    self._done()

    def _build(self, pipeline, ids: list[str]) -> None:
        from . import cache

        stories = []
        for sid in ids:
            try:
                stories.append(pipeline.story(sid))
            except StorylineError:
                pass  # merged away or removed since it was queued
        try:
            keys = [cache.brief_key(s, self.words, self.settings) for s in stories]
            missing = sum(pipeline.store.cache_get(cache.BRIEF, key) is None for key in keys)
            pipeline.briefs(stories, words=self.words)
        except Exception as e:  # noqa: BLE001 - one bad batch must not end the worker
            self._fail(f"storyline: briefs of stories {', '.join(s.id[:12] for s in stories)}: {e}")
            return
        self.built += missing
        if self.on_brief:
            for story, key in zip(stories, keys):
                self.on_brief(story.id, key)

    def _fail(self, line: str) -> None:
        self.errors.append(line)
        print(line, file=sys.stderr, flush=True)


class Service:
    """`storyline serve --watch`: a Watcher and its BriefRebuilder on background threads of
    the calling process (the web app's), each thread with its own Store on db_path.

        service = Service(db_path, settings, interval=None, allow_private=False)  # checks interval
        service.start()   # the web app's lifespan start
        service.wake()    # poll due feeds now (a feed was added)
        service.queue_briefs(story_ids)  # stories an upload changed
        service.stop()    # lifespan end: the feed in hand and the brief batch in hand finish
    """

    def __init__(self, db_path: str | Path | None, settings: Settings = DEFAULT_SETTINGS,
                 interval: float | None = None, allow_private: bool | frozenset[str] = False,
                 on_poll: Callable[[PollResult], None] | None = None, words: int = 100):
        self.interval = base_interval(settings.feeds, interval)  # StorylineError at once, not in the thread
        self.db_path = db_path
        self.settings = settings
        self.allow_private = allow_private
        self.on_poll = on_poll
        self.words = words
        self.watcher: Watcher | None = None
        self.rebuild: BriefRebuilder | None = None
        self.errors: list[str] = []
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        from .ingest.fetch import Fetcher
        from .pipeline import Pipeline
        from .store import Store

        self.rebuild = BriefRebuilder(self.db_path, self.settings, words=self.words)
        store = Store(self.db_path)  # used by the watcher's thread only from here on
        fetcher = Fetcher(self.settings.fetch, allow_private=self.allow_private)
        self.watcher = Watcher(Pipeline(self.settings, store=store), fetcher, self.settings,
                               interval=self.interval / 60.0, on_poll=self.on_poll, rebuild=self.rebuild)
        self._thread = threading.Thread(target=self._run, args=(store, fetcher), name="storyline-watch",
                                        daemon=True)
        self._thread.start()

    def wake(self) -> None:
        if self.watcher is not None:
            self.watcher.wake()

    def queue_briefs(self, story_ids: list[str]) -> None:
        """Rebuild these stories' briefs in the background too (the web app's uploads)."""
        if self.rebuild is not None and story_ids:
            self.rebuild.put(story_ids)

    def stop(self, timeout: float | None = None) -> None:
        if self.watcher is not None:
            self.watcher.stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.rebuild is not None:
            self.rebuild.close(timeout=timeout)

    def _run(self, store, fetcher) -> None:
        with store, fetcher:
            while not self.watcher.stop.is_set():
                try:
                    self.watcher.run()
                except Exception as e:  # noqa: BLE001 - reported, retried; the web app goes on serving
                    line = f"storyline: watcher: {e} (trying again in a minute)"
                    self.errors.append(line)
                    print(line, file=sys.stderr, flush=True)
                    self.watcher.stop.wait(60.0)

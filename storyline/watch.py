"""The feed watcher: `storyline watch [--once] [--interval MIN] [--allow-private]` polls every
followed feed (storyline/feeds.py) when it is due and stores its new entries through the
Pipeline, as `storyline fetch` and `ingest` do.

A round: poll_due polls every feed due now, most overdue first. One poll of a feed:

- a conditional GET (the ETag and Last-Modified stored as received are sent back as
  If-None-Match / If-Modified-Since); 304 means nothing was downloaded and nothing changed;
- a permanent redirect (301, 308) renames the feed to where it ended; 410 marks it gone and
  it is never polled again (it stays listed, and can be removed);
- any other failure (network, 4xx/5xx, not a feed, over FetchSettings.max_bytes) is stored as
  its last error and the feed backs off: the wait doubles with each failure in a row, up to
  FeedSettings.max_backoff_minutes, so a broken feed is retried daily, never dropped;
- the feed is parsed once, by the feed reader's read stage (ingest.decoded_raw, as a feed
  file's); nothing is built for an entry read before (feed_entries: its id, else its link), nor
  for one whose link is a stored article (its URL, or the page it was read from: counted as
  known and marked read) or an entry of another feed taken this round; the other entries are
  built by ingest.build_item, and one whose text is a teaser (ingest/feed.is_teaser) has its
  article page fetched and read instead (a teaser whose page fails stays unread and its feed's
  validators are not kept, so the next poll reads the feed again, not a 304, and tries the page
  again: a dead link is tried at every poll while its entry is in the feed);
- the next poll is the largest of the base interval, the feed's <ttl>, Cache-Control max-age
  and Retry-After, lengthened by up to FeedSettings.jitter.

The new articles of the whole round are stored and placed into stories by one
Pipeline.ingest_items call (as `storyline ingest` of them would be), or one per
FeedSettings.round_articles articles (a huge feed is stored in chunks: bounded memory). After
each chunk, in one transaction, its entries are marked read and each feed's articles counted;
a feed's validators and next poll are written once all its entries are through. A watcher
stopped (or killed) before then finds the feed due again, skips the entries marked and stores
nothing twice (article ids are digests of their text).

Without --once it loops until SIGINT or SIGTERM, which let the feed in hand finish first (a
feed of more than round_articles new entries: the chunk in hand; the rest is read next time).

Briefs kept current (BriefRebuilder): a Watcher given `rebuild=` queues the stories its new
articles were placed into (PollResult.stories); a worker thread with a Store of its own builds
their briefs through Pipeline.briefs, whose cache is what `storyline show`, `brief` and the web
app read, so they serve a current brief without building it. The queue is a set of story ids
(a story queued twice is built once), bounded (put waits while max_pending are queued), and
kept in the store too (Store.queue_briefs: a row per story, deleted once built), so that a
rebuilder started after a stop or a crash builds what was left; the worker takes a few at a
time, so that their articles are parsed in one pass. Stopping finishes the batch in hand.
A story linked by thread to a grown one is not queued: its brief's key holds the thread's
headlines and dates (cache.brief_key), so its cached brief is never served stale; when the
link changed, it is built when first asked for.

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
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, StorylineError
from .ingest import RawArticle, build_item, decoded_raw
from .ingest.feed import NO_ENTRIES, feed_ttl, is_teaser, looks_like_feed
from .ingest.fetch import Page, canonical_url, read_page, retry_after
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


@dataclass
class _Polled:
    """A feed fetched and read in this round, whose new entries are being stored."""

    row: object
    result: PollResult
    page: Page
    now: float
    ttl: float | None
    pending: list  # [(entry key, RawArticle)] to read, in feed order
    done: list[str]  # keys read and not yet marked (those of the chunk in hand)
    complete: bool = False  # every pending entry is in a chunk
    unread: bool = False  # an entry stays unread (its teaser's page failed): the feed is not validated


@dataclass
class _Chunk:
    """The articles of a round not yet stored, and the feeds they came from."""

    feeds: list[_Polled] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    owner: dict[int, _Polled] = field(default_factory=dict)  # id(article) -> its feed

    def add(self, polled: _Polled, key: str, items: list, final: bool) -> None:
        for item in items:
            if isinstance(item, Article):
                self.articles.append(item)
                self.owner[id(item)] = polled
            else:
                polled.result.entry_errors.append(item)
        if final:
            polled.done.append(key)
        else:
            polled.unread = True


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


class _Flag:
    """A threading.Event that a signal handler may set. The handler runs in the main thread
    between any two bytecodes: inside the main thread's own wait on the flag (which holds the
    flag's lock around its wait), or inside a first handler's set (a second Ctrl-C). Event's
    lock is not reentrant, so its set() would wait there for the main thread itself, for ever;
    this lock is reentrant. (A signal between the wait's look at the flag and its sleep is
    seen when the sleep times out: run's wait is at most a minute.)"""

    def __init__(self):
        self._cond = threading.Condition(threading.RLock())
        self._flag = False

    def is_set(self) -> bool:
        return self._flag

    def set(self) -> None:
        with self._cond:
            self._flag = True
            self._cond.notify_all()

    def clear(self) -> None:
        with self._cond:
            self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._flag, timeout)


class _Stop(_Flag):
    """The watcher's stop flag; setting it also wakes the loop from its wait."""

    def __init__(self, wake: _Flag):
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
        self._wake = _Flag()
        self.stop = _Stop(self._wake)

    def wake(self) -> None:
        """Look for due feeds now rather than after the current wait (a feed was just added)."""
        self._wake.set()

    # -- the loop ------------------------------------------------------------------------
    def poll_due(self) -> list[PollResult]:
        """Poll each feed due now, most overdue first, as one round: the new entries of every
        feed go to the store in one Pipeline.ingest_items call (one placement, as `storyline
        ingest` of the same articles makes), or one per FeedSettings.round_articles articles.
        Stops between feeds once stop is set (and within a feed after a chunk was stored)."""
        return self._poll_rows(self.store.due_feeds(self.clock()))

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

    # -- one round -----------------------------------------------------------------------
    def _poll_rows(self, rows) -> list[PollResult]:
        results: list[PollResult] = []
        chunk = _Chunk()
        in_round: set[str] = set()  # canonical links of the entries taken this round
        for row in rows:
            if self.stop.is_set():
                break
            polled = self._fetch_feed(row, in_round)
            if isinstance(polled, PollResult):  # failed, 304, or nothing to read
                self._report(polled, results)
                continue
            chunk.feeds.append(polled)
            for key, raw in polled.pending:
                got, final = self._entry_items(key, raw)
                chunk.add(polled, key, got, final)
                if len(chunk.articles) >= self.feed_settings.round_articles:
                    self._store_chunk(chunk, results)
                    if self.stop.is_set():
                        break  # the chunk in hand is stored; this feed stays due (its rest is read next time)
            else:
                polled.complete = True
        self._store_chunk(chunk, results)
        return results

    def _report(self, result: PollResult, results: list[PollResult]) -> None:
        results.append(result)
        if self.on_poll:
            self.on_poll(result)

    def _store_chunk(self, chunk: "_Chunk", results: list[PollResult]) -> None:
        """Store and place the chunk's articles (one ingest_items), then, in one transaction,
        mark its entries read and count each feed's articles; a feed whose entries are all
        through is finished (its validators and next poll written) and reported. The feed
        still being read stays in the chunk for the next one."""
        if not chunk.feeds:
            return
        report = self.pipeline.ingest_items(chunk.articles) if chunk.articles else None
        added: dict[int, list[str]] = {}
        if report is not None:
            for article in report.added:
                added.setdefault(id(chunk.owner[id(article)]), []).append(article.id)
            for article in report.known:
                chunk.owner[id(article)].result.known += 1
        story_of = self.store.stories_of([aid for ids in added.values() for aid in ids])
        with self.store.transaction():
            for polled in chunk.feeds:
                ids = added.get(id(polled), [])
                polled.result.added += len(ids)
                polled.result.stories = sorted({*polled.result.stories, *(story_of[a] for a in ids if a in story_of)})
                self.store.mark_entries(polled.result.url, polled.done)
                if ids:
                    self.store.update_feed(polled.result.url, added=len(ids))
        stories = sorted(set(story_of.values()))
        if self.rebuild is not None and stories:
            self.rebuild.put(stories)
        going_on = []
        for polled in chunk.feeds:
            polled.done = []
            if polled.complete:
                self._succeeded(polled.result, polled.row, polled.now, polled.page, polled.ttl,
                                validated=not polled.unread)
            elif polled is not chunk.feeds[-1] or self.stop.is_set():
                pass  # stopped in the middle of it: reported with what was stored; due again
            else:
                going_on.append(polled)
                continue
            self._report(polled.result, results)
        chunk.feeds, chunk.articles, chunk.owner = going_on, [], {}

    # -- one feed ------------------------------------------------------------------------
    def _fetch_feed(self, row, in_round: set[str]) -> "PollResult | _Polled":
        """The feed fetched (conditional GET) and read: its entries not read before, or the
        finished PollResult of a poll that failed, got 304 or found nothing new."""
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
            entries, result.entry_errors = self._entries(page)
        except InputError as e:
            return self._failed(row, now, e.problem, page.status, None, result.url)
        pending, done = self._new_entries(result, entries, in_round)
        if not pending and not done:
            self._succeeded(result, row, now, page, ttl=feed_ttl(page.text))
            return result
        return _Polled(row, result, page, now, feed_ttl(page.text), pending, done)

    def _entries(self, page: Page) -> tuple[dict[str, RawArticle], list[InputError]]:
        """{entry key: raw entry} of a feed, read once by the one reader path (ingest.decoded_raw,
        as a feed file's read stage), and the entries that cannot be read; InputError when the
        feed itself cannot be parsed. Nothing is built yet: an entry read before costs its key."""
        entries, errors = {}, []
        for item in decoded_raw(page.url, page.text, "feed", None, page.notes, url=page.final_url):
            if isinstance(item, InputError):
                if item.source != page.url:
                    errors.append(item)  # one entry's ("URL#N")
                elif item.problem != NO_ENTRIES:
                    raise item  # unparseable: the poll failed
            else:
                entries.setdefault(_entry_key(item.metadata, item.url, item.source), item)
        return entries, errors

    def _new_entries(self, result: PollResult, entries: dict[str, RawArticle],
                     in_round: set[str]) -> tuple[list[tuple[str, RawArticle]], list[str]]:
        """([(key, entry)] to read, [keys] done already): the entries not read from this feed
        before (feed_entries) whose link is not an article stored already (by another feed,
        `fetch` or an earlier poll: those are counted known and marked read, nothing fetched)
        nor an entry of another feed taken this round (left unread: a later poll of this feed
        finds it stored)."""
        seen = self.store.seen_entries(result.url, entries)
        fresh = {key: raw for key, raw in entries.items() if key not in seen}
        links = {key: _links(raw.url) for key, raw in fresh.items() if raw.url}
        stored = self.store.stored_urls({u for spellings in links.values() for u in spellings})
        pending, done = [], []
        for key, raw in fresh.items():
            spellings = links.get(key, ())
            if any(u in stored for u in spellings):
                result.known += 1
                done.append(key)
            elif not any(u in in_round for u in spellings):
                in_round.update(spellings)
                pending.append((key, raw))
        return pending, done

    def _entry_items(self, key: str, raw: RawArticle) -> tuple[list, bool]:
        """(items to store or report, whether the entry is done): the entry's article page when
        the entry is a teaser with a link, else the entry as read; a teaser whose page could not
        be fetched stays unread (tried next poll), unless it is an article by itself."""
        if not raw.url or not is_teaser(raw.text, self.feed_settings.teaser_words):
            return [build_item(raw, None, self.settings.ingest)], True
        try:
            page = self.fetcher.fetch(raw.url)
        except InputError as e:
            item = build_item(raw, None, self.settings.ingest)
            if isinstance(item, Article):
                return [item, e], True  # a short entry that is an article by itself is kept
            return [e], False
        read = list(read_page(page, settings=self.settings.ingest))
        full = [a for a in read if isinstance(a, Article)]
        if not full:
            item = build_item(raw, None, self.settings.ingest)
            return ([item] if isinstance(item, Article) else []) + read, True
        article = full[0]
        article.title = article.title or raw.title
        article.metadata = {**article.metadata, "feed": raw.metadata.get("feed"), "entry": key}
        return [article], True

    def _succeeded(self, result: PollResult, row, now: float, page: Page, ttl: float | None,
                   validated: bool = True) -> None:
        """The poll went through: its status and next poll, and the validators as received
        (a 304 may omit them: the stored ones stay). Not validated (an entry left unread to
        be tried again): none are kept, so that the next poll reads the feed again, not a 304."""
        wait = max(self.interval, (ttl or 0) * 60.0, cache_seconds(page.headers) or 0.0,
                   retry_after(_header(page.headers, "retry-after")) or 0.0)
        fields = dict(last_poll=now, status=page.status, last_error=None, failures=0,
                      next_poll=now + self._jittered(wait))
        if not validated:
            fields.update(etag=None, last_modified=None)
        elif page.status != 304:
            fields.update(etag=_header(page.headers, "etag"), last_modified=_header(page.headers, "last-modified"))
        if not row["title"]:
            title = _feed_title(page)
            if title:
                fields["title"] = title
        self.store.update_feed(result.url, **fields)  # its articles were counted as each chunk was stored

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


def _links(url: str) -> set[str]:
    """An entry link as written and canonicalised (how a fetched page's article stores it)."""
    try:
        return {url, canonical_url(url)}
    except ValueError:
        return {url}


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
        self._pending: dict[str, str] = {}  # {story id: token of its queuing}, oldest first
        self._in_hand: dict[str, str] = {}
        self._queue_store = None  # the Store put() keeps the queue in (opened by the first put)
        self._queue_lock = threading.Lock()
        self._closing = False
        self._drain = False
        self._cv = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="storyline-briefs", daemon=True)
        self._thread.start()

    def put(self, story_ids: Iterable[str]) -> None:
        """Queue stories whose brief may be stale, in the store first (a restart resumes them);
        waits while max_pending others are queued."""
        tokens = {sid: uuid.uuid4().hex for sid in dict.fromkeys(story_ids)}
        if not tokens:
            return
        self._save(tokens)
        with self._cv:
            for sid, token in tokens.items():
                if sid in self._pending:
                    self._pending[sid] = token  # the row's token now: the build of it deletes the row
                    continue
                self._cv.wait_for(lambda: len(self._pending) < self.max_pending or self._closing)
                if self._closing:
                    return  # kept in the store: the next rebuilder on it builds them
                self._pending[sid] = token
            self._cv.notify_all()

    def _save(self, tokens: dict[str, str]) -> None:
        from .store import Store

        with self._queue_lock:
            try:
                store = self._queue_store or Store(self.db_path)
                try:
                    store.queue_briefs(tokens)
                finally:
                    # Closing (a watcher thread close()'s join timed out on may still put):
                    # saved for the next rebuilder on this database, no connection kept open.
                    if self._closing:
                        store.close()
                        store = None
                    self._queue_store = store
            except StorylineError as e:  # the briefs are still built, only not resumed after a restart
                self._fail(f"storyline: brief queue not saved: {e}")

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
        with self._queue_lock:
            if self._queue_store is not None:
                self._queue_store.close()
                self._queue_store = None
        with self._cv:
            return list(self._pending)

    def _take(self) -> list[str] | None:
        with self._cv:
            self._cv.wait_for(lambda: self._pending or self._closing)
            if self._closing and not (self._drain and self._pending):
                return None
            self._in_hand = {sid: self._pending.pop(sid) for sid in list(self._pending)[: self.batch]}
            return list(self._in_hand)

    def _done(self, store) -> None:
        """The batch in hand is through (built, gone or failed, reported): off the queue."""
        with self._cv:
            built = dict(self._in_hand)
        try:
            store.unqueue_briefs(built)  # a story queued again since keeps its row (its token is newer)
        except StorylineError as e:
            self._fail(f"storyline: brief queue: {e}")
        with self._cv:
            self._in_hand = {}
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
            try:
                left = store.queued_briefs()  # what a rebuilder stopped before (a restart) left queued
            except StorylineError as e:
                self._fail(f"storyline: brief queue not read: {e}")
                left = {}
            with self._cv:
                self._pending = {**{sid: t for sid, t in left.items() if sid not in self._pending}, **self._pending}
                self._cv.notify_all()
            pipeline = Pipeline(self.settings, store=store, processes=self.processes)
            while (ids := self._take()) is not None:
                try:
                    self._build(pipeline, ids)
                finally:
                    self._done(store)

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

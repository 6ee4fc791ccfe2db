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
"""
from __future__ import annotations

import random
import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import InputError, StorylineError
from .ingest import read_decoded
from .ingest.feed import feed_ttl, is_teaser, looks_like_feed, read_feed
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


class Watcher:
    """Polls the store's feeds with one Fetcher (its per-host politeness holds across polls)."""

    def __init__(self, pipeline, fetcher, settings: Settings = DEFAULT_SETTINGS, interval: float | None = None,
                 clock: Callable[[], float] = time.time, rng: random.Random | None = None,
                 on_poll: Callable[[PollResult], None] | None = None):
        self.pipeline = pipeline
        self.store = pipeline.store
        self.fetcher = fetcher
        self.settings = settings
        self.feed_settings = settings.feeds
        self.interval = base_interval(settings.feeds, interval)
        self.clock = clock
        self.rng = rng or random.Random()
        self.on_poll = on_poll
        self.stop = threading.Event()

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
            self.stop.wait(min(wait, 60.0))  # re-read: feeds added meanwhile are seen within a minute
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
            if "no entries" in e.problem:  # a feed with nothing in it now: not a failure
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

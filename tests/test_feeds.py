"""Followed feeds and the watcher, on a server the tests start on 127.0.0.1 (the server of
tests/test_fetch.py). The feeds are generated at test time from real pages of the extraction
benchmark (../shared/corpus/extraction/html): full-text entries carry an article's own text,
teaser entries a few of its words and a link to the page on this server."""
from __future__ import annotations

import html
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from storyline.cli import main
from storyline.feeds import export_opml, feed_rows, import_opml, read_opml
from storyline.ingest import build_item, read_decoded
from storyline.ingest.feed import feed_ttl, is_teaser
from storyline.ingest.fetch import Fetcher
from storyline.model import Article
from storyline.pipeline import Pipeline
from storyline.settings import DEFAULT_SETTINGS, FeedSettings
from storyline.store import Store
from storyline.watch import Watcher
from tests.conftest import REPO
from tests.test_fetch import FAST, LOOPBACK, PAGES, page_bytes, server, web  # noqa: F401 (the loopback fixtures)

FEEDS = FeedSettings(interval_minutes=1.0, min_interval_minutes=0.0, jitter=0.0)
SETTINGS = replace(DEFAULT_SETTINGS, feeds=FEEDS)
HOUR = 3600.0


def corpus_articles(n: int) -> list[tuple[str, Article]]:
    """(page key, article) of the first n pages of the extraction corpus that read as an
    article of at least 150 words."""
    found = []
    for path in sorted(PAGES.glob("*.html.gz")):
        key = path.name.split(".")[0]
        items = [a for a in read_decoded(key, page_bytes(key).decode("utf-8", "replace"), "html")
                 if isinstance(a, Article)]
        if items and len(items[0].text.split()) >= 150 and items[0].title:
            found.append((key, items[0]))
        if len(found) == n:
            return found
    pytest.skip(f"fewer than {n} article pages in {PAGES}")


@pytest.fixture(scope="module")
def articles():
    return corpus_articles(6)


def rss(base: str, entries: list[tuple[str, Article, bool]], ttl: int | None = None, title: str = "Loopback desk") -> bytes:
    """An RSS 2.0 feed: each entry (key, article, teaser) links to /page/KEY on the server;
    a teaser carries the article's first dozen words, the others its whole text."""
    items = []
    for i, (key, article, teaser) in enumerate(entries):
        words = article.text.split()
        body = " ".join(words[:12]) + " ..." if teaser else \
            "".join(f"<p>{html.escape(p)}</p>" for p in article.text.split("\n") if p.strip())
        items.append(f"<item><title>{html.escape(article.title)}</title><link>{base}/page/{key}</link>"
                     f"<guid>{base}/entry/{key}</guid><pubDate>Mon, 0{i + 1} Jun 2024 10:00:00 GMT</pubDate>"
                     f"<description>{html.escape(body)}</description></item>")
    ttl_tag = f"<ttl>{ttl}</ttl>" if ttl else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>{base}/</link>{ttl_tag}{''.join(items)}</channel></rss>").encode()


class Feed:
    """A route serving a feed with validators; answers 304 to a matching conditional GET.
    status/headers override the answer (a failing or moving feed)."""

    def __init__(self, body: bytes, etag: str | None = '"v1"', last_modified: str | None = "Mon, 03 Jun 2024 10:00:00 GMT"):
        self.body, self.etag, self.last_modified = body, etag, last_modified
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.seen: list[dict[str, str]] = []  # request headers of every request

    def __call__(self, h):
        self.seen.append({k.lower(): v for k, v in h.headers.items()})
        if self.status:
            return h.send(self.status, b"", "text/plain", self.headers)
        validators = {k: v for k, v in (("ETag", self.etag), ("Last-Modified", self.last_modified)) if v}
        if (self.etag and h.headers.get("If-None-Match") == self.etag) or \
                (not self.etag and self.last_modified and h.headers.get("If-Modified-Since") == self.last_modified):
            h.send_response(304)
            for k, v in {**validators, **self.headers}.items():
                h.send_header(k, v)
            h.send_header("Content-Length", "0")
            return h.end_headers()
        return h.send(200, self.body, "application/rss+xml; charset=utf-8", {**validators, **self.headers})


class Clock:
    def __init__(self):
        self.now = time.time() + 1.0  # feeds added just now are due

    def __call__(self) -> float:
        return self.now


def watcher(store, fetcher, clock=None, settings=SETTINGS, rng=None) -> Watcher:
    return Watcher(Pipeline(settings, store=store), fetcher, settings, clock=clock or Clock(),
                   rng=rng or random.Random(7))


def test_feeds_are_stored_once_under_their_canonical_url_and_removed(store):
    from storyline.feeds import add_feeds, remove_feed

    added, known, errors = add_feeds(store, ["HTTP://News.Example.com:80/rss?utm_source=x", "ftp://example.com/f",
                                             "http://news.example.com/rss"], category="World")
    assert added == ["http://news.example.com/rss"] and known == ["http://news.example.com/rss"]
    assert len(errors) == 1 and "ftp://example.com/f" in str(errors[0])
    [row] = feed_rows(store)
    assert row["url"] == "http://news.example.com/rss" and row["category"] == "World"
    assert row["last_poll"] is None and row["status"] is None and row["articles"] == 0 and not row["gone"]
    remove_feed(store, "http://news.example.com/rss?utm_medium=feed")  # any spelling of it
    assert feed_rows(store) == []
    with pytest.raises(Exception, match="not a followed feed"):
        remove_feed(store, "http://news.example.com/rss")


def test_opml_import_keeps_categories_and_export_reads_back(store, tmp_path):
    opml = tmp_path / "subs.opml"
    opml.write_text("""<?xml version="1.0"?><opml version="1.0"><head><title>mine</title></head><body>
      <outline text="World"><outline type="rss" text="Desk A" xmlUrl="http://a.example.com/feed"/>
        <outline type="rss" text="Desk B" xmlUrl="https://b.example.com/atom.xml?utm_source=opml"/></outline>
      <outline type="rss" text="Loose &amp; odd" xmlUrl="http://c.example.com/rss"/>
      <outline type="rss" text="Bad" xmlUrl="javascript:alert(1)"/>
      <outline text="Empty folder"/></body></opml>""", encoding="utf-8")
    added, known, errors = import_opml(store, opml)
    assert len(added) == 3 and not known and len(errors) == 1 and "javascript:" in str(errors[0])
    assert import_opml(store, opml)[1] == added  # importing again adds nothing
    by_url = {r["url"]: r for r in feed_rows(store)}
    assert by_url["https://b.example.com/atom.xml"]["category"] == "World"
    assert by_url["http://c.example.com/rss"]["title"] == "Loose & odd"
    assert by_url["http://c.example.com/rss"]["category"] is None
    out = tmp_path / "out.opml"
    out.write_text(export_opml(store), encoding="utf-8")
    assert sorted(read_opml(out)) == sorted((u, r["title"], r["category"]) for u, r in by_url.items())
    bad = tmp_path / "bad.opml"
    bad.write_text("<html><body>no</body></html>", encoding="utf-8")
    with pytest.raises(Exception, match="bad.opml: not OPML"):
        import_opml(store, bad)


def test_a_poll_stores_full_entries_fetches_teasers_pages_and_then_gets_304(web, store, articles):
    entries = [(k, a, i % 2 == 1) for i, (k, a) in enumerate(articles)]  # every other one a teaser
    feed = Feed(rss(web.base, entries))
    web.routes["/feed.xml"] = feed
    store.add_feed(f"{web.base}/feed.xml")
    clock = Clock()
    with Fetcher(FAST, allow_private=LOOPBACK) as f:
        w = watcher(store, f, clock)
        [result] = w.poll_due()
        assert result.status == 200 and result.added == len(articles) and not result.error
        # the teasers' pages were fetched (and only theirs), and read as the page itself reads
        assert sorted(web.requests("/page/")) == sorted(f"/page/{k}" for k, _a, t in entries if t)
        stored = {a.id for a in store.articles()}
        for key, article, teaser in entries:
            if teaser:
                assert article.id in stored  # the page's article, not the dozen words
        assert not any(is_teaser(a.text, FEEDS.teaser_words) for a in store.articles())
        [row] = store.feeds()
        assert row["etag"] == '"v1"' and row["last_modified"] == "Mon, 03 Jun 2024 10:00:00 GMT"
        assert row["title"] == "Loopback desk" and row["articles"] == len(articles) and row["status"] == 200
        assert row["next_poll"] == clock.now + 60.0  # the base interval, no jitter
        assert w.poll_due() == []  # not due yet: no request
        assert len(feed.seen) == 1
        clock.now += 61
        web.log.clear()
        [again] = w.poll_due()
    assert again.status == 304 and again.added == 0
    assert feed.seen[-1]["if-none-match"] == '"v1"'
    assert feed.seen[-1]["if-modified-since"] == "Mon, 03 Jun 2024 10:00:00 GMT"
    assert web.requests("/page/") == [] and store.count_articles() == len(articles)
    assert store.feeds()[0]["status"] == 304 and store.feeds()[0]["etag"] == '"v1"'


def test_a_changed_feed_adds_only_its_new_entries(web, store, articles):
    feed = Feed(rss(web.base, [(k, a, True) for k, a in articles[:3]]), etag=None)  # Last-Modified only
    web.routes["/f"] = feed
    store.add_feed(f"{web.base}/f")
    clock = Clock()
    with Fetcher(FAST, allow_private=LOOPBACK) as f:
        w = watcher(store, f, clock)
        assert w.poll_due()[0].added == 3
        feed.body = rss(web.base, [(k, a, True) for k, a in articles[1:5]])  # two new, two known
        feed.last_modified = "Tue, 04 Jun 2024 10:00:00 GMT"
        clock.now += 61
        web.log.clear()
        [result] = w.poll_due()
    assert feed.seen[-1]["if-modified-since"] == "Mon, 03 Jun 2024 10:00:00 GMT"
    assert result.added == 2 and store.count_articles() == 5
    # entries read before are not fetched again: only the two new teasers' pages
    assert sorted(web.requests("/page/")) == sorted(f"/page/{k}" for k, _a in articles[3:5])
    assert store.feeds()[0]["last_modified"] == "Tue, 04 Jun 2024 10:00:00 GMT"


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_renames_the_feed(web, store, articles, status):
    web.routes["/old"] = lambda h: h.redirect("/new", status)
    web.routes["/new"] = Feed(rss(web.base, [(k, a, False) for k, a in articles[:2]]))
    web.routes["/temp"] = lambda h: h.redirect("/new", 302)
    store.add_feed(f"{web.base}/old")
    store.add_feed(f"{web.base}/temp")
    with Fetcher(FAST, allow_private=LOOPBACK) as f:
        results = {r.moved_from or r.url: r for r in watcher(store, f).poll_due()}
    assert results[f"{web.base}/old"].url == f"{web.base}/new"
    assert results[f"{web.base}/temp"].url == f"{web.base}/temp"  # a temporary redirect keeps the URL
    urls = {r["url"]: r for r in store.feeds()}
    assert set(urls) == {f"{web.base}/new", f"{web.base}/temp"}
    assert urls[f"{web.base}/new"]["articles"] == 2 and urls[f"{web.base}/new"]["etag"] == '"v1"'


def test_a_gone_feed_is_marked_and_never_polled_again(web, store):
    gone = Feed(b"")
    gone.status = 410
    web.routes["/gone"] = gone
    store.add_feed(f"{web.base}/gone")
    clock = Clock()
    with Fetcher(FAST, allow_private=LOOPBACK) as f:
        w = watcher(store, f, clock)
        [result] = w.poll_due()
        clock.now += 10 * 86_400
        assert w.poll_due() == []
    assert result.status == 410 and len(gone.seen) == 1
    [row] = feed_rows(store)
    assert row["gone"] and row["status"] == 410 and "410" in row["last_error"] and row["next_poll"] is None


def test_a_failing_feed_backs_off_exponentially_up_to_a_day_and_is_kept(web, store):
    broken = Feed(b"")
    broken.status = 500
    web.routes["/broken"] = broken
    store.add_feed(f"{web.base}/broken")
    clock = Clock()
    waits = []
    settings = replace(SETTINGS, feeds=replace(FEEDS, interval_minutes=60.0))
    with Fetcher(FAST, allow_private=LOOPBACK) as f:
        w = watcher(store, f, clock, settings)
        for _ in range(7):
            [result] = w.poll_due()
            assert result.error and "HTTP 500" in result.error
            row = store.feeds()[0]
            waits.append(row["next_poll"] - clock.now)
            clock.now = row["next_poll"]
        broken.status = None
        broken.body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Back</title></channel></rss>'
        [ok] = w.poll_due()
    assert waits == [HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR, 16 * HOUR, 24 * HOUR, 24 * HOUR]
    assert row["failures"] == 7 and "HTTP 500" in row["last_error"]
    assert ok.status == 200 and not ok.error and not ok.entry_errors  # an empty feed is not a failure
    row = store.feeds()[0]
    assert row["failures"] == 0 and row["last_error"] is None and row["next_poll"] == clock.now + HOUR


def test_a_page_that_is_not_a_feed_is_a_failure_not_an_article(web, store, articles):
    key = articles[0][0]
    store.add_feed(f"{web.base}/page/{key}")
    store.add_feed(f"{web.base}/empty.xml")
    web.routes["/empty.xml"] = Feed(b"")
    with Fetcher(FAST, allow_private=LOOPBACK) as f:
        results = {r.url: r for r in watcher(store, f).poll_due()}
    assert "not an RSS/Atom feed (text/html)" in results[f"{web.base}/page/{key}"].error
    assert "empty" in results[f"{web.base}/empty.xml"].error  # an empty body names the problem too
    assert store.count_articles() == 0 and all(r["failures"] == 1 for r in store.feeds())


def test_malformed_xml_keeps_what_can_be_read_and_fails_when_nothing_can(web, store, articles):
    whole = rss(web.base, [(k, a, False) for k, a in articles[:2]]).decode()
    cut = whole[: whole.rindex("<item>") + 40]  # the second entry cut in the middle of its markup
    web.routes["/cut.xml"] = Feed(cut.replace("Loopback desk", "Loopback & desk").encode())  # a bare & too
    web.routes["/garbage.xml"] = Feed(b'<?xml version="1.0"?><rss version="2.0"><chan<<>>')
    web.routes["/empty.rss"] = Feed(b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title>'
                                    b"</channel></rss>")
    for path in ("/cut.xml", "/garbage.xml", "/empty.rss"):
        store.add_feed(f"{web.base}{path}")
    with Fetcher(FAST, allow_private=LOOPBACK) as f:
        results = {r.url.rsplit("/", 1)[1]: r for r in watcher(store, f).poll_due()}
    assert results["cut.xml"].error is None and store.count_articles() == 1  # the whole entry is stored
    assert [a.title for a in store.articles()] == [articles[0][1].title]
    assert "malformed feed" in results["garbage.xml"].error  # nothing readable: a failure, named
    assert results["empty.rss"].error is None  # well-formed and empty: nothing new, not a failure
    failures = {row["url"].rsplit("/", 1)[1]: row["failures"] for row in store.feeds()}
    assert failures == {"cut.xml": 0, "garbage.xml": 1, "empty.rss": 0}


def test_next_poll_is_the_longest_of_interval_ttl_max_age_and_retry_after_with_jitter(web, store, articles):
    body = rss(web.base, [(k, a, False) for k, a in articles[:1]], ttl=90)
    assert feed_ttl(body.decode()) == 90.0
    cases = {"/ttl": ({}, 90 * 60.0), "/maxage": ({"Cache-Control": "public, max-age=7200"}, 7200.0),
             "/retry": ({"Retry-After": "10800"}, 10800.0)}
    for path, (headers, _) in cases.items():
        feed = Feed(body)
        feed.headers = headers
        web.routes[path] = feed
        store.add_feed(f"{web.base}{path}")
    clock = Clock()
    jittery = replace(SETTINGS, feeds=replace(FEEDS, jitter=0.5))
    with Fetcher(FAST, allow_private=LOOPBACK) as f:
        watcher(store, f, clock, jittery).poll_due()
    for row in store.feeds():
        wait = cases[row["url"][len(web.base):]][1]
        assert wait <= row["next_poll"] - clock.now <= wait * 1.5
    assert len({row["next_poll"] - clock.now for row in store.feeds()}) == 3


def failing_page(web, key: str, status: int) -> dict:
    """Serve the article page of key with status until the returned {"on": True} is turned off."""
    down = {"on": True}
    web.routes[f"/page/{key}"] = lambda h: h.send(status, b"", "text/plain") if down["on"] else \
        h.send(200, page_bytes(key), "text/html; charset=utf-8")
    return down


def test_a_teaser_whose_page_fails_is_tried_again_and_not_lost(web, store, articles):
    key, article = articles[0]
    web.routes["/t"] = Feed(rss(web.base, [(key, article, True)]), etag=None, last_modified=None)
    down = failing_page(web, key, 500)
    store.add_feed(f"{web.base}/t")
    clock = Clock()
    with Fetcher(FAST, allow_private=LOOPBACK) as f:
        w = watcher(store, f, clock)
        [first] = w.poll_due()
        assert first.added == 0 and any("HTTP 500" in str(e) for e in first.entry_errors)
        down["on"] = False
        clock.now += 61
        [second] = w.poll_due()
    assert second.added == 1 and [a.id for a in store.articles()] == [article.id]


def test_cli_feeds_watch_once_and_listing(web, tmp_path, articles, capsys):
    web.routes["/cli.xml"] = Feed(rss(web.base, [(k, a, False) for k, a in articles[:2]]))
    db = str(tmp_path / "cli.db")
    assert main(["--db", db, "feeds", "add", f"{web.base}/cli.xml", "--category", "Tests"]) == 0
    assert main(["--db", db, "watch", "--once", "--interval", "2"]) == 2  # under the minimum of 5
    assert "at most every 5 minutes" in capsys.readouterr().err
    assert main(["--db", db, "watch", "--once"]) == 1  # loopback refused without --allow-private
    assert "loopback address (127.0.0.1); refused (use --allow-private" in capsys.readouterr().err
    with Store(db) as s:
        assert s.feeds()[0]["failures"] == 1 and s.count_articles() == 0
        s.update_feed(f"{web.base}/cli.xml", next_poll=0.0)
    assert main(["--db", db, "watch", "--once", "--allow-private"]) == 0
    assert "HTTP 200, 2 added" in capsys.readouterr().out
    assert main(["--db", db, "feeds", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["articles"] == 2 and row["status"] == 200 and row["category"] == "Tests"
    assert row["title"] == "Loopback desk" and row["last_error"] is None and row["next_poll"] > row["last_poll"]
    assert main(["--db", db, "feeds"]) == 0
    listing = capsys.readouterr().out
    assert "Loopback desk" in listing and "HTTP 200" in listing and "2 articles" in listing
    assert main(["--db", db, "feeds", "export"]) == 0
    assert f'xmlUrl="{web.base}/cli.xml"' in capsys.readouterr().out


@pytest.mark.parametrize("once", [[], ["--once"]], ids=["watch", "watch --once"])
def test_sigterm_finishes_the_feed_in_hand_and_a_restart_stores_nothing_twice(web, tmp_path, articles, once):
    entries = [(k, a, True) for k, a in articles]

    def slow_page(h):
        time.sleep(0.3)
        return h.send(200, page_bytes(h.path.rsplit("/", 1)[1]), "text/html; charset=utf-8")

    for key, _a in articles:
        web.routes[f"/page/{key}"] = slow_page
    web.routes["/a.xml"] = Feed(rss(web.base, entries[:3], title="A"))
    web.routes["/b.xml"] = Feed(rss(web.base, entries[3:], title="B"))
    db = str(tmp_path / "w.db")
    with Store(db) as s:
        s.add_feed(f"{web.base}/a.xml")
        s.add_feed(f"{web.base}/b.xml")
    cmd = [sys.executable, "-m", "storyline.cli", "--db", db, "watch", "--allow-private", "--interval", "5"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd + once, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while not web.requests("/page/") and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert web.requests("/page/"), "the watcher never fetched a teaser's page"
    proc.send_signal(signal.SIGTERM)  # in the middle of the first feed's pages
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    first = [line for line in out.splitlines() if "added" in line]
    assert len(first) == 1 and "3 added" in first[0]  # the feed in hand finished, the next not started
    with Store(db) as s:
        assert s.count_articles() == 3
        rows = {r["url"]: r for r in s.feeds()}
        assert rows[f"{web.base}/a.xml"]["articles"] == 3 and rows[f"{web.base}/b.xml"]["last_poll"] is None
        s.update_feed(f"{web.base}/a.xml", next_poll=0.0, etag=None, last_modified=None)  # due, unvalidated
    web.log.clear()
    again = subprocess.run(cmd + ["--once"], env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert sorted(web.requests("/page/")) == sorted(f"/page/{k}" for k, _a in articles[3:])  # only B's
    with Store(db) as s:
        ids = [a.id for a in s.articles()]
        assert sorted(ids) == sorted(a.id for _k, a in articles) and len(ids) == len(set(ids))
        assert {r["url"]: r["articles"] for r in s.feeds()} == {f"{web.base}/a.xml": 3, f"{web.base}/b.xml": 3}


def test_a_watcher_killed_mid_poll_leaves_the_feed_due_and_loses_nothing(web, tmp_path, articles):
    def slow_page(h):
        time.sleep(0.3)
        return h.send(200, page_bytes(h.path.rsplit("/", 1)[1]), "text/html; charset=utf-8")

    for key, _a in articles[:4]:
        web.routes[f"/page/{key}"] = slow_page
    web.routes["/k.xml"] = Feed(rss(web.base, [(k, a, True) for k, a in articles[:4]]))
    db = str(tmp_path / "k.db")
    with Store(db) as s:
        s.add_feed(f"{web.base}/k.xml")
    cmd = [sys.executable, "-m", "storyline.cli", "--db", db, "watch", "--allow-private", "--once"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while len(web.requests("/page/")) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.kill()  # no chance to finish: SIGKILL in the middle of the teasers' pages
    proc.wait(timeout=30)
    with Store(db) as s:
        [row] = s.feeds()
        assert row["last_poll"] is None and row["etag"] is None  # nothing half-written: still due
        assert s.count_articles() == 0 and s.seen_entries(row["url"], [f"{web.base}/entry/{k}" for k, _ in articles]) == set()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    with Store(db) as s:
        assert sorted(a.id for a in s.articles()) == sorted(a.id for _k, a in articles[:4])
        assert s.feeds()[0]["articles"] == 4


def test_how_feeds_are_polled_is_not_part_of_the_brief_cache_key():
    assert replace(DEFAULT_SETTINGS, feeds=replace(FEEDS, interval_minutes=5.0)).digest() == DEFAULT_SETTINGS.digest()
    changed = replace(DEFAULT_SETTINGS, ingest=replace(DEFAULT_SETTINGS.ingest, article_min_words=9))
    assert changed.digest() != DEFAULT_SETTINGS.digest()


# -- rounds, chunks and entries stored already ------------------------------------------------
class Recording(Pipeline):
    """The Pipeline, with each ingest_items call's number of articles recorded; place=False
    leaves placing into stories out (its cost is the clusterer's, measured in bench/stories.py:
    these tests are about what the watcher hands to the pipeline)."""

    def __init__(self, *args, place: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[int] = []
        self.placing = place
        self.after_ingest = lambda: None

    def ingest_items(self, items, *args, **kwargs):
        items = list(items)
        self.calls.append(sum(isinstance(i, Article) for i in items))
        report = super().ingest_items(items, *args, **kwargs)
        self.after_ingest()
        return report

    def place(self, articles):
        return super().place(articles) if self.placing else {}


def note_rss(n: int, start: int = 0, filler: str = "") -> bytes:
    """An RSS feed of n short invented entries (an id each, no link: stored as they are)."""
    items = "".join(
        f'<item><title>Berth note {i}</title><guid isPermaLink="false">urn:test:berth:{i}</guid>'
        f"<pubDate>Mon, 03 Jun 2024 10:00:00 GMT</pubDate><description>The harbour office said on Monday that "
        f"berth {i} will reopen to ferries after repairs to its ramp.{filler}</description></item>"
        for i in range(start, start + n))
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Harbour notes</title>'
            f"{items}</channel></rss>").encode()


@pytest.mark.slow  # reads and stores 10,000 articles
def test_a_feed_of_10000_entries_is_stored_once_in_bounded_chunks_and_one_over_the_size_cap_is_refused(
        web, store, monkeypatch):
    import storyline.watch as watch

    compact, fat = note_rss(10_000), note_rss(10_000, filler=" The ramp was closed." * 50)
    assert len(compact) < FAST.max_bytes < len(fat)  # 10,000 short entries fit the fetch cap; long ones do not
    web.routes["/big.xml"] = big = Feed(compact)
    web.routes["/fat.xml"] = Feed(fat)
    store.add_feed(f"{web.base}/big.xml")
    store.add_feed(f"{web.base}/fat.xml")
    built = []
    monkeypatch.setattr(watch, "build_item", lambda raw, *a: built.append(raw.source) or build_item(raw, *a))
    settings = replace(SETTINGS, feeds=replace(FEEDS, round_articles=2_500))
    pipeline = Recording(settings, store=store, place=False)
    clock = Clock()
    with Fetcher(FAST, allow_private=LOOPBACK) as f:
        w = Watcher(pipeline, f, settings, clock=clock, rng=random.Random(7))
        results = {r.url.rsplit("/", 1)[1]: r for r in w.poll_due()}
        assert results["big.xml"].added == 10_000 and not results["big.xml"].entry_errors
        assert pipeline.calls == [2_500] * 4  # never more than round_articles articles held
        assert store.count_articles() == 10_000 and len(built) == 10_000
        assert results["fat.xml"].error == f"response too large ({len(fat):,} bytes, limit {FAST.max_bytes:,})"
        rows = {r["url"].rsplit("/", 1)[1]: r for r in store.feeds()}
        assert rows["big.xml"]["articles"] == 10_000 and rows["fat.xml"]["failures"] == 1
        assert rows["fat.xml"]["last_error"] == results["fat.xml"].error  # listed by `storyline feeds`

        big.body, big.etag = note_rss(10_005), '"v2"'  # the same entries and five new: a full download
        clock.now += 61
        built.clear()
        [again] = [r for r in w.poll_due() if r.url.endswith("/big.xml")]
    assert again.status == 200 and again.added == 5 and store.count_articles() == 10_005
    assert sorted(built) == sorted(f"{web.base}/big.xml#{i}" for i in range(10_001, 10_006))  # only the new are read
    assert pipeline.calls[-1] == 5


def test_a_round_is_one_ingest_and_a_link_stored_already_is_not_fetched_again(web, store, articles):
    (k0, a0), (k1, a1), (k2, a2), (k3, a3) = articles[:4]
    web.routes["/r1.xml"] = Feed(rss(web.base, [(k0, a0, True), (k1, a1, True), (k2, a2, True)], title="R1"))
    r2 = rss(web.base, [(k2, a2, True), (k3, a3, True)], title="R2")  # k2's link with a tracking parameter
    web.routes["/r2.xml"] = Feed(r2.replace(f"/page/{k2}<".encode(), f"/page/{k2}?utm_source=r2<".encode()))
    store.add_feed(f"{web.base}/r1.xml")
    store.add_feed(f"{web.base}/r2.xml")
    pipeline = Recording(SETTINGS, store=store)
    clock = Clock()
    with Fetcher(FAST, allow_private=LOOPBACK) as f:
        w = Watcher(pipeline, f, SETTINGS, clock=clock, rng=random.Random(7))
        results = {r.url.rsplit("/", 1)[1]: r for r in w.poll_due()}
        assert pipeline.calls == [4]  # both feeds' new articles: one ingest, one placement
        assert results["r1.xml"].added == 3 and results["r2.xml"].added == 1
        assert sorted(web.requests("/page/")) == sorted(f"/page/{k}" for k in (k0, k1, k2, k3))  # k2 once
        assert store.count_articles() == 4 and all(store.stories_of([a.id for a in (a0, a1, a2, a3)]).values())
        # a new feed listing a stored article: nothing fetched, counted as stored already, marked read
        web.routes["/r3.xml"] = Feed(rss(web.base, [(k0, a0, True)], title="R3"))
        store.add_feed(f"{web.base}/r3.xml")
        store.update_feed(f"{web.base}/r3.xml", next_poll=0.0)  # due on the test's clock
        web.log.clear()
        [r3] = w.poll_due()
    assert r3.added == 0 and r3.known == 1 and web.requests("/page/") == []
    assert store.seen_entries(r3.url, [f"{web.base}/entry/{k0}"]) == {f"{web.base}/entry/{k0}"}
    assert pipeline.calls == [4]  # nothing to store: no ingest


def test_a_stop_after_a_chunk_leaves_the_rest_of_the_feed_for_the_next_poll(web, store):
    web.routes["/n.xml"] = Feed(note_rss(5))
    store.add_feed(f"{web.base}/n.xml")
    settings = replace(SETTINGS, feeds=replace(FEEDS, round_articles=2))
    pipeline = Recording(settings, store=store, place=False)
    with Fetcher(FAST, allow_private=LOOPBACK) as f:
        w = Watcher(pipeline, f, settings, clock=Clock(), rng=random.Random(7))
        pipeline.after_ingest = w.stop.set  # SIGTERM while the first chunk is stored
        [first] = w.poll_due()
        assert first.added == 2 and pipeline.calls == [2]
        [row] = store.feeds()
        assert row["last_poll"] is None and row["etag"] is None and row["articles"] == 2  # still due
        w.stop.clear()
        pipeline.after_ingest = lambda: None
        [rest] = w.poll_due()
    assert rest.added == 3 and pipeline.calls == [2, 2, 1] and store.count_articles() == 5
    assert store.feeds()[0]["articles"] == 5 and store.feeds()[0]["etag"] == '"v1"'

"""Live sources kept current (issue 20): the watcher's background brief rebuild (the brief
`storyline show` and the web app read is in the cache once a poll brings a new article),
`serve --watch` (the watcher inside the web app's process), the web feeds page, the live
stories list's version endpoint, and a watcher, an ingest and an upload writing one database
at once. Feeds are served by a server the tests start on 127.0.0.1 (tests/test_fetch.py),
made at test time from real pages of ../shared/corpus/extraction."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from storyline import cache
from storyline.ingest.fetch import Fetcher
from storyline.pipeline import Pipeline
from storyline.settings import DEFAULT_SETTINGS
from storyline.store import Store
from storyline.watch import BriefRebuilder, Service, Watcher
from tests.conftest import REPO
from tests.test_faults import summary, write_articles
from tests.test_feeds import FEEDS, Clock, Feed, corpus_articles, rss
from tests.test_fetch import FAST, LOOPBACK, server, web  # noqa: F401 (the loopback fixtures)

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from storyline.web import create_app  # noqa: E402
from tests.test_web_api import REPORT, WEB_DATA, story_of  # noqa: E402

SETTINGS = replace(DEFAULT_SETTINGS, feeds=FEEDS, fetch=FAST)
WORDS = 100  # the brief `storyline show` and the story page ask for


@dataclass
class Entry:
    """What tests.test_feeds.rss reads of an article: its title and text."""

    title: str
    text: str


@pytest.fixture(scope="module")
def articles():
    return corpus_articles(3)


def cached_brief_key(store: Store, story_id: str) -> str | None:
    """The brief cache key of the story as stored now, when its brief is in the cache under it."""
    story = Pipeline(SETTINGS, store=store).story(story_id)
    key = cache.brief_key(story, WORDS, SETTINGS)
    return key if store.cache_get(cache.BRIEF, key) is not None else None


# -- the background rebuild --------------------------------------------------------------
@pytest.mark.slow  # builds briefs (NLP models)
def test_a_poll_that_grows_a_story_leaves_its_brief_current_in_the_cache(web, tmp_path, articles):
    (key, first), (key2, second) = articles[0], articles[1]
    feed = Feed(rss(web.base, [(key, first, False), (key2, second, False)]))
    web.routes["/live.xml"] = feed
    db = tmp_path / "live.db"
    briefs: list[tuple[str, str]] = []
    rebuild = BriefRebuilder(db, SETTINGS, on_brief=lambda sid, k: briefs.append((sid, k)))
    clock = Clock()
    with Store(db) as store, Fetcher(FAST, allow_private=LOOPBACK) as fetcher:
        store.add_feed(f"{web.base}/live.xml")
        watcher = Watcher(Pipeline(SETTINGS, store=store), fetcher, SETTINGS, clock=clock, rebuild=rebuild)
        [result] = watcher.poll_due()
        assert result.added == 2 and len(result.stories) == 2
        assert rebuild.wait_idle(timeout=600)
        before = {sid: cached_brief_key(store, sid) for sid in result.stories}
        assert all(before.values())  # each new story's brief was built in the background
        assert sorted(briefs) == sorted(before.items())

        # the first page again, updated: a near copy joins its story, whose brief must follow
        grown = Entry(first.title, first.text + "\n\nThe report was updated on Tuesday with further details.")
        feed.body = rss(web.base, [(key, first, False), (key2, second, False), ("update", grown, False)])
        feed.etag = '"v2"'
        clock.now += 61
        [again] = watcher.poll_due()
        assert again.added == 1 and again.stories, again
        assert rebuild.wait_idle(timeout=600)
        [story_id] = again.stories
        assert story_id in before  # the story grew: no new one
        now = cached_brief_key(store, story_id)
        assert now is not None and now != before[story_id]
        assert store.cache_get(cache.BRIEF, before[story_id]) is None  # the stale row was replaced
        assert briefs[-1] == (story_id, now)

        # what `storyline show` and the story page call now takes the cached brief: no stage runs
        reader = Pipeline(SETTINGS, store=store)
        prepared = []  # the stories the stages would run on (Pipeline._prepare is their first step)
        reader._prepare = lambda stories: prepared.extend(stories) or Pipeline._prepare(reader, stories)
        story = reader.story(story_id)
        brief = reader.brief(story, words=WORDS)
        assert prepared == [] and len(brief.sources) == len(story.articles) == 2
    assert rebuild.close() == [] and rebuild.errors == []


class Gate(BriefRebuilder):
    """A rebuilder whose builds wait for the test (no models): records each batch taken."""

    def __init__(self, *args, **kwargs):
        self.gate = threading.Event()
        self.batches: list[list[str]] = []
        self.taken = threading.Event()
        super().__init__(*args, **kwargs)

    def _build(self, pipeline, ids):
        self.batches.append(list(ids))
        self.taken.set()
        self.gate.wait(30)


def test_the_rebuild_queue_is_a_set_and_stopping_finishes_the_batch_in_hand(tmp_path):
    rebuild = Gate(tmp_path / "q.db", SETTINGS, batch=2)
    rebuild.put(["s1"])
    assert rebuild.taken.wait(30)  # s1 in hand, blocked
    rebuild.put(["s2", "s3", "s2"])
    rebuild.put(["s3", "s4", "s1"])  # s1 is in hand, not queued: it is queued again (it changed since)
    assert rebuild.pending() == ["s1", "s2", "s3", "s4"]
    assert not rebuild.wait_idle(timeout=0.05)
    rebuild.taken.clear()
    rebuild.gate.set()  # let the batches go, one at a time
    assert rebuild.wait_idle(timeout=30)
    assert rebuild.batches == [["s1"], ["s2", "s3"], ["s4", "s1"]]

    rebuild.gate.clear()
    rebuild.taken.clear()
    rebuild.put(["s5"])
    assert rebuild.taken.wait(30)
    rebuild.put(["s6", "s7"])
    closer = threading.Thread(target=lambda: setattr(rebuild, "left", rebuild.close()))
    closer.start()
    closer.join(0.2)
    assert closer.is_alive()  # waits for the batch in hand
    rebuild.gate.set()
    closer.join(30)
    assert rebuild.batches[-1] == ["s5"] and rebuild.left == ["s6", "s7"]  # in hand finished, the rest left


def test_the_rebuild_queue_left_at_shutdown_is_resumed_after_a_restart(tmp_path):
    db = tmp_path / "r.db"
    first = Gate(db, SETTINGS, batch=1)
    first.put(["s1"])
    assert first.taken.wait(30)  # s1 in hand
    first.put(["s2", "s1"])  # s1 changed again while in hand: queued again
    with Store(db) as store:
        assert set(store.queued_briefs()) == {"s1", "s2"}  # in the store as soon as queued
    closer = threading.Thread(target=lambda: setattr(first, "left", first.close()))
    closer.start()
    first.gate.set()
    closer.join(30)
    assert first.batches == [["s1"]] and first.left == ["s2", "s1"]  # stopped after the batch in hand
    with Store(db) as store:  # s1's first build is off the queue; its second queuing is not
        assert set(store.queued_briefs()) == {"s1", "s2"}

    second = Gate(db, SETTINGS, batch=8)  # a restart on the same database
    second.gate.set()
    assert second.taken.wait(30) and second.wait_idle(timeout=30)
    assert [sorted(b) for b in second.batches] == [["s1", "s2"]]
    with Store(db) as store:
        assert store.queued_briefs() == {}
    assert second.close() == [] and second.errors == []


def test_a_story_queued_after_close_is_saved_for_the_next_rebuilder_and_no_connection_stays_open(tmp_path):
    db = tmp_path / "late.db"
    rebuild = Gate(db, SETTINGS, batch=1)
    rebuild.gate.set()
    assert rebuild.close() == []
    rebuild.put(["late"])  # a watcher thread that Service.stop's join timed out on, still polling
    assert rebuild._queue_store is None  # its Store was closed, not kept by a closed rebuilder
    with Store(db) as store:
        assert set(store.queued_briefs()) == {"late"}
    second = Gate(db, SETTINGS, batch=8)
    second.gate.set()
    assert second.taken.wait(30) and second.wait_idle(timeout=30)
    assert second.batches == [["late"]] and second.close() == [] and second.errors == []


def test_a_bounded_queue_makes_the_watcher_wait(tmp_path):
    rebuild = Gate(tmp_path / "b.db", SETTINGS, batch=1, max_pending=2)
    rebuild.put(["a"])
    assert rebuild.taken.wait(30)
    rebuild.put(["b", "c"])
    waiting = threading.Thread(target=rebuild.put, args=(["d"],))
    waiting.start()
    waiting.join(0.2)
    assert waiting.is_alive() and rebuild.pending() == ["a", "b", "c"]
    rebuild.gate.set()
    waiting.join(30)
    assert rebuild.wait_idle(timeout=30) and [b[0] for b in rebuild.batches] == ["a", "b", "c", "d"]
    rebuild.close()


# -- serve --watch -----------------------------------------------------------------------
@pytest.mark.slow  # builds briefs
def test_serve_watch_polls_a_feed_added_on_the_feeds_page_and_keeps_its_briefs_current(web, tmp_path, articles):
    web.routes["/served.xml"] = Feed(rss(web.base, [(k, a, False) for k, a in articles[:2]], title="Served desk"))
    db = tmp_path / "served.db"
    service = Service(db, SETTINGS, interval=1.0, allow_private=LOOPBACK)
    with TestClient(create_app(db, watch=service)) as client:  # the lifespan starts the watcher
        assert service.running
        r = client.post("/feeds/add", data={"url": f"{web.base}/served.xml"})
        assert r.status_code == 200 and "followed (polled now)" in r.text
        deadline = time.monotonic() + 120
        while not (rows := client.get("/api/feeds").json())[0]["status"] and time.monotonic() < deadline:
            time.sleep(0.1)
        [row] = rows
        assert row["status"] == 200 and row["articles"] == 2 and row["title"] == "Served desk", row
        assert service.rebuild.wait_idle(timeout=600)
        stories = client.get("/api/stories").json()["stories"]
        with Store(db) as store:
            assert stories and all(cached_brief_key(store, s["id"]) for s in stories)
        page = client.get("/feeds").text
        assert "Served desk" in page and "HTTP 200" in page and "Watching" in page
        # an upload's new story gets its brief built in the background too
        upload = client.post("/api/ingest", files=[("files", ("ferry.txt", REPORT.encode(), "text/plain"))])
        [ferry] = upload.json()["stories"]
        assert service.rebuild.wait_idle(timeout=600)
        with Store(db) as store:
            assert cached_brief_key(store, ferry)
    assert not service.running and service.errors == [] and service.rebuild.errors == []


def test_serve_watch_options_are_checked_before_serving(tmp_path, capsys):
    from storyline.cli import main

    assert main(["--db", str(tmp_path / "x.db"), "serve", "--watch", "--interval", "1"]) == 2
    assert "at most every 5 minutes" in capsys.readouterr().err
    assert main(["--db", str(tmp_path / "x.db"), "serve", "--allow-private"]) == 2
    assert "go with serve --watch" in capsys.readouterr().err


# -- the feeds page ----------------------------------------------------------------------
HOSTILE = "<script>alert('feed')</script>"


def test_feeds_page_lists_feeds_with_their_health_and_escapes_what_feeds_say(tmp_path):
    db = tmp_path / "feeds.db"
    with Store(db) as store:
        store.add_feed("https://ok.example/rss", title=f"Desk {HOSTILE}", category="<b>World</b>")
        store.update_feed("https://ok.example/rss", added=4, last_poll=1_700_000_000.0, status=200,
                          next_poll=1_700_003_600.0)
        store.add_feed("https://broken.example/feed")
        store.update_feed("https://broken.example/feed", last_poll=1_700_000_000.0, status=500, failures=2,
                          last_error=f"HTTP 500 <img src=x onerror=alert(1)>")
        store.add_feed("https://gone.example/feed", title="Gone desk")
        store.update_feed("https://gone.example/feed", status=410, gone=1, last_error="HTTP 410")
    client = TestClient(create_app(db))
    page = client.get("/feeds")
    assert page.status_code == 200
    main = page.text.split("<main>", 1)[1]
    assert "<script>alert" not in main and "<img src" not in main and "<b>World" not in main
    assert "Desk &lt;script&gt;alert(&#39;feed&#39;)&lt;/script&gt;" in main
    assert "HTTP 500 &lt;img src=x onerror=alert(1)&gt;" in main and "2 failures in a row" in main
    assert "2023-11-14T22:13:20Z" in main and "2023-11-14T23:13:20Z" in main  # last and next poll
    assert "gone (410): no longer polled" in main and "Not watching" in main
    assert "3 feeds: 1 ok, 1 failing, 0 not polled yet, 1 gone" in main
    rows = {r["url"]: r for r in client.get("/api/feeds").json()}
    assert rows["https://ok.example/rss"]["articles"] == 4 and rows["https://broken.example/feed"]["failures"] == 2
    for cls, url in (("ok", "https://ok.example/rss"), ("failing", "https://broken.example/feed"),
                     ("gone", "https://gone.example/feed")):
        assert f'<tr class="feed {cls}" data-url="{url}">' in main


def test_feeds_page_adds_removes_and_imports_feeds(tmp_path):
    db = tmp_path / "forms.db"
    client = TestClient(create_app(db))
    r = client.post("/feeds/add", data={"url": "HTTP://News.Example.com/rss?utm_source=x", "category": "World"})
    assert r.status_code == 200 and "http://news.example.com/rss: followed" in r.text
    assert "already followed" in client.post("/feeds/add", data={"url": "http://news.example.com/rss"}).text
    bad = client.post("/feeds/add", data={"url": "javascript:alert(1)"})
    assert bad.status_code == 422 and "not a feed URL" in bad.text
    assert client.post("/feeds/add", data={"url": ""}).status_code == 422

    opml = (b'<?xml version="1.0"?><opml version="2.0"><body><outline text="Tech">'
            b'<outline type="rss" text="A &lt;i&gt;desk" xmlUrl="https://a.example/feed"/></outline>'
            b'<outline type="rss" text="Bad" xmlUrl="ftp://b.example/feed"/></body></opml>')
    r = client.post("/feeds/import", files={"file": ("../my subs.opml", opml, "text/xml")})
    assert r.status_code == 200 and "my_subs.opml: 1 feeds followed" in r.text
    assert "upload:my_subs.opml: ftp://b.example/feed: not a feed URL" in r.text
    assert "A &lt;i&gt;desk" in r.text and "storyline-opml-" not in r.text  # no server folder named
    broken = client.post("/feeds/import", files={"file": ("x.opml", b"<html>", "text/xml")})
    assert broken.status_code == 422 and "upload:x.opml: not OPML" in broken.text
    assert client.post("/feeds/import", data={"file": "text"}).status_code == 415

    rows = {r["url"]: r for r in client.get("/api/feeds").json()}
    assert set(rows) == {"http://news.example.com/rss", "https://a.example/feed"}
    assert rows["https://a.example/feed"]["category"] == "Tech" and rows["http://news.example.com/rss"]["category"] == "World"
    r = client.post("/feeds/remove", data={"url": "http://news.example.com/rss?utm_medium=x"})
    assert r.status_code == 200 and "no longer followed" in r.text
    assert client.post("/feeds/remove", data={"url": "http://news.example.com/rss"}).status_code == 404
    assert [r["url"] for r in client.get("/api/feeds").json()] == ["https://a.example/feed"]


def test_feeds_forms_are_refused_from_other_sites_and_bounded(tmp_path):
    db = tmp_path / "guard.db"
    client = TestClient(create_app(db, max_upload_bytes=2_000))
    r = client.post("/feeds/add", data={"url": "https://x.example/feed"}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = client.post("/feeds/remove", data={"url": "https://x.example/feed"}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    assert client.post("/feeds/add", data={"url": "https://x.example/" + "a" * 70_000}).status_code == 413
    big = client.post("/feeds/import", files={"file": ("big.opml", b"<opml>" + b" " * 5_000, "text/xml")})
    assert big.status_code == 413
    assert client.get("/api/feeds").json() == []


# -- the live stories list ---------------------------------------------------------------
@pytest.mark.slow  # places articles into stories (embeddings)
def test_the_stories_version_changes_when_a_story_grows(tmp_path):
    db = tmp_path / "version.db"
    writer = Store(db)  # one writer for both ingests (the writer a watcher is)
    assert len(Pipeline(store=writer).ingest([str(WEB_DATA)]).added) == 7
    client = TestClient(create_app(db, live_poll_seconds=3))
    first = client.get("/api/stories/version").json()
    assert client.get("/api/stories/version").json() == first  # nothing changed: the same
    page = client.get("/").text
    assert f'data-version="{first["version"]}"' in page and 'data-poll-seconds="3' in page
    assert "/static/live.js" in page and client.get("/static/live.js").status_code == 200

    boil = story_of(db, "Boil-water notice")
    before = {s["id"]: s["articles"] for s in client.get("/api/stories").json()["stories"]}
    record = json.loads(WEB_DATA.read_text(encoding="utf-8").splitlines()[1])  # a Marrow Falls report
    record.update(outlet="Hill Post", published="2024-06-04",
                  text=record["text"] + "\n\nThe council said it would publish daily test results.")
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with writer:
        report = Pipeline(store=writer).ingest([str(extra)])
    assert len(report.added) == 1
    after = {s["id"]: s["articles"] for s in client.get("/api/stories").json()["stories"]}
    assert after[boil] == before[boil] + 1  # the story grew
    second = client.get("/api/stories/version").json()
    assert second["version"] != first["version"] and second["articles"] == first["articles"] + 1
    assert f'data-story="{boil}" data-articles="{after[boil]}"' in client.get("/").text


# -- many writers, one database ----------------------------------------------------------
@pytest.mark.slow  # a watcher and an ingest process, and an upload, at once
def test_a_watcher_an_ingest_and_an_upload_writing_one_database_at_once(web, tmp_path, articles):
    web.routes["/busy.xml"] = Feed(rss(web.base, [(k, a, False) for k, a in articles], title="Busy desk"))
    write_articles(tmp_path / "ingest", range(0, 240))
    write_articles(tmp_path / "upload", range(200, 260))  # 40 notices sent by both
    db = tmp_path / "busy.db"
    with Store(db) as store:
        store.add_feed(f"{web.base}/busy.xml")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cli = [sys.executable, "-m", "storyline.cli", "--db", str(db)]
    procs = {"watch": subprocess.Popen(cli + ["watch", "--once", "--allow-private", "-q"], env=env, cwd=REPO,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
             "ingest": subprocess.Popen(cli + ["ingest", "-q", str(tmp_path / "ingest")], env=env, cwd=REPO,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)}
    client = TestClient(create_app(db))
    files = [("files", (p.name, p.read_bytes(), "text/plain")) for p in sorted((tmp_path / "upload").iterdir())]
    upload = client.post("/api/ingest", files=files)  # while both processes run
    outputs = {name: p.communicate(timeout=900) for name, p in procs.items()}
    for name, p in procs.items():
        assert p.returncode == 0 and outputs[name][1] == "", (name, outputs[name])
    assert upload.status_code == 200 and upload.json()["errors"] == 0, upload.text
    added_by_ingest = summary(outputs["ingest"][0])[0]
    assert added_by_ingest + upload.json()["added"] == 260  # each notice added by exactly one writer
    with Store(db) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        [row] = store.feeds()
        assert row["status"] == 200 and row["articles"] == len(articles) and row["last_error"] is None
        ids = [a.id for a in store.articles()]
        assert len(ids) == len(set(ids)) == 260 + len(articles)
        assert {a.id for _k, a in articles} <= set(ids)
        assert store.stories_of(ids).keys() == set(ids)  # every article placed into a story
        feed_stories = set(store.stories_of([a.id for _k, a in articles]).values())
        assert all(cached_brief_key(store, sid) for sid in feed_stories)  # watch --once built them
    notices = [t for t in _titles(db) if t.startswith("Harbour ferry")]
    assert len(notices) == len(set(notices)) == 260


def _titles(db: Path) -> list[str]:
    with Store(db) as store:
        return [a.title for a in store.articles()]

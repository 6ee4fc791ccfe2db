"""A teaser whose article page fails is tried again at the next poll even when its feed
answers conditional GETs: the feed's validators are kept only once every entry of it is read
(with them kept, an unchanged feed answers 304 and the page would never be fetched again)."""
from __future__ import annotations

from storyline.ingest.fetch import Fetcher
from tests.test_feeds import Clock, Feed, articles, failing_page, rss, watcher  # noqa: F401 (articles: a fixture)
from tests.test_fetch import FAST, LOOPBACK, server, web  # noqa: F401 (the loopback fixtures)


def test_a_teaser_whose_page_failed_is_fetched_again_from_a_feed_with_validators(web, store, articles):
    (k0, a0), (k1, a1) = articles[:2]
    feed = Feed(rss(web.base, [(k0, a0, True), (k1, a1, True)]))  # ETag and Last-Modified, 304 when unchanged
    web.routes["/v.xml"] = feed
    down = failing_page(web, k1, 500)  # (a 503 would also make the fetcher wait 10 s of real time for the host)
    store.add_feed(f"{web.base}/v.xml")
    clock = Clock()
    with Fetcher(FAST, allow_private=LOOPBACK) as f:
        w = watcher(store, f, clock)
        [first] = w.poll_due()
        assert first.added == 1 and any("HTTP 500" in str(e) for e in first.entry_errors)
        [row] = store.feeds()
        assert row["etag"] is None and row["last_modified"] is None and row["status"] == 200
        down["on"] = False
        clock.now += 61
        web.log.clear()
        [second] = w.poll_due()
        assert second.status == 200 and second.added == 1 and second.known == 0
        assert web.requests("/page/") == [f"/page/{k1}"]  # only the page that failed
        assert sorted(a.id for a in store.articles()) == sorted([a0.id, a1.id])
        assert store.feeds()[0]["etag"] == '"v1"'  # every entry read: validated from now on
        clock.now += 61
        [third] = w.poll_due()
    assert third.status == 304 and feed.seen[-1]["if-none-match"] == '"v1"'

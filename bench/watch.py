"""The watcher against a loopback news site: throughput, freshness, conditional GETs, memory,
and the cost of rebuilding a grown story's brief, in one run.

    .venv/bin/python bench/watch.py [--quick] [--interval SECONDS] [--only rebuild|throughput|freshness]
                                    [--corpus multinews|events]

The site (a server on 127.0.0.1 only, in a child process so that its CPU is not counted as
storyline's) serves 1,000 real pages: the extraction benchmark's 181 pages
(../shared/corpus/extraction/html) and Multi-News articles (../shared/corpus/multinews, the
stream of bench/stories.py: the 570 real articles, then paragraph-shuffled variants of their
clusters) rendered as simple HTML pages (title, site name, date, paragraphs), all written to
a temporary directory at run time. 50 RSS feeds of 20 entries each list them: every
extraction page and every third Multi-News page is a teaser (a dozen words and a link: the
watcher fetches and reads the page), the others carry the article's paragraphs. Each feed
has an ETag and a Last-Modified and answers a matching conditional GET with 304.

Everything storyline does goes through the watcher (storyline/watch.py Watcher.poll_due:
fetch, read, Pipeline.ingest_items) and storyline/pipeline.Pipeline (ingest, stories_of,
briefs); the bench only times them. The fetcher's politeness delay is 0 (every feed is on one
loopback host; real feeds are on many hosts, each polled at its own pace).

Reported:
1. First poll of the 50 feeds (every entry new): articles/s from fetched to placed into
   stories, with the seconds spent fetching (HTTP), reading (feed entries and pages:
   trafilatura, cleaning, splitting), storing and placing; CPU seconds of this process.
2. A second poll with nothing changed: bytes on the wire against the first poll's
   (target <= 5%).
3. `storyline ingest` (Pipeline.ingest) of the same 1,000 pages read from disk into a new
   store, and the ratio of the watcher's fetched-to-stories throughput to it (target >= 0.7).
4. Freshness: a new store follows 50 feeds that start empty; entries appear in them over time
   (whole Multi-News clusters, so stories grow) while the watcher polls every --interval
   seconds (default 60: the 1-minute interval itself, 4 entries a minute) and, after each round of polls,
   the briefs of the stories that changed are rebuilt (Pipeline.briefs). Per entry: from its
   appearing in its feed to its story's brief including it being cached: p50 and p99, in
   seconds and in poll intervals (target p99 <= 2 intervals). An entry the watcher read and
   marked without adding an article of its own (the reader refused its page as not an
   article, or its text is an article stored already) has no brief to reach: it is counted
   apart, as are entries neither current nor read by the deadline.
5. Rebuild (rebuild() below; --corpus): for the largest stories of a few clusters ingested
   from their pages, the brief of the story grown by its last article (the old articles'
   parses and vectors in the store, the in-process vector memo emptied) against the brief of
   the same story in a new store (nothing cached), and the story-wide work alone: CPU seconds
   and the ratio (target <= 0.3), by story size; the briefs byte-identical.
6. Peak RSS of this process (and of the largest child: the server, spaCy workers).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import json
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpus"
EXTRACTION = CORPUS / "extraction" / "html"
TEASER_WORDS = 12


# -- the site --------------------------------------------------------------------------------
def build_pages(n_pages: int, tmp: Path, seed: int = 0) -> list[dict]:
    """[{key, file, teaser, title, text, published, label}] of n_pages pages, their HTML written
    under tmp/pages: the extraction pages first (at most a fifth of n_pages), then Multi-News
    articles rendered as pages; shuffled."""
    from bench.stories import stream

    out_dir = tmp / "pages"
    out_dir.mkdir()
    pages = []
    for path in sorted(EXTRACTION.glob("*.html.gz"))[:max(1, n_pages // 5) if n_pages < 1000 else None]:
        key = "x" + path.name.split(".")[0][:24]
        (out_dir / f"{key}.html").write_bytes(gzip.decompress(path.read_bytes()))
        pages.append({"key": key, "teaser": True, "title": f"Page {key}", "text": "", "published": None,
                      "label": key})
    for k, item in enumerate(stream(n_pages - len(pages), seed)):
        pages.append(render(f"m{k:04d}", item, out_dir, teaser=k % 3 == 0))
    random.Random(seed).shuffle(pages)
    return pages


def render(key: str, item: dict, out_dir: Path, teaser: bool = False) -> dict:
    """Write a stream item (bench/stories.py; or an events article: its own title, its date
    if it has one) as a simple article page; its entry."""
    paragraphs = [p.strip() for p in item["text"].split("\n") if p.strip()]
    title = item.get("title") or (" ".join(paragraphs[0].split()[:10]).rstrip(".,;:") if paragraphs else key)
    day = item["published"].isoformat() if item["published"] else None
    dated = f'<meta property="article:published_time" content="{day}T08:00:00Z">\n' if day else ""
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
            f' | {item["outlet"]}</title>\n<meta property="og:site_name" content="{item["outlet"]}">\n'
            f'{dated}</head><body>\n'
            f'<header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>\n'
            f"<article><h1>{html.escape(title)}</h1>\n<p class=\"byline\">{item['outlet']} staff"
            f"{', ' + day if day else ''}</p>\n"
            f"{body}</article>\n<footer><p>&copy; {item['outlet']}</p></footer></body></html>\n")
    (out_dir / f"{key}.html").write_text(page, encoding="utf-8")
    return {"key": key, "teaser": teaser, "title": title, "text": "\n".join(paragraphs), "published": day,
            "label": item["label"]}


def rss(base: str, name: str, entries: list[dict]) -> bytes:
    items = []
    for e in entries:
        body = " ".join(e["text"].split()[:TEASER_WORDS]) + " ..." if e["teaser"] or not e["text"] else \
            "".join(f"<p>{html.escape(p)}</p>" for p in e["text"].split("\n"))
        date = formatdate(time.mktime(time.strptime(e["published"], "%Y-%m-%d")) + 8 * 3600, usegmt=True) \
            if e["published"] else formatdate(e.get("appear", 0.0) or 1.7e9, usegmt=True)
        items.append(f"<item><title>{html.escape(e['title'])}</title><link>{base}/page/{e['key']}</link>"
                     f"<guid isPermaLink=\"false\">urn:bench:{e['key']}</guid><pubDate>{date}</pubDate>"
                     f"<description>{html.escape(body)}</description></item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench desk {name}</title>'
            f"<link>{base}/</link>{''.join(items)}</channel></rss>").encode()


class Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, pages: list[dict], pages_dir: Path, feeds: int):
        super().__init__(("127.0.0.1", 0), Handler)
        self.pages_dir = pages_dir
        self.feeds_a = {f: pages[f::feeds] for f in range(feeds)}  # every entry, from the start
        self.feeds_b: dict[int, list[dict]] = {f: [] for f in range(feeds)}  # entries with "appear" times
        self.lock = threading.Lock()
        self.stats: dict[str, int] = {}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.stats[name] = self.stats.get(name, 0) + n


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        site: Site = self.server
        parts = urlsplit(self.path)
        path = parts.path
        if path == "/control/stats":
            with site.lock:
                body = json.dumps(site.stats).encode()
            return self.send(200, body, "application/json", counted=False)
        if path == "/control/reset":
            with site.lock:
                site.stats.clear()
            return self.send(200, b"ok", "text/plain", counted=False)
        if path == "/control/schedule":  # phase B: ?t0=...&entries=JSON file
            q = parse_qs(parts.query)
            schedule = json.loads(Path(q["file"][0]).read_text())
            with site.lock:
                site.feeds_b = {f: [] for f in site.feeds_b}
                for e in schedule:
                    site.feeds_b[e["feed"]].append(e)
            return self.send(200, b"ok", "text/plain", counted=False)
        if path == "/robots.txt":
            return self.send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        if path.startswith("/page/"):
            file = site.pages_dir / f"{path.rsplit('/', 1)[1]}.html"
            if not file.is_file():
                return self.send(404, b"not found", "text/plain")
            return self.send(200, file.read_bytes(), "text/html; charset=utf-8", kind="page")
        if path.startswith(("/a/feed/", "/b/feed/")):
            n = int(path.rsplit("/", 1)[1].split(".")[0])
            if path.startswith("/a/"):
                entries = site.feeds_a[n]
                modified = 1.7e9
            else:
                now = time.time()
                entries = [e for e in site.feeds_b[n] if e["appear"] <= now]
                modified = max((e["appear"] for e in entries), default=1.7e9)
            entries = sorted(entries, key=lambda e: -e.get("appear", 0.0))  # newest first, as feeds are
            body = rss(site.base, str(n), entries)
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            validators = {"ETag": etag, "Last-Modified": formatdate(modified, usegmt=True)}
            if self.headers.get("If-None-Match") == etag:
                return self.send(304, b"", None, validators, kind="feed304")
            return self.send(200, body, "application/rss+xml; charset=utf-8", validators, kind="feed")
        return self.send(404, b"not found", "text/plain")

    def send(self, status: int, body: bytes, content_type: str | None, headers: dict | None = None,
             kind: str = "other", counted: bool = True):
        lines = [f"HTTP/1.1 {status} X\r\n"]
        self.send_response(status)
        all_headers = dict(headers or {})
        if content_type:
            all_headers["Content-Type"] = content_type
        all_headers["Content-Length"] = str(len(body))
        for k, v in all_headers.items():
            self.send_header(k, v)
            lines.append(f"{k}: {v}\r\n")
        self.end_headers()
        if body:
            self.wfile.write(body)
        if counted:  # bytes on the wire: status line, our headers (plus Server/Date), body
            wire = sum(len(x) for x in lines) + len(body) + 60
            self.server.count(f"bytes_{kind}", wire)
            self.server.count(f"requests_{kind}")


def serve(pages: list[dict], pages_dir: Path, feeds: int, port_queue) -> None:
    site = Site(pages, pages_dir, feeds)
    port_queue.put(site.server_address[1])
    site.serve_forever()


def control(base: str, what: str) -> dict | None:
    with urlopen(f"{base}/control/{what}", timeout=30) as r:
        body = r.read()
    return json.loads(body) if what == "stats" else None


# -- storyline's side --------------------------------------------------------------------------
class Timed:
    """Seconds spent in each named part, summed."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds


def timed_fetcher(fetcher, timed: Timed):
    """The fetcher with its fetch calls timed (the watcher's HTTP time)."""
    original = fetcher.fetch

    def fetch(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            timed.add("fetch", time.perf_counter() - started)

    fetcher.fetch = fetch
    return fetcher


def recording_pipeline(settings, store, timed: Timed):
    """A Pipeline that times ingest_items (store + place) and place, and keeps the articles
    each ingest_items added (which entries reached the store, and when)."""
    from storyline.pipeline import Pipeline

    class Recording(Pipeline):
        added: list = []

        def ingest_items(self, items, *args, **kwargs):
            started = time.perf_counter()
            report = super().ingest_items(items, *args, **kwargs)
            timed.add("store+place", time.perf_counter() - started)
            self.added += report.added
            return report

        def place(self, articles):
            started = time.perf_counter()
            placed = super().place(articles)
            timed.add("place", time.perf_counter() - started)
            return placed

    pipeline = Recording(settings, store=store)
    pipeline.added = []
    return pipeline


def bench_settings(interval: float):
    from storyline.settings import DEFAULT_SETTINGS, FeedSettings, FetchSettings

    feeds = FeedSettings(interval_minutes=interval / 60.0, min_interval_minutes=0.0)
    fetch = replace(FetchSettings(), delay=0.0)
    return replace(DEFAULT_SETTINGS, feeds=feeds, fetch=fetch)


def poll_round(watcher, profile: str | None = None) -> tuple[list, float, float]:
    with profiled(profile):
        started, cpu = time.perf_counter(), time.process_time()
        results = watcher.poll_due()
        return results, time.perf_counter() - started, time.process_time() - cpu


class profiled:
    """cProfile of a block into $BENCH_PROFILE/NAME.prof when that variable names a directory."""

    def __init__(self, name: str | None):
        self.profiler = None
        if name and os.environ.get("BENCH_PROFILE"):
            import cProfile

            self.name, self.profiler = name, cProfile.Profile()

    def __enter__(self):
        if self.profiler:
            self.profiler.enable()

    def __exit__(self, *exc):
        if self.profiler:
            self.profiler.disable()
            self.profiler.dump_stats(str(Path(os.environ["BENCH_PROFILE"]) / f"{self.name}.prof"))


def throughput(base: str, tmp: Path, n_feeds: int, settings, n_pages: int) -> dict:
    """Phases 1-3: first poll, unchanged second poll, ingest of the same pages from disk."""
    from storyline.feeds import add_feeds
    from storyline.ingest.fetch import Fetcher
    from storyline.pipeline import Pipeline
    from storyline.store import Store
    from storyline.watch import Watcher

    out: dict = {}
    timed = Timed()
    shift = [0.0]
    with Store(tmp / "watch.db") as store, \
            Fetcher(settings.fetch, allow_private=frozenset({"127.0.0.1"})) as fetcher:
        add_feeds(store, [f"{base}/a/feed/{n}.xml" for n in range(n_feeds)])
        pipeline = recording_pipeline(settings, store, timed)
        watcher = Watcher(pipeline, timed_fetcher(fetcher, timed), settings, clock=lambda: time.time() + shift[0])
        control(base, "reset")
        results, wall, cpu = poll_round(watcher, "first_poll")
        first = control(base, "stats")
        errors = [r.error for r in results if r.error] + [e.problem for r in results for e in r.entry_errors]
        added = sum(r.added for r in results)
        out["first"] = dict(wall=wall, cpu=cpu, added=added, known=sum(r.known for r in results),
                            polls=len(results), errors=errors, stats=first, parts=dict(timed.seconds),
                            stories=len({s for s in store.stories_of([a.id for a in pipeline.added]).values()}))
        control(base, "reset")
        shift[0] = settings.feeds.interval_minutes * 60.0 * (1 + settings.feeds.jitter) + 1.0
        results, wall2, _ = poll_round(watcher)
        out["second"] = dict(wall=wall2, polls=len(results), statuses=sorted({r.status for r in results}),
                             added=sum(r.added for r in results), stats=control(base, "stats"))
    # the same pages, read from disk by `storyline ingest`
    with Store(tmp / "ingest.db") as store:
        with profiled("ingest"):
            started, cpu = time.perf_counter(), time.process_time()
            report = Pipeline(settings, store=store).ingest([str(tmp / "pages")])
        out["ingest"] = dict(wall=time.perf_counter() - started, cpu=time.process_time() - cpu,
                             added=len(report.added), errors=len(report.errors), pages=n_pages)
    return out


def freshness(base: str, tmp: Path, pages: list[dict], n_feeds: int, settings, n_entries: int,
              per_interval: float, seed: int = 1) -> dict:
    """Phase 4: entries appear over time; after each round of polls the changed stories' briefs
    are rebuilt; per entry, the seconds from appearing to its story's brief being cached."""
    from storyline.feeds import add_feeds
    from storyline.ingest.fetch import Fetcher
    from storyline.store import Store
    from storyline.watch import Watcher

    interval = settings.feeds.interval_minutes * 60.0
    rng = random.Random(seed)
    # whole Multi-News clusters (real articles first), so that stories grow as entries arrive
    by_label: dict[str, list[dict]] = {}
    for p in pages:
        if p["key"].startswith("m"):
            by_label.setdefault(p["label"], []).append(p)
    clusters = sorted(by_label.values(), key=lambda ps: (-len(ps), ps[0]["label"]))
    chosen = []
    for ps in clusters:
        if len(chosen) >= n_entries:
            break
        chosen += ps
    chosen = chosen[:n_entries]
    span = n_entries / per_interval * interval
    lead = 2.0  # seconds for the first poll of the empty feeds
    t0 = time.time() + lead
    offsets = sorted(rng.uniform(0, span) for _ in chosen)
    rng.shuffle(chosen)
    schedule = [dict(p, feed=k % n_feeds, appear=t0 + offsets[k]) for k, p in enumerate(chosen)]
    (tmp / "schedule.json").write_text(json.dumps(schedule))
    urlopen(f"{base}/control/schedule?file={tmp / 'schedule.json'}", timeout=30).read()
    appear = {f"urn:bench:{e['key']}": e["appear"] for e in schedule}
    current: dict[str, float] = {}
    timed = Timed()
    brief_cpu = brief_wall = 0.0
    rounds = 0
    with Store(tmp / "fresh.db") as store, \
            Fetcher(settings.fetch, allow_private=frozenset({"127.0.0.1"})) as fetcher:
        add_feeds(store, [f"{base}/b/feed/{n}.xml" for n in range(n_feeds)])
        pipeline = recording_pipeline(settings, store, timed)
        watcher = Watcher(pipeline, fetcher, settings)
        deadline = t0 + span + max(10 * interval, 300.0)  # entries not current by then are reported missing
        refused: set[str] = set()  # guids read (marked read) without an article of their own
        problems: list[str] = []  # the reader's problems with entries (InputError.problem)
        while len(current) + len(refused) < len(schedule) and time.time() < deadline:
            problems += [e.problem for r in watcher.poll_due() for e in r.entry_errors]
            added, pipeline.added = pipeline.added, []
            if added:
                started, cpu = time.perf_counter(), time.process_time()
                pipeline.briefs(pipeline.stories_of(added))
                done = time.time()
                brief_wall += time.perf_counter() - started
                brief_cpu += time.process_time() - cpu
                rounds += 1
                for a in added:
                    guid = a.metadata.get("entry") or a.metadata.get("id")
                    if guid in appear:
                        current.setdefault(guid, done - appear[guid])
            for e in schedule:  # read and marked, no article added: it can never reach a brief
                guid = f"urn:bench:{e['key']}"
                if guid not in current and guid not in refused and time.time() >= e["appear"] \
                        and store.seen_entries(f"{base}/b/feed/{e['feed']}.xml", [guid]):
                    refused.add(guid)
            upcoming = store.next_feed_poll()
            wait = 1.0 if upcoming is None else upcoming - time.time()
            if wait > 0:
                time.sleep(min(wait, interval))
    ages = sorted(current.values())
    return dict(entries=len(schedule), current=len(ages), interval=interval, span=span,
                refused=len(refused), problems=sorted(set(problems)),
                missing=len(schedule) - len(ages) - len(refused),
                p50=statistics.median(ages) if ages else None,
                p99=ages[min(len(ages) - 1, int(0.99 * len(ages)))] if ages else None,
                max=ages[-1] if ages else None, brief_rounds=rounds, brief_cpu=brief_cpu, brief_wall=brief_wall,
                fetch_place=dict(timed.seconds))


def rebuild(tmp: Path, settings, clusters: int, corpus: str = "multinews") -> list[dict]:
    """Phase 5: per cluster of the corpus (multinews: the largest real Multi-News clusters;
    events: the real-dated stories of ../shared/corpus/events), rendered as the site's pages
    and ingested through Pipeline.ingest in publication order: the largest story its articles
    form (3 articles or more) grown by its last article. Each story's brief three times:
    warm: after the new article (the old articles' parses, readings and vectors in the store,
    the brief before it made, the in-process vector memo emptied); again: the same brief
    once more with its cached brief dropped (every parse, reading and vector in the store:
    the story-wide work alone, what a rebuild would cost had the new article been parsed and
    embedded before); cold: in a new store (nothing cached). The three briefs must be
    byte-identical (their JSON): a rebuild from the store is the brief from nothing.
    Torch runs one thread here, as in bench/rebuild.py: on a loaded machine idle threads
    spinning would count as the briefs' CPU."""
    import torch

    from storyline.analyze import embedcache, parsecache
    torch.set_num_threads(1)
    from storyline.pipeline import Pipeline, Story
    from storyline.store import Store

    out_dir = tmp / "rebuild_pages"
    out_dir.mkdir(exist_ok=True)
    out = []
    for k, ps in enumerate(_rebuild_clusters(out_dir, corpus)):
        if len(out) >= clusters:
            break
        file_of = {p["key"]: str(out_dir / f"{p['key']}.html") for p in ps}
        with Store(tmp / f"cold{k}.db") as cold_store:
            cold_pipeline = Pipeline(settings, store=cold_store)
            cold_pipeline.ingest(list(file_of.values()))
            stored = list(cold_store.articles())
            story_of = cold_store.stories_of([a.id for a in stored])
            sizes: dict[str, int] = {}
            for sid in story_of.values():
                sizes[sid] = sizes.get(sid, 0) + 1
            largest = max(sizes, key=lambda sid: (sizes[sid], sid), default=None)
            if largest is None or sizes[largest] < 3:
                continue
            whole = cold_pipeline.story(largest)
            new = max(whole.articles, key=lambda a: (a.published.sort_key(), a.label, a.id))
            key_of_new = next(key for key, f in file_of.items() if Path(f).name == Path(new.source).name)
            with Store(tmp / f"grow{k}.db") as store:
                pipeline = Pipeline(settings, store=store)
                pipeline.ingest([f for key, f in file_of.items() if key != key_of_new])
                pipeline.briefs(pipeline.stories_of(list(store.articles())))  # what the watcher made before it
                report = pipeline.ingest([file_of[key_of_new]])
                if not report.added:
                    continue
                grown = pipeline.story(store.stories_of([new.id])[new.id])
                if {a.id for a in grown.articles} != {a.id for a in whole.articles}:
                    continue  # placed in another order, the articles formed another story
                # the story as it was before the new article (its other articles may have been
                # in several stories then, where a batch split them): its brief made, as the
                # watcher would have made it
                pipeline.brief(Story(grown.id, [a for a in grown.articles if a.id != new.id],
                                     {c: o for c, o in grown.copies.items() if new.id not in (c, o)}, grown.thread))
                embedcache._memo.clear()  # the old articles' vectors must come from the store
                warm = _brief_cost(pipeline, grown, embedcache, parsecache, f"warm{k}")
                store.cache_drop_owners([grown.id])  # its brief: made again from the store alone
                embedcache._memo.clear()
                again = _brief_cost(pipeline, grown, embedcache, parsecache, f"again{k}")
            embedcache._memo.clear()
            cold = _brief_cost(cold_pipeline, Story(grown.id, grown.articles, grown.copies, grown.thread),
                               embedcache, parsecache, f"cold{k}")
        if not warm["brief"] == again["brief"] == cold["brief"]:
            raise SystemExit(f"rebuild {ps[0]['label']}: the brief rebuilt from the store differs from the "
                             f"brief from nothing")
        out.append(dict(cluster=ps[0]["label"], articles=len(grown.articles), copies=len(grown.copies),
                        warm=warm, again=again, cold=cold))
    return out


def _rebuild_clusters(out_dir: Path, corpus: str) -> list[list[dict]]:
    """The corpus's clusters of 3 articles or more rendered as pages (publication order), largest first."""
    by_label: dict[str, list[dict]] = {}
    if corpus == "multinews":
        from bench.stories import stream

        for k, item in enumerate(stream(570)):  # round 0: the real articles, publication order
            by_label.setdefault(item["label"], []).append(render(f"r{k:04d}", item, out_dir))
    else:
        from datetime import date

        for name in ("dev", "week-dev"):
            with open(CORPUS / "events" / f"{name}.jsonl", encoding="utf-8") as fh:
                for line in fh:
                    cluster = json.loads(line)
                    items = [{"text": a["text"], "outlet": a.get("outlet") or "an outlet", "title": a.get("title"),
                              "published": date.fromisoformat(a["published"]) if a.get("published") else None,
                              "label": f"{name}:{cluster['id']}"} for a in cluster["articles"]]
                    items.sort(key=lambda it: it["published"] or date.min)
                    by_label[items[0]["label"]] = [render(f"e{len(by_label):03d}{j:02d}", item, out_dir)
                                                   for j, item in enumerate(items)]
    return sorted((ps for ps in by_label.values() if len(ps) >= 3), key=lambda ps: (-len(ps), ps[0]["label"]))


def _brief_cost(pipeline, story, embedcache, parsecache, profile: str | None = None) -> dict:
    e0, p0 = dict(embedcache.counts), dict(parsecache.counts)
    with profiled(profile):
        started, cpu = time.perf_counter(), time.process_time()
        brief = pipeline.brief(story)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return dict(wall=wall, cpu=cpu, brief=json.dumps(brief.to_json(), ensure_ascii=False, sort_keys=True),
                embedded=embedcache.counts["embedded"] - e0["embedded"],
                parsed=parsecache.counts["parsed"] - p0["parsed"], reused=parsecache.counts["reused"] - p0["reused"])


# -- report ----------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10 feeds of 5 entries, short freshness run: a smoke check")
    ap.add_argument("--interval", type=float, default=None,
                    help="poll interval in seconds of the freshness run (default 60, the real 1-minute one; --quick 4)")
    ap.add_argument("--only", choices=["rebuild", "throughput", "freshness"], help="run only one measurement")
    ap.add_argument("--corpus", choices=["multinews", "events"], default="multinews",
                    help="the stories of the rebuild measurement (events: ../shared/corpus/events, 4-10 articles)")
    args = ap.parse_args()
    n_feeds, per_feed = (10, 5) if args.quick else (50, 20)
    n_pages = n_feeds * per_feed
    interval = args.interval or (4.0 if args.quick else 60.0)
    n_entries, per_interval = (12, 4.0) if args.quick else (24, 4.0)
    settings = bench_settings(interval)

    from storyline.analyze.nlp import embed, load_spacy
    from storyline.stories.features import embed_leads

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        pages = build_pages(n_pages, tmp)
        load_spacy()
        embed(["warm up"])
        embed_leads(["warm up the model"])  # model loading is not a per-article cost
        if args.only == "rebuild":
            print_rebuild(rebuild(tmp, settings, 2 if args.quick else 3, args.corpus))
            return
        queue = multiprocessing.get_context("fork").Queue()
        server = multiprocessing.get_context("fork").Process(target=serve, args=(pages, tmp / "pages", n_feeds, queue),
                                                             daemon=True)
        server.start()
        base = f"http://127.0.0.1:{queue.get(timeout=60)}"
        try:
            print(f"site: {n_feeds} feeds x {per_feed} entries over {n_pages} pages "
                  f"({sum(p['key'].startswith('x') for p in pages)} extraction pages, the rest Multi-News rendered); "
                  f"{sum(p['teaser'] for p in pages)} teaser entries; load average {os.getloadavg()[0]:.1f} "
                  f"(2 cores)", flush=True)
            if args.only != "freshness":
                print_throughput(throughput(base, tmp, n_feeds, settings, n_pages))
                print(f"  peak RSS after the polls and the ingest: "
                      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB", flush=True)
            if args.only == "throughput":
                return
            print_freshness(freshness(base, tmp, pages, n_feeds, settings, n_entries, per_interval))
        finally:
            server.terminate()
            server.join()
        if args.only == "freshness":
            return
        print_rebuild(rebuild(tmp, settings, 2 if args.quick else 3, args.corpus))
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: {own:.0f} MiB (this process), {children:.0f} MiB (largest child: the server or a spaCy worker)")


def print_throughput(t: dict) -> None:
    first, second, ingest = t["first"], t["second"], t["ingest"]
    n, wall, parts = first["added"], first["wall"], first["parts"]
    fetch, stored, place = parts.get("fetch", 0.0), parts.get("store+place", 0.0), parts.get("place", 0.0)
    read = wall - fetch - stored
    print(f"first poll: {first['polls']} feeds, {n} articles stored ({first['known']} already stored, "
          f"{len(first['errors'])} errors), {first['stories']} stories; {first['stats'].get('requests_page', 0)} "
          f"pages fetched for teasers")
    print(f"  fetched-to-stories: {n / wall:.1f} articles/s ({wall:.1f} s wall, {first['cpu']:.1f} s CPU: "
          f"{n / first['cpu']:.1f} articles per CPU-second)")
    print(f"  fetch (HTTP) {fetch:.1f} s ({n / fetch:.0f}/s), read (feeds, pages: extract/clean/split) {read:.1f} s "
          f"({n / read:.1f}/s), store {stored - place:.1f} s ({n / max(stored - place, 1e-9):.0f}/s), "
          f"place into stories {place:.1f} s ({n / place:.1f}/s)")
    for e in first["errors"][:5]:
        print(f"    error: {e}")
    b1 = sum(v for k, v in first["stats"].items() if k.startswith("bytes_"))
    b2 = sum(v for k, v in second["stats"].items() if k.startswith("bytes_"))
    f1 = first["stats"].get("bytes_feed", 0)
    print(f"second, unchanged poll: {second['polls']} feeds, statuses {second['statuses']}, {second['added']} added; "
          f"{b2} bytes against {b1} ({100 * b2 / b1:.2f}%; against the first poll's feed bodies alone, "
          f"{f1} bytes: {100 * b2 / max(f1, 1):.2f}%) (target <= 5%)")
    rate = ingest["added"] / ingest["wall"]
    print(f"storyline ingest of the same {ingest['pages']} pages from disk: {ingest['added']} articles "
          f"({ingest['errors']} errors), {rate:.1f} articles/s ({ingest['wall']:.1f} s wall, {ingest['cpu']:.1f} s CPU: "
          f"{ingest['added'] / ingest['cpu']:.1f} per CPU-second)")
    print(f"  ratio watcher / ingest throughput: {(n / wall) / rate:.2f} wall, "
          f"{(n / first['cpu']) / (ingest['added'] / ingest['cpu']):.2f} CPU (target >= 0.7)")


def print_freshness(f: dict) -> None:
    iv = f["interval"]
    if f["p50"] is None:
        print("freshness: no entry reached a brief")
        return
    print(f"freshness: {f['entries']} entries appearing over {f['span']:.0f} s, polled every {iv:g} s "
          f"({f['entries'] / (f['span'] / iv):.1f} entries per interval), "
          f"{f['current']} reached a current brief: p50 {f['p50']:.1f} s = {f['p50'] / iv:.2f} intervals, "
          f"p99 {f['p99']:.1f} s = {f['p99'] / iv:.2f} intervals, max {f['max'] / iv:.2f} (target p99 <= 2)")
    print(f"  {f['refused']} entries read without an article of their own (refused by the reader: "
          f"{'; '.join(f['problems']) or 'none'}; or the text of an article stored already): no brief to reach; "
          f"{f['missing']} entries neither current nor read by the deadline")
    print(f"  {f['brief_rounds']} rounds of brief rebuilds: {f['brief_wall']:.1f} s wall, {f['brief_cpu']:.1f} s CPU")


def print_rebuild(rows: list[dict]) -> None:
    if not rows:
        print("rebuild: no cluster's last article joined its story")
        return
    for r in rows:
        w, g, c = r["warm"], r["again"], r["cold"]
        print(f"rebuild {r['cluster']} ({r['articles']} articles, {r['copies']} copies): after one new article "
              f"{w['cpu']:.2f} s CPU ({w['wall']:.2f} wall; parsed {w['parsed']}, parses from the store "
              f"{w['reused']}, {w['embedded']} sentences embedded); story-wide work alone {g['cpu']:.2f} s; "
              f"cold {c['cpu']:.2f} s CPU ({c['wall']:.2f} wall; parsed {c['parsed']}, {c['embedded']} embedded): "
              f"{w['cpu'] / c['cpu']:.2f} ({g['cpu'] / c['cpu']:.2f} without the new article's parse and vectors)")
    by_size: dict[int, list[dict]] = {}
    for r in rows:
        by_size.setdefault(r["articles"], []).append(r)
    for size, group in sorted(by_size.items()):
        print(f"  stories of {size} articles ({len(group)}): rebuild/cold median "
              f"{statistics.median(r['warm']['cpu'] / r['cold']['cpu'] for r in group):.2f}, "
              f"story-wide alone/cold {statistics.median(r['again']['cpu'] / r['cold']['cpu'] for r in group):.2f}")
    ratios = [r["warm"]["cpu"] / r["cold"]["cpu"] for r in rows]
    print(f"rebuild ratio (CPU), median of {len(ratios)} stories: {statistics.median(ratios):.2f} (target <= 0.3); "
          f"every brief rebuilt from the store is byte-identical to the brief from nothing")


if __name__ == "__main__":
    main()

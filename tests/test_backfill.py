"""storyline backfill (storyline/backfill.py): the batch path gives the streaming path's answers.

Real articles from ../shared/corpus/multinews (skipped when absent), dated as a stream: each
Multi-News cluster a story starting on its own day, its articles within two days. The ray
engine runs in Ray's local mode (two CPUs, started and shut down by the session fixture).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from storyline import cache
from storyline.backfill import backfill
from storyline.evaluate.clusters import bcubed
from storyline.pipeline import Pipeline
from storyline.store import Store
from storyline.stories.cluster import list_stories, story_copies

from .test_stories_merge import DAM_FIRST, DAM_FOLLOW_UP, DAM_INSPECTION

MULTINEWS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "multinews" / "dev.jsonl"
if not MULTINEWS.exists():
    MULTINEWS = Path("/work/shared/corpus/multinews/dev.jsonl")
REPO = Path(__file__).resolve().parents[1]
START = date(2021, 3, 1)

pytestmark = pytest.mark.slow


def multinews_records(n_articles: int, span_days: int = 30) -> list[dict]:
    """JSON records of the first clusters of dev.jsonl up to n_articles, in publication order:
    cluster k starts on day (7k mod span_days), its j-th article j days later (mod 3)."""
    if not MULTINEWS.exists():
        pytest.skip("../shared/corpus/multinews is absent")
    records = []
    with open(MULTINEWS, encoding="utf-8") as fh:
        for k, line in enumerate(fh):
            cluster = json.loads(line)
            for j, article in enumerate(cluster["articles"]):
                day = START + timedelta(days=(7 * k) % span_days + j % 3)
                records.append({"text": article["text"], "outlet": f"outlet{(k + j) % 17}",
                                "published": day.isoformat(), "label": cluster["id"]})
            if len(records) >= n_articles:
                break
    return sorted(records, key=lambda r: r["published"])


def write_shards(folder: Path, records: list[dict], shards: int = 4) -> list[str]:
    """The records as JSON Lines files (several: the read stage runs one task per batch of files)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for s in range(shards):
        path = folder / f"part{s}.jsonl"
        part = records[s * len(records) // shards:(s + 1) * len(records) // shards]  # in publication order
        path.write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
        paths.append(str(path))
    return paths


def stories(store, ids) -> set[frozenset[str]]:
    """The stories of the given articles, each as the set of its article ids."""
    groups: dict[str, set[str]] = {}
    for aid, sid in store.stories_of(list(ids)).items():
        groups.setdefault(sid, set()).add(aid)
    return {frozenset(g) for g in groups.values()}


def cached_briefs(store, story_ids) -> dict[frozenset[str], dict]:
    """The brief `storyline show` finds for each story (cached: no brief is made here), keyed by
    the story's article ids; the story id itself (random) is left out."""
    pipeline = Pipeline(store=store)
    out = {}
    for sid in story_ids:
        story = pipeline.story(sid)
        brief = pipeline._cached(cache.brief_key(story, 100, pipeline.settings))
        assert brief is not None, f"story {sid} has no cached brief"
        data = brief.to_json()
        data.pop("story_id", None)
        for link in data["thread"]:  # a linked story by its articles, not its (random) id
            link["story_id"] = sorted(a.id for a in pipeline.story(link["story_id"]).articles)
        out[frozenset(a.id for a in story.articles)] = data
    return out


@pytest.fixture(scope="session")
def ray_local():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[list[str], list[dict]]:
    folder = tmp_path_factory.mktemp("archive")
    records = multinews_records(160)
    paths = write_shards(folder, records)
    broken = folder / "broken.jsonl"
    good = {k: v for k, v in records[0].items() if k != "label"}
    broken.write_text(json.dumps(good) + "\n" + '{"text": "cut off\n', encoding="utf-8")
    return paths + [str(broken)], records


@pytest.fixture(scope="module")
def both_engines(corpus, tmp_path_factory, ray_local):
    """(local report, local store path, ray report, ray store path), each with briefs."""
    paths, _ = corpus
    out = {}
    for engine in ("local", "ray"):
        db = tmp_path_factory.mktemp(engine) / "store.db"
        with Store(db) as store:
            out[engine] = (backfill(paths, store, engine=engine, window_days=7, briefs=True), db)
    return out


def test_ray_engine_forms_the_local_engines_stories_and_briefs(both_engines, corpus):
    (local, local_db), (ray_report, ray_db) = both_engines["local"], both_engines["ray"]
    assert sorted(local.added) == sorted(ray_report.added) and len(local.added) > 100
    assert local.windows > 1  # the stories were stitched across windows
    with Store(local_db) as a, Store(ray_db) as b:
        assert stories(a, local.added) == stories(b, ray_report.added)
        assert len(stories(a, local.added)) == len(local.story_ids)
        assert cached_briefs(a, local.story_ids) == cached_briefs(b, ray_report.story_ids)


def test_a_malformed_json_line_is_reported_with_its_file_and_line_and_the_rest_goes_on(both_engines, corpus):
    paths, records = corpus
    broken = paths[-1]
    for engine in ("local", "ray"):
        report = both_engines[engine][0]
        (error,) = [str(e) for e in report.errors if e.source.startswith(broken)]
        assert re.fullmatch(rf"{re.escape(broken)}:2: invalid JSON \(.+\) at byte offset [\d,]+", error), error
        # every record read: an article, a known one (a text given twice) or an error (the broken line;
        # texts ingest refuses as not articles); the good line of broken.jsonl too
        assert len(report.added) + len(report.known) + len(report.errors) == len(records) + 2


def test_backfill_brief_is_the_brief_the_pipeline_makes(both_engines):
    """The cached brief of the largest story equals the one Pipeline.brief makes for the same
    story (its articles and copies) without a store (nothing cached)."""
    from storyline.pipeline import Story

    local, db = both_engines["local"]
    with Store(db) as store:
        briefs = cached_briefs(store, local.story_ids)
        ids = max(briefs, key=len)
        stored = Pipeline(store=store).stories_of(list(store.articles(sorted(ids))))
    (story,) = stored
    made = Pipeline().brief(Story(None, story.articles, story.copies)).to_json()
    made.pop("story_id", None)
    expected = dict(briefs[ids], thread=[])  # alone in its store, the story has no thread
    assert dict(made, thread=[]) == expected


def test_backfill_agrees_with_ingest_on_a_stream(tmp_path):
    """Stories of a backfill in 2-day windows (many boundaries to stitch) against those of
    Pipeline.ingest on the same file: B-cubed F1 each against the other."""
    records = multinews_records(220, span_days=40)
    path = tmp_path / "stream.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with Store(tmp_path / "backfill.db") as a:
        report = backfill([str(path)], a, window_days=2)
        batch = a.stories_of(report.added)
    with Store(tmp_path / "ingest.db") as b:
        streamed = b.stories_of([x.id for x in Pipeline(store=b).ingest([str(path)]).added])
    assert report.windows > 5 and set(batch) == set(streamed)
    assert bcubed(batch, streamed)["f1"] >= 0.95 and bcubed(streamed, batch)["f1"] >= 0.95


def test_an_interrupted_backfill_resumes_and_stores_every_article_once(tmp_path):
    records = multinews_records(120)
    paths = write_shards(tmp_path / "in", records, shards=3)

    class Stop(Exception):
        pass

    def stop_after_two(n: int) -> None:
        if n == 2:
            raise Stop

    with Store(tmp_path / "store.db") as store:
        with pytest.raises(Stop):
            backfill(paths, store, window_days=7, after_window=stop_after_two)
        first = set(store.article_ids_page(10_000, 0))
        report = backfill(paths, store, window_days=7)
        assert report.added and not first & set(report.added)  # nothing stored twice
        assert first <= set(report.known)
        total = store.count_articles()
        assert total == len(first) + len(report.added) == len(set(report.added) | set(report.known))
        assert len(records) >= total > len(first)  # (a text given twice is one article)
        placed = store.stories_of(report.added + report.known)
        assert len(placed) == total  # every article in a story
        assert sum(s["articles"] for s in list_stories(store)) == total  # and in one only


WARC_RECORD = ("WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\nWARC-Date: 2021-03-0{day}T10:00:00Z\r\n"
               "WARC-Record-ID: <urn:uuid:0000000{day}-0000-0000-0000-000000000000>\r\n"
               "Content-Type: application/http; msgtype=response\r\nContent-Length: {length}\r\n\r\n{body}\r\n\r\n")


def test_a_malformed_warc_record_is_reported_with_its_file_and_offset(tmp_path):
    records = multinews_records(3)
    parts = []
    for k, r in enumerate(records[:2], 1):
        html = (f"<html><head><title>Report {k}</title></head><body><article>"
                + "".join(f"<p>{p}</p>" for p in r["text"].split("\n")) + "</article></body></html>")
        body = f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}"
        parts.append(WARC_RECORD.format(url=f"https://example.com/{k}", day=k, length=len(body.encode()), body=body))
    bad = "WARC/1.0\r\nWARC-Type: response\r\nContent-Length: not-a-number\r\n\r\ngarbage\r\n\r\n"
    path = tmp_path / "crawl.warc"
    path.write_bytes((parts[0] + bad + parts[1]).encode())
    with Store(tmp_path / "store.db") as store:
        report = backfill([str(path)], store)
    assert len(report.added) == 2
    assert len(report.errors) == 1 and str(report.errors[0]).startswith(str(path))


def test_the_local_engine_runs_without_ray(tmp_path):
    """With ray unimportable, the local engine backfills the examples; the ray engine says what to install."""
    code = ("import sys; sys.modules['ray'] = None\n"
            "from storyline.cli import main\n"
            f"rc = main(['--db', {str(tmp_path / 'a.db')!r}, 'backfill', '-q', {str(REPO / 'examples')!r}])\n"
            f"rc2 = main(['--db', {str(tmp_path / 'b.db')!r}, 'backfill', '-q', '--engine', 'ray', {str(REPO / 'examples')!r}])\n"
            "print('rc', rc, rc2)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=600)
    assert "rc 0 2" in done.stdout, done.stdout + done.stderr
    assert "added, 0 already stored, 0 errors" in done.stdout
    assert "the ray engine needs Ray: pip install 'storyline[ray]'" in done.stderr


def test_a_copy_in_a_later_window_follows_its_original_as_ingest_links_it(tmp_path):
    """A near copy of an article, reprinted nine days later (another 2-day window): the backfill
    links it as a copy of its original, in the original's story, as the stream does."""
    records = multinews_records(14)
    original = records[0]
    reprint = {"text": original["text"] + "\nThis report was first published last week.",
               "outlet": "reprints", "published": (date.fromisoformat(original["published"])
                                                   + timedelta(days=9)).isoformat()}
    path = tmp_path / "stream.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records + [reprint]), encoding="utf-8")
    linked = []
    for name in ("backfill", "ingest"):
        with Store(tmp_path / f"{name}.db") as store:
            if name == "backfill":
                report = backfill([str(path)], store, window_days=2)
                assert report.windows > 2
            else:
                Pipeline(store=store).ingest([str(path)])
            ids = store.article_ids_page(10_000, 0)
            copies = {c: o for sid in set(store.stories_of(ids).values()) for c, o in story_copies(store, sid).items()}
            story = store.stories_of(ids)
            linked.append((copies, {frozenset(a for a in ids if story[a] == story[c]) for c in copies}))
    (batch_copies, batch_stories), (stream_copies, stream_stories) = linked
    assert len(stream_copies) >= 1 and batch_copies == stream_copies
    assert batch_stories == stream_stories


def test_a_copy_weeks_after_its_story_closed_does_not_reopen_it_as_in_ingest(tmp_path):
    """A story returns 45 days later (past ClusterConfig.window_days: the first story closed)
    with a reprint of one of its articles, a day after another story's article. Ingested as a
    later batch, the reprint stays out of the closed story (the batch opens only the stories
    open at its oldest article, and the closed story's articles left the copy index); so it
    does in a backfill of both at once, whose 7-day window holding both starts where that
    batch's clock would."""
    records = multinews_records(14)
    labels = {r["label"] for r in records}
    original = records[0]
    later = date.fromisoformat(records[-1]["published"]) + timedelta(days=45)
    while (later - date(1970, 1, 1)).days % 7 == 0:  # the day before it in the same window (days since 1970 // 7)
        later += timedelta(days=1)
    other = next(r for r in multinews_records(60) if r["label"] not in labels)
    returns = [{**other, "published": (later - timedelta(days=1)).isoformat()},
               {"text": original["text"] + "\nThis report was first published in the spring.",
                "outlet": "reprints", "published": later.isoformat()}]
    paths = [tmp_path / "spring.jsonl", tmp_path / "summer.jsonl"]
    for path, part in zip(paths, (records, returns)):
        path.write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
    found = {}
    for name in ("backfill", "ingest"):
        with Store(tmp_path / f"{name}.db") as store:
            if name == "backfill":
                backfill([str(p) for p in paths], store, window_days=7)
            else:
                for path in paths:  # a batch each, as a feed read twice
                    Pipeline(store=store).ingest([str(path)])
            articles = list(store.articles(store.article_ids_page(10_000, 0)))
            story = store.stories_of([x.id for x in articles])
            reprint = next(x for x in articles if x.outlet == "reprints")
            first = next(x for x in articles if (x.outlet, x.published.iso()) == (original["outlet"], original["published"]))
            assert story[reprint.id] != story[first.id], name
            found[name] = stories(store, story)
    assert found["backfill"] == found["ingest"]


def test_a_backfill_onto_a_store_merges_stored_stories_as_ingest_does(tmp_path):
    """Two stored stories of one event (arrival order split them: invented texts, as in
    test_stories_merge) and then an article close to both: ingest merges the stored stories
    (the clusterer's merge rule), and so does a backfill resumed onto the same store."""
    from storyline.ingest import RawArticle, build_article
    from storyline.model import PartialDate

    def record(text: str, day: int) -> dict:
        title, body = text.split("\n\n", 1)
        return {"title": title, "text": body, "outlet": f"outlet{day}",
                "published": (date(2024, 5, 5) + timedelta(days=day)).isoformat()}

    first, inspection = (build_article(RawArticle(source=f"dam{d}", text=t, outlet=f"outlet{d}", headline_in_text=True,
                                                  published=PartialDate.from_date(date(2024, 5, 5) + timedelta(days=d))))
                         for d, t in ((0, DAM_FIRST), (1, DAM_INSPECTION)))
    path = tmp_path / "follow_up.jsonl"
    path.write_text(json.dumps(record(DAM_FOLLOW_UP, 2)) + "\n", encoding="utf-8")
    parts = {}
    for name in ("backfill", "ingest"):
        with Store(tmp_path / f"{name}.db") as store:
            pipeline = Pipeline(store=store)
            before = pipeline.add([first, inspection])
            assert before[first.id] != before[inspection.id]  # two stored stories
            if name == "backfill":
                added = backfill([str(path)], store).added
            else:
                added = [a.id for a in pipeline.ingest([str(path)]).added]
            (follow_up,) = added
            story_of = store.stories_of([first.id, inspection.id, follow_up])
            parts[name] = len(set(story_of.values()))
            assert sum(s["articles"] for s in list_stories(store)) == 3  # each article in one story
            assert len(list_stories(store)) == parts[name]
    assert parts == {"backfill": 1, "ingest": 1}

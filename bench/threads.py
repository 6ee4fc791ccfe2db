"""Thread-link precision and recall on the thread labels of bench/gold/threads.json.

    .venv/bin/python bench/threads.py [../shared/corpus/events/week-dev.jsonl ...]

Two runs per file:
- ingested: the records are read as ingest reads JSON records (their own dates; undated ones
  stay undated), stored and placed in publication order through Pipeline.add, as a user's
  feed would be; each stored story is named by the event most of its articles belong to;
- gold stories: each labelled event is one story (clustering taken as perfect), so that the
  threads are measured apart from the clustering's errors.

A predicted link joins two stories of one thread (threads.thread_ids: linked transitively).
Counted over pairs of events: precision = linked event pairs that the labels put in one
thread / linked event pairs of different events; recall = labelled thread pairs linked.
Links between two records of one event that the file labels apart (same_event) are printed
apart; those inside one event (a story split in two) are not pairs of events.

Last, a check of false links with no help from time: the 200 Multi-News clusters (dev and
test, each a story of another event, undated) are given days 3 apart, so that every pair is
apart in time, and every link found among them is wrong; then left undated, as they are, where
no time rule applies and the links found are printed to be read.
"""
from __future__ import annotations

import dataclasses
import itertools
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from storyline.evaluate.clusters import load_labelled  # noqa: E402
from storyline.ingest.build import build_article  # noqa: E402
from storyline.ingest.record import record_to_raw  # noqa: E402
from storyline.pipeline import Pipeline  # noqa: E402
from storyline.settings import Settings  # noqa: E402
from storyline.store import Store  # noqa: E402
from storyline.stories.features import headline_of  # noqa: E402
from storyline.stories.threads import components, link, signature  # noqa: E402

GOLD = REPO / "bench" / "gold" / "threads.json"
CORPUS = REPO.parent / "shared" / "corpus"


def gold_pairs(labels: dict) -> tuple[set, set]:
    thread = {frozenset(p) for t in labels["threads"] for p in itertools.combinations(t["events"], 2)}
    same = {frozenset(p) for p in labels["same_event"]} - thread
    return thread, same


def score(linked: set, thread: set, same: set) -> dict:
    """linked: frozenset pairs of events put in one thread."""
    same_hit = linked & same
    judged = linked - same
    right = judged & thread
    return {"links": len(linked), "right": len(right), "same_event": len(same_hit),
            "precision": len(right) / len(judged) if judged else 1.0,
            "recall": len(linked & thread) / len(thread) if thread else 1.0,
            "wrong": sorted(tuple(sorted(p)) for p in judged - thread)}


def event_pairs(thread_of: dict[str, str], event_of: dict[str, str]) -> set:
    groups: dict[str, set] = {}
    for story, thread in thread_of.items():
        groups.setdefault(thread, set()).add(event_of[story])
    return {frozenset(p) for events in groups.values() for p in itertools.combinations(sorted(events), 2)}


def articles_of(path: Path):
    records = load_labelled(path)
    articles = [build_article(record_to_raw(r["where"], r["record"])) for r in records]
    return records, articles


def run_gold(records, articles, settings: Settings) -> set:
    groups: dict[str, list] = {}
    for r, a in zip(records, articles):
        groups.setdefault(r["story"], []).append(a)
    sigs = [signature(e, headline_of(arts), arts, settings.threads) for e, arts in groups.items()]
    links = [(x.story_id, y.story_id) for x, y in itertools.combinations(sigs, 2) if link(x, y, settings.threads)]
    return event_pairs(components(list(groups), links), {e: e for e in groups})


def run_ingested(records, articles, settings: Settings) -> set:
    from storyline.stories.threads import thread_ids

    order = sorted(range(len(articles)), key=lambda i: (articles[i].published.sort_key() == (0, 0, 0),
                                                         articles[i].published.sort_key(), i))
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "t.db") as store:
        pipeline = Pipeline(settings, store=store)
        placed = pipeline.add([articles[i] for i in order])
        votes: dict[str, Counter] = {}
        for r, a in zip(records, articles):
            votes.setdefault(placed[a.id], Counter())[r["story"]] += 1
        event_of = {s: c.most_common(1)[0][0] for s, c in votes.items()}
        return event_pairs(thread_ids(store), event_of)


def main(paths: list[str]) -> None:
    gold = json.loads(GOLD.read_text())["files"]
    settings = Settings()
    paths = paths or [str(CORPUS / "events" / "week-dev.jsonl"), str(CORPUS / "events" / "dev.jsonl")]
    for path in map(Path, paths):
        labels = gold[f"events/{path.name}"]
        thread, same = gold_pairs(labels)
        records, articles = articles_of(path)
        for name, run in (("gold stories", run_gold), ("ingested", run_ingested)):
            s = score(run(records, articles, settings), thread, same)
            print(f"{path.name:18} {name:13} links {s['links']:2}  precision {s['precision']:.2f}"
                  f"  recall {s['recall']:.2f} ({s['right']}/{len(thread)})  same-event links {s['same_event']}"
                  + (f"  wrong: {s['wrong']}" if s["wrong"] else ""))
    if (CORPUS / "multinews").is_dir():
        found, undated, stories = multinews_false_links(settings)
        print(f"multinews dev+test {stories} stories, every pair apart in time: {found} links (all wrong)")
        print(f"multinews dev+test {stories} stories, all undated (no time rule): {undated} links"
              " (each a link between two Multi-News clusters, read and judged in the note)")


def multinews_false_links(settings: Settings) -> tuple[int, int, int]:
    """(links found with each cluster on its own day, links found with every cluster undated,
    stories) among the Multi-News clusters."""
    sigs = []
    for name in ("dev.jsonl", "test.jsonl"):
        records, articles = articles_of(CORPUS / "multinews" / name)
        groups: dict[str, list] = {}
        for r, a in zip(records, articles):
            groups.setdefault(r["story"], []).append(a)
        sigs += [signature(e, "", arts, settings.threads) for e, arts in groups.items()]
    undated = [dataclasses.replace(sig, day=None) for sig in sigs]
    for k, sig in enumerate(sigs):
        sig.day = 3.0 * k
    found = sum(1 for x, y in itertools.combinations(sigs, 2)
                if abs(x.day - y.day) <= settings.threads.max_days and link(x, y, settings.threads))
    unordered = [(x.story_id, y.story_id) for x, y in itertools.combinations(undated, 2) if link(x, y, settings.threads)]
    for pair in unordered:
        print("undated link:", *pair)
    return found, len(unordered), len(sigs)


if __name__ == "__main__":
    main(sys.argv[1:])

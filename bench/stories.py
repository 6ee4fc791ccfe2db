"""Speed and memory of ingest + story clustering on a long stream.

    .venv/bin/python bench/stories.py [--articles 5000] [--batch 200]

Stream: the 570 Multi-News articles (../shared/corpus/multinews) plus
generated variants until --articles: the stream runs in rounds 45 days
apart; in each round every Multi-News cluster is one story again, and its
articles are new texts made by shuffling paragraphs drawn from that
cluster's articles, with new dates (within 3 days of the story's start,
stories starting within 10 days of the round's start) and new outlets.
Round 0 is the real articles. So stories recur with similar text months
later (time decay must keep them apart) and the number of open stories
stays bounded, as in a real feed.

Each batch goes through the real path: build_article (read/clean/split:
the ingest side), Store.add_articles, Pipeline.place. Reported: articles/s
for each phase and overall, time per article for each block of 1,000
articles (it must stay flat), peak RSS, and B-cubed of the stories formed
against the (round, cluster) labels.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MULTINEWS = REPO.parent / "shared" / "corpus" / "multinews"
START = date(2021, 1, 1)


def stream(n_articles: int, seed: int = 0) -> list[dict]:
    """[{"text", "outlet", "published": date, "label"}] in publication order."""
    rng = random.Random(seed)
    clusters = []
    for split in ("dev", "test"):
        with open(MULTINEWS / f"{split}.jsonl", encoding="utf-8") as fh:
            clusters += [json.loads(line) for line in fh if line.strip()]
    items: list[dict] = []
    round_no = 0
    while len(items) < n_articles:
        round_start = START + timedelta(days=45 * round_no)
        batch = []
        for c in clusters:
            story_start = rng.uniform(0, 10)
            for k, article in enumerate(c["articles"]):
                if round_no == 0:
                    text = article["text"]
                else:  # a new text from paragraphs of the cluster's articles
                    pool = [p for a in c["articles"] for p in a["text"].split("\n") if p.strip()]
                    size = max(3, min(len(pool), len(article["text"].split("\n"))))
                    text = "\n".join(rng.sample(pool, min(size, len(pool))))
                day = story_start + rng.uniform(0, 3)
                batch.append({"text": text, "outlet": f"outlet{rng.randrange(60)}",
                              "published": round_start + timedelta(days=int(day)), "order": day,
                              "label": f"{round_no}:{c['id']}"})
        batch.sort(key=lambda it: it["order"])
        items += batch
        round_no += 1
    return items[:n_articles]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=200)
    args = ap.parse_args()

    from storyline.evaluate.clusters import bcubed, pairwise
    from storyline.ingest import RawArticle, build_article
    from storyline.model import PartialDate
    from storyline.pipeline import Pipeline
    from storyline.stories.cluster import list_stories
    from storyline.stories.features import embed_leads
    from storyline.store import Store

    items = stream(args.articles)
    embed_leads(["warm up the model"])  # model load is not per-article cost
    cpu_start = time.process_time()
    t_build = t_store = t_assign = 0.0
    gold: dict[str, str] = {}
    block_times: list[float] = []
    block_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        pipeline = Pipeline(store=store)
        for i in range(0, len(items), args.batch):
            chunk = items[i:i + args.batch]
            t0 = time.perf_counter()
            articles = [build_article(RawArticle(source=f"bench/{i + j}", text=it["text"], outlet=it["outlet"],
                                                 published=PartialDate.from_date(it["published"])))
                        for j, it in enumerate(chunk)]
            t1 = time.perf_counter()
            store.add_articles(articles)
            t2 = time.perf_counter()
            pipeline.place(articles)
            t3 = time.perf_counter()
            t_build, t_store, t_assign = t_build + t1 - t0, t_store + t2 - t1, t_assign + t3 - t2
            for a, it in zip(articles, chunk):
                gold.setdefault(a.id, it["label"])
            done = i + len(chunk)
            if done % 1000 == 0 or done == len(items):
                now = time.perf_counter()
                block_times.append((now - block_start) / (done - 1000 * (len(block_times))))
                block_start = now
                print(f"  {done:5d} articles: {1000 * block_times[-1]:.1f} ms/article in this block", flush=True)
        # The final stories: a later batch can merge an earlier story into another.
        pred = store.stories_of(list(gold))
        stories = len(list_stories(store))
        copies = sum(s["articles"] - s["independent_sources"] for s in list_stories(store))
        db_mb = (Path(tmp) / "bench.db").stat().st_size / 1e6

    n = len(items)
    total = t_build + t_store + t_assign
    cpu = time.process_time() - cpu_start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    b, p = bcubed(pred, gold), pairwise(pred, gold)
    print(f"stream: {n} articles, {len(set(gold.values()))} labelled stories, batches of {args.batch}")
    print(f"ingest+cluster: {n / total:.1f} articles/s overall ({total:.0f} s wall; {cpu:.0f} s CPU on all"
          f" threads = {n / cpu:.1f} articles per CPU-second; the wall figure suffers when other"
          f" processes share the cores: load average {os.getloadavg()[0]:.1f})")
    print(f"  read/clean/split (build_article): {n / t_build:.1f} articles/s ({t_build:.0f} s)")
    print(f"  store (add_articles):             {n / t_store:.1f} articles/s ({t_store:.0f} s)")
    print(f"  cluster (Pipeline.place):         {n / t_assign:.1f} articles/s ({t_assign:.0f} s)")
    print("time per article by block of 1,000: " + ", ".join(f"{1000 * t:.1f} ms" for t in block_times)
          + f" (last/first {block_times[-1] / block_times[0]:.2f})")
    print(f"peak RSS: {rss_mb:.0f} MB; database {db_mb:.0f} MB")
    print(f"stories formed: {stories} ({copies} articles linked as copies)")
    print(f"B-cubed vs (round, cluster) labels: P {b['precision']:.3f} R {b['recall']:.3f} F1 {b['f1']:.3f}; "
          f"pairwise F1 {p['f1']:.3f}")


if __name__ == "__main__":
    main()

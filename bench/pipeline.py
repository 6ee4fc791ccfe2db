"""End-to-end speed of storyline against bare spaCy, in one run.

    .venv/bin/python bench/pipeline.py [--articles 1000] [--processes 2]

Input: --articles real Multi-News articles of ../shared/corpus/multinews (dev
and test, 570 articles), the corpus repeated as often as needed. Each repeat
gets a distinct last line, so the store keeps every copy as its own article
(and the near-duplicate index sees them as copies, as it would real
syndication).

storyline, timed as a whole and per phase, models already loaded:
  ingest    clean + segment + store, in batches of 200, with streaming story
            assignment (storyline.stories.cluster) when it exists;
  embed     MiniLM sentence embeddings of each stored batch, one encoder
            batch, cached in the store (storyline.analyze.embedcache);
  brief     storyline.report.build.cached_brief per story: the spaCy parse,
            cross-source analysis, timeline and cited summary.
bare spaCy: nlp.pipe with the same model, --processes workers, over the
same texts.

Prints articles/s, words/s, the ratio storyline / bare spaCy (time), and
peak RSS of this process and of its worker processes.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MULTINEWS = REPO.parent / "shared" / "corpus" / "multinews"
BATCH = 32


def load_texts(count: int) -> list[tuple[str, str]]:
    """(source name, text) of `count` multinews articles, the corpus repeated as often as needed."""
    originals = []
    for split in ("dev", "test"):
        with open(MULTINEWS / f"{split}.jsonl", encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                originals += [(a["id"], a["text"]) for a in record["articles"]]
    texts = []
    copy = 0
    while len(texts) < count:
        suffix = f"\n(Benchmark copy {copy}.)" if copy else ""
        texts += [(f"{name}#{copy}", text + suffix) for name, text in originals]
        copy += 1
    return texts[:count]


def has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def bare_spacy(texts: list[str], processes: int) -> float:
    from storyline.analyze.nlp import load_spacy

    nlp = load_spacy()
    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=BATCH, n_process=processes):
        pass
    return time.perf_counter() - start


def storyline_pipeline(texts: list[tuple[str, str]]) -> tuple[float, dict[str, float], int]:
    """Seconds in all, seconds per phase, number of stories."""
    from storyline.analyze.embedcache import article_vectors
    from storyline.ingest import RawArticle, build_article
    from storyline.report.build import cached_brief
    from storyline.store import Store

    clustering = has_module("storyline.stories.cluster")
    phases = dict.fromkeys(["ingest", "embed", "brief"], 0.0)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        start = time.perf_counter()
        for i in range(0, len(texts), 200):
            t = time.perf_counter()
            batch = [build_article(RawArticle(source=name, text=text)) for name, text in texts[i:i + 200]]
            added = store.add_articles(batch)
            if clustering:
                from storyline.stories.cluster import assign_stories

                assign_stories(store, added)
            phases["ingest"] += time.perf_counter() - t
            # Per-article work done once, at ingest, in one batch, kept in the store.
            t = time.perf_counter()
            article_vectors(added, store)
            phases["embed"] += time.perf_counter() - t
        t = time.perf_counter()
        stories = _stories(store, clustering)
        for k, story in enumerate(stories):
            cached_brief(store, story, story_id=str(k))
        phases["brief"] = time.perf_counter() - t
        total = time.perf_counter() - start
    return total, phases, len(stories)


def _stories(store, clustering: bool):
    """Stories as lists of articles: the clusterer's, or one per article without it."""
    if not clustering:
        return [[a] for a in store.articles()]
    from storyline.stories.cluster import list_stories, story_articles

    return [story_articles(store, s["id"]) for s in list_stories(store)]


def peak_rss_mib() -> tuple[float, float]:
    """(this process, largest child) peak resident set size in MiB (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()

    from storyline.analyze.nlp import embed, load_spacy

    load_spacy()
    embed(["warm-up"])  # model loading is not what we measure
    texts = load_texts(args.articles)
    words = sum(len(text.split()) for _, text in texts)
    n = len(texts)

    total, phases, n_stories = storyline_pipeline(texts)
    bare = bare_spacy([text for _, text in texts], args.processes)

    print(f"{n} articles ({words} words, {n_stories} stories), spaCy en_core_web_sm, "
          f"{args.processes} processes, batch {BATCH}")
    print(f"{'':<12}{'seconds':>9}{'articles/s':>12}{'words/s':>10}")
    print(f"{'storyline':<12}{total:9.1f}{n / total:12.2f}{words / total:10.0f}")
    for name, seconds in phases.items():
        print(f"  {name:<10}{seconds:9.1f}")
    print(f"{'bare spaCy':<12}{bare:9.1f}{n / bare:12.2f}{words / bare:10.0f}")
    print(f"ratio storyline / bare spaCy (time): {total / bare:.2f}")
    own, children = peak_rss_mib()
    print(f"peak RSS: {own:.0f} MiB (this process), {children:.0f} MiB (largest worker)")


if __name__ == "__main__":
    main()

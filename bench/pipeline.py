"""End-to-end speed of storyline against bare spaCy, in one run.

    .venv/bin/python bench/pipeline.py [--articles 1000] [--processes 2]

Input: --articles real Multi-News articles of ../shared/corpus/multinews (dev
and test, 570 articles), the corpus repeated as often as needed. Each repeat
gets a distinct last line, so the store keeps every copy as its own article
(and the near-duplicate index sees them as copies, as it would real
syndication).

storyline, timed as a whole and per phase, models already loaded:
  ingest    clean + segment + store, in batches of 200, with streaming story
            assignment (storyline.stories.cluster);
  parse     the spaCy parse of every article, --processes workers
            (storyline.analyze.entities.parse_articles);
  analyse   per story: cross-source analysis, timeline and cited summary,
            MiniLM embedding the sentences each step needs (cached in the
            store by sentence text), briefs cached in the store
            (storyline.pipeline.Pipeline.briefs does parse + analyse).
bare spaCy: nlp.pipe with the same model, --processes workers, over the
same texts.

Prints articles/s, words/s, the ratio storyline / bare spaCy (time), and
peak RSS of this process and of its worker processes.
"""
from __future__ import annotations

import argparse
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


def bare_spacy(texts: list[str], processes: int) -> float:
    from storyline.analyze.nlp import load_spacy

    nlp = load_spacy()
    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=BATCH, n_process=processes):
        pass
    return time.perf_counter() - start


def storyline_pipeline(texts: list[tuple[str, str]], processes: int) -> tuple[float, dict[str, float], int]:
    """Seconds in all, seconds per phase, number of stories: the pipeline every caller uses."""
    from storyline.ingest import RawArticle, build_article
    from storyline.pipeline import Pipeline
    from storyline.stories.cluster import list_stories
    from storyline.store import Store

    phases = dict.fromkeys(["ingest", "parse", "analyse"], 0.0)

    def on_stage(name: str, seconds: float) -> None:
        phases[name] += seconds

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        pipeline = Pipeline(store=store, processes=processes, on_stage=on_stage)
        start = time.perf_counter()
        for i in range(0, len(texts), 200):
            t = time.perf_counter()
            pipeline.add([build_article(RawArticle(source=name, text=text)) for name, text in texts[i:i + 200]])
            phases["ingest"] += time.perf_counter() - t
        t = time.perf_counter()
        stories = [pipeline.story(s["id"]) for s in list_stories(store)]
        pipeline.briefs(stories)
        phases["analyse"] = time.perf_counter() - t - phases["parse"]
        total = time.perf_counter() - start
    return total, phases, len(stories)


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

    from storyline.analyze import embedcache

    total, phases, n_stories = storyline_pipeline(texts, args.processes)
    bare = bare_spacy([text for _, text in texts], args.processes)

    print(f"{n} articles ({words} words, {n_stories} stories), spaCy en_core_web_sm, "
          f"{args.processes} processes, batch {BATCH}")
    print(f"{'':<12}{'seconds':>9}{'articles/s':>12}{'words/s':>10}")
    print(f"{'storyline':<12}{total:9.1f}{n / total:12.2f}{words / total:10.0f}")
    for name, seconds in phases.items():
        print(f"  {name:<10}{seconds:9.1f}")
    print(f"{'bare spaCy':<12}{bare:9.1f}{n / bare:12.2f}{words / bare:10.0f}")
    print(f"ratio storyline / bare spaCy (time): {total / bare:.2f}")
    print(f"MiniLM: {embedcache.counts['embedded']} sentences embedded ({embedcache.counts['embedded'] / n:.1f} "
          f"per article), {embedcache.counts['reused']} lookups served by a cache")
    own, children = peak_rss_mib()
    print(f"peak RSS: {own:.0f} MiB (this process), {children:.0f} MiB (largest worker)")


if __name__ == "__main__":
    main()

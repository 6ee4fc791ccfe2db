"""The cost of rebuilding a story's brief after one new article, against its brief from cold.

    .venv/bin/python bench/rebuild.py [--stories 6] [--corpus multinews|events] [--threads 1]
                                      [--profile [--top 25] [--dump PREFIX]]

The measurement is bench/watch.py's (phase 5, imported, not copied): per cluster (multinews:
the largest real Multi-News clusters, ../shared/corpus/multinews, whose stories the clusterer
forms of 3 articles; events: the real-dated stories of ../shared/corpus/events, 3-10 articles),
its articles are rendered as pages and ingested through Pipeline.ingest in publication order;
the brief of the largest story they form, grown by its last article (the old articles' parses
and vectors in the store, the brief before it made, the in-process vector memo emptied),
against the brief of the same story in a new store (nothing cached), and the same brief once
more from the store alone (the story-wide work without the new article's parse and vectors).
The three briefs must be byte-identical (the run stops otherwise). Reported: CPU seconds
(this process) of each, their ratios per story and by story size, and the median and range
of the ratios (target <= 0.3). The rebuild counts the new article's parse and embedding:
nothing before the brief parses an article (placement reads its headline and lead only).

--profile: the two briefs of each story run under cProfile timed by CPU time (time.process_time);
the top functions by own CPU time and by cumulative CPU time, summed over the stories, for
the cold briefs and the rebuilds. Profiling slows Python code more than C code: the ratios of
a profiled run are not the measurement.
"""
from __future__ import annotations

import argparse
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import watch  # noqa: E402

PROFILES: dict[str, list] = {"warm": [], "again": [], "cold": []}  # kind -> cProfile.Profile of each brief


class cpu_profiled(watch.profiled):
    """watch.profiled with CPU time and the profiles kept here (watch names them warmK/againK/coldK)."""

    enabled = False

    def __init__(self, name: str | None):
        import cProfile

        self.name = name
        self.profiler = cProfile.Profile(time.process_time) if self.enabled and name else None

    def __exit__(self, *exc):
        if self.profiler:
            self.profiler.disable()
            PROFILES[self.name.rstrip("0123456789")].append(self.profiler)


def print_profile(kind: str, top: int, dump: str | None = None) -> None:
    profiles = PROFILES[kind]
    if not profiles:
        return
    stats = pstats.Stats(profiles[0])
    for p in profiles[1:]:
        stats.add(p)
    if dump:
        stats.dump_stats(f"{dump}.{kind}.prof")
    total = stats.total_tt
    print(f"\n== profile: {kind} briefs ({len(profiles)} stories, {total:.2f} s CPU under the profiler)")
    for order in ("tottime", "cumulative"):
        rows = sorted(stats.stats.items(), key=lambda kv: -(kv[1][2] if order == "tottime" else kv[1][3]))
        print(f"-- top {top} by {'own' if order == 'tottime' else 'cumulative'} CPU time")
        for (file, line, func), (cc, nc, tt, ct, _) in rows[:top]:
            where = f"{Path(file).name}:{line}" if line else file
            print(f"  {tt:7.3f} own {ct:7.3f} cum {100 * (tt if order == 'tottime' else ct) / total:5.1f}% "
                  f"{nc:>8} calls  {func}  ({where})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stories", type=int, default=6, help="how many clusters (largest first)")
    ap.add_argument("--corpus", choices=["multinews", "events"], default="multinews", help="whose stories")
    ap.add_argument("--profile", action="store_true", help="cProfile (CPU time) the briefs; print the top items")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--dump", metavar="PREFIX",
                    help="with --profile: write PREFIX.cold.prof, PREFIX.warm.prof and PREFIX.again.prof")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch CPU threads (default 1: on a loaded machine idle threads spinning count as CPU time)")
    args = ap.parse_args()

    from storyline.analyze.nlp import embed, load_spacy
    from storyline.settings import DEFAULT_SETTINGS
    from storyline.stories.features import embed_leads

    import torch

    torch.set_num_threads(args.threads)
    load_spacy()
    embed(["warm up"])
    embed_leads(["warm up the model"])  # model loading is not a per-article cost
    cpu_profiled.enabled = args.profile
    watch.profiled = cpu_profiled
    with tempfile.TemporaryDirectory() as name:
        rows = watch.rebuild(Path(name), DEFAULT_SETTINGS, args.stories, args.corpus)
    watch.print_rebuild(rows)
    if rows:
        ratios = [r["warm"]["cpu"] / r["cold"]["cpu"] for r in rows]
        warm = [r["warm"]["cpu"] for r in rows]
        alone = [r["again"]["cpu"] / r["cold"]["cpu"] for r in rows]
        cold = [r["cold"]["cpu"] for r in rows]
        print(f"{len(rows)} stories of {min(r['articles'] for r in rows)}-{max(r['articles'] for r in rows)} articles: "
              f"cold {statistics.median(cold):.2f} s CPU median ({min(cold):.2f}-{max(cold):.2f}), "
              f"rebuild {statistics.median(warm):.2f} s ({min(warm):.2f}-{max(warm):.2f}), "
              f"ratio {statistics.median(ratios):.2f} median ({min(ratios):.2f}-{max(ratios):.2f}); story-wide "
              f"work alone {statistics.median(alone):.2f} of cold ({min(alone):.2f}-{max(alone):.2f})"
              f"{' (profiled: not the measurement)' if args.profile else ''}; "
              f"load average {os.getloadavg()[0]:.1f}")
    if args.profile:
        print_profile("cold", args.top, args.dump)
        print_profile("warm", args.top, args.dump)
        print_profile("again", args.top, args.dump)


if __name__ == "__main__":
    main()

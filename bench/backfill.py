"""Speed of `storyline backfill` (storyline/backfill.py) against `storyline ingest`, on one stream.

    .venv/bin/python bench/backfill.py [--articles 5000] [--block 5000] [--window-days 7] [--briefs]
                                       [--runs local,ray1,ray2,ingest]

Stream: bench/stories.py's (the Multi-News articles plus generated variants, in publication
order), written as JSON Lines in 16 shards. Each run is a process of its own, in blocks of
--block articles: block k is backfilled (or ingested) into the store that holds blocks 1..k-1,
so the time per article of each block shows whether the cost stays flat as the store grows.

    local    storyline backfill --engine local
    ray1     storyline backfill --engine ray on a local Ray of 1 CPU (1 worker)
    ray2     the same on 2 CPUs (2 workers)
    ingest   storyline ingest (Pipeline.ingest), and with --briefs the brief of every story as
             `storyline show` makes it (Pipeline.brief)

Reported per run: articles/s per stage and overall (wall), CPU seconds of the run and of the
processes below it (Ray's raylet and workers, parse processes: sampled from /proc), peak RSS of
the driver and of each Ray worker, wall and CPU ms per article per block (CPU is what stays
comparable when the load changes), the load average; then
the speed-ups (ray2 over ray1 on placement + briefs, local over ingest) and the B-cubed F1 of
each backfill's stories against ingest's (each against the other). Wall figures suffer when
other processes share the cores (the load average is printed): compare runs of one invocation.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
SHARDS = 16


def write_stream(folder: Path, n: int, block: int) -> list[list[str]]:
    """The stream as JSON Lines, SHARDS files per block."""
    from stories import stream

    items = stream(n)
    blocks = []
    for b in range(0, n, block):
        chunk = items[b:b + block]
        paths = []
        for s in range(SHARDS):
            path = folder / f"block{b // block:03d}-{s:02d}.jsonl"
            rows = chunk[s * len(chunk) // SHARDS:(s + 1) * len(chunk) // SHARDS]  # file order = publication order
            path.write_text("".join(json.dumps({"text": it["text"], "outlet": it["outlet"],
                                                "published": it["published"].isoformat()}) + "\n" for it in rows),
                            encoding="utf-8")
            paths.append(str(path))
        blocks.append(paths)
    return blocks


class Processes:
    """The processes below this one (Ray's raylet, GCS and workers; the parse processes of the
    briefs), sampled each second from /proc: CPU seconds (utime + stime) and peak RSS (VmHWM)
    of each, kept after it exits. RUSAGE_CHILDREN misses them: Ray's workers are reaped by the
    raylet, not by this process."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self):
        self.cpu: dict[int, float] = {}
        self.rss_kb: dict[int, int] = {}
        self.ray_worker: set[int] = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        parent: dict[int, int] = {}
        fields: dict[int, list[str]] = {}
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text()
                except OSError:
                    continue
                rest = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
                parent[int(pid)], fields[int(pid)] = int(rest[1]), rest
        me = os.getpid()
        for pid in parent:
            up = parent[pid]
            while up > 1 and up != me:
                up = parent.get(up, 0)
            if up != me:
                continue
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
            with self.lock:
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), (int(fields[pid][11]) + int(fields[pid][12])) / self.TICK)
                self.rss_kb[pid] = max(self.rss_kb.get(pid, 0), hwm)
                if cmd.startswith(b"ray::"):
                    self.ray_worker.add(pid)

    def total_cpu(self) -> float:
        """CPU seconds of every process below this one so far (sampled now)."""
        self.sample()
        with self.lock:
            return sum(self.cpu.values())

    def worker_rss_mb(self) -> list[float]:
        """Peak RSS of each Ray worker process (a worker that ran a task: over 200 MB), largest first."""
        with self.lock:
            peaks = [self.rss_kb[pid] / 1024 for pid in self.ray_worker]
        return sorted((mb for mb in peaks if mb > 200), reverse=True)

    def _run(self) -> None:
        while not self.stop.wait(1.0):
            self.sample()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def child(args) -> None:
    """One run (args.run) over the blocks; prints one JSON line of its figures."""
    from storyline.backfill import backfill
    from storyline.pipeline import Pipeline
    from storyline.stories.features import embed_leads
    from storyline.store import Store

    blocks = json.loads(Path(args.blocks).read_text())
    stages: dict[str, float] = {}
    cpu_of: dict[str, dict[str, float]] = {"driver": {}, "driver thread": {}, "tasks": {}}
    per_block, cpu_per_block, load_per_block = [], [], []
    ray = None
    if args.run.startswith("ray"):
        import ray

        ray.init(num_cpus=int(args.run[3:]), include_dashboard=False, log_to_driver=False)
    else:
        embed_leads(["warm up the model"])  # model load is not per-article cost
    with Processes() as below, Store(args.db) as store:
        cpu0 = time.process_time() + below.total_cpu()  # after the model loads and Ray's start
        for paths in blocks:
            t0, c0 = time.perf_counter(), time.process_time() + below.total_cpu()
            if args.run == "ingest":
                pipeline = Pipeline(store=store)
                report = pipeline.ingest(paths)
                stages["ingest"] = stages.get("ingest", 0.0) + time.perf_counter() - t0
                n = len(report.added)
                if args.briefs:
                    t1 = time.perf_counter()
                    for sid in sorted(set(store.stories_of([a.id for a in report.added]).values())):
                        pipeline.brief(pipeline.story(sid), words=100)  # what `storyline show` does
                    stages["show"] = stages.get("show", 0.0) + time.perf_counter() - t1
            else:
                report = backfill(paths, store, engine="local" if args.run == "local" else "ray",
                                  window_days=args.window_days, briefs=args.briefs)
                for stage, seconds in report.seconds.items():
                    stages[stage] = stages.get(stage, 0.0) + seconds
                for where, by_stage in report.cpu.items():
                    for stage, seconds in by_stage.items():
                        cpu_of[where][stage] = cpu_of[where].get(stage, 0.0) + seconds
                n = len(report.added)
            per_block.append((time.perf_counter() - t0) / max(n, 1))
            cpu_per_block.append((time.process_time() + below.total_cpu() - c0) / max(n, 1))
            load_per_block.append(os.getloadavg()[0])
        cpu_below = below.total_cpu()
        story_of = store.stories_of([a.id for a in store.articles()])  # ids: content hashes, one per text
    if ray is not None:
        ray.shutdown()
    print("RESULT " + json.dumps({
        "run": args.run, "stages": stages, "cpu_of": cpu_of, "per_block": per_block,
        "cpu_per_block": cpu_per_block, "load_per_block": load_per_block,
        "cpu": time.process_time(), "children_cpu": cpu_below, "all_cpu": time.process_time() + cpu_below - cpu0,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_rss_mb": below.worker_rss_mb(), "stories": story_of}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--block", type=int, default=5000, help="articles per block (default 5000)")
    ap.add_argument("--window-days", type=float, default=7.0)
    ap.add_argument("--briefs", action="store_true", help="also brief every story (backfill --briefs; ingest + show)")
    ap.add_argument("--runs", default="local,ray1,ray2,ingest")
    ap.add_argument("--keep", help="write each run's figures and stories to KEEP/RUN.json")
    ap.add_argument("--run", help=argparse.SUPPRESS)  # a child process: one run
    ap.add_argument("--blocks", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run:
        child(args)
        return

    from storyline.evaluate.clusters import bcubed

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        blocks = write_stream(Path(tmp), args.articles, args.block)
        (Path(tmp) / "blocks.json").write_text(json.dumps(blocks))
        for run in args.runs.split(","):
            cmd = [sys.executable, __file__, "--run", run, "--blocks", str(Path(tmp) / "blocks.json"),
                   "--db", str(Path(tmp) / f"{run}.db"), "--window-days", str(args.window_days)] + \
                  (["--briefs"] if args.briefs else [])
            t0, load0 = time.perf_counter(), os.getloadavg()[0]
            done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
            line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
            if line is None:
                sys.exit(f"run {run} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
            results[run] = json.loads(line[7:])
            results[run]["wall"] = time.perf_counter() - t0
            results[run]["load"] = (load0, os.getloadavg()[0])
            if args.keep:
                Path(args.keep).mkdir(parents=True, exist_ok=True)
                (Path(args.keep) / f"{run}.json").write_text(json.dumps(results[run]))
            print(f"{run}: done in {results[run]['wall']:.0f} s (load average {os.getloadavg()[0]:.1f})", flush=True)
    n = args.articles
    print(f"\nstream: {n} articles in blocks of {args.block}, window {args.window_days:g} days,"
          f" briefs {'on' if args.briefs else 'off'}")
    for run, r in results.items():
        total = sum(r["stages"].values())
        stages = ", ".join(f"{s} {n / v:.1f}/s" for s, v in r["stages"].items() if v > 0)
        blocks = ", ".join(f"{1000 * t:.1f}" for t in r["per_block"])
        cpu_blocks = ", ".join(f"{1000 * t:.1f}" for t in r["cpu_per_block"])
        workers = ", ".join(f"{mb:.0f}" for mb in r["worker_rss_mb"][:6]) or "none"
        print(f"{run:7s} overall {n / total:.1f} articles/s ({total:.0f} s in stages, load average"
              f" {r['load'][0]:.1f} -> {r['load'][1]:.1f}); {stages}")
        print(f"        CPU {r['all_cpu']:.0f} s = {1000 * r['all_cpu'] / n:.1f} ms/article (driver {r['cpu']:.0f} s"
              f" + processes below it {r['children_cpu']:.0f} s); peak RSS driver {r['rss_mb']:.0f} MB,"
              f" Ray workers (MB) {workers}")
        print(f"        per block: wall ms/article {blocks}; CPU ms/article {cpu_blocks};"
              f" last/first CPU {r['cpu_per_block'][-1] / max(r['cpu_per_block'][0], 1e-9):.2f};"
              f" load {', '.join(f'{x:.1f}' for x in r['load_per_block'])}")
    after_read = ("place", "stitch", "write", "briefs")
    for run, r in results.items():
        if run.startswith("ray"):
            # the serial fraction of placement + briefs: the CPU of the driver's own thread in those
            # stages (loading windows and stories and handing them out, stitching, writing) against
            # the CPU of the place and brief tasks in the workers; Amdahl's bound for 2 workers from
            # it. The driver's other threads (Ray's runtime: CPU that grows with the wall time, not
            # the work) are shown beside it
            own = sum(r["cpu_of"]["driver thread"].get(s, 0.0) for s in after_read)
            runtime = sum(r["cpu_of"]["driver"].get(s, 0.0) for s in after_read) - own
            tasks = sum(r["cpu_of"]["tasks"].get(s, 0.0) for s in after_read)
            serial = own / max(own + tasks, 1e-9)
            parts = ", ".join(f"{s} {r['cpu_of']['driver thread'].get(s, 0.0):.1f}/{r['cpu_of']['tasks'].get(s, 0.0):.1f}"
                              for s in after_read if s in r["stages"])
            print(f"{run:7s} placement+briefs CPU: driver thread {own:.1f} s (+ {runtime:.1f} s in Ray's driver threads),"
                  f" tasks {tasks:.1f} s (driver/tasks: {parts}); serial fraction {serial:.3f},"
                  f" Amdahl bound for 2 workers {1 / (serial + (1 - serial) / 2):.2f}x")
    if "ray1" in results and "ray2" in results:
        def pb(r):
            return sum(r["stages"].get(s, 0) for s in after_read)

        def embed(r):
            return r["stages"].get("read+embed", 0)

        print(f"ray 2 workers over 1: placement+briefs (place, stitch, write, briefs: wall) {pb(results['ray1']) / max(pb(results['ray2']), 1e-9):.2f}x,"
              f" read+embed {embed(results['ray1']) / max(embed(results['ray2']), 1e-9):.2f}x")
    if "local" in results and "ingest" in results:
        print(f"local engine over ingest{' + show' if args.briefs else ''}:"
              f" wall {sum(results['ingest']['stages'].values()) / sum(results['local']['stages'].values()):.2f}x,"
              f" CPU {results['ingest']['all_cpu'] / results['local']['all_cpu']:.2f}x")
    if "ingest" in results:
        gold = results["ingest"]["stories"]
        for run, r in results.items():
            if run != "ingest":
                pred = r["stories"]
                common = {k: v for k, v in gold.items() if k in pred}
                print(f"B-cubed F1 {run} vs ingest: {bcubed(pred, common)['f1']:.4f};"
                      f" ingest vs {run}: {bcubed(common, {k: pred[k] for k in common})['f1']:.4f}")


if __name__ == "__main__":
    main()

"""Load on `storyline serve` from a second process over loopback (issue 8).

    python bench/serve_load.py [--clients 50] [--seconds 30]

Builds a database from the invented reports in tests/data/web (stories
assigned), starts `storyline serve` on a free 127.0.0.1 port in a
subprocess, opens every story page once (the first view computes and caches
its brief: reported as the cold time), then runs N concurrent keep-alive
clients for the given time against story pages, the search page, the search
API and article pages. Prints requests/s, p50/p90/p99/max latency overall and
per kind of page, and every error. Exits 1 if any request failed.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO / "tests" / "data" / "web" / "stories.jsonl"
SEARCHES = ["water", "ferry", "strike", "council", "festival", "boil notice", "rail", "bridge"]


def seed_db(db: Path) -> None:
    from storyline.pipeline import Pipeline
    from storyline.store import Store

    with Store(db) as store:
        Pipeline(store=store).ingest([str(DATA)])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path)
    r = conn.getresponse()
    return r.status, r.read()


def wait_until_up(port: int, server: subprocess.Popen, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}: {server.stderr.read()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            if get(conn, "/api/stories")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not come up")


def urls_of(port: int) -> dict[str, list[str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    stories = json.loads(get(conn, "/api/stories?per_page=100")[1])["stories"]
    articles = json.loads(get(conn, "/api/articles?per_page=100")[1])["articles"]
    return {
        "story page": [f"/stories/{s['id']}" for s in stories],
        "search page": [f"/?q={q.replace(' ', '+')}" for q in SEARCHES],
        "search api": [f"/api/search?q={q.replace(' ', '+')}" for q in SEARCHES],
        "article page": [f"/articles/{a['id']}" for a in articles],
    }


def client(port: int, plan: list[tuple[str, str]], offset: int, deadline: float,
           results: list, errors: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    i = offset
    while time.monotonic() < deadline:
        kind, path = plan[i % len(plan)]
        i += 1
        start = time.perf_counter()
        try:
            status, _ = get(conn, path)
        except (OSError, http.client.HTTPException) as e:
            errors.append(f"{path}: {type(e).__name__}: {e}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        elapsed = time.perf_counter() - start
        if status != 200:
            errors.append(f"{path}: HTTP {status}")
        results.append((kind, elapsed))
    conn.close()


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def line(label: str, times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return (f"{label:<13} {len(ms):>7} req  p50 {statistics.median(ms):7.1f} ms  p90 {percentile(ms, .9):7.1f} ms"
            f"  p99 {percentile(ms, .99):7.1f} ms  max {max(ms):7.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    with tempfile.TemporaryDirectory(prefix="storyline-load-") as tmp:
        db = Path(tmp) / "load.db"
        seed_db(db)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "storyline.cli", "serve", "--port", str(port), "--db", str(db)],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            wait_until_up(port, server, timeout=120)
            urls = urls_of(port)
            warm = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            cold = []
            for path in urls["story page"]:  # the first view of a story computes its brief
                start = time.perf_counter()
                status, _ = get(warm, path)
                cold.append(time.perf_counter() - start)
                if status != 200:
                    raise SystemExit(f"{path}: HTTP {status} while warming up")
            plan = [(kind, path) for kind, paths in urls.items() for path in paths]
            results: list[tuple[str, float]] = []
            errors: list[str] = []
            deadline = time.monotonic() + args.seconds
            began = time.perf_counter()
            threads = [threading.Thread(target=client, args=(port, plan, i * 7, deadline, results, errors))
                       for i in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=args.seconds + 120)
            wall = time.perf_counter() - began
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()

    print(f"storyline serve under load: {args.clients} concurrent clients for {args.seconds:.0f} s on 127.0.0.1, "
          f"{sum(len(v) for v in urls.values())} URLs ({len(urls['story page'])} stories)")
    print(f"cold story pages (brief computed and cached): median {statistics.median(cold):.2f} s, "
          f"max {max(cold):.2f} s")
    print(f"requests: {len(results)}  errors: {len(errors)}  throughput: {len(results) / wall:.1f} requests/s")
    if results:
        print(line("all", [t for _, t in results]))
        by_kind = defaultdict(list)
        for kind, t in results:
            by_kind[kind].append(t)
        for kind in urls:
            if by_kind[kind]:
                print(line(kind, by_kind[kind]))
    for message, n in Counter(errors).most_common(10):
        print(f"  error x{n}: {message}")
    return 1 if errors or not results else 0


if __name__ == "__main__":
    sys.exit(main())

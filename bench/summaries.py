"""Summary quality on the Multi-News clusters: storyline against the lead,
LexRank and TextRank baselines (ROUGE-1/2/L F1, same word budget), plus
storyline's citation correctness, redundancy and embedding cost (source
sentences it asked MiniLM vectors for, per article).

    .venv/bin/python bench/summaries.py [--split dev|test|both] [--limit N] [--json OUT]

Tune on dev only; test is for reporting.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MULTINEWS = REPO.parent / "shared" / "corpus" / "multinews"


def main() -> None:
    from storyline.evaluate.summaries import SYSTEMS, evaluate_file, format_summary_report

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["dev", "test", "both"], default="both")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--json", type=Path, help="also write the full results here")
    parser.add_argument("--store", type=Path, help="SQLite file that caches sentence embeddings between runs")
    args = parser.parse_args()

    from storyline.store import Store

    splits = ["dev", "test"] if args.split == "both" else [args.split]
    results = {}
    store = Store(args.store) if args.store else None
    for split in splits:
        start = time.perf_counter()
        results[split] = evaluate_file(MULTINEWS / f"{split}.jsonl", limit=args.limit, store=store)
        print(format_summary_report(results[split]))
        print(f"({time.perf_counter() - start:.0f} s)\n")
    print("Averages (ROUGE F1 %, R-1 / R-2 / R-L)")
    print(f"{'system':<10}" + "".join(f"{split:>22}" for split in splits))
    for name in SYSTEMS:
        cells = []
        for split in splits:
            r = results[split]["mean"]["rouge"][name]
            cells.append(f"{r['rouge1']:.2f} / {r['rouge2']:.2f} / {r['rougeL']:.2f}".rjust(22))
        print(f"{name:<10}" + "".join(cells))
    for label, key, scale in [("cite ok %", "citation_correct_sentences", 100), ("redundancy", "redundancy_mean", 1),
                              ("embed/art", "embedded_per_article", 1), ("fill", "fill_mean", 1)]:
        cells = [f"{results[split]['mean'][key] * scale:.2f}".rjust(22) for split in splits]
        print(f"{label:<10}" + "".join(cells))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if store:
        store.close()


if __name__ == "__main__":
    main()

"""Who is who and who says what against bench/gold/people.json: speaker accuracy, speakers
that are not a person or organisation, entity-merge precision/recall, people listed twice.

    .venv/bin/python bench/people.py [-v] [--json OUT]     (-v lists every error)
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpus"
GOLD = REPO / "bench" / "gold" / "people.json"


def main() -> None:
    from storyline.evaluate.people import evaluate_people, format_people_report

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the full result here")
    args = parser.parse_args()
    t0 = time.perf_counter()
    result = evaluate_people(GOLD, CORPUS)
    print(format_people_report(result, args.verbose))
    print(f"({time.perf_counter() - t0:.1f} s)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()

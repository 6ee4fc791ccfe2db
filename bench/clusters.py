"""Story clustering quality on Multi-News (../shared/corpus/multinews).

    .venv/bin/python bench/clusters.py [--span 14] [--no-time]
    .venv/bin/python bench/clusters.py --events      # the event sets, ingested as a user would

--events scores real-dated, event-labelled sets the way a user meets them: each set is
written to a file and `storyline ingest`ed into a fresh store (Pipeline.ingest), then the
stored stories are read: events/week-dev.jsonl (a dense week, 38% undated), events/dev.jsonl
as it is and with `published` dropped from every other article, and the extraction
benchmark's 181 HTML pages against bench/gold/extraction-events.json (groups of page ids by
event; every page not listed is its own story; a page ingest refuses is scored alone).

B-cubed and pairwise P/R/F1 of the streaming path (storyline eval
clusters) on dev.jsonl (tuning set), test.jsonl (report) and both mixed
(200 stories in one stream). Multi-News has no dates: the synthetic stream
starts each story within --span days and spreads its articles over 3
days. --no-time also runs every set with all articles on one day (span 0,
story spread 0), where time gives no help at all.
Anchor: Miranda et al. (EMNLP 2018), English stream: F1 0.940 (P 0.981, R 0.903).
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MULTINEWS = REPO.parent / "shared" / "corpus" / "multinews"


EVENTS = REPO.parent / "shared" / "corpus" / "events"
EXTRACTION = REPO.parent / "shared" / "corpus" / "extraction" / "html"
EXTRACTION_LABELS = REPO / "bench" / "gold" / "extraction-events.json"
WEEK_FIXES = REPO / "bench" / "gold" / "week-dev-fixes.json"
HEADS: dict[str, str] = {}  # record id -> headline (or opening words), for --show


def show_merges(pred: dict, gold: dict) -> None:
    """Print each found story that holds articles of more than one gold story: its members
    by gold story, with their headlines (the false merges); then each gold story found in
    more than one part (the splits)."""
    from storyline.evaluate.clusters import mixed_stories

    for m in mixed_stories(pred, gold):
        print(f"  mixed story {m['story']} ({sum(map(len, m['gold'].values()))} articles):")
        for g, ids in m["gold"].items():
            for i in ids:
                print(f"    {g:>10}  {i:<10} {HEADS.get(i, '')}")
    parts: dict[str, dict[str, list[str]]] = {}
    for item, story in gold.items():
        parts.setdefault(story, {}).setdefault(pred[item], []).append(item)
    for story, found in sorted(parts.items()):
        if len(found) > 1:
            print(f"  split gold story {story}: " + " | ".join(" ".join(sorted(m)) for m in found.values()))


def ingested(paths: list[Path], tmp: Path) -> tuple[dict, list]:
    """{article id: story id} and the articles of a fresh store that ingested the paths.
    Story ids are numbered in order of creation instead of random: ties between stories
    (equal scores, equal seniority) break on the id, and random ids made scores vary
    from run to run."""
    import itertools

    from storyline.pipeline import Pipeline
    from storyline.stories import cluster
    from storyline.store import Store

    numbers = itertools.count(1)
    cluster.new_story_id = lambda: f"s{next(numbers):011d}"

    with Store(tmp / "events.db") as store:
        report = Pipeline(store=store).ingest([str(p) for p in paths])
        articles = report.added + report.known
        return store.stories_of([a.id for a in articles]), articles


def labelled_file(path: Path, tmp: Path, drop_every: int = 0) -> tuple[dict, dict]:
    """(predicted, gold) story per record of an events/ file ingested as one JSONL file;
    drop_every=2 removes `published` from every other record. Fills HEADS (record id ->
    title or opening words) for --show."""
    from storyline.evaluate.clusters import load_labelled
    from storyline.ingest import build_article
    from storyline.ingest.record import record_to_raw

    records, lines, article_of = load_labelled(path), [], {}
    out = tmp / path.name
    for k, r in enumerate(records):
        record = {f: v for f, v in r["record"].items() if not (drop_every and f == "published" and k % drop_every)}
        lines.append(json.dumps(record))
        article_of[r["id"]] = build_article(record_to_raw(f"{out}:{k + 1}", record)).id
        HEADS[r["id"]] = " ".join((record.get("title") or record["text"]).split())[:90]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    story_of, _ = ingested([out], tmp)
    return ({rid: story_of.get(aid, f"refused:{rid}") for rid, aid in article_of.items()},
            {r["id"]: r["story"] for r in records})


def extraction_pages(tmp: Path) -> tuple[dict, dict]:
    """(predicted, gold) story per extraction page, the pages ungzipped and ingested as HTML."""
    labels = json.loads(EXTRACTION_LABELS.read_text(encoding="utf-8"))["groups"]
    event_of = {page: event for event, pages in labels.items() for page in pages}
    folder = tmp / "pages"
    folder.mkdir()
    pages = sorted(p.name.split(".")[0] for p in EXTRACTION.glob("*.html.gz"))
    for page in pages:
        (folder / f"{page}.html").write_bytes(gzip.decompress((EXTRACTION / f"{page}.html.gz").read_bytes()))
    story_of, articles = ingested([folder], tmp)
    page_story = {Path(a.source).name.split(".")[0]: story_of.get(a.id) for a in articles}
    HEADS.update({Path(a.source).name.split(".")[0]: " ".join((a.title or a.text).split())[:90] for a in articles})
    return ({p: page_story.get(p) or f"refused:{p}" for p in pages},
            {p: event_of.get(p, f"own:{p}") for p in pages})


def fixed_gold(gold: dict, path: Path = WEEK_FIXES) -> dict:
    """The gold with the records that bench/gold/week-dev-fixes.json judges one event put in
    one story (the story of the first record of each group)."""
    fixes = json.loads(path.read_text(encoding="utf-8"))["same_event"]
    gold = dict(gold)
    for group in fixes:
        for record in group["records"][1:]:
            gold[record] = gold[group["records"][0]]
    return gold


def events(show: bool = False, only: str = "", fixes: bool = False) -> None:
    """Score each event set (those whose name holds `only`); fixes: week-dev also against
    its gold as corrected by bench/gold/week-dev-fixes.json (see there why)."""
    from storyline.evaluate.clusters import bcubed, pairwise

    runs = [("events/week-dev.jsonl", lambda tmp: labelled_file(EVENTS / "week-dev.jsonl", tmp)),
            ("events/dev.jsonl", lambda tmp: labelled_file(EVENTS / "dev.jsonl", tmp)),
            ("events/dev.jsonl, every other article undated",
             lambda tmp: labelled_file(EVENTS / "dev.jsonl", tmp, drop_every=2)),
            ("extraction pages vs bench/gold/extraction-events.json", extraction_pages)]
    for name, run in runs:
        if only not in name:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            pred, gold = run(Path(tmp))
        golds = [(name, gold)]
        if fixes and name == "events/week-dev.jsonl":
            golds.append((f"{name} against its gold corrected by {WEEK_FIXES.name}", fixed_gold(gold)))
        for title, gold in golds:
            b, p = bcubed(pred, gold), pairwise(pred, gold)
            print(f"{title}: {len(gold)} articles, {len(set(gold.values()))} gold stories, {len(set(pred.values()))} found\n"
                  f"  B-cubed   P {b['precision']:.3f}  R {b['recall']:.3f}  F1 {b['f1']:.3f}\n"
                  f"  pairwise  P {p['precision']:.3f}  R {p['recall']:.3f}  F1 {p['f1']:.3f}", flush=True)
            if show:
                show_merges(pred, gold)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--span", type=float, default=14.0)
    ap.add_argument("--no-time", action="store_true")
    ap.add_argument("--events", action="store_true")
    ap.add_argument("--show", action="store_true", help="with --events: print the false merges")
    ap.add_argument("--only", default="", help="with --events: only the sets whose name holds this")
    ap.add_argument("--fixes", action="store_true",
                    help="with --events: also score week-dev against bench/gold/week-dev-fixes.json")
    args = ap.parse_args()
    if args.events:
        events(args.show, args.only, args.fixes)
        return
    from storyline.evaluate.clusters import evaluate_file, format_cluster_report

    with tempfile.TemporaryDirectory() as tmp:
        mixed = Path(tmp) / "dev+test.jsonl"
        mixed.write_text((MULTINEWS / "dev.jsonl").read_text(encoding="utf-8")
                         + (MULTINEWS / "test.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
        streams = [(args.span, 3.0)] + ([(0.0, 0.0)] if args.no_time else [])
        for span, story_days in streams:
            for path in (MULTINEWS / "dev.jsonl", MULTINEWS / "test.jsonl", mixed):
                result = evaluate_file(path, span_days=span, story_days=story_days)
                print(format_cluster_report(result).replace(str(mixed), "dev+test mixed"), flush=True)


if __name__ == "__main__":
    main()

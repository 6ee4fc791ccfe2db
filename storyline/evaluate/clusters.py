"""`storyline eval clusters FILE.jsonl`: story clustering against gold labels.

Input, JSON lines, either
- Multi-News clusters (``{"id", "articles": [{"id", "text"}], ...}``): the
  gold story of an article is its cluster's id; or
- flat articles (``{"id", "text", "title"?, "published"?, "story" or "label"}``).

Every article is ingested into a fresh temporary store in batches and
clustered by the streaming path (``assign_stories``), as ``storyline
ingest`` would. A file whose records carry dates (events/) is ingested in
file order with the records' own dates: an undated record stays undated, as
it would for a user. A file without any date (Multi-News) gets a synthetic
timestamp stream instead: each story starts at a random moment within
``span_days`` and its articles follow within ``story_days``; the stream is
ingested in that order. ``span_days=0`` puts every article on one day (no
help from time at all). Texts that ingest refuses as not articles (too
short, or no sentence that reports anything) are in no story: each is
scored as a story of its own.

Scores: B-cubed precision/recall/F1 (Bagga & Baldwin 1998; averaged over
articles) and pairwise precision/recall/F1 (over article pairs). The report
lists every found story that holds articles of several gold stories (the
false merges behind a precision below 1), with the record ids of each.
"""
from __future__ import annotations

import json
import random
import tempfile
import time
from collections import Counter
from dataclasses import asdict, replace
from datetime import date, timedelta
from pathlib import Path

from ..errors import InputError

SYNTHETIC_START = date(2020, 1, 1)


def bcubed(pred: dict, gold: dict) -> dict[str, float]:
    """B-cubed precision, recall and F1 of a clustering {item: cluster}
    against gold {item: class}, over the items of gold."""
    items = list(gold)
    pred_size = Counter(pred[i] for i in items)
    gold_size = Counter(gold[i] for i in items)
    both = Counter((pred[i], gold[i]) for i in items)
    p = sum(both[pred[i], gold[i]] / pred_size[pred[i]] for i in items) / len(items)
    r = sum(both[pred[i], gold[i]] / gold_size[gold[i]] for i in items) / len(items)
    return {"precision": p, "recall": r, "f1": _f1(p, r)}


def pairwise(pred: dict, gold: dict) -> dict[str, float]:
    """Precision/recall/F1 over unordered item pairs put in one cluster."""
    items = list(gold)

    def pairs(counter: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    same_pred = pairs(Counter(pred[i] for i in items))
    same_gold = pairs(Counter(gold[i] for i in items))
    same_both = pairs(Counter((pred[i], gold[i]) for i in items))
    p = same_both / same_pred if same_pred else 1.0
    r = same_both / same_gold if same_gold else 1.0
    return {"precision": p, "recall": r, "f1": _f1(p, r)}


def mixed_stories(pred: dict, gold: dict) -> list[dict]:
    """The found stories that hold articles of more than one gold story (the false merges),
    largest first: each with its articles' ids grouped by gold story."""
    members: dict[str, dict[str, list[str]]] = {}
    for rid, story in pred.items():
        members.setdefault(story, {}).setdefault(gold[rid], []).append(rid)
    mixed = [{"story": story, "gold": {g: sorted(ids) for g, ids in sorted(by_gold.items())}}
             for story, by_gold in members.items() if len(by_gold) > 1]
    return sorted(mixed, key=lambda m: -sum(map(len, m["gold"].values())))


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def load_labelled(path: str | Path) -> list[dict]:
    """[{"id", "record" (the article's fields, read as ingest reads a JSON record), "story"}] in file order."""
    records: list[dict] = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(str(path), f"line {n}: not JSON ({e.msg})") from e
            if not isinstance(obj, dict) or not isinstance(obj.get("articles", []), list) \
                    or not all(isinstance(a, dict) for a in obj.get("articles", [])):
                raise InputError(str(path), f"line {n}: not a labelled record (an object, 'articles' a list of objects)")
            if "articles" in obj:
                for k, a in enumerate(obj["articles"]):
                    records.append({"id": str(a.get("id", f"{obj.get('id', n)}-{k}")), "where": f"{path}:{n}",
                                    "record": _article_fields(a), "story": str(obj.get("id", n))})
            elif "text" in obj and ("story" in obj or "label" in obj):
                records.append({"id": str(obj.get("id", f"{Path(path).name}:{n}")), "where": f"{path}:{n}",
                                "record": _article_fields(obj),
                                "story": str(obj.get("story", obj.get("label")))})
            else:
                raise InputError(str(path), f"line {n}: needs 'articles' or 'text' with 'story'/'label'")
    return records


def _article_fields(obj: dict) -> dict:
    """The fields of a labelled record that make the article (ingest's record fields)."""
    return {k: obj[k] for k in ("text", "title", "published", "outlet", "author", "url") if k in obj}


def synthetic_stream(records: list[dict], span_days: float, story_days: float, seed: int) -> list[tuple[dict, float]]:
    """(record, time in days from the stream start) in time order."""
    rng = random.Random(seed)
    starts: dict[str, float] = {}
    timed = []
    for r in records:
        start = starts.setdefault(r["story"], rng.uniform(0, span_days))
        timed.append((r, start + rng.uniform(0, story_days)))
    timed.sort(key=lambda rt: rt[1])
    return timed


def evaluate_file(path: str | Path, config=None, span_days: float = 14.0, story_days: float = 3.0,
                  seed: int = 0, batch_size: int = 200) -> dict:
    """Ingest and cluster every article of a labelled file; score the stories."""
    from ..ingest import build_article, not_an_article
    from ..ingest.record import record_to_raw
    from ..model import PartialDate
    from ..pipeline import Pipeline
    from ..settings import DEFAULT_SETTINGS, ClusterConfig
    from ..store import Store

    config = config or ClusterConfig()
    records = load_labelled(path)
    own_dates = any(r["record"].get("published") for r in records)
    if not own_dates:  # invented dates: the days a lead names cannot be read against them
        config = replace(config, event_days=False)
    t0 = time.perf_counter()
    articles, gold_of, rejected = [], {}, []
    timed = [(r, None) for r in records] if own_dates else synthetic_stream(records, span_days, story_days, seed)
    for r, t in timed:
        raw = record_to_raw(r["where"], r["record"])  # as ingest reads the record ("title": null included)
        if t is not None and raw.published.precision == "unknown":
            raw.published = PartialDate.from_date(SYNTHETIC_START + timedelta(days=int(t)))
        a = build_article(raw)
        gold_of[r["id"]] = (r["story"], a.id)
        if not_an_article(a):  # ingest would refuse it: it stays in no story
            rejected.append(r["id"])
        else:
            articles.append(a)
    read_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "eval.db") as store:
        pipeline = Pipeline(replace(DEFAULT_SETTINGS, cluster=config), store=store)
        for i in range(0, len(articles), batch_size):
            pipeline.add(articles[i:i + batch_size])
        # Read the stories back at the end: a later batch can merge an earlier story into another.
        story_of = store.stories_of([a.id for a in articles])
    cluster_seconds = time.perf_counter() - t0

    # Byte-identical texts get one article id, hence one story. When the gold
    # labels give such a text several stories (Multi-News has crawl
    # boilerplate, e.g. an archive notice, under many clusters) no clustering
    # can satisfy them: they are ingested but not scored.
    labels_of: dict[str, set[str]] = {}
    for story, aid in gold_of.values():
        labels_of.setdefault(aid, set()).add(story)
    scored = {rid: v for rid, v in gold_of.items() if len(labels_of[v[1]]) == 1}
    gold = {rid: story for rid, (story, _) in scored.items()}
    pred = {rid: story_of.get(aid, f"not an article: {rid}") for rid, (_, aid) in scored.items()}
    return {
        "file": str(path), "articles": len(records), "scored": len(scored),
        "unscorable": sorted(set(gold_of) - set(scored)), "not_articles": sorted(rejected),
        "gold_stories": len(set(gold.values())),
        "stories": len({story_of[aid] for _, aid in scored.values() if aid in story_of}),
        "bcubed": bcubed(pred, gold), "pairwise": pairwise(pred, gold),
        "mixed": mixed_stories(pred, gold),
        "read_seconds": read_seconds, "cluster_seconds": cluster_seconds,
        "articles_per_second": len(records) / (read_seconds + cluster_seconds),
        "stream": {"own_dates": own_dates, "undated": sum(not r["record"].get("published") for r in records),
                   "span_days": span_days, "story_days": story_days, "seed": seed, "batch_size": batch_size},
        "config": asdict(config),
    }


def format_cluster_report(result: dict) -> str:
    b, p, s = result["bcubed"], result["pairwise"], result["stream"]
    return "\n".join([
        f"{result['file']}: {result['articles']} articles, {result['gold_stories']} gold stories, "
        f"{result['stories']} found (refused texts not counted)",
        f"  scored {result['scored']} articles ({len(result['unscorable'])} identical texts under several "
        f"gold stories left out; {len(result['not_articles'])} texts refused as not articles, each scored "
        f"as a story of its own)",
        f"  B-cubed   P {b['precision']:.3f}  R {b['recall']:.3f}  F1 {b['f1']:.3f}",
        f"  pairwise  P {p['precision']:.3f}  R {p['recall']:.3f}  F1 {p['f1']:.3f}",
        f"  stream: the file's order and its records' own dates ({s['undated']} undated, left undated)"
        if s.get("own_dates") else
        f"  stream: stories start within {s['span_days']:g} days, articles within {s['story_days']:g} days "
        f"of their story's start (seed {s['seed']}); the file has no dates, its articles get these synthetic ones",
        f"  {result['articles_per_second']:.1f} articles/s (read+clean {result['read_seconds']:.1f} s, "
        f"store+cluster {result['cluster_seconds']:.1f} s)",
        *[f"  mixed story {m['story']}: " + "; ".join(f"{g}: {' '.join(ids)}" for g, ids in m["gold"].items())
          for m in result.get("mixed", [])],
    ])

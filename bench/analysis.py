"""Precision/recall of the cross-source analysis against bench/gold/analysis.json.

    .venv/bin/python bench/analysis.py [-v]     (-v lists every error)

Quotes (direct; the gold lists every direct quote of each article), speakers
(of direct quotes and reported statements found), reported statements, entity
merges (pairs of surface forms that name one entity), syndication (pairs of
articles that are copies of one story, by stories/dedup as the pipeline finds
them) and differences (sources differ).
"""
from __future__ import annotations

import json
import sys
import time
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from storyline import read  # noqa: E402
from storyline.analyze.entities import canonical_key, parse_articles, story_entities  # noqa: E402
from storyline.analyze.nlp import load_spacy  # noqa: E402
from storyline.analyze.quotes import extract_quotes, norm_words  # noqa: E402
from storyline.analyze.relate import analyze_story  # noqa: E402
from storyline.ingest.segment import segment  # noqa: E402
from storyline.model import Article, PartialDate  # noqa: E402
from storyline.stories.dedup import find_copies  # noqa: E402

GOLD = json.loads((REPO / "bench" / "gold" / "analysis.json").read_text())
EXAMPLES = json.loads((REPO / "tests" / "data" / "analysis_examples.json").read_text())


def load_set(spec: dict) -> tuple[list[Article], dict[str, str]]:
    """Articles of a gold set and {gold article name: article id}."""
    if "multinews" in spec:
        path = REPO.parent / "shared" / "corpus" / "multinews" / f"{spec['multinews']}.jsonl"
        with path.open() as f:
            cluster = next(r for r in map(json.loads, f) if r["id"] == spec["cluster"])
        arts = []
        for r in cluster["articles"]:
            text, sentences = segment([p.strip() for p in r["text"].split("\n") if p.strip()])
            arts.append(Article(text=text, id=r["id"], sentences=sentences))
        return arts, {a.id: a.id for a in arts}
    if "path" in spec:
        arts = read([str(REPO / spec["path"])], published=spec.get("published"))
        return arts, {Path(a.source).name.split("_")[0]: a.id for a in arts}
    arts = []
    for r in EXAMPLES[spec["examples"]]:
        text, sentences = segment(r["paragraphs"])
        arts.append(Article(text=text, title=r["id"], outlet=r["outlet"], id=r["id"], sentences=sentences,
                            published=PartialDate.parse(r["published"])))
    return arts, {a.id: a.id for a in arts}


def words(text: str) -> str:
    return " " + " ".join(norm_words(text)) + " "


def match(gold_items: list[dict], system: list, names: dict[str, str]):
    """Pairs (gold, system quote) where the snippet lies in the system text or vice versa."""
    pairs = []
    for g in gold_items:
        for q in system:
            if q.article_id != names[g["article"]]:
                continue
            a, b = words(g["snippet"]), words(q.text)
            if a in b or b in a:
                pairs.append((g, q))
    return pairs


def same_speaker(gold: str | None, system) -> bool:
    """Gold names the person in full; the story may only know "Trump": a surname match counts."""
    if gold is None or system is None:
        return False
    g, s = canonical_key(gold).split(), canonical_key(system.name).split()
    return g[-len(s):] == s or s[-len(g):] == g


def pr(tp_p: int, n_p: int, tp_r: int, n_r: int) -> str:
    p = tp_p / n_p if n_p else float("nan")
    r = tp_r / n_r if n_r else float("nan")
    return f"precision {p:.2f} ({tp_p}/{n_p})  recall {r:.2f} ({tp_r}/{n_r})"


def score_entity_merges(name: str, ents, t: list[int]) -> None:
    """Pairs of gold surface forms, same entity or not."""
    for g in (g for g in GOLD.get("entities", []) if g["set"] == name):
        entity_of = {}
        for e in ents.entities:
            for alias in e.aliases():
                entity_of.setdefault(alias.removeprefix("the "), e.key)
        surfaces = [(s, k) for k, cluster in enumerate(g["clusters"]) for s in cluster]
        for (s1, c1), (s2, c2) in combinations(surfaces, 2):
            e1, e2 = entity_of.get(s1), entity_of.get(s2)
            same_sys = e1 is not None and e1 == e2
            if same_sys:
                t[1] += 1
                t[0] += c1 == c2
            if c1 == c2:
                t[3] += 1
                t[2] += same_sys


def score_syndication(name: str, arts: list[Article], copies: dict[str, str], t: list[int]) -> None:
    """Pairs of articles with one origin."""
    for g in (g for g in GOLD["syndication"] if g["set"] == name):
        origin_gold = {a.id: g["copies"].get(a.id, a.id) for a in arts}
        origin_sys = {a.id: copies.get(a.id, a.id) for a in arts}
        for a, b in combinations([a.id for a in arts], 2):
            same_sys, same_gold = origin_sys[a] == origin_sys[b], origin_gold[a] == origin_gold[b]
            t[1] += same_sys
            t[0] += same_sys and same_gold
            t[3] += same_gold
            t[2] += same_sys and same_gold


def score_differences(name: str, differ: list, t: list[int]) -> None:
    """Differences found against the gold ones (same kind, gold topic in the topic or text)."""
    gold_diff = [g for g in GOLD["differ"] if g["set"] == name]

    def same(g, d) -> bool:
        return g["kind"] == d.kind and g["topic"] in d.topic + " " + d.text

    t[0] += sum(1 for d in differ if any(same(g, d) for g in gold_diff))
    t[1] += len(differ)
    t[2] += sum(1 for g in gold_diff if any(same(g, d) for d in differ))
    t[3] += len(gold_diff)


def main(verbose: bool = False) -> None:
    nlp = load_spacy()
    totals = {k: [0, 0, 0, 0] for k in ("quotes", "speakers", "reported", "entity merges", "syndication", "differ")}
    t0 = time.perf_counter()
    n_articles = 0
    for name, spec in GOLD["sets"].items():
        arts, names = load_set(spec)
        n_articles += len(arts)
        docs = parse_articles(arts, nlp)
        ents = story_entities(arts, docs)
        system = [q for a, d in zip(arts, docs) for q in extract_quotes(a, d, ents)]
        for kind, key in (("direct", "quotes"), ("reported", "reported")):
            gold = [g for g in GOLD[key] if g["set"] == name]
            found = [q for q in system if q.kind == kind]
            pairs = match(gold, found, names)
            matched_sys = {id(q) for _, q in pairs}
            matched_gold = {id(g) for g, _ in pairs}
            t = totals[key]
            t[0] += len(matched_sys)
            t[1] += len(found)
            t[2] += len(matched_gold)
            t[3] += len(gold)
            # speakers: a named speaker given to a gold quote is right or wrong (wrong also when
            # the gold has nobody named); recall over the gold quotes that have a named speaker
            s = totals["speakers"]
            judged = {id(q): (g, q) for g, q in pairs if q.speaker is not None}
            s[0] += sum(1 for g, q in judged.values() if same_speaker(g["speaker"], q.speaker))
            s[1] += len(judged)
            s[2] += len({id(g) for g, q in pairs if same_speaker(g["speaker"], q.speaker)})
            s[3] += len([g for g in gold if g["speaker"]])
            if verbose:
                for g, q in judged.values():
                    if not same_speaker(g["speaker"], q.speaker):
                        print(f"  wrong speaker [{name}] {g['snippet']!r}: {q.speaker.name} (gold {g['speaker']})")
                for q in found:
                    if id(q) not in matched_sys:
                        print(f"  extra {kind} [{name}] {q.text[:60]!r} ({q.speaker.name if q.speaker else None})")
                for g in gold:
                    if id(g) not in matched_gold:
                        print(f"  missed {kind} [{name}] {g['snippet']!r}")
        copies = find_copies(arts)
        analysis = analyze_story(arts, docs=docs, copies=copies)
        score_entity_merges(name, ents, totals["entity merges"])
        score_syndication(name, arts, copies, totals["syndication"])
        score_differences(name, analysis.differ, totals["differ"])
    elapsed = time.perf_counter() - t0
    for k, (a, b, c, d) in totals.items():
        print(f"{k:14s} {pr(a, b, c, d)}")
    print(f"{n_articles} articles in {len(GOLD['sets'])} sets, {elapsed:.1f} s including model loading")


if __name__ == "__main__":
    main(verbose="-v" in sys.argv[1:])

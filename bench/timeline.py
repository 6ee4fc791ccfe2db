"""Precision/recall of normalised dates against bench/gold/timeline.json.

Each gold story is run through build_timeline (so story-level evidence, such
as a preview's repost date, counts); every temporal expression it resolves is
a prediction. A prediction is correct when it matches a gold expression
(same article, sentence containing the gold snippet, same expression text)
and has the gold date (null gold = "no calendar date can be given": correct
only when the system gives none). Predictions on no gold expression count
against precision.

    .venv/bin/python bench/timeline.py [-v]
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
GOLD = REPO / "bench" / "gold" / "timeline.json"
CORPUS = REPO.parent / "shared" / "corpus"


def main(verbose: bool = False) -> None:
    import storyline
    from storyline.analyze.nlp import embed, load_spacy
    from storyline.analyze.temporal import sentence_docs
    from storyline.analyze.timeline import build_timeline

    gold = json.loads(GOLD.read_text())
    nlp = load_spacy()
    embed(["warm-up"])  # both models loaded before the clock starts
    predictions = []  # (story, article key, sentence text, expression text, iso)
    started = time.perf_counter()
    for story in gold["stories"]:
        articles, keys = [], {}
        for spec in story["articles"]:
            path = GOLD.parent / spec["path"] if "path" in spec else CORPUS / spec["corpus"]
            if not path.exists():
                print(f"skipping story {story['name']}: {path} not found")
                break
            (article,) = storyline.read(str(path), published=spec["published"])
            articles.append(article)
            keys[article.id] = spec.get("path") or spec["corpus"]
        else:
            tl = build_timeline(articles, sentence_docs(articles, nlp))
            for article in articles:
                for e in tl.expressions[article.id]:
                    predictions.append((story["name"], keys[article.id], article.sentences[e.sentence].text,
                                        e.text, e.value.iso))
    elapsed = time.perf_counter() - started

    stories_run = {p[0] for p in predictions}
    blind = {s["name"] for s in gold["stories"] if s.get("blind")} & stories_run
    report(predictions, [g for g in gold["expressions"] if g["story"] in stories_run], "all", verbose)
    if blind:
        report([p for p in predictions if p[0] in blind], [g for g in gold["expressions"] if g["story"] in blind],
               "blind (annotated before the first run)", False)
    print(f"time: {elapsed:.1f} s for {len(stories_run)} stories (models loaded)")


def report(predictions: list[tuple], expected: list[dict], name: str, verbose: bool) -> None:
    matched_gold, correct, wrong, spurious = set(), 0, [], []
    for story, article, sentence, text, iso in predictions:
        hit = next((i for i, g in enumerate(expected) if i not in matched_gold and g["story"] == story
                    and g["article"] == article and g["sentence"] in sentence and _same_text(g["expr"], text)), None)
        if hit is None:
            spurious.append((story, article, text, iso))
            continue
        matched_gold.add(hit)
        if expected[hit]["date"] == iso:
            correct += 1
        else:
            wrong.append((story, text, iso, expected[hit]["date"]))
    missed = [g for i, g in enumerate(expected) if i not in matched_gold]

    precision = correct / len(predictions) if predictions else 0.0
    recall = correct / len(expected) if expected else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    stories = len({g["story"] for g in expected})
    print(f"timeline dates, {name}: {len(expected)} gold expressions in {stories} stories, "
          f"{len(predictions)} predicted, {correct} correct")
    print(f"  precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  "
          f"(wrong date {len(wrong)}, not in gold {len(spurious)}, missed {len(missed)})")
    if verbose or wrong or missed or spurious:
        for story, text, iso, want in wrong:
            print(f"  wrong   [{story}] {text!r}: {iso} (gold {want})")
        for g in missed:
            print(f"  missed  [{g['story']}] {g['expr']!r} in '{g['sentence']}' (gold {g['date']})")
        for story, article, text, iso in spurious:
            print(f"  extra   [{story}] {text!r} in {article}: {iso}")


def _same_text(gold: str, predicted: str) -> bool:
    norm = lambda s: s.lower().replace("’s", "").replace("'s", "").removeprefix("the ").strip()  # noqa: E731
    return norm(gold) == norm(predicted) or norm(gold) in norm(predicted)


if __name__ == "__main__":
    main("-v" in sys.argv)

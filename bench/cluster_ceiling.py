"""How well could any clustering on storyline's signals do on Multi-News?

    .venv/bin/python bench/cluster_ceiling.py [--sets dev test mixed]

The streaming clusterer (storyline eval clusters, bench/clusters.py) sees
each article once, in order, with the IDF known so far. This computes two
bounds that it cannot beat with the same signals (word TF-IDF, name/date
TF-IDF and the MiniLM lead embedding, weighted as in ClusterConfig):

1. Batch ceiling: all-pairs agglomerative clustering (average and complete
   linkage) with the IDF of the whole set, and the distance threshold chosen
   on the set itself (an oracle: the best any single threshold can do).
   Printed: best B-cubed F1, and best F1 with precision >= 0.97.
2. Isolation bound: an article whose most similar same-story article is
   less similar than some other story's article cannot join its story by a
   similarity threshold without first joining the other. The gold
   clustering with those articles left alone is printed with how many
   there are, and the shortest of them (crawl errors, site notices).

Identical texts under several gold stories are left out, as in eval clusters.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MULTINEWS = REPO.parent / "shared" / "corpus" / "multinews"


def load(names: list[str]) -> tuple[list, list[str]]:
    """Distinct scored articles and their gold stories."""
    from storyline.evaluate.clusters import load_labelled
    from storyline.ingest import RawArticle, build_article

    records = [r for name in names for r in load_labelled(MULTINEWS / f"{name}.jsonl")]
    built = [build_article(RawArticle(source=r["id"], text=r["text"], headline_in_text=False)) for r in records]
    stories: dict[str, set[str]] = {}
    for r, a in zip(records, built):
        stories.setdefault(a.id, set()).add(r["story"])
    articles: dict[str, object] = {}
    gold: dict[str, str] = {}
    for r, a in zip(records, built):
        if len(stories[a.id]) == 1:
            articles.setdefault(a.id, a)
            gold[a.id] = r["story"]
    ids = list(articles)
    return [articles[i] for i in ids], [gold[i] for i in ids]


def similarity(articles: list) -> np.ndarray:
    """Pairwise similarity: ClusterConfig's weighted cosines, IDF from all articles."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfTransformer

    from storyline.stories.features import embed_leads, entity_counts, lead_text, word_counts
    from storyline.stories.online import ClusterConfig

    def cosines(counts: list[dict]) -> np.ndarray:
        x = TfidfTransformer(sublinear_tf=True).fit_transform(DictVectorizer().fit_transform(counts))
        return (x @ x.T).toarray()

    c = ClusterConfig()
    dense = embed_leads([lead_text(a, c.lead_chars) for a in articles])
    return (c.w_terms * cosines([word_counts(a.text) for a in articles])
            + c.w_entities * cosines([entity_counts(a.text) for a in articles])
            + c.w_dense * (dense @ dense.T))


def batch_ceiling(sim: np.ndarray, gold: list[str]) -> None:
    from sklearn.cluster import AgglomerativeClustering

    from storyline.evaluate.clusters import bcubed

    truth = dict(enumerate(gold))
    distance = np.clip(1.0 - sim, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    for linkage in ("average", "complete"):
        best = best_precise = None
        for threshold in np.arange(0.50, 1.0, 0.01):
            labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage=linkage,
                                             distance_threshold=threshold).fit(distance).labels_
            score = bcubed(dict(enumerate(labels)), truth)
            if best is None or score["f1"] > best[1]["f1"]:
                best = (threshold, score)
            if score["precision"] >= 0.97 and (best_precise is None or score["f1"] > best_precise[1]["f1"]):
                best_precise = (threshold, score)
        print(f"  batch {linkage:8s} oracle threshold: {_fmt(best)} | with P >= 0.97: {_fmt(best_precise)}")


def isolation_bound(sim: np.ndarray, gold: list[str], articles: list) -> None:
    from storyline.evaluate.clusters import bcubed

    labels = np.array(gold)
    isolated = []
    for i in range(len(gold)):
        same = (labels == labels[i]) & (np.arange(len(gold)) != i)
        if same.any() and sim[i, same].max() < sim[i, labels != labels[i]].max():
            isolated.append(i)
    alone = {i: f"alone:{i}" if i in set(isolated) else gold[i] for i in range(len(gold))}
    score = bcubed(alone, dict(enumerate(gold)))
    words = [len(articles[i].text.split()) for i in isolated]
    print(f"  isolation bound: {len(isolated)} articles closer to another story than to their own "
          f"({sum(w < 80 for w in words)} under 80 words); gold with them alone: P {score['precision']:.3f} "
          f"R {score['recall']:.3f} F1 {score['f1']:.3f}")
    for i in sorted(isolated, key=lambda i: len(articles[i].text.split()))[:5]:
        print(f"    {len(articles[i].text.split()):5d} words: {' '.join(articles[i].text.split()[:10])} ...")


def _fmt(found) -> str:
    if found is None:
        return "-"
    threshold, s = found
    return f"distance {threshold:.2f}: P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="+", default=["dev", "test", "mixed"], choices=["dev", "test", "mixed"])
    args = ap.parse_args()
    for name in args.sets:
        articles, gold = load(["dev", "test"] if name == "mixed" else [name])
        print(f"{name}: {len(articles)} scored articles, {len(set(gold))} gold stories", flush=True)
        sim = similarity(articles)
        batch_ceiling(sim, gold)
        isolation_bound(sim, gold, articles)


if __name__ == "__main__":
    main()

"""Fit the summarizer's word-rate model on multinews dev: a Poisson regression
of how many times the human summary uses each word of a story, from how the
story's sources use it (storyline.report.summarize.WORD_FEATURES), with the
features computed under SummarySettings' first_half_life. Prints the fits on all
of dev and on each half (even/odd stories, to show how stable they are) next to
the values in storyline/settings.py, and the fields to paste there
(SummarySettings.word_rate_coef and word_rate_intercept).

    .venv/bin/python bench/fit_word_rates.py

Dev only: test.jsonl is for reporting.
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEV = REPO.parent / "shared" / "corpus" / "multinews" / "dev.jsonl"
ALPHA = 1e-3  # L2 penalty: eight features, ~80,000 words; barely needed


def story_rows(story) -> tuple[np.ndarray, np.ndarray]:
    from storyline.report.summarize import TOKEN, word_features
    from storyline.settings import SummarySettings

    everything = [(a, s) for a in story.articles for s in a.sentences]
    words, features = word_features(everything, SummarySettings())
    counts = Counter(TOKEN.findall(" ".join(story.references).lower()))
    return features, np.array([counts[w] / len(story.references) for w in words])


def fit(rows: list[tuple[np.ndarray, np.ndarray]]):
    from sklearn.linear_model import PoissonRegressor

    X = np.vstack([x for x, _ in rows])
    y = np.concatenate([t for _, t in rows])
    return PoissonRegressor(alpha=ALPHA, max_iter=1000).fit(X, y)


def main() -> None:
    from storyline.evaluate.summaries import read_stories
    from storyline.report.summarize import WORD_FEATURES
    from storyline.settings import SummarySettings

    settings = SummarySettings()
    rows = [story_rows(s) for s in read_stories(DEV)]
    print(f"{len(rows)} stories, {sum(len(t) for _, t in rows)} words, first_half_life {settings.first_half_life}")
    fits = {"all": fit(rows), "even": fit(rows[0::2]), "odd": fit(rows[1::2])}
    print(f"{'feature':<24}{'settings':>9}" + "".join(f"{name:>8}" for name in fits))
    for k, name in enumerate(WORD_FEATURES):
        print(f"{name:<24}{settings.word_rate_coef[k]:9.2f}" + "".join(f"{m.coef_[k]:8.2f}" for m in fits.values()))
    print(f"{'intercept':<24}{settings.word_rate_intercept:9.2f}"
          + "".join(f"{m.intercept_:8.2f}" for m in fits.values()))
    m = fits["all"]
    print("\nSummarySettings, storyline/settings.py:")
    print("    word_rate_coef: tuple[float, ...] = (" + ", ".join(f"{c:.2f}" for c in m.coef_) + ")")
    print(f"    word_rate_intercept: float = {m.intercept_:.2f}")


if __name__ == "__main__":
    main()

"""`storyline eval extraction`: the benchmark's own scoring (4-word shingles, per-page
normalised, mean precision and recall), on invented texts and on real pages of
../shared/corpus/extraction."""
from __future__ import annotations

import json
import shutil

import pytest

from storyline.evaluate.extraction import evaluate_dir, format_extraction_report, match, precision, recall, scores
from tests.conftest import CORPUS

BENCH = CORPUS / "extraction"


def test_shingle_matching_counts_repeats_and_normalises_per_page():
    gold = "the mayor said the bridge will close on monday for repairs"
    assert match(gold, gold) == (1.0, 0.0, 0.0)
    tp, fp, fn = match(gold, gold + " subscribe to our newsletter today")  # 8 of 8 found, 5 extra shingles
    assert (round(tp * 13), round(fp * 13), round(fn * 13)) == (8, 5, 0)
    assert precision(tp, fp, fn) == pytest.approx(8 / 13) and recall(tp, fp, fn) == 1.0
    # a shingle printed twice counts twice: the second copy is a false positive
    assert match("a b c d", "a b c d a b c d")[1] > 0
    assert match("", "") == (0.0, 0.0, 0.0)
    assert match("one two", "one two") == (1.0, 0.0, 0.0)  # shorter than a shingle: one shingle of all tokens


def test_scores_are_means_over_pages_not_over_shingles():
    pages = [match("a b c d e f g h", "a b c d e f g h"), match("a b c d e", "x y z w v")]
    s = scores(pages)
    assert s["precision"] == pytest.approx(0.5) and s["recall"] == pytest.approx(0.5)
    # a page that predicted nothing counts for recall only
    s = scores(pages[:1] + [match("a b c d e", "")])
    assert s["precision"] == 1.0 and s["recall"] == pytest.approx(0.5)
    assert s["f1"] == pytest.approx(2 * 0.5 / 1.5)


@pytest.fixture
def small_bench(tmp_path):
    """Three real pages of the benchmark in its own layout, with their gold bodies."""
    if not (BENCH / "ground-truth.json").is_file():
        pytest.skip(f"{BENCH} not present")
    truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[:3]
    (tmp_path / "html").mkdir()
    for key in keys:
        shutil.copy(BENCH / "html" / f"{key}.html.gz", tmp_path / "html")
    (tmp_path / "ground-truth.json").write_text(json.dumps({k: truth[k] for k in keys}), encoding="utf-8")
    return tmp_path


def test_the_evaluation_scores_both_readers_on_real_pages(small_bench):
    result = evaluate_dir(small_bench)
    assert result["pages"] == 3 and set(result["systems"]) == {"storyline", "trafilatura"}
    for name, s in result["systems"].items():
        assert 0.5 < s["precision"] <= 1 and 0.5 < s["recall"] <= 1, name
    rows = result["per_page"]
    mean_p = sum(r["storyline"]["precision"] for r in rows) / 3
    assert result["systems"]["storyline"]["precision"] == pytest.approx(mean_p, abs=1e-3)
    report = format_extraction_report(result)
    assert "storyline" in report and "trafilatura" in report and "3 pages" in report


def test_a_wrong_gold_body_scores_low(small_bench):
    truth = json.loads((small_bench / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)
    truth[keys[0]]["articleBody"] = truth[keys[1]]["articleBody"]  # page 0 judged against page 1's body
    (small_bench / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    row = evaluate_dir(small_bench)["per_page"][0]
    assert row["storyline"]["recall"] < 0.05 and row["trafilatura"]["recall"] < 0.05


def test_the_command(small_bench, capsys):
    from storyline.cli import main

    assert main(["eval", "extraction", str(small_bench), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["pages"] == 3 and "f1" in result["systems"]["storyline"]
    assert main(["eval", "extraction", str(small_bench / "html")]) == 2  # not the layout
    assert "no ground-truth.json" in capsys.readouterr().err


@pytest.mark.slow
def test_the_reader_is_at_least_as_good_as_bare_trafilatura_on_the_benchmark():
    """The issue's bar: never below bare trafilatura on precision or F1, over all 181 pages."""
    if not (BENCH / "ground-truth.json").is_file():
        pytest.skip(f"{BENCH} not present")
    result = evaluate_dir(BENCH)
    ours, bare = result["systems"]["storyline"], result["systems"]["trafilatura"]
    assert ours["precision"] >= bare["precision"] and ours["f1"] >= bare["f1"], format_extraction_report(result)

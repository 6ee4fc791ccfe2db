"""The summary evaluation machinery: word budgets, the lead and sumy
baselines, ROUGE, citation checks and redundancy, on invented stories; then
the whole evaluation on two real Multi-News dev clusters."""
from __future__ import annotations

import json

import pytest

from storyline.ingest import RawArticle, build_article
from storyline.model import Citation, CitedText
from storyline.evaluate import summaries as ev

FIRST = (
    "The city council of Lakeport voted on Monday to close the old harbour bridge for repairs.\n"
    "The bridge, built in 1931, will stay closed for at least eight months.\n"
    "Commuters will be sent over the northern ring road while the work goes on.\n"
    "Mayor Ana Ruiz said the repairs could not wait any longer."
)
SECOND = (
    "Lakeport's old harbour bridge will close for eight months of repairs, the council decided on Monday.\n"
    "Engineers found corrosion in the steel supports of the bridge last spring.\n"
    "The repairs are expected to cost about 40 million dollars.\n"
    "Local shop owners fear that the closure of the bridge will keep customers away."
)
THIRD = (
    "Repairs to the harbour bridge in Lakeport will begin next week after a council vote on Monday.\n"
    "A ferry service will run every twenty minutes during the closure.\n"
    "The council said the bridge had not had major repairs since the 1970s."
)


def article(text: str, source: str):
    return build_article(RawArticle(source=source, text=text, headline_in_text=False))


@pytest.fixture(scope="module")
def invented():
    return [article(FIRST, "first"), article(SECOND, "second"), article(THIRD, "third")]


def test_cut_words_keeps_the_first_words():
    assert ev.cut_words("one two  three\nfour five", 3) == "one two three"
    assert ev.cut_words("one two", 10) == "one two"


def test_lead_takes_the_leading_sentences_of_the_first_listed_article(invented):
    lead = ev.lead_summary(invented, 20)
    assert lead.startswith("The city council of Lakeport voted on Monday")
    assert len(lead.split()) == 20
    assert "corrosion" not in lead


@pytest.mark.parametrize("method", ["lexrank", "textrank"])
def test_sumy_baselines_fill_the_budget_with_source_sentences(invented, method):
    summary = ev.sumy_summary(invented, 30, method)
    assert len(summary.split()) == 30
    source_sentences = [s.text for a in invented for s in a.sentences]
    # The summary is source sentences joined, only the last one cut short.
    assert any(summary.startswith(s) for s in source_sentences)


def test_sumy_ranks_the_sentence_all_sources_share_above_an_aside(invented):
    # With a budget of one sentence, the bridge closure (in every source)
    # beats the ferry timetable (in one).
    summary = ev.sumy_summary(invented, 12, "lexrank")
    (first,) = [s.text for a in invented for s in a.sentences if s.text.startswith(summary)]
    assert "bridge" in first and "ferry" not in first


def test_rouge_is_stemmed_f1_in_percent():
    assert ev.rouge("the bridge closes", ["the bridge closes"])["rouge1"] == pytest.approx(100.0)
    assert ev.rouge("bridges closing", ["the bridge closed"])["rouge1"] > 0  # stemming matches word forms
    assert ev.rouge("apples and pears", ["the bridge closed"])["rouge2"] == 0.0
    # Several references: the best one counts.
    two = ev.rouge("the bridge closes", ["nothing alike here", "the bridge closes"])
    assert two["rougeL"] == pytest.approx(100.0)


def test_citation_check_accepts_extracted_and_restating_citations_only(invented):
    first, second, third = invented
    closes = first.sentences[0]
    restated = second.sentences[0]  # "...will close for eight months of repairs, the council decided"
    ferry = third.sentences[1]
    good = CitedText(closes.text, [Citation(first.id, closes.index, closes.start, closes.end)])
    wrong = CitedText(closes.text, [Citation(third.id, ferry.index, ferry.start, ferry.end)])
    broken = CitedText(closes.text, [Citation(first.id, closes.index, closes.start + 3, closes.end)])
    assert ev.citation_check([good], invented) == (1, 1, 1, 1)
    assert ev.citation_check([wrong], invented)[0] == 0
    assert ev.citation_check([broken], invented)[0] == 0
    both = CitedText(closes.text, [Citation(first.id, closes.index, closes.start, closes.end),
                                   Citation(second.id, restated.index, restated.start, restated.end)])
    supported, _, citations_ok, citations = ev.citation_check([both], invented)
    assert (supported, citations_ok, citations) == (1, 2, 2)


def test_redundancy_is_high_for_restatements_and_low_otherwise(invented):
    from storyline.analyze.nlp import embed

    first, second, third = invented
    same = ev.redundancy(embed([first.sentences[0].text, second.sentences[0].text]))
    different = ev.redundancy(embed([third.sentences[1].text, second.sentences[2].text]))
    assert same > different
    assert ev.redundancy(embed([first.sentences[0].text])) == 0.0


def test_evaluate_file_on_invented_jsonl_uses_the_words_option(tmp_path):
    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps({"id": "bridge", "articles": [{"id": "a", "text": FIRST}, {"id": "b", "text": SECOND}],
                                "summaries": ["Lakeport will close its old harbour bridge for eight months of repairs."]})
                    + "\n")
    result = ev.evaluate_file(path, words=25)
    (story,) = result["stories"]
    assert story["words"] == 25
    assert all(n <= 25 for n in story["summary_words"].values())
    assert set(story["rouge"]) == set(ev.SYSTEMS)
    assert result["mean"]["rouge"]["storyline"]["rouge1"] > 0
    # the summarizer asked for vectors of some sentences, never more than the sources hold
    assert 0 < story["embedded"] <= len(FIRST.splitlines()) + len(SECOND.splitlines())
    # 25 words of two eight-sentence sources: the summary reaches the budget (it may overshoot before the cut)
    assert 1.0 <= story["fill"] <= 1.0 + 55 / 25
    assert result["mean"]["underfilled_stories"] == 0
    report = ev.format_summary_report(result)
    assert "bridge" in report and "mean" in report and "citations" in report and "embedded" in report
    assert "fill" in report


def test_fill_counts_a_summary_shorter_than_its_budget_as_underfilled(tmp_path):
    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps({"id": "bridge", "articles": [{"id": "a", "text": FIRST}],
                                "summaries": ["Lakeport will close its old harbour bridge for eight months of repairs."]})
                    + "\n")
    result = ev.evaluate_file(path, words=500)  # far more than four source sentences hold
    (story,) = result["stories"]
    assert 0 < story["fill"] < 1.0
    assert result["mean"]["underfilled_stories"] == 1


@pytest.mark.slow
def test_evaluation_on_two_real_multinews_dev_clusters():
    from .conftest import CORPUS

    dev = CORPUS / "multinews" / "dev.jsonl"
    if not dev.exists():
        pytest.skip("../shared/corpus/multinews not present")
    result = ev.evaluate_file(dev, limit=2)
    assert len(result["stories"]) == 2
    for story in result["stories"]:
        assert story["words"] > 50  # the reference's length is the budget
        for name in ev.SYSTEMS:
            assert 0 < story["summary_words"][name] <= story["words"]
            assert story["rouge"][name]["rouge1"] > 0
        # storyline's sentences are about the story (the lead of a cluster may be
        # a web-archive notice, so the baselines get no such bound).
        assert story["rouge"]["storyline"]["rouge1"] > 20
        assert story["citations"]["sentences"] > 0
    mean = result["mean"]
    assert mean["citation_correct_sentences"] > 0.5
    assert 0 < mean["redundancy_max"] < 1.0
    # the summarizer embeds a shortlist, not every sentence (issue 6: ~10 per article)
    sentences = sum(len(a.sentences) for s in ev.read_stories(dev, limit=2) for a in s.articles)
    assert sum(s["embedded"] for s in result["stories"]) < sentences / 2
    assert 0 < mean["embedded_per_article"] <= 12
    json.dumps(result)  # --json must be able to print it


def test_eval_command_keeps_embeddings_in_its_cache_file(tmp_path, capsys):
    from storyline.analyze import embedcache
    from storyline.cli import main

    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps({"id": "bridge", "articles": [{"id": "a", "text": FIRST}, {"id": "b", "text": THIRD}],
                                "summaries": ["Lakeport will close its old harbour bridge for eight months of repairs."]})
                    + "\n")
    cache = tmp_path / "eval-cache.db"
    runs = []
    for _ in range(2):
        embedcache._memo.clear()  # as a new process would start
        before = embedcache.counts["embedded"]
        assert main(["eval", "summaries", str(path), "--cache", str(cache), "--json"]) == 0
        runs.append((embedcache.counts["embedded"] - before, json.loads(capsys.readouterr().out)))
    (first, result), (second, again) = runs
    assert first > 0 and second == 0  # the second run embeds nothing: the cache file answers
    assert again["mean"]["rouge"] == result["mean"]["rouge"]

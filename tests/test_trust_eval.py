"""The citation-trust scorer (storyline eval trust): on an invented story whose texts are
written here, with a gold written here (digests only); then the whole evaluation and the
CLI on an invented JSONL; and the stored gold files hold no text."""
from __future__ import annotations

import json
import re

import pytest

from storyline.cli import main
from storyline.evaluate import trust
from storyline.ingest import RawArticle, build_article
from storyline.model import Brief, Citation, CitedText, Fact, SourceRef

FIRST = ("A storm killed three people in Harlow on Monday night, the police said.\n"
         "About 4,000 homes were left without power.\n"
         "The mayor said the town would rebuild.")
SECOND = ("Five people died in the storm that hit Harlow, officials said on Tuesday.\n"
          "Winds reached 140 km/h near the coast.\n"
          "Some 9,000 homes had no electricity on Tuesday morning.")


def _article(text: str, source: str):
    return build_article(RawArticle(source=source, text=text, headline_in_text=False))


def _cite(article, index: int) -> Citation:
    s = article.sentences[index]
    return Citation(article.id, s.index, s.start, s.end, s.text)


@pytest.fixture(scope="module")
def story():
    first, second = _article(FIRST, "harlow-1"), _article(SECOND, "harlow-2")
    summary = [
        # its own sentence (trivial) and the other report's death toll (another figure: false)
        CitedText(first.sentences[0].text, [_cite(first, 0), _cite(second, 0)]),
        # a rewrite of the power cut, cited to the other report's figure: judged false;
        # cited to its own report: judged true (not the very sentence, so not trivial)
        CitedText("Thousands of homes lost power in Harlow.", [_cite(first, 1), _cite(second, 2)]),
    ]
    agree = [Fact("The mayor of Harlow said the town would rebuild.", 2, [_cite(first, 2), _cite(second, 1)])]
    sources = [SourceRef(1, first.id, None, "", None, "harlow-1"), SourceRef(2, second.id, None, "", None, "harlow-2")]
    brief = Brief("Storm in Harlow", summary, [], sources, agree=agree)
    return brief, [first, second]


def _row(claim: str, cited: str, states: bool, section: str = "summary") -> dict:
    return {"story": "harlow", "section": section, "claim": trust.digest(claim), "article": "harlow-x",
            "sentence": 0, "cited": trust.digest(cited), "states": states}


def _gold(tmp_path, rows: list[dict]):
    folder = tmp_path / "gold"
    folder.mkdir(exist_ok=True)
    (folder / "harlow.json").write_text(json.dumps({"file": "invented", "judgments": rows}), encoding="utf-8")
    return folder


def test_extracted_from_is_the_claims_words_in_order_inside_the_sentence():
    assert trust.extracted_from("Five people died in the storm.", "Officials said five people died in the storm.")
    assert trust.extracted_from("“Five people died,” he said", "\"Five  people died,\" he said.")
    assert not trust.extracted_from("Five people died in the storm.", "Three people died in the storm.")
    assert not trust.extracted_from("He said so.", "He said so, and left.")  # too short to tell


def test_digest_ignores_whitespace_only():
    assert trust.digest("Five  people\ndied.") == trust.digest("Five people died.")
    assert trust.digest("Five people died.") != trust.digest("Five people died")


def test_scorer_counts_trivial_judged_false_and_unjudged_per_section(story, tmp_path):
    brief, articles = story
    first, second = articles
    gold = trust.read_gold(_gold(tmp_path, [
        _row(first.sentences[0].text, second.sentences[0].text, False),  # three dead vs five dead
        _row("Thousands of homes lost power in Harlow.", first.sentences[1].text, True),
        _row("Thousands of homes lost power in Harlow.", second.sentences[2].text, False),
        _row("The mayor of Harlow said the town would rebuild.", first.sentences[2].text, True, "agree"),
    ]))
    citations = trust.brief_citations("harlow", brief, articles)
    assert [c.article for c in citations] == ["harlow-1", "harlow-2", "harlow-1", "harlow-2", "harlow-1", "harlow-2"]
    trust.judge(citations, gold)
    summary = trust.tally([c for c in citations if c.section == "summary"])
    assert summary == {"citations": 4, "trivial": 1, "judged": 3, "false": 2, "false_by_reason": {"unstated": 2},
                       "unjudged": 0, "precision": 0.5, "precision_nontrivial": 0.3333}
    agree = trust.tally([c for c in citations if c.section == "agree"])
    # the mayor's sentence is judged; "Winds reached 140 km/h" is not
    assert (agree["judged"], agree["unjudged"], agree["precision"]) == (1, 1, 1.0)
    unjudged = [c for c in citations if c.states is None]
    assert [c.cited for c in unjudged] == ["Winds reached 140 km/h near the coast."]


def test_contradicting_judgments_are_an_error(tmp_path):
    rows = [_row("Five people died.", "Three people died.", True), _row("Five people died.", "Three people died.", False)]
    with pytest.raises(ValueError, match="contradicting"):
        trust.read_gold(_gold(tmp_path, rows))


def _jsonl(tmp_path):
    record = {"id": "harlow", "articles": [{"id": "harlow-1", "text": FIRST, "title": "Storm kills three in Harlow",
                                            "outlet": "Harlow Herald", "published": "2026-03-02"},
                                           {"id": "harlow-2", "text": SECOND, "published": "2026-03-03"}],
              "summaries": []}
    path = tmp_path / "storm.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def test_a_real_brief_of_an_invented_story_is_scored_and_its_gaps_listed(tmp_path):
    path = _jsonl(tmp_path)
    result = trust.evaluate_file(path, tmp_path / "no-gold")
    overall = result["overall"]
    assert result["stories"] == 1 and overall["citations"] > 0
    assert overall["trivial"] + overall["judged"] + overall["unjudged"] == overall["citations"]
    assert overall["judged"] == 0 and len(result["unjudged"]) == overall["unjudged"]
    assert {c["article"] for c in result["unjudged"]} <= {"harlow-1", "harlow-2"}
    # judge every open citation false: precision falls to the trivial share
    rows = [dict(r, states=False) for r in trust.gold_skeleton(result)["judgments"]]
    rejudged = trust.evaluate_file(path, _gold(tmp_path, rows))["overall"]
    assert rejudged["unjudged"] == 0 and rejudged["false"] == overall["unjudged"]
    assert rejudged["precision"] == round(overall["trivial"] / overall["citations"], 4)


def test_cli_prints_the_table_and_writes_a_todo_without_text(tmp_path, capsys):
    path, todo = _jsonl(tmp_path), tmp_path / "todo.json"
    assert main(["eval", "trust", str(path), "--gold", str(tmp_path / "no-gold"), "--todo", str(todo)]) == 0
    out = capsys.readouterr().out
    assert "| all |" in out and "| single source |" in out
    rows = json.loads(todo.read_text())["judgments"]
    assert all(r["states"] is None for r in rows)
    assert "Harlow" not in todo.read_text()  # digests, ids and indices only
    assert main(["eval", "trust", str(path), "--gold", str(tmp_path / "no-gold"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stories"] == 1


def test_stored_gold_holds_digests_ids_and_booleans_only():
    files = sorted(trust.DEFAULT_GOLD.glob("*.json"))
    assert files
    hex64 = re.compile(r"[0-9a-f]{64}")
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        for row in data["judgments"]:
            assert set(row) <= {"story", "section", "claim", "article", "sentence", "cited", "states", "why"}
            assert hex64.fullmatch(row["claim"]) and hex64.fullmatch(row["cited"])
            assert row["section"] in trust.SECTIONS and isinstance(row["states"], bool)
            assert row["why"] in (None, "figure", "participant", "predicate", "negation", "other-fact",
                                  "partial", "clutter")
        trust.read_gold(path.parent)  # no contradictions

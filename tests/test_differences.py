"""Scoring a brief's differences against difference gold (evaluate/trust.py)."""
from __future__ import annotations

import json

import pytest

from storyline.evaluate.trust import GoldDifference, digest, read_difference_gold, read_gold, score_differences


def _listed(story: str, *sides: list[str]) -> dict:
    return {"story": story, "kind": "figures", "text": "", "sides": [[digest(t) for t in s] for s in sides],
            "side_texts": []}


def test_differences_are_scored_by_their_sides_sentences():
    three, five, five_again = "Three people died in Marlow.", "Five people died in Marlow.", "The toll rose to five."
    hundreds, many = "Hundreds of thousands need aid.", "More than 400,000 need aid."
    gold = [GoldDifference("storm", "figures", "dead", [[digest(three)], [digest(five), digest(five_again)]]),
            GoldDifference("storm", "figures", "aid", [[digest(hundreds)], [digest(many)]], reconciled=True),
            GoldDifference("flood", "figures", "homes", [[digest("a")], [digest("b")]])]
    listed = [_listed("storm", [five_again], [three]),           # the gold disagreement, either order
              _listed("storm", [hundreds], [many]),               # the text reconciles them
              _listed("storm", [three], [hundreds]),              # no gold item
              _listed("storm", [five], [five_again])]             # two sentences of one side: not the item
    scored = score_differences(listed, gold, {"storm"})
    assert (scored["listed"], scored["true"], scored["gold"], scored["found"]) == (4, 1, 1, 1)
    assert [f["why"] for f in scored["false"]] == ["reconciled", "no disagreement", "no disagreement"]
    assert scored["precision"] == 0.25 and scored["recall"] == 1.0
    missed = score_differences([], gold, {"storm", "flood"})
    assert missed["recall"] == 0.0 and [m["key"] for m in missed["missed"]] == ["dead", "homes"]


def test_difference_gold_and_citation_gold_share_a_folder(tmp_path):
    (tmp_path / "d.json").write_text(json.dumps({"differences": [
        {"story": "s", "kind": "date", "key": "day", "reconciled": False, "sides": [["x"], ["y"]]}]}))
    (tmp_path / "j.json").write_text(json.dumps({"judgments": []}))
    assert read_gold(tmp_path) == {}
    [g] = read_difference_gold(tmp_path)
    assert g.kind == "date" and g.sides == [["x"], ["y"]]


def test_stored_difference_gold_holds_digests_and_short_keys_only():
    import re

    from storyline.evaluate.trust import DEFAULT_GOLD

    files = [p for p in sorted(DEFAULT_GOLD.glob("*.json")) if json.loads(p.read_text())["judgments"] == []
             and json.loads(p.read_text()).get("differences")]
    assert len(files) == 2
    for path in files:
        for row in json.loads(path.read_text())["differences"]:
            assert set(row) == {"story", "kind", "key", "reconciled", "sides"}
            assert row["kind"] in ("figures", "date", "place", "participant", "negation")
            assert len(row["sides"]) >= 2 and all(re.fullmatch(r"[0-9a-f]{64}", d) for s in row["sides"] for d in s)
            assert len(row["key"].split()) <= 8 and isinstance(row["reconciled"], bool)


# ---- paraphrased pairs: the same fact in other words, but for one value (issue 17) ----
# Invented reports. Two sentences of independent sources that say one thing in different words
# and give it a different date or figure are a difference; where the text reconciles the values
# (a rounded figure, a date in two forms, a date of the reporting, two predicates) none is.

def _story(*reports: tuple[str, list[str]]) -> list:
    from storyline.ingest.segment import segment
    from storyline.model import Article, PartialDate

    out = []
    for aid, paragraphs in reports:
        text, sentences = segment(paragraphs)
        out.append(Article(text=text, title=aid, outlet=aid.title(), id=aid, sentences=sentences,
                           published=PartialDate.parse("2024-03-08")))
    return out


def _differences(*reports: tuple[str, list[str]]) -> list:
    from storyline.analyze.relate import analyze_story

    return analyze_story(_story(*reports)).differ


def _shown(differ: list) -> set:
    return {(d.kind, tuple(sorted(s.figure for s in d.sides))) for d in differ}


LETTER_A = ("Retired engineer Tomas Ferrer, who died last week aged 88, wrote a long personal letter to Bishop "
            "Anselm Varga in May 2019, diocese officials say.")
LETTER_B = ("Ferrer, who died on Friday at the age of 88, in April wrote a lengthy personal letter to Harwick "
            "Cathedral Bishop Anselm Varga, the Harwick Courier, a local daily, reported on Monday.")


# the rest of each report, so that the words the two letter sentences share are the story's rarer ones
GAZETTE = ["The former mayor's funeral will be held at the town hall next week.",
           "Ferrer designed three of the bridges that cross the river in the old town.",
           "His family asked for donations to a local hospice instead of flowers."]
HERALD = ["Hundreds of residents signed a book of condolence at the library.",
          "The council said a square near the harbour could be named after the engineer.",
          "His son described him as a patient teacher who loved the sea."]


def test_a_paraphrase_that_dates_the_fact_differently_is_a_difference():
    differ = _differences(("gazette", [LETTER_A, *GAZETTE]), ("herald", [LETTER_B, *HERALD]))
    assert _shown(differ) == {("date", ("April", "May 2019"))}
    [d] = differ
    assert {s.citations[0].article_id for s in d.sides} == {"gazette", "herald"}


def test_a_paraphrase_that_dates_a_filing_differently_is_a_difference_and_a_rounded_sum_is_not():
    differ = _differences(
        ("wire", ["Logistics group Brennan Holt is seeking to recover about $412,000 in costs from a long contract "
                  "dispute with a former supplier, according to a court filing on Thursday.",
                  "The trial lasted five weeks and drew crowds of drivers to the courthouse.",
                  "Shares in the group were little changed in early trading."]),
        ("ledger", ["Logistics group Brennan Holt filed legal papers Wednesday seeking $411,870 in legal costs from "
                    "Marden Freight, the former supplier that lost a long contract dispute against the group.",
                    "A lawyer for the supplier said it would appeal the verdict.",
                    "The company's warehouses near the port employ about 900 people."]))
    assert _shown(differ) == {("date", ("Thursday", "Wednesday"))}


@pytest.mark.parametrize("second", [
    # the same month, in a date that gives the day too: one date in two forms
    "Ferrer, who died on Friday at the age of 88, on May 12, 2019 wrote a lengthy personal letter to Harwick "
    "Cathedral Bishop Anselm Varga, the Harwick Courier, a local daily, reported on Monday.",
    # the day the paper reported, beside the month of the letter: no date of the letter to compare
    "Ferrer, who died on Friday at the age of 88, wrote a lengthy personal letter to Harwick Cathedral Bishop "
    "Anselm Varga, the Harwick Courier, a local daily, reported on Monday.",
    # another predicate dated: a letter written in May, a reply in April
    "Ferrer, who died on Friday at the age of 88, received a lengthy personal reply from Harwick Cathedral Bishop "
    "Anselm Varga in April, the Harwick Courier, a local daily, reported on Monday.",
])
def test_a_paraphrase_whose_dates_the_text_reconciles_is_no_difference(second):
    differ = _differences(("gazette", [LETTER_A, *GAZETTE]), ("herald", [second, *HERALD]))
    assert [d for d in differ if d.kind == "date"] == []


def test_figures_a_slip_apart_differ_and_figures_of_other_things_do_not():
    differ = _differences(
        ("tribune", ["The health agency began tracking the illness in 2014, when 121 cases were confirmed.",
                     "Last November the agency had offered the clinic $964,502 to settle, a sum based on its costs."]),
        ("chronicle", ["The illness seemed to peak in 2014, with 120 cases reported between August and December.",
                       "The clinic filed papers on Tuesday seeking $972,814 in legal costs from the agency."]))
    assert _shown(differ) == {("figures", ("120 cases", "121 cases"))}


@pytest.mark.parametrize("other, differs", [
    ("The hearing was held in Alder, about 70 miles west of Harwick, near where the boy went missing.", True),
    ("The hearing was held in Alder, 70 miles west of Harwick, near where the boy went missing.", False),
])
def test_a_distance_two_sources_round_differently_differs_and_a_hedged_one_does_not(other, differs):
    first = "Within a day dozens of police officers arrived in the small farming town about 65 miles west of Harwick."
    figures = [d for d in _differences(("north", [first]), ("south", [other])) if d.kind == "figures"]
    assert bool(figures) is differs


def test_the_day_a_source_spoke_dates_no_fact_and_a_value_hangs_on_its_predicate(nlp):
    from storyline.analyze.samefact import anchor, reporting_date, same_predicate

    doc = nlp("The Harwick Courier reported on Monday that Ferrer wrote a letter to the bishop in April.")
    monday, april = (next(e for e in doc.ents if e.text == t) for t in ("Monday", "April"))
    assert reporting_date(anchor(monday)) and not reporting_date(anchor(april))
    assert anchor(april).lemma_ == "write"
    filing = nlp("It is seeking costs, according to a court filing on Thursday.")
    filed = nlp("It filed papers Wednesday seeking costs.")
    thursday, wednesday = filing.ents[-1], filed.ents[0]
    assert same_predicate(anchor(thursday), anchor(wednesday))
    assert not same_predicate(anchor(thursday), next(t for t in filed if t.lemma_ == "seek"))


@pytest.mark.parametrize("other, differs", [
    ("The list shows that the state itself owes $70,000 on its water accounts.", False),  # rounded
    ("The list shows that the state itself owes $70,246 on its water accounts.", False),  # the same
    ("The list shows that the state itself owes $74,500 on its water accounts.", True),
])
def test_a_sum_rounded_to_thousands_is_no_rival_figure(other, differs):
    first = "The water department's list includes an account for the state, which owes $70,246 on its water accounts."
    figures = [d for d in _differences(("north", [first]), ("south", [other])) if d.kind == "figures"]
    assert bool(figures) is differs


def test_rates_of_other_units_and_a_name_run_together_are_no_difference():
    speeds = _differences(
        ("north", ["The solar wind reaches speeds of up to 400 miles per second near the sun, the agency said."]),
        ("south", ["The solar wind rushes past the planet at 900 miles per hour, the agency said."]))
    assert [d for d in speeds if d.kind == "figures"] == []
    one = ["Police said Carl Lambach and Jessica Van Wert ran the business from a house in Harwick.",
           "Van Wert has pleaded not guilty to conspiracy to commit human trafficking and maintaining a house of "
           "prostitution."]
    other = ["Carl Lambach and Jessica VanWert were arrested in Harwick last month.",
             "Lambach pleaded not guilty to four counts of human trafficking, while VanWert pleaded not guilty to "
             "conspiracy to commit human trafficking and maintaining a house of prostitution."]
    names = _differences(("north", [*one, *GAZETTE]), ("south", [*other, *HERALD]))
    assert [d for d in names if d.kind == "participant"] == []

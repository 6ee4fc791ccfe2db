"""Page clutter (issue 17): recognised once, in ingest, and never reaching a brief.

The shapes below are invented lines of the kinds real pages print (date lines, share bars,
weather widgets, stamps, captions and credits, tag lists, related-article runs, notices).
The last tests read the real dev events pages: the clutter annotated on them (by sha256 of
the lowercased, whitespace-normalised text, tests/data/clutter_gold.json) is in no article's
clean text and in no item of any brief."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from storyline.ingest import build_article
from storyline.ingest.clean import clean_paragraphs
from storyline.ingest.clutter import line_clutter, strip_clutter
from storyline.ingest.record import record_to_raw
from storyline.settings import IngestSettings

from .conftest import CORPUS

GOLD = Path(__file__).parent / "data" / "clutter_gold.json"
EVENTS = CORPUS / "events" / "dev.jsonl"

CLUTTER_LINES = [
    "Subscribe Log In Place an Ad Buy Photos Obituaries Contests",  # navigation bar
    "Mostly Sunny",  # weather widget
    "Partly Cloudy 14°C",
    "Hot Topics",  # section labels
    "Business",
    "Arts & Culture",
    "Published:",
    "Last Updated: 9:05 AM",
    "The Associated Press | Friday, March 2, 2018, 6:10 p.m.",  # stamps
    "By Carla Mendes 12 mins ago",
    "Updated 3 hours ago",
    "June 4, 2016 / 7:15 AM / 2 years ago",
    "2 Min Read",
    "by Valley News Desk Staff",
    "Photos via Jan Korsgaard and Wikimedia",  # credits
    "Source: APN",
    "[Feature image: harbour crane at night/Port Authority]",
    "Mayor Ana Ruiz waves to supporters in Dunmore on Friday, June 3, 2016. (AP Photo/Lee Tran)",
    "Harbour master Ole Berg (2-L) speaks as Mayor Ana Ruiz (C) looks on",
    "In this Jan. 5, 2014 file photo, the ferry leaves the pier in Dunmore.",
    "Ferries, Dunmore, harbour strike, port workers, Ana Ruiz, union talks",  # tag list
    "Related: Dunmore port opens a second container terminal",
    "Comments Share your thoughts",
    "We welcome your comments on our stories. Please keep your comments civil and on topic. "
    "If you see an abusive comment, click the flag to report it. Comments are checked daily.",
    "Get the latest Dunmore news delivered free to your inbox every morning.",
]
REPORTING_LINES = [
    "The ferry strike in Dunmore ended on Friday after nine days, the union said.",
    "Mayor Ana Ruiz said the port would reopen on Monday.",
    "He died on Monday.",  # a short sentence with a date is not a stamp
    "Ruiz was 57.",
    "The company's ClickSoftware unit is not a party to the complaint.",  # "click" inside a name
    "Sen. Jo Smith (R) said she would vote against the bill.",  # a party, not a picture position
    "The photo agency said its pictures of the strike had been viewed a million times.",
]


@pytest.mark.parametrize("line", CLUTTER_LINES)
def test_clutter_lines_are_recognised(line):
    assert line_clutter(strip_clutter(line)) is not None


@pytest.mark.parametrize("line", REPORTING_LINES)
def test_reporting_lines_are_kept(line):
    assert line_clutter(strip_clutter(line)) is None


def test_pieces_of_clutter_are_cut_from_a_kept_line():
    assert strip_clutter("date 2016-06-03 DUNMORE – The strike ended.") == "DUNMORE – The strike ended."
    assert strip_clutter("The union did not sign the statement. (") == "The union did not sign the statement."
    assert strip_clutter("The port reopened on Monday. (AP)") == "The port reopened on Monday."
    assert strip_clutter("The talks failed. (Reporting by Jo Lind; Editing by Al Ma)") == "The talks failed."
    assert strip_clutter("It closed at 5 p.m. (To get Dunmore alerts please subscribe here.) It reopened.") \
        == "It closed at 5 p.m. It reopened."
    assert strip_clutter("“We are relieved,” she said. – READ MORE") == "“We are relieved,” she said."


def test_a_page_loses_its_clutter_and_keeps_its_report():
    page = ["date 2016-06-03 Subscribe Place Ad Buy Photos Contests", "World", "Dunmore ferry strike ends",
            "By Carla Mendes | Friday, June 3, 2016, 6:10 p.m.",
            "DUNMORE, Ky. — The ferry strike in Dunmore ended on Friday after nine days, the union said.",
            "Sign up for our newsletter with the latest port news for free today.",
            "Mayor Ana Ruiz said the port would reopen on Monday.",
            "Sign up for our newsletter with the latest port news for free today.",
            "Sports", "Dunmore Comets win the regional title in overtime", "Football",
            "Comets coach signs a new three-year deal"]
    cleaned = clean_paragraphs(page, "Dunmore ferry strike ends")
    assert cleaned.paragraphs == ["The ferry strike in Dunmore ended on Friday after nine days, the union said.",
                                  "Mayor Ana Ruiz said the port would reopen on Monday."]
    assert cleaned.place == "DUNMORE, Ky." and cleaned.author == "Carla Mendes"
    assert len(cleaned.dropped) >= len(page) - 2  # a byline line is noted as read and as dropped


def test_a_wire_dateline_without_a_place_is_read():
    cleaned = clean_paragraphs(["June 3 (Reuters) - The ferry strike in Dunmore ended on Friday, the union said."])
    assert cleaned.paragraphs == ["The ferry strike in Dunmore ended on Friday, the union said."]
    assert cleaned.outlet == "Reuters" and (cleaned.date.month, cleaned.date.day) == (6, 3)


def test_hard_wrapped_prose_is_not_taken_for_a_link_list():
    wrapped = ["The committee voted on Monday to release the report, which found that the",
               "agency had failed to tell the court about the source of its information", "Photo: Ana Lind",
               "The Committee found that the agency relied on the dossier for its",
               "application to the court and did not disclose who had paid for it.",
               "The report was released on Friday."]
    kept = clean_paragraphs(wrapped).paragraphs
    assert kept == wrapped[:2] + wrapped[3:]


def test_a_page_printed_twice_keeps_its_first_copy_but_a_repeated_promo_goes():
    report = ["The ferry strike ended on Friday, the union said.", "The port reopens on Monday, the mayor said.",
              "Ruiz thanked the workers."]
    assert clean_paragraphs(report + report).paragraphs == report
    promo = "Find out what's happening in Dunmore with free, real-time updates from Portside"
    assert clean_paragraphs([report[0], promo, report[1], promo]).paragraphs == report[:2]


def test_the_thresholds_are_the_settings_passed():
    assert line_clutter("Dunmore Comets Win Title") is not None  # a caption-like list of names
    assert line_clutter("Business") == "label"
    assert line_clutter("Business", IngestSettings(label_max_words=0)) is None
    assert line_clutter("Weather", IngestSettings(label_max_words=0)) == "widget"
    assert line_clutter("Comets win the regional title") is None  # a subhead, not a label
    assert line_clutter("Comets win the regional title", IngestSettings(label_max_words=5)) == "label"


# -- the real dev events pages -----------------------------------------------------------------
def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _digest(text: str) -> str:
    return hashlib.sha256(_norm(text).encode()).hexdigest()


def _windows(text: str, n: int) -> set[str]:
    """Digests of every run of n words of text."""
    words = _norm(text).split()
    return {_digest(" ".join(words[i:i + n])) for i in range(len(words) - n + 1)}


def _found(gold: list[dict], texts: list[str]) -> list[dict]:
    """The gold entries whose text is among texts: a line of three words or fewer only as a
    whole text ("World" is a label alone, not inside "into this world"), longer ones and
    spans anywhere inside one."""
    whole = {_digest(t) for t in texts}
    found = []
    for entry in gold:
        if entry["words"] <= 3 and "paragraph" in entry:
            hit = entry["sha256"] in whole
        else:
            hit = any(entry["sha256"] in _windows(t, entry["words"]) for t in texts)
        if hit:
            found.append(entry)
    return found


@pytest.fixture(scope="module")
def events():
    if not EVENTS.exists():
        pytest.skip("../shared/corpus/events/dev.jsonl not present")
    return [json.loads(line) for line in EVENTS.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def gold():
    return json.loads(GOLD.read_text())


def _articles(record: dict) -> list:
    return [build_article(record_to_raw(a["id"], {k: a[k] for k in ("text", "title", "published", "outlet", "url")
                                                  if k in a})) for a in record["articles"]]


def test_no_annotated_clutter_reaches_the_clean_text(events, gold):
    for record in events:
        for article in _articles(record):
            mine = [g for g in gold["lines"] + gold["spans"] if g["record"] == article.source]
            texts = article.text.split("\n\n") + [s.text for s in article.sentences] + [article.title]
            assert _found(mine, texts) == [], article.source


def _brief_texts(brief) -> list[str]:
    texts = [brief.headline] + [i.text for part in (brief.summary, brief.key_points, brief.agree,
                                                    brief.single_source, brief.timeline, brief.quotes)
                                for i in part]
    for difference in brief.differ:
        texts += [difference.text] + [side.text for side in difference.sides]
    return texts


def test_no_annotated_clutter_reaches_a_brief(events, gold):
    import storyline

    for record in events:
        story = record["id"]
        mine = [g for g in gold["lines"] + gold["spans"] if g["story"] == story]
        names = {g["sha256"] for g in gold["entities"] if g["story"] == story}
        for brief in storyline.brief([a for a in _articles(record)]):
            assert _found(mine, _brief_texts(brief)) == [], story
            assert not names & {_digest(e.name) for e in brief.entities}, story

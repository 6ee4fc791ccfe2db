"""Roundup recognition (stories/features.is_roundup, issue 18): a digest copied without its
title and numbering is still a roundup by its items' credits, and a report whose prose uses a
roundup's name as an everyday phrase ("ahead of the opening bell") is not one.

The texts are invented; the real pages are read from ../shared/corpus at test time."""
from __future__ import annotations

import gzip
import json
from datetime import date, timedelta

import pytest

from storyline.ingest import RawArticle, build_article
from storyline.model import PartialDate
from storyline.stories.cluster import cluster_articles
from storyline.stories.features import credited_paragraphs, is_roundup

from .conftest import CORPUS, REPO

DAY0 = date(2024, 3, 4)

# A digest's items as a copy of it reaches a feed: no title, the "1." "2." lines gone, each
# item credited to the outlets it was taken from.
DIGEST = """The Harbor council voted on Monday to close the old Lind bridge for a year of repairs after inspectors found cracks in two of its piers, and the mayor said ferries would run every twenty minutes. [The Harbor Times]

Floodwater from the Brenn river reached the centre of Oskel overnight, and police told families in three streets to leave their homes while the army brought sandbags from the coast. [Reuters, The Associated Press]

The national orchestra named a new conductor, the first from outside the country in its history, after a search that took two years and drew more than forty candidates. [Morning Courier]
"""

# One event, one wire credit at the end and a related-link label: a report, not a digest.
REPORT = """Lind bridge to close for a year of repairs

The Harbor council voted on Monday to close the old Lind bridge for a year of repairs after inspectors found cracks in two of its piers. Mayor Ada Kerr said ferries would run every twenty minutes while the bridge is shut. [VIDEO]

Inspectors said the cracks in the Lind bridge piers had grown since the spring, and the council's engineers warned that heavy lorries could no longer cross safely. [The Harbor Times]

The council will spend eight million on the Lind bridge repairs, Kerr said, and the first ferry will sail on Wednesday.
"""

EARNINGS = """Tallis Hardware sales miss, shares fall

Tallis Hardware reported third-quarter earnings that beat estimates while revenue fell short, sending its shares lower ahead of the opening bell on Tuesday. The home-improvement chain earned 1.2 billion as revenue rose 3 percent.

Tallis chief executive Mara Quell said the timing of store investments had held back sales in the quarter, and that the benefits would take longer to show than the company had planned.

Tallis now expects sales to grow 1.5 percent this year, down from its earlier guidance of 2 percent, and its shares have fallen 4 percent since the results.
"""

EARNINGS_SECOND = """Tallis Hardware cuts its sales forecast after a weak quarter

Tallis Hardware cut its sales forecast for the year on Tuesday after third-quarter revenue fell short of estimates, and its shares dropped in early trading. Chief executive Mara Quell said store investments had held back sales.

The home-improvement chain now expects sales to grow 1.5 percent this year instead of 2 percent. Tallis earned 1.2 billion in the quarter, slightly more than analysts had expected.

Analysts said Tallis shares had fallen 4 percent since the results as investors weighed the slower growth at Tallis stores.
"""

NEWSLETTER = """Opening Bell 3.4.24

Good morning. Markets open flat as traders wait for the central bank's decision on rates this week, and oil slips for a third day.

Tallis Hardware reports its third-quarter results before the market opens, and analysts expect revenue to rise about 3 percent.

Harbor Air is in talks to buy two regional carriers, people familiar with the matter said, in a deal that could be announced this month.

The national statistics office publishes retail sales figures for February on Thursday, after a weak January.
"""


def make(text: str, day: int = 0, source: str = "x", headline_in_text: bool = True):
    return build_article(RawArticle(source=source, text=text, outlet=source, headline_in_text=headline_in_text,
                                    published=PartialDate.from_date(DAY0 + timedelta(days=day))))


def test_a_digest_without_title_or_numbering_is_recognised_by_its_credits():
    digest = make(DIGEST, headline_in_text=False)
    assert digest.title == ""
    assert credited_paragraphs(digest.text) == 3
    assert is_roundup(digest.title, digest.text)


def test_one_credit_and_a_link_label_do_not_make_a_report_a_roundup():
    report = make(REPORT)
    assert credited_paragraphs(report.text) == 1  # "[VIDEO]" is a label in capitals, not a credit
    assert not is_roundup(report.title, report.text)


def test_a_roundup_name_in_prose_is_not_a_roundup_cue():
    earnings = make(EARNINGS)
    assert "opening bell" in earnings.text
    assert not is_roundup(earnings.title, earnings.text)
    newsletter = make(NEWSLETTER)
    assert is_roundup(newsletter.title, newsletter.text)  # the same words as its heading


def test_the_earnings_report_joins_its_event_and_the_newsletter_stays_apart():
    first, second, newsletter = make(EARNINGS, 1, "a"), make(EARNINGS_SECOND, 1, "b"), make(NEWSLETTER, 0, "n")
    groups = [{a.source for a in g} for g in cluster_articles([newsletter, first, second])]
    assert {"a", "b"} in groups and {"n"} in groups


def _week_dev_record(record_id: str):
    path = CORPUS / "events" / "week-dev.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not present")
    from storyline.ingest.record import record_to_raw

    for k, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        for article in json.loads(line)["articles"]:
            if article["id"] == record_id:
                fields = {f: v for f, v in article.items() if f != "id"}
                return build_article(record_to_raw(f"{path}:{k + 1}", fields))
    raise AssertionError(f"no record {record_id} in {path}")


def test_a_real_digest_copied_without_its_title_is_a_roundup():
    digest = _week_dev_record("r07")  # a "10 things you need to know" digest, its title and numbers lost
    assert not digest.title and is_roundup(digest.title, digest.text)


def test_real_earnings_reports_are_not_roundups(tmp_path):
    """The pages labelled as one earnings event (bench/gold/extraction-events.json): one of them
    says its shares fell "ahead of the opening bell"."""
    pages = CORPUS / "extraction" / "html"
    if not pages.is_dir():
        pytest.skip(f"{pages} not present")
    from storyline.ingest import read_file

    labels = json.loads((REPO / "bench" / "gold" / "extraction-events.json").read_text(encoding="utf-8"))
    read = []
    for page in labels["groups"]["home-depot-q3-earnings"]:
        path = tmp_path / f"{page}.html"
        path.write_bytes(gzip.decompress((pages / f"{page}.html.gz").read_bytes()))
        read += [a for a in read_file(path) if hasattr(a, "text")]
    assert len(read) >= 2 and any("opening bell" in a.text for a in read)
    assert not any(is_roundup(a.title, a.text) for a in read)

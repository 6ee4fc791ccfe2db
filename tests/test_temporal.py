"""Temporal expressions: finding, tense and normalisation against a reference
date. All example sentences are invented for these tests."""
from __future__ import annotations

from datetime import date

import pytest

from storyline.analyze.temporal import extract, parse_expression, weekday_date


def values(text, reference, nlp):
    """{expression text: (iso date, granularity, tense)}"""
    return {e.text: (e.value.iso, e.value.granularity, e.tense) for e in extract(text, reference, nlp)}


# ---------------------------------------------------------------- parsing (no model)

@pytest.mark.parametrize("text, kind, fields", [
    ("early April", "calendar", {"month": 4, "modifier": "early", "year": None}),
    ("Tuesday’s", "weekday", {"weekday": 1, "direction": None}),
    ("last Friday", "weekday", {"weekday": 4, "direction": "last"}),
    ("earlier on Tuesday", "weekday", {"weekday": 1}),
    ("Wednesday and the next day", "weekday", {"weekday": 2, "end_days": 1}),
    ("April 13", "calendar", {"month": 4, "day": 13, "year": None}),
    ("3 May 2017", "calendar", {"month": 5, "day": 3, "year": 2017}),
    ("Jan. 3", "calendar", {"month": 1, "day": 3}),
    ("last year", "unit", {"unit": "year", "amount": -1}),
    ("next week", "unit", {"unit": "week", "amount": 1}),
    ("two weeks ago", "unit", {"unit": "week", "amount": -2}),
    ("yesterday", "days", {"amount": -1}),
    ("the end of March 2016", "calendar", {"month": 3, "year": 2016, "modifier": "late"}),
])
def test_parse_expression(text, kind, fields):
    spec = parse_expression(text)
    assert spec is not None and spec.kind == kind
    for name, value in fields.items():
        assert getattr(spec, name) == value, name


@pytest.mark.parametrize("text", ["six years", "about a week", "days", "decades", "the 30th anniversary",
                                  "February 30"])
def test_durations_and_impossible_dates_are_not_dates(text):
    assert parse_expression(text) is None


def test_weekday_date_directions():
    wed = date(2017, 5, 3)
    assert weekday_date(1, wed, "past") == date(2017, 5, 2)
    assert weekday_date(1, wed, "future") == date(2017, 5, 9)
    assert weekday_date(2, wed, "past") == wed  # "on Wednesday" said on a Wednesday: that day
    assert weekday_date(2, wed, "past", strict=True) == date(2017, 4, 26)  # "last Wednesday"
    assert weekday_date(4, wed, None) == date(2017, 5, 5)  # nearest: Friday is 2 ahead, 5 back


# ---------------------------------------------------------------- resolving in text

def test_weekdays_near_a_weekend(nlp):
    # Saturday 3 June 2023.
    got = values("Talks collapsed on Friday. Negotiators will return on Monday. The strike began on "
                 "Saturday morning. A vote is expected on Sunday. The union first warned of a walkout "
                 "last Monday.", "2023-06-03", nlp)
    assert got["Friday"] == ("2023-06-02", "day", "past")
    assert got["Monday"] == ("2023-06-05", "day", "future")
    assert got["Saturday"] == ("2023-06-03", "day", "past")  # the day of writing
    assert got["Sunday"] == ("2023-06-04", "day", "future")
    assert got["last Monday"] == ("2023-05-29", "day", "past")


def test_weekend_written_on_a_monday(nlp):
    got = extract("Residents protested over the weekend. More marches are planned for the weekend.",
                  "2024-01-08", nlp)
    assert [(e.value.iso, e.tense) for e in got] == [("2024-01-06/2024-01-07", "past"),
                                                      ("2024-01-13/2024-01-14", "future")]


def test_year_rollover(nlp):
    # Written in January: a past December is last year's, a future December this year's.
    got = values("The company reported losses in December. The new plant will open in December.",
                 "2019-01-15", nlp)
    assert [e.value.iso for e in extract("The company reported losses in December.", "2019-01-15", nlp)] == ["2018-12"]
    assert [e.value.iso for e in extract("The new plant will open in December.", "2019-01-15", nlp)] == ["2019-12"]
    # Written in late December: January ahead is next year's.
    got = values("The law takes effect in January. Prices rose in November. The first payments arrive on Jan. 3.",
                 "2022-12-28", nlp)
    assert got["January"] == ("2023-01", "month", "future")
    assert got["November"] == ("2022-11", "month", "past")
    assert got["Jan. 3"] == ("2023-01-03", "day", "future")


def test_last_month_next_week_last_year(nlp):
    got = values("Engineers inspected the bridge last month. A public hearing will be held next week. "
                 "Costs have doubled since last year.", "2024-01-08", nlp)
    assert got["last month"] == ("2023-12", "month", "past")
    assert got["next week"] == ("2024-01-15/2024-01-21", "week", "future")
    assert got["last year"] == ("2023", "year", "past")


def test_ranges(nlp):
    got = values("The festival runs from March 12 to March 14. The summit was held on 3-4 February. "
                 "Voting took place between Monday and Wednesday.", "2021-03-10", nlp)
    assert got["March 12 to March 14"] == ("2021-03-12/2021-03-14", "range", "future")
    assert got["3-4 February"] == ("2021-02-03/2021-02-04", "range", "past")
    assert got["between Monday and Wednesday"][:2] == ("2021-03-08/2021-03-10", "range")


def test_weekday_and_the_next_day_is_a_range(nlp):
    got = values("The talks are to take place on Wednesday and the next day in the capital.", "2017-05-02", nlp)
    assert list(got.values()) == [("2017-05-03/2017-05-04", "range", "future")]


def test_tense_from_the_clause(nlp):
    # Written on Wednesday 3 May 2017: the same day name goes back or forward with the verb.
    got = extract("The president plans to talk with his counterpart by telephone on Tuesday. "
                  "The leaders spoke on Tuesday. Relations improved following Tuesday's call.", "2017-05-03", nlp)
    assert [(e.verb_tense, e.value.iso) for e in got] == [
        ("future", "2017-05-09"), ("past", "2017-05-02"), ("past", "2017-05-02")]


def test_agreed_to_meet_in_july_is_future(nlp):
    got = values("The leaders agreed to try to set up their first meeting in July. "
                 "The ministers met in early April.", "2017-05-03", nlp)
    assert got["July"] == ("2017-07", "month", "future")
    assert got["early April"] == ("2017-04", "month", "past")


def test_explicit_year_wins_over_tense(nlp):
    got = values("The report was published on May 1, 2021. Exports fell in 2020.", "2021-03-10", nlp)
    # the year stays as written; told as done, a date after the stated publication date is not
    # planned (the text was written on that day or later)
    assert got["May 1, 2021"] == ("2021-05-01", "day", "past")
    assert got["2020"] == ("2020", "year", "past")
    got = values("The report will be published on May 1, 2021.", "2021-03-10", nlp)
    assert got["May 1, 2021"] == ("2021-05-01", "day", "future")


def test_a_done_thing_dated_without_a_verb_of_its_own_is_not_planned(nlp):
    # undated text: the clause's tense is all there is; a participle or a noun the date
    # modifies is not a present-tense schedule ("2007 (planned)" for a purchase made in 2007)
    got = values("The lawsuit, filed in March, seeks damages. The 2007 purchase is worth billions. "
                 "Talks planned for June are off. Talks begin on Wednesday. "
                 "His purchase back in 2009 is set to fetch a high price.", None, nlp)
    assert got["2009"][2] == "past"
    assert got["March"][2] == "past"
    assert got["2007"] == ("2007", "year", "past")
    assert got["June"][2] == "future"
    assert got["Wednesday"][2] == "future"
    # a filing already made is not planned; a plan is
    got = values("The firm filed a motion to dismiss in February. It announced plans to open stores in July.",
                 None, nlp)
    assert got["February"][2] == "past" and got["July"][2] == "future"


def test_no_reference_date_guesses_no_year(nlp):
    got = extract("The vote was on Tuesday. The bill was signed on 3 May. Lawmakers will return in "
                  "September. Turnout fell last year.", None, nlp)
    assert [(e.value.iso, e.value.label) for e in got] == [
        (None, "Tuesday (date unknown)"), ("--05-03", "3 May (year unknown)"),
        ("--09", "September (year unknown)"), (None, "last year (year unknown)")]
    assert [e.tense for e in got] == ["past", "past", "future", "past"]


def test_yearless_reference(nlp):
    got = values("The minister wrote on April 13 that talks would resume. They will meet in July. "
                 "They spoke on Tuesday. The decision came yesterday.", "--05-03", nlp)
    assert got["April 13"][0] == "--04-13"
    assert got["July"] == ("--07", "month", "future")
    assert got["Tuesday"][0] is None  # the weekday of 3 May depends on the year
    assert got["yesterday"][0] == "--05-02"


def test_may_the_modal_and_durations_are_not_dates(nlp):
    assert extract("Relations may be at a low after six years of war that lasted about a week longer.",
                   "2017-05-03", nlp) == []


def test_offsets_point_at_the_expression(nlp):
    text = "Officials said on Friday that the bridge would reopen next month."
    got = extract(text, "2024-01-08", nlp)
    assert [text[e.start:e.end] for e in got] == [e.text for e in got] == ["Friday", "next month"]
    assert got[1].value.iso == "2024-02"


def test_seasons_and_decades(nlp):
    got = values("The debate lasted since the summer. The bridge was last renovated in the late 1990s. "
                 "The council changed hands in the spring of 2016.", "2022-12-28", nlp)
    assert got["the summer"] == ("2022-06/2022-08", "range", "past")
    assert got["the late 1990s"][0] == "1990/1999"
    assert got["the spring of 2016"][0] == "2016-03/2016-05"
    # A season naming a kind of thing is no date.
    assert extract("The city's spring festival was a success.", "2022-12-28", nlp) == []


def test_quotes_are_marked(nlp):
    got = extract('"We will decide today," the minister said on Friday.', "2024-01-08", nlp)
    assert [(e.text, e.in_quote) for e in got] == [("today", True), ("Friday", False)]

"""Timeline of a story: the seed acceptance list from issue 4 (seeds read
from ../shared/corpus at test time) and invented multi-article stories."""
from __future__ import annotations

import pytest

from storyline.analyze.temporal import sentence_docs
from storyline.analyze.timeline import build_timeline
from storyline.ingest.clean import split_paragraphs
from storyline.ingest.segment import segment
from storyline.model import Article, PartialDate
from storyline.settings import TimelineSettings


def timeline_text(tl, articles: list[Article]) -> str:
    """The timeline as `storyline timeline` prints it (Markdown)."""
    from storyline.model import Brief
    from storyline.report.assemble import sources
    from storyline.report.render import render_part

    brief = Brief("", [], [], sources(articles, {}, tl.development), timeline=tl.entries,
                  development=tl.development, notes=tl.notes)
    return render_part([brief], "timeline", "md")


def make_article(text: str, published: str | None, outlet: str) -> Article:
    body, sentences = segment(split_paragraphs(text))
    return Article(text=body, sentences=sentences, outlet=outlet,
                   published=PartialDate.parse(published) if published else PartialDate())


def by_file(articles, prefix):
    return next(a for a in articles if a.source.rsplit("/", 1)[-1].startswith(prefix))


def entries_citing(tl, article, *words):
    """Entries with a citation of `article` whose sentence contains all words."""
    out = []
    for e in tl.entries:
        for c in e.citations:
            sentence = article.text[c.start:c.end]
            if c.article_id == article.id and all(w in sentence for w in words):
                out.append(e)
                break
    return out


@pytest.fixture(scope="module")
def seed_timeline(seed_articles, nlp):
    return build_timeline(seed_articles, sentence_docs(seed_articles, nlp))


@pytest.fixture(scope="module")
def undated_timeline(seed_articles_undated, nlp):
    return build_timeline(seed_articles_undated, sentence_docs(seed_articles_undated, nlp))


# ---------------------------------------------------------------- seeds, --published 2017-05-03

def test_seed_tweet_on_april_13(seed_timeline, seed_articles):
    preview = by_file(seed_articles, "002_")
    assert [e.date for e in entries_citing(seed_timeline, preview, "Twitter", "April 13")] == ["2017-04-13"]


def test_seed_chemical_attack_and_strikes_in_early_april(seed_timeline, seed_articles):
    report = by_file(seed_articles, "000_")
    (entry,) = entries_citing(seed_timeline, report, "strikes", "chemical weapons")
    assert (entry.date, entry.granularity, entry.tense) == ("2017-04", "month", "past")
    assert entry.label == "early April 2017"


def test_seed_phone_call_on_tuesday_is_may_2(seed_timeline, seed_articles):
    preview, report = by_file(seed_articles, "002_"), by_file(seed_articles, "000_")
    # The preview's future "Tuesday" is the call the report calls "Tuesday's call": the same day.
    (planned,) = entries_citing(seed_timeline, preview, "plans to talk", "telephone")
    (reported,) = entries_citing(seed_timeline, report, "Tuesday’s call")
    assert planned.date == reported.date == "2017-05-02"
    assert planned.label == "Tue 2 May 2017"
    assert reported.tense == "past"


def test_seed_astana_talks(seed_timeline, seed_articles):
    preview, report = by_file(seed_articles, "002_"), by_file(seed_articles, "000_")
    (both_days,) = entries_citing(seed_timeline, preview, "Wednesday and the next day")
    assert (both_days.date, both_days.granularity, both_days.tense) == (
        "2017-05-03/2017-05-04", "range", "future")
    (start,) = entries_citing(seed_timeline, report, "begin on Wednesday")
    assert start.date == "2017-05-03"


def test_seed_meeting_in_july_at_g20(seed_timeline, seed_articles):
    preview, report = by_file(seed_articles, "002_"), by_file(seed_articles, "000_")
    (july,) = [e for e in seed_timeline.entries if e.date == "2017-07"]
    assert (july.granularity, july.tense) == ("month", "future")
    # The same planned meeting in both sources is one entry.
    assert set(july.article_ids()) == {preview.id, report.id}
    assert entries_citing(seed_timeline, preview, "Group of 20") == [july]


def test_seed_election_last_year_and_inauguration_in_january(seed_timeline, seed_articles):
    preview = by_file(seed_articles, "002_")
    (election,) = [e for e in seed_timeline.entries if "last year" in " ".join(e.expressions)]
    assert (election.date, election.granularity, len(election.article_ids())) == ("2016", "year", 2)
    (inauguration,) = [e for e in entries_citing(seed_timeline, preview, "inauguration") if e.date == "2017-01"]
    assert inauguration.tense == "past"


def test_seed_nothing_in_a_wrong_year(seed_timeline):
    years = {e.date[:4] for e in seed_timeline.entries if e.date}
    assert years <= {"2016", "2017"}
    assert not [e for e in seed_timeline.entries if e.date and e.date > "2017-07-31"]
    assert all(e.date for e in seed_timeline.entries)
    dates = [e.date for e in seed_timeline.entries]
    assert dates == sorted(dates, key=lambda d: d.split("/")[0])


def test_seed_preview_written_before_the_call(seed_timeline, seed_articles):
    preview, report = by_file(seed_articles, "002_"), by_file(seed_articles, "000_")
    assert seed_timeline.references[preview.id]["date"] == "2017-05-02"
    assert seed_timeline.references[preview.id]["source"] == "written"
    assert seed_timeline.references[report.id]["date"] == "2017-05-03"
    assert seed_timeline.main_event.date == "2017-05-02"
    dev = seed_timeline.development
    assert [(d.article_id, d.written) for d in dev] == [(preview.id, "before"), (report.id, "after")]
    assert any("previewed" in a for a in dev[1].adds)
    assert any("written on or before Tue 2 May 2017" in n for n in seed_timeline.notes)


def test_seed_entries_cite_their_sentences(seed_timeline, seed_articles):
    texts = {a.id: a for a in seed_articles}
    for e in seed_timeline.entries:
        assert e.citations and set(e.article_ids()) == {c.article_id for c in e.citations}
        for c in e.citations:
            article = texts[c.article_id]
            assert article.text[c.start:c.end] == article.sentences[c.sentence].text
        assert e.text.strip(" …") and e.text.strip(" …").split()[0] in " ".join(
            texts[c.article_id].sentences[c.sentence].text for c in e.citations)


# ---------------------------------------------------------------- seeds without a reference date

def test_undated_seeds_guess_no_year(undated_timeline, seed_articles_undated):
    preview = by_file(seed_articles_undated, "002_")
    assert all(e.date is None or e.date.startswith("--") for e in undated_timeline.entries)
    (tweet,) = entries_citing(undated_timeline, preview, "Twitter", "April 13")
    assert (tweet.date, tweet.label) == ("--04-13", "13 April (year unknown)")
    (call,) = entries_citing(undated_timeline, preview, "plans to talk")
    assert (call.date, call.label, call.granularity) == (None, "Tuesday (date unknown)", "weekday")
    (july,) = [e for e in undated_timeline.entries if e.date == "--07"]
    assert july.tense == "future"
    assert any("year unknown" in n for n in undated_timeline.notes)
    text = timeline_text(undated_timeline, seed_articles_undated)
    assert "Tuesday (date unknown)" in text and "2017" not in text


# ---------------------------------------------------------------- invented stories

PREVIEW = ("Union leaders plan to meet the transport minister on Tuesday to discuss the rail strike. "
           "The strike began in early September.")
REPORT = ("Union leaders met the transport minister on Tuesday, but the talks ended without a deal. "
          "The rail strike, which began in early September, will continue next week.")
SECOND_REPORT = ("The talks between union leaders and the transport minister on Tuesday ended without a deal, "
                 "officials said.")


def test_other_articles_date_a_repost_preview(nlp):
    # The preview's stated date (Thursday) is a repost: the story already reports Tuesday as past.
    preview = make_article(PREVIEW, "2019-10-10", "Rail Weekly")
    report = make_article(REPORT, "2019-10-09", "City Post")
    tl = build_timeline([preview, report], nlp=nlp)
    (planned,) = entries_citing(tl, preview, "plan to meet")
    assert planned.date == "2019-10-08"
    assert tl.references[preview.id]["source"] == "written"
    assert [d.article_id for d in tl.development] == [preview.id, report.id]
    assert [d.written for d in tl.development] == ["before", "after"]
    (week,) = [e for e in tl.entries if e.granularity == "week"]
    assert week.date == "2019-10-14/2019-10-20"


def test_a_later_preview_keeps_its_date(nlp):
    # Published after the meeting and naming the *next* Tuesday: nothing to move.
    report = make_article(REPORT, "2019-10-09", "City Post")
    later = make_article("Union leaders will meet the minister again next Tuesday.", "2019-10-10", "Rail Weekly")
    tl = build_timeline([report, later], nlp=nlp)
    assert tl.references[later.id]["source"] == "published"
    (again,) = entries_citing(tl, later, "again")
    assert again.date == "2019-10-15"


def test_same_event_from_two_sources_is_one_entry(nlp):
    a = make_article(REPORT, "2019-10-09", "City Post")
    b = make_article(SECOND_REPORT, "2019-10-09", "Evening Star")
    tl = build_timeline([a, b], nlp=nlp)
    tuesday = [e for e in tl.entries if e.date == "2019-10-08"]
    assert len(tuesday) == 1 and set(tuesday[0].article_ids()) == {a.id, b.id}
    assert "Tuesday" in tuesday[0].text
    assert tuesday[0].tenses == {a.id: "past", b.id: "past"}


def test_how_alike_one_event_must_be_is_a_setting(nlp):
    a = make_article(REPORT, "2019-10-09", "City Post")
    b = make_article(SECOND_REPORT, "2019-10-09", "Evening Star")
    never = TimelineSettings(same_event=1.01, same_event_with_actor=1.01)  # no cosine reaches it
    tl = build_timeline([a, b], nlp=nlp, settings=never)
    tuesday = [e for e in tl.entries if e.date == "2019-10-08"]
    assert sorted(e.article_ids() for e in tuesday) == sorted([[a.id], [b.id]])


def test_year_inferred_from_another_article(nlp):
    dated = make_article(REPORT, "2019-10-09", "City Post")
    yearless = make_article("The minister said on Friday that the strike had cost millions.", "--10-12",
                            "Rail Weekly")
    tl = build_timeline([dated, yearless], nlp=nlp)
    (friday,) = entries_citing(tl, yearless, "Friday")
    assert (friday.date, friday.year_inferred) == ("2019-10-11", True)
    assert any("inferred as 2019" in n for n in tl.notes)
    assert "year inferred" in timeline_text(tl, [dated, yearless])


def test_undated_article_in_a_dated_story(nlp):
    dated = make_article(REPORT, "2019-10-09", "City Post")
    undated = make_article("Commuters said on Monday that the strike, which began in early September, "
                           "had doubled their journeys.", None, "Blog")
    tl = build_timeline([dated, undated], nlp=nlp)
    (monday,) = [e for e in entries_citing(tl, undated, "Monday") if e.expressions == ["Monday"]]
    assert monday.date is None  # a borrowed date is too rough for weekdays
    (september,) = [e for e in tl.entries if e.date == "2019-09"]
    assert set(september.article_ids()) == {dated.id, undated.id}


def test_one_article_and_no_dates(nlp):
    lone = make_article("The council approved the budget after a long debate.", "2020-02-02", "Gazette")
    tl = build_timeline([lone], nlp=nlp)
    assert tl.entries == [] and tl.main_event is None
    assert [d.written for d in tl.development] == ["unknown"]
    assert build_timeline([]).entries == []


def test_mixed_tenses_of_one_weekday_date_the_article(nlp):
    # Stated Wednesday, but "plans ... on Tuesday" and "On Tuesday morning, rescuers reached" are one day.
    a = make_article("The minister plans to visit the flooded town on Tuesday. On Tuesday morning, rescuers "
                     "reached the last stranded families.", "2017-05-03", "Valley News")
    tl = build_timeline([a], nlp=nlp)
    assert tl.references[a.id]["date"] == "2017-05-02"
    assert {e.date for e in tl.entries} == {"2017-05-02"}


def test_last_and_next_weekday_do_not_move_the_date(nlp):
    # Saturday: "will return on Monday" and "warned last Monday" are different Mondays.
    a = make_article("Negotiators will return on Monday, the authority said. The union first warned of a "
                     "walkout last Monday.", "2023-06-03", "Harbour Times")
    tl = build_timeline([a], nlp=nlp)
    assert tl.references[a.id]["source"] == "published"
    assert sorted(e.date for e in tl.entries) == ["2023-05-29", "2023-06-05"]

"""Regressions of the red-team pass of issue 19: odd but ordinary inputs (CMS default
dates, relative dates, feeds with long prologs, huge integers, wrong paths, closed pipes)
give an answer or a one-line error, never a traceback or an article left without a story.
Every text here is invented."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from storyline.cli import main
from storyline.ingest import read_file
from storyline.ingest.dates import parse_published
from storyline.ingest.files import root_element, sniff
from storyline.model import Article, PartialDate
from storyline.pipeline import Pipeline
from storyline.store import Store

from .conftest import EXAMPLES, REPO

TEXT = ("The harbour board of Port Wenlow voted on Tuesday to rebuild the north pier, which storms "
        "damaged last winter. The board said the work would cost 12 million pounds and take two years. "
        "Fishing crews said they had waited too long for the repair.")
TEXT2 = ("Crews in Port Wenlow began clearing the damaged north pier on Friday, the harbour board said. "
         "The rebuilding, approved on Tuesday, will cost 12 million pounds and last two years, the board said.")


def write_records(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def stored_state(db: Path) -> tuple[list[Article], dict[str, str]]:
    with Store(db) as store:
        articles = list(store.articles())
        return articles, store.stories_of([a.id for a in articles])


# -- dates no article can have ------------------------------------------------------------
@pytest.mark.parametrize("published", ["0000-01-01", "0000-00-00", "0001-01-01", "-0001-01-01", "1799-12-31",
                                       "yesterday", "last week", "tomorrow", "3 days ago", "2999-01-01"])
def test_impossible_or_relative_record_dates_leave_the_article_undated_in_a_story(tmp_path, capsys, published):
    src = write_records(tmp_path / "cms.jsonl", {"title": "Pier vote", "text": TEXT, "published": published})
    db = tmp_path / "d.db"
    assert main(["ingest", str(src), "--db", str(db), "-q"]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "1 added, 0 already stored, 0 errors"
    warning = out.err.strip()
    assert warning.startswith("storyline: warning: ") and f"{src}:1" in warning and "left undated" in warning
    assert "\n" not in warning
    (article,), story_of = stored_state(db)
    assert article.published == PartialDate() and article.id in story_of
    assert main(["ingest", str(src), "--db", str(db), "-q"]) == 0  # a re-run changes nothing
    assert capsys.readouterr().out.strip() == "0 added, 1 already stored, 0 errors"
    assert main(["recluster", "--db", str(db)]) == 0
    assert main(["show", article.id, "--db", str(db), "--words", "40"]) == 0
    assert "Pier" in capsys.readouterr().out


def test_dates_run_from_1800_to_tomorrow():
    tomorrow, after = date.today() + timedelta(days=1), date.today() + timedelta(days=2)
    assert parse_published("1800-01-01") == PartialDate(1800, 1, 1)
    assert parse_published(tomorrow.isoformat()) == PartialDate.from_date(tomorrow)
    assert parse_published("Wednesday, 3 May 2017") == PartialDate(2017, 5, 3)
    for bad in ("1799-12-31", after.isoformat(), "0000-01-01", "yesterday", "next Monday", "a week ago"):
        with pytest.raises(Exception) as e:
            parse_published(bad, "f.jsonl:1")
        assert str(e.value).startswith("f.jsonl:1: ") and "\n" not in str(e.value)


def test_relative_dates_do_not_depend_on_the_clock(tmp_path):
    """A crawl file re-read later gets the same (no) date: 'yesterday' is not read against today."""
    src = write_records(tmp_path / "crawl.jsonl", {"text": TEXT, "published": "yesterday"},
                        {"text": TEXT2, "published": "tomorrow"})
    articles = [a for a in read_file(src) if isinstance(a, Article)]
    assert [a.published for a in articles] == [PartialDate(), PartialDate()]
    assert all("unreadable date" in w for a in articles for w in a.metadata["warnings"])


def test_non_string_published_and_reserved_metadata_names(tmp_path):
    src = write_records(tmp_path / "odd.jsonl", {"text": TEXT, "published": [2017], "warnings": 5, "feed": None})
    (article,) = list(read_file(src))
    assert article.published == PartialDate()
    assert article.metadata["field:warnings"] == 5 and any("not a date string" in w for w in article.metadata["warnings"])


@pytest.mark.parametrize("flag", ["0000-01-01", "0001-01-01", "2999-12-31"])
def test_published_flag_out_of_range_is_refused(tmp_path, capsys, flag):
    with pytest.raises(SystemExit) as e:
        main(["ingest", str(EXAMPLES / "bridge"), "--published", flag, "--db", str(tmp_path / "f.db")])
    assert e.value.code == 2 and "--published" in capsys.readouterr().err
    assert not (tmp_path / "f.db").exists()


def test_a_store_with_year_one_and_year_zero_dates_is_placed_briefed_and_reclustered(tmp_path):
    """Articles stored by a version before this one with 0001-01-01 (or year 0): the story,
    its brief and its timeline are made; recluster repairs what was left unplaced."""
    from storyline.ingest.raw import RawArticle
    from storyline.ingest.build import build_article

    db = tmp_path / "old.db"
    with Store(db) as store:
        old = [build_article(RawArticle(source=f"old{i}.jsonl:1", text=t, title="Pier vote")) for i, t in
               enumerate([TEXT, TEXT2])]
        old[0].published, old[1].published = PartialDate(1, 1, 1), PartialDate(0, 1, 1)
        store.add_articles(old)  # as the old version stored them: in no story yet
        pipeline = Pipeline(store=store)
        assert pipeline.recluster() >= 1
        story_ids = set(store.stories_of([a.id for a in old]).values())
        assert len(story_ids) >= 1
        for sid in story_ids:
            brief = pipeline.brief(pipeline.story(sid), words=40)
            assert brief.summary
            assert pipeline.part(pipeline.story(sid), "timeline") is not None


def test_temporal_arithmetic_at_year_one_leaves_the_date_unknown():
    from storyline.analyze.temporal import Reference, Spec, resolve

    ref = Reference(PartialDate(1, 1, 1))
    value = resolve(Spec("weekday", weekday=4, direction="last"), "past", ref)
    assert value.start is None and "out of range" in value.label


# -- sniffing: one mechanism for every content type ----------------------------------------
LICENCE = "<!--\n" + "This feed is published under the Wenlow Open Licence. " * 40 + "\n-->\n"
FEED = ('<rss version="2.0"><channel><title>Wenlow Gazette</title>'
        f'<item><title>Pier vote</title><link>http://gazette.example/pier</link><description>{TEXT}</description>'
        '<pubDate>Tue, 02 May 2017 10:00:00 GMT</pubDate></item>'
        f'<item><title>Pier works</title><description>{TEXT2}</description></item></channel></rss>')
DOCTYPE = '<!DOCTYPE rss [' + "".join(f'<!ENTITY e{i} "licence clause {i}">' for i in range(1700)) + ']>\n'


@pytest.mark.parametrize("prolog", ["", '<?xml version="1.0"?>\n', '<?xml version="1.0"?>\n' + LICENCE,
                                    LICENCE + '<?xml-stylesheet href="s.xsl"?>', DOCTYPE])
@pytest.mark.parametrize("suffix", [".xml", ".rss", ".txt.unknown", ".html"])
def test_feeds_are_known_past_prologs_and_comments(tmp_path, prolog, suffix):
    assert len(DOCTYPE) > 50_000 and len(LICENCE) > 2_000
    path = tmp_path / f"gazette{suffix}"
    path.write_text(prolog + FEED, encoding="utf-8")
    items = list(read_file(path))
    assert [a.title for a in items if isinstance(a, Article)] == ["Pier vote", "Pier works"], items
    assert items[0].outlet == "Wenlow Gazette" and items[0].published == PartialDate(2017, 5, 2)


@pytest.mark.parametrize("text, declared, kind", [
    ('{"text": "x"}', None, "json"), ('[{"text": "x"}]', None, "json"), ('{"text": "x"}', "json", "json"),
    (FEED, None, "feed"), (FEED, "html", "feed"), (FEED, "feed", "feed"), (LICENCE + FEED, None, "feed"),
    ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>', None, "feed"),
    ('<rdf:RDF xmlns:rdf="x"></rdf:RDF>', "feed", "feed"),
    ("<!doctype html><html><body><p>x</p></body></html>", None, "html"),
    ("<!-- saved page -->\n<html><p>x</p></html>", None, "html"), ("<body><p>x</p></body>", "feed", "html"),
    ("<p>a fragment</p>", "html", "html"), ('<?xml version="1.0"?><page>x</page>', None, "html"),
    ("Pier vote\n\nThe board voted.", None, "text"), ("Pier vote\n\nThe board voted.", "feed", "text"),
    ("<rss> in a sentence of a plain text file", "text", "text"), ("<!-- unterminated comment", None, "text"),
])
def test_sniff_per_content_type(text, declared, kind):
    assert sniff(text, declared) == kind


def test_root_element_looks_past_a_prolog_only():
    assert root_element(LICENCE + FEED) == "rss" and root_element(DOCTYPE + "<rss>") == "rss"
    assert root_element("Pier <rss>") is None and root_element("") is None


# -- stored fields share article text's hygiene ---------------------------------------------
def test_every_stored_field_is_cleaned_of_control_and_direction_characters(tmp_path):
    src = write_records(tmp_path / "rtl.jsonl", {
        "text": TEXT, "title": "Pier\x00 vote \u202eetov reip", "outlet": "Wenlow\u202e Gazette\x07",
        "author": "Ann\u200f Reed\x00", "url": "http://gazette.example/\u202epier\x00"})
    db = tmp_path / "h.db"
    with Store(db) as store:
        Pipeline(store=store).ingest([str(src)])
    (a,), _ = stored_state(db)
    for value in (a.title, a.outlet, a.author, a.url):
        assert not any(ch in value for ch in "\x00\x07\u202e\u200f"), value
    assert (a.title, a.outlet, a.author, a.url) == ("Pier vote etov reip", "Wenlow Gazette", "Ann Reed",
                                                  "http://gazette.example/pier")


def test_a_one_line_text_file_is_its_own_body(tmp_path):
    one = tmp_path / "one.txt"
    one.write_text(TEXT.replace("\n", " ") + "\n", encoding="utf-8")
    (a,) = list(read_file(one))
    assert isinstance(a, Article) and a.text == TEXT and a.title == ""
    two = tmp_path / "two.txt"
    two.write_text("Pier vote\n\n" + TEXT + "\n", encoding="utf-8")
    (b,) = list(read_file(two))
    assert b.title == "Pier vote" and b.text == TEXT


# -- the command line ------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [["stories"], ["show", "abc"], ["timeline", "abc"], ["brief", "abc"],
                                  ["merge", "abc", "def"], ["split", "abc", "def"], ["recluster"]])
def test_commands_that_read_the_store_refuse_a_missing_database(tmp_path, capsys, argv):
    db = tmp_path / "typo" / "storylin.db"
    assert main([*argv, "--db", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    problem = f"{db}: no such database (storyline ingest PATH... creates it; check --db)"
    assert err.startswith("storyline: error: ") and err.endswith(problem) and "\n" not in err
    if argv[0] in ("show", "timeline", "brief"):  # what was asked is named too: a mistyped path or id
        assert err == f"storyline: error: abc: no such file or stored story; {problem}"
    assert not (tmp_path / "typo").exists()


@pytest.mark.parametrize("argv", [["brief", str(EXAMPLES / "bridge"), "--words", "-5"],
                                  ["show", "abc", "--words", "0"], ["brief", "x", "--words", "many"],
                                  ["serve", "--port", "70000"]])
def test_counts_must_be_positive(capsys, argv):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2 and "error: argument" in capsys.readouterr().err


def test_stories_list_cuts_headlines_at_a_word(tmp_path, capsys):
    from storyline.cli import _shorten

    long = "Harbour board of Port Wenlow votes to rebuild the storm damaged north pier at a cost of twelve million"
    assert _shorten(long, 80).endswith("…") and len(_shorten(long, 80)) <= 80
    assert long.startswith(_shorten(long, 80)[:-1].rstrip()) and long[len(_shorten(long, 80)) - 1] == " "
    assert _shorten("short", 80) == "short"


def test_a_closed_pipe_ends_quietly(tmp_path):
    db = tmp_path / "pipe.db"
    assert main(["ingest", str(EXAMPLES), "--db", str(db), "-q"]) == 0
    code = ("import sys; from storyline.cli import main; "
            f"sys.exit(main(['timeline', {str(EXAMPLES / 'storm')!r}, '--db', {str(db)!r}, '-f', 'json']))")
    for _ in range(2):
        p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=REPO)
        p.stdout.close()  # `| head` that has read its lines already
        err = p.stderr.read().decode()
        p.wait(timeout=300)
        assert "Traceback" not in err and "BrokenPipeError" not in err, err
        assert p.returncode in (0, 141)


def test_eval_clusters_with_relative_and_odd_dates(tmp_path, capsys):
    src = write_records(tmp_path / "labelled.jsonl",
                        {"id": "a", "text": TEXT, "published": "yesterday", "story": "pier"},
                        {"id": "b", "text": TEXT2, "published": "0000-01-01", "story": "pier"},
                        {"id": "c", "text": TEXT + " More crews arrived.", "published": 17, "story": "pier"})
    assert main(["eval", "clusters", str(src), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["articles"] == 3 and result["scored"] == 3
    for bad in ("5", "null", '{"articles": 5}', '{"articles": [5]}'):
        (tmp_path / "bad.jsonl").write_text(bad + "\n")
        assert main(["eval", "clusters", str(tmp_path / "bad.jsonl")]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"storyline: error: {tmp_path / 'bad.jsonl'}: line 1") and "\n" not in err

"""The digest of new and grown stories (storyline/report/digest.py): `storyline digest` and
GET /feed.atom. Articles are ingested at two times (the first batch is moved three days back in
the store), so a digest since yesterday holds exactly the story that is new and the one that
grew; its Atom parses (feedparser, and the elements Atom 1.0 requires); hostile text is
escaped in every format; a bad --since is a one-line error."""
from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from storyline.cli import main
from storyline.errors import StorylineError
from storyline.model import Brief
from storyline.report.digest import Digest, DigestEntry, Period, parse_since, render_digest

from .conftest import EXAMPLES, REPO

ATOM = "{http://www.w3.org/2005/Atom}"
RAW_MD_TAG = re.compile(r"(?<!\\)<(?:script|img|b>|i>)")  # a tag Markdown would pass on as HTML
NOW = datetime(2025, 3, 14, 12, 30, tzinfo=UTC)
HOSTILE_TITLE = "Gullhaven harbour festival <script>alert('t')</script> & \"fireworks\" called off"
# Two invented reports of one event, with markup, an ampersand and quotes in title and text.
HOSTILE_REPORTS = [
    {"title": HOSTILE_TITLE, "outlet": "Gullhaven <b>Post</b>", "published": "2025-11-05",
     "url": "https://post.example/festival",
     "text": "Organisers of the Gullhaven harbour festival cancelled Saturday's fireworks display on Thursday "
             "after gale warnings for the whole coast. <script>alert('x')</script> The festival's director, "
             "Ines Marlow, said the display would be moved to the following weekend.\n\n"
             "\"Safety & the boats in the harbour come first,\" Marlow said. About 8,000 visitors had been "
             "expected on the quay for the fireworks.\n\n"
             "The harbour master closed the outer pier to the public until the gale passes."},
    {"title": "Gullhaven fireworks cancelled as gale nears", "outlet": "Coastline & Co",
     "published": "2025-11-05",
     "text": "The Gullhaven harbour festival called off its fireworks display planned for Saturday after gale "
             "warnings, festival director Ines Marlow said on Thursday.\n\n"
             "\"Safety & the boats in the harbour come first,\" Marlow said, adding that the display <i>would</i> "
             "move to the following weekend. Organisers had expected about 8,000 visitors on the quay.\n\n"
             "The harbour master closed the outer pier until the gale has passed."},
]


# -- the period ------------------------------------------------------------------------
@pytest.mark.parametrize("text, back", [("24h", timedelta(hours=24)), ("7d", timedelta(days=7)),
                                        ("90m", timedelta(minutes=90)), (" 2w ", timedelta(weeks=2)),
                                        ("1H", timedelta(hours=1))])
def test_periods_count_back_from_now(text, back):
    period = parse_since(text, now=NOW)
    assert period.start == NOW - back and period.label == f"in the last {text.strip().lower()}"


@pytest.mark.parametrize("text, expected", [
    ("2025-03-10", datetime(2025, 3, 10, tzinfo=UTC)),
    ("2025-03-10T08:00", datetime(2025, 3, 10, 8, tzinfo=UTC)),
    ("2025-03-10T08:00Z", datetime(2025, 3, 10, 8, tzinfo=UTC)),
    ("2025-03-10T08:00+02:00", datetime(2025, 3, 10, 6, tzinfo=UTC)),
])
def test_iso_dates_and_times_are_utc_unless_zoned(text, expected):
    period = parse_since(text, now=NOW)
    assert period.start == expected and period.label == f"since {expected.day} Mar 2025 {expected:%H:%M} UTC"


@pytest.mark.parametrize("text", ["yesterday", "", "0h", "-5h", "24", "h", "5y", "2025-13-01", "999999999w",
                                  "9999-12-31T23:00-05:00", "24h; DROP TABLE articles"])
def test_a_bad_since_is_one_line_naming_the_option(text):
    with pytest.raises(StorylineError) as e:
        parse_since(text, now=NOW)
    assert str(e.value).startswith(f"--since {text.strip()!r}:") and "\n" not in str(e.value)


def test_a_bad_since_on_the_command_line_is_a_one_line_error(tmp_path, capsys):
    db = tmp_path / "none.db"
    assert main(["digest", "--since", "last week", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("storyline: error: --since 'last week': not a period") and err.count("\n") == 1
    assert not db.exists()  # refused before any database is opened or made
    assert main(["digest", "--base-url", "javascript:alert(1)", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("storyline: error: --base-url 'javascript:alert(1)'") and err.count("\n") == 1
    assert main(["digest", "--db", str(db)]) == 2  # no database: said, not made
    assert "no such database" in capsys.readouterr().err and not db.exists()


# -- rendering (briefs read from the golden file: no models) -----------------------------------
@pytest.fixture(scope="module")
def hostile_digest() -> Digest:
    briefs = [Brief.from_json(d) for d in json.loads((REPO / "tests/data/golden/examples.json").read_text())]
    first = briefs[0]
    bad = dataclasses.replace(
        first, headline=HOSTILE_TITLE + "\x0b",  # and a character XML cannot hold
        notes=["<img src=x onerror=alert(1)> & \"note\""],
        sources=[dataclasses.replace(first.sources[0], title="<script>s()</script>", url="javascript:alert(2)"),
                 *first.sources[1:]])
    grew = datetime(2025, 3, 14, 9, 5, 7, tzinfo=UTC)
    entries = [DigestEntry("aa11", bad, 2, 2, grew, grew),
               DigestEntry("bb22", briefs[1], 5, 1, grew - timedelta(days=3), grew - timedelta(hours=1))]
    return Digest(Period(NOW - timedelta(hours=24), "in the last 24h"), NOW, entries, total=3)


def atom_parts(text: str) -> tuple[ET.Element, list[ET.Element]]:
    """The feed element, checked for what Atom 1.0 requires of a feed and of each entry."""
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, name
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for name in ("id", "title", "updated", "content"):
            assert entry.find(f"{ATOM}{name}") is not None, name
        assert entry.find(f"{ATOM}content").get("type") == "html"
    return root, entries


def test_atom_is_valid_and_its_entries_hold_the_briefs_html(hostile_digest):
    text = render_digest(hostile_digest, "atom", base_url="https://news.example/",
                         self_url="https://news.example/feed.atom")
    root, entries = atom_parts(text)
    assert root.find(f"{ATOM}id").text == "https://news.example/feed.atom"
    assert [(link.get("rel"), link.get("href")) for link in root.findall(f"{ATOM}link")] == [
        ("self", "https://news.example/feed.atom"), ("alternate", "https://news.example/")]
    assert [e.find(f"{ATOM}id").text for e in entries] == ["urn:storyline:story:aa11", "urn:storyline:story:bb22"]
    parsed = feedparser.parse(text)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert [e.id for e in parsed.entries] == ["urn:storyline:story:aa11", "urn:storyline:story:bb22"]
    assert parsed.entries[0].updated_parsed[:6] == (2025, 3, 14, 9, 5, 7)  # when the story last grew
    assert parsed.entries[1].updated_parsed[:5] == (2025, 3, 14, 8, 5)
    assert parsed.entries[1].published_parsed[:3] == (2025, 3, 11)  # when it was new
    assert parsed.entries[0].link == "https://news.example/stories/aa11"
    assert parsed.entries[1].summary.startswith("Grew by 1 article (5 in all)")
    assert parsed.entries[0].summary.startswith("New story: 2 articles")
    assert parsed.feed.updated_parsed[:6] == (2025, 3, 14, 9, 5, 7)  # the newest entry's
    second = entries[1].find(f"{ATOM}content").text
    assert "<h1>Storm Hester hits the Brenn coast" in second and "<h2>Sources</h2>" in second


def test_hostile_text_is_escaped_in_every_format(hostile_digest):
    md = render_digest(hostile_digest, "md")
    assert "\\<script\\>alert('t')\\</script\\>" in md and not RAW_MD_TAG.search(md)
    page = render_digest(hostile_digest, "html", base_url="https://news.example/")
    assert "<script" not in page and "<img" not in page and 'href="javascript:' not in page
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; &amp; &#34;fireworks&#34;" in page
    atom = render_digest(hostile_digest, "atom")
    assert "<script" not in atom and "<img" not in atom and "\x0b" not in atom
    _, entries = atom_parts(atom)
    title = entries[0].find(f"{ATOM}title").text
    assert title == HOSTILE_TITLE  # plain text: the reader shows it as written, not as markup
    content = entries[0].find(f"{ATOM}content").text  # the HTML a reader gets: the brief's, escaped once
    assert "<h1>Gullhaven harbour festival &lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; &amp; " in content
    assert "<script" not in content and "<img" not in content and 'href="javascript:' not in content
    assert "&lt;img src=x onerror=alert(1)&gt;" in content


def test_empty_digest_says_so(hostile_digest):
    empty = dataclasses.replace(hostile_digest, entries=[], total=0)
    assert "No story is new or grew in the last 24h." in render_digest(empty, "md")
    assert "No story is new or grew in the last 24h." in render_digest(empty, "html")
    parsed = feedparser.parse(render_digest(empty, "atom"))
    assert parsed.bozo == 0 and parsed.entries == [] and parsed.feed.id == "urn:storyline:digest"


# -- a store ingested at two times (loads the NLP models) ----------------------------------
def ingest(db: Path, paths: list[Path]) -> None:
    assert main(["ingest", *map(str, paths), "--db", str(db), "-q"]) == 0


@pytest.fixture(scope="module")
def two_batches(tmp_path_factory) -> dict:
    """The bridge and the storm stored three days ago; the two festival reports and a reprint
    of a storm report (its text and one more sentence, under another outlet) now. (All of one
    week in November 2025: the bridge, in March, is a closed story by then.)"""
    from storyline.store import Store

    tmp = tmp_path_factory.mktemp("digest")
    db = tmp / "digest.db"
    ingest(db, [EXAMPLES / "bridge", EXAMPLES / "storm"])
    with Store(db) as store:  # the first batch moves three days back
        store.db.execute("UPDATE articles SET ingested_at = datetime('now', '-3 days')")
    wire = (EXAMPLES / "storm" / "02_brenn_daily.txt").read_text(encoding="utf-8").split("\n", 1)[1]
    reprint = {"title": "Storm Hester kills three on the Brenn coast", "outlet": "Harbour Echo",
               "published": "2025-11-04", "text": wire.strip() + "\n\nThe Harbour Echo will follow the clean-up."}
    later = tmp / "later.jsonl"
    later.write_text("".join(json.dumps(r) + "\n" for r in [*HOSTILE_REPORTS, reprint]), encoding="utf-8")
    ingest(db, [later])
    with Store(db) as store:
        articles = list(store.articles())
        story_of_id = store.stories_of([a.id for a in articles])
    titled = [(a.title, story_of_id[a.id]) for a in articles]
    return {"db": db, "titled": titled, "members": Counter(sid for _, sid in titled)}


def story_of(batches: dict, title_start: str) -> str:
    (sid,) = {sid for title, sid in batches["titled"] if title.startswith(title_start)}
    return sid


@pytest.mark.slow
def test_the_digest_since_yesterday_lists_the_new_and_the_grown_story(two_batches, tmp_path, capsys):
    db = str(two_batches["db"])
    festival, storm = story_of(two_batches, "Gullhaven"), story_of(two_batches, "Storm Hester kills")
    bridge, stories = story_of(two_batches, "Port Alder closes"), len(two_batches["members"])
    assert len({festival, bridge, storm}) == 3
    assert story_of(two_batches, "Three dead as Storm Hester") == storm  # the reprint joined its original's story
    out = tmp_path / "day.atom"
    assert main(["digest", "--since", "24h", "--format", "atom", "-o", str(out), "--db", db]) == 0
    parsed = feedparser.parse(out.read_text(encoding="utf-8"))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert {e.id for e in parsed.entries} == {f"urn:storyline:story:{festival}", f"urn:storyline:story:{storm}"}
    status = {e.id.rsplit(":", 1)[1]: e.summary for e in parsed.entries}
    assert status[festival].startswith("New story: 2 articles")
    assert status[storm].startswith(f"Grew by 1 article ({two_batches['members'][storm]} in all)")
    grown = next(e for e in parsed.entries if e.id.endswith(storm))
    assert datetime(*grown.updated_parsed[:6], tzinfo=UTC) > datetime.now(UTC) - timedelta(hours=1)
    assert datetime(*grown.published_parsed[:6], tzinfo=UTC) < datetime.now(UTC) - timedelta(days=2)
    atom_parts(out.read_text(encoding="utf-8"))

    # the briefs are `storyline show`'s, Markdown and HTML escape the festival's markup
    assert main(["digest", "--db", db]) == 0
    md = capsys.readouterr().out
    assert main(["show", storm, "--db", db]) == 0
    assert capsys.readouterr().out in md
    assert md.count("\n---\n") == 2 and not RAW_MD_TAG.search(md) and "\\<script\\>" in md
    assert main(["digest", "-f", "html", "--base-url", "https://news.example", "--db", db]) == 0
    page = capsys.readouterr().out
    assert "<script" not in page and "&lt;script&gt;" in page and f'href="https://news.example/stories/{festival}"' in page

    # a week back, every story (all reports were stored this week) is new
    assert main(["digest", "--since", "7d", "-f", "atom", "--db", db]) == 0
    week = feedparser.parse(capsys.readouterr().out)
    assert len(week.entries) == stories >= 3 and all(e.summary.startswith("New story") for e in week.entries)
    assert main(["digest", "--since", "7d", "--limit", "1", "--db", db]) == 0
    assert f"the 1 newest of {stories} stories" in capsys.readouterr().out
    assert main(["digest", "--since", "90m", "--db", db]) == 0
    assert "the 1 newest" not in capsys.readouterr().out


@pytest.mark.slow
def test_feed_route_serves_the_digest(two_batches):
    from fastapi.testclient import TestClient

    from storyline.web import create_app

    client = TestClient(create_app(two_batches["db"]))
    festival, storm = story_of(two_batches, "Gullhaven"), story_of(two_batches, "Storm Hester kills")
    r = client.get("/feed.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(r.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert {e.link for e in parsed.entries} == {f"http://testserver/stories/{festival}",
                                                f"http://testserver/stories/{storm}"}
    assert parsed.feed.id == "http://testserver/feed.atom"
    assert any(link.rel == "self" and link.href == "http://testserver/feed.atom" for link in parsed.feed.links)
    assert "<script" not in r.text
    assert client.get(parsed.entries[0].link.replace("http://testserver", "")).status_code == 200
    again = client.get("/feed.atom", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    week = feedparser.parse(client.get("/feed.atom", params={"since": "7d"}).content)
    assert len(week.entries) == len(two_batches["members"])
    bad = client.get("/feed.atom", params={"since": "soon"})
    assert bad.status_code == 400 and "since &#39;soon&#39;: not a period" in bad.text
    assert client.get("/feed.atom", params={"since": "x" * 65}).status_code == 422
    head = client.get("/").text.split("</head>", 1)[0]
    assert re.search(r'<link rel="alternate" type="application/atom\+xml" [^>]*href="/feed.atom">', head)

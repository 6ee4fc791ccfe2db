"""The web app and JSON API through FastAPI's test client, over a store built
from invented reports (tests/data/web): listing, filters, search, a story's
brief and its parts, articles, uploads, bad input, and hostile text."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from storyline.model import (  # noqa: E402
    Citation,
    Development,
    Difference,
    EntityEntry,
    Fact,
    QuoteEntry,
    Side,
    TimelineEntry,
)
from storyline.web import create_app  # noqa: E402

WEB_DATA = Path(__file__).parent / "data" / "web" / "stories.jsonl"
# Raw tags from the hostile report and the hostile brief below; escaped, they read "&lt;script".
HOSTILE = re.compile(r"<(?:script|img|b onmouseover|b>|i>)", re.IGNORECASE)


def build_store(db: Path) -> Path:
    """Ingest the invented reports and put them into stories, as `storyline ingest` does."""
    from storyline.ingest import ingest
    from storyline.store import Store
    from storyline.stories.cluster import assign_stories

    with Store(db) as store:
        report = ingest([str(WEB_DATA)], store)
        assert not report.errors and len(report.added) == 7
        assign_stories(store, report.added)
    return db


def story_of(db: Path, title_words: str) -> str:
    """The story id of the article whose title contains title_words."""
    from storyline.store import Store

    with Store(db) as store:
        row = store.db.execute(
            "SELECT sa.story_id FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
            " WHERE a.title LIKE '%' || ? || '%'", (title_words,)).fetchone()
    return row[0]


def article_id(db: Path, title_words: str) -> str:
    from storyline.store import Store

    with Store(db) as store:
        return store.db.execute("SELECT id FROM articles WHERE title LIKE '%' || ? || '%' ORDER BY published",
                                (title_words,)).fetchone()[0]


@pytest.fixture(scope="module")
def web_db(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("web") / "web.db")


@pytest.fixture(scope="module")
def client(web_db) -> TestClient:
    return TestClient(create_app(web_db))


def assert_inert(html: str) -> None:
    """No markup from article text survives as markup in the page body."""
    body = html.split("<main>", 1)[1].split("</main>", 1)[0]
    assert not HOSTILE.findall(body)


# -- stories -------------------------------------------------------------------
def test_stories_list_page_and_json(client, web_db):
    data = client.get("/api/stories").json()
    water = story_of(web_db, "Marrow Falls tells")
    by_id = {s["id"]: s for s in data["stories"]}
    assert data["total"] == len(data["stories"]) >= 2
    story = by_id[water]
    assert story["articles"] >= 3 and story["first_date"] == "2024-06-03"
    assert story["independent_sources"] < story["articles"]  # the Northern Ledger copy is not independent
    page = client.get("/").text
    assert f'href="/stories/{water}"' in page and story["headline"] in page

    one = client.get("/api/stories", params={"per_page": 1, "page": 2}).json()
    assert one["pages"] == data["total"] and len(one["stories"]) == 1
    assert one["stories"][0]["id"] == data["stories"][1]["id"]


def test_story_filters(client, web_db):
    water, rail = story_of(web_db, "Marrow Falls tells"), story_of(web_db, "Orbis Rail drivers")
    ids = lambda **p: {s["id"] for s in client.get("/api/stories", params=p).json()["stories"]}  # noqa: E731
    assert ids(q="reservoir bacteria") == {water}
    assert ids(q="strike") == {rail}
    assert ids(q="no-such-word-anywhere") == set()
    assert ids(outlet="penmouth echo") == {rail}
    assert water in ids(date_from="2024-06-01", date_to="2024-06-30") and rail not in ids(date_to="2024-06")
    assert rail in ids(date_from="2024-09")
    assert client.get("/api/stories", params={"date_from": "June"}).status_code == 422
    page = client.get("/", params={"q": "reservoir"}).text
    assert "Matching articles" in page and "<mark>" in page


def test_story_brief_is_the_cli_json(client, web_db, capsys):
    from storyline.cli import main

    water = story_of(web_db, "Marrow Falls tells")
    brief = client.get(f"/api/stories/{water}/brief").json()
    assert brief["schema"] == "storyline.brief/1" and brief["story_id"] == water
    assert len(brief["sources"]) >= 3 and brief["summary"]
    ids = [s["article_id"] for s in brief["sources"]]
    assert main(["brief", "--db", str(web_db), "--format", "json", *ids]) == 0
    cli = json.loads(capsys.readouterr().out)
    if isinstance(cli, list):  # the CLI writes a list of briefs, one per story
        assert len(cli) == 1
        cli = cli[0]
    assert cli.keys() == brief.keys()
    assert [s["text"] for s in cli["summary"]] == [s["text"] for s in brief["summary"]]
    assert cli["sources"] == brief["sources"]
    for item in brief["summary"]:  # every citation carries the exact source text
        for c in item["citations"]:
            article = client.get(f"/api/articles/{c['article_id']}").json()
            assert article["text"][c["start"]:c["end"]] == c["text"]


def test_story_parts(client, web_db):
    water = story_of(web_db, "Marrow Falls tells")
    brief = client.get(f"/api/stories/{water}/brief").json()
    timeline = client.get(f"/api/stories/{water}/timeline").json()
    quotes = client.get(f"/api/stories/{water}/quotes").json()
    facts = client.get(f"/api/stories/{water}/facts").json()
    assert timeline["timeline"] == brief["timeline"] and timeline["development"] == brief["development"]
    assert quotes["quotes"] == brief["quotes"]
    assert (facts["agree"], facts["differ"], facts["single_source"]) == \
        (brief["agree"], brief["differ"], brief["single_source"])
    story = client.get(f"/api/stories/{water}").json()
    assert {a["id"] for a in story["article_list"]} == {s["article_id"] for s in brief["sources"]}
    assert client.get(f"/api/stories/{water[:6]}").json()["id"] == water  # unique prefix


def test_parts_are_made_without_the_summary_and_a_story_is_read_alone(tmp_path, monkeypatch):
    """With no brief cached, /timeline, /quotes and /facts run only the stages they need (no
    summary), and give what the brief gives; a story's endpoints read that story only."""
    import storyline.report.summarize as summarize_module
    from storyline.pipeline import PARTS
    from storyline.stories import cluster

    db = build_store(tmp_path / "parts.db")  # a fresh store: no brief cached
    summaries, listings = [], []
    real_summarize, real_list_stories = summarize_module.summarize, cluster.list_stories

    def counted_summarize(*args, **kwargs):
        summaries.append(1)
        return real_summarize(*args, **kwargs)

    def counted_list_stories(store):
        listings.append(1)
        return real_list_stories(store)

    monkeypatch.setattr(summarize_module, "summarize", counted_summarize)
    monkeypatch.setattr(cluster, "list_stories", counted_list_stories)
    client = TestClient(create_app(db))
    water = story_of(db, "Marrow Falls tells")
    parts = {name: client.get(f"/api/stories/{water}/{name}").json() for name in PARTS}
    assert client.get(f"/api/stories/{water}").json()["id"] == water
    assert summaries == [] and listings == []
    brief = client.get(f"/api/stories/{water}/brief").json()
    assert len(summaries) == 1 and listings == []
    assert brief["timeline"] and brief["quotes"]  # so that the comparison below compares something
    for name, fields in PARTS.items():
        assert parts[name].keys() == {"story_id", "sources", *fields}
        for f in ("story_id", "sources", *fields):
            assert parts[name][f] == brief[f], (name, f)
    assert client.get("/api/stories").json()["total"] >= 2 and listings == [1]  # the listing does list them


def test_story_page_links_citations_to_sentences(client, web_db):
    water = story_of(web_db, "Marrow Falls tells")
    html = client.get(f"/stories/{water}").text
    links = re.findall(r'class="cite" href="/articles/([0-9a-f]+)\?s=(\d+)#s(\d+)"', html)
    assert links and all(s == anchor for _, s, anchor in links)
    aid, s, _ = links[0]
    article = client.get(f"/articles/{aid}", params={"s": s}).text
    assert re.search(rf'<span class="sent hl" id="s{s}">', article)
    assert len(re.findall(r'class="sent hl" id=', article)) == 1


def test_article_page_and_json(client, web_db):
    aid = article_id(web_db, "reservoir cleared")
    data = client.get(f"/api/articles/{aid}").json()
    assert data["outlet"] == "Marrow Falls Gazette" and data["published"] == "2024-06-05"
    for s in data["sentences"]:
        assert data["text"][s["start"]:s["end"]].strip()
    html = client.get(f"/articles/{aid}").text
    assert "Marrow Falls Gazette" in html and 'class="sent hl"' not in html
    assert re.search(r'class="ent ent-PERSON" title="PERSON">[^<]*Brask', html)  # names marked
    assert 'class="quote">The filter has been replaced' in html  # quoted words marked
    assert f'href="/stories/{story_of(web_db, "reservoir cleared")}"' in html  # back to the story
    listing = client.get("/api/articles", params={"per_page": 2}).json()
    assert listing["total"] == 7 and len(listing["articles"]) == 2


def test_search(client, web_db):
    res = client.get("/api/search", params={"q": "boil water"}).json()
    titles = [r["title"] for r in res["results"]]
    assert res["total"] == len(titles) >= 3 and all("Marrow" in t or "Boil" in t for t in titles)
    assert all(r["stories"] for r in res["results"]) and any(m.lower() == "boil" for m in res["results"][0]["matches"])
    assert client.get("/api/search", params={"q": "strik"}).json()["total"] == 2  # last word is a prefix
    for q in ['"', "AND(", "NEAR(a b", "*", "title:x", "'; DROP TABLE articles; --"]:
        r = client.get("/api/search", params={"q": q})
        assert r.status_code == 200, q
    assert client.get("/api/search", params={"q": ""}).status_code == 422
    assert client.get("/api/articles").json()["total"] == 7


# -- uploads ---------------------------------------------------------------------
REPORT = ("Ferry link to Isle Corran suspended after engine fire\n\n"
          "The ferry link between Port Ness and Isle Corran was suspended on Thursday after a fire broke out "
          "in the engine room of the MV Selkie, operator Tidewater Lines said.\n\n"
          "All 48 passengers were brought ashore safely. \"The crew followed every procedure,\" said captain "
          "Moira Venn.\n")


def test_upload_files(tmp_path):
    client = TestClient(create_app(tmp_path / "up.db"))
    files = [("files", ("ferry.txt", REPORT.encode(), "text/plain")),
             ("files", ("picture.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "text/plain")),
             ("files", ("empty.html", b"   ", "text/html"))]
    r = client.post("/api/ingest", files=files, data={"published": "2024-10-03"})
    assert r.status_code == 200
    results = {f["name"]: f for f in r.json()["files"]}
    assert [a["title"] for a in results["ferry.txt"]["added"]] == ["Ferry link to Isle Corran suspended after engine fire"]
    assert results["ferry.txt"]["added"][0]["story_id"] in r.json()["stories"]
    assert results["picture.txt"]["errors"] == ["picture.txt: binary file (PNG image), not a text article"]
    assert results["empty.html"]["errors"] == ["empty.html: empty file"]
    aid = results["ferry.txt"]["added"][0]["id"]
    stored = client.get(f"/api/articles/{aid}").json()
    assert stored["source"] == "upload:ferry.txt" and stored["published"] == "2024-10-03"
    assert client.get("/api/search", params={"q": "Selkie"}).json()["results"][0]["id"] == aid  # indexed

    again = client.post("/api/ingest", files=files[:1])
    assert again.status_code == 200 and again.json()["files"][0]["known"][0]["id"] == aid
    html = client.post("/ingest", files=files[:1]).text  # the form without JavaScript
    assert "already stored" in html and f'href="/articles/{aid}"' in html


FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Isle Corran Radio</title>
<item><title>Ferry fire: passengers praise crew</title><pubDate>Fri, 04 Oct 2024 08:00:00 GMT</pubDate>
<description>Passengers of the MV Selkie praised the crew on Friday after a fire on Thursday suspended the
ferry link to Isle Corran. Tidewater Lines said repairs would take a week.</description></item>
<item><title>Empty entry</title><description>   </description></item>
</channel></rss>"""


def test_upload_feed_and_sidecar(tmp_path):
    client = TestClient(create_app(tmp_path / "feed.db"))
    files = [("files", ("radio.rss", FEED.encode(), "application/rss+xml")),
             ("files", ("ferry.txt", REPORT.encode(), "text/plain")),
             ("files", ("ferry.meta.json", b'{"outlet": "Port Ness Post", "published": "2024-10-03"}')),
             ("files", ("lonely.meta.json", b'{"outlet": "Nobody"}'))]
    r = client.post("/api/ingest", files=files)
    assert r.status_code == 200
    results = {f["name"]: f for f in r.json()["files"]}
    assert [a["title"] for a in results["radio.rss"]["added"]] == ["Ferry fire: passengers praise crew"]
    assert results["radio.rss"]["errors"] == ["radio.rss#2: feed entry has no text"]
    assert results["ferry.meta.json"]["note"] and not results["ferry.meta.json"]["errors"]
    assert "without its text file" in results["lonely.meta.json"]["errors"][0]
    ferry = client.get(f"/api/articles/{results['ferry.txt']['added'][0]['id']}").json()
    assert (ferry["outlet"], ferry["published"], ferry["source"]) == ("Port Ness Post", "2024-10-03", "upload:ferry.txt")
    radio = client.get(f"/api/articles/{results['radio.rss']['added'][0]['id']}").json()
    assert radio["source"] == "upload:radio.rss#1" and radio["outlet"] == "Isle Corran Radio"


def test_upload_bad_requests(tmp_path):
    client = TestClient(create_app(tmp_path / "bad.db", max_upload_bytes=2_000))
    big = client.post("/api/ingest", files=[("files", ("big.txt", b"word " * 1_000, "text/plain"))])
    assert big.status_code == 413 and "limit of 0.002 MB" in big.json()["detail"]
    only_bad = client.post("/api/ingest", files=[("files", ("bad.json", b"{not json", "application/json"))])
    assert only_bad.status_code == 422 and "invalid JSON" in only_bad.json()["files"][0]["errors"][0]
    no_files = client.post("/api/ingest", files={"other": ("a.txt", REPORT.encode())})
    assert no_files.status_code == 400 and "no files" in no_files.json()["detail"]
    assert client.post("/api/ingest", content=b"plain", headers={"content-type": "text/plain"}).status_code == 415
    bad_date = client.post("/api/ingest", files=[("files", ("a.txt", REPORT.encode()))], data={"published": "soon"})
    assert bad_date.status_code == 422
    page = client.post("/ingest", files=[("files", ("big.txt", b"word " * 1_000))])
    assert page.status_code == 413 and "<h1>413</h1>" in page.text


def test_upload_names_cannot_escape(tmp_path):
    client = TestClient(create_app(tmp_path / "names.db"))
    names = ["../../escape.txt", "/etc/cron.d/escape2.txt", "..\\..\\escape3.txt", "....//x/../.hidden.txt"]
    texts = [REPORT.replace("Isle Corran", f"Isle Corran {i}") for i in range(len(names))]
    r = client.post("/api/ingest", files=[("files", (n, t.encode())) for n, t in zip(names, texts)])
    assert r.status_code == 200
    shown = [f["name"] for f in r.json()["files"]]
    assert shown == ["escape.txt", "escape2.txt", "escape3.txt", "hidden.txt"]
    assert all(f["added"] for f in r.json()["files"])
    for leaked in (tmp_path.parent / "escape.txt", Path("/etc/cron.d/escape2.txt"), Path("escape.txt")):
        assert not leaked.exists()


# -- hostile input -----------------------------------------------------------------
def test_traversal_and_odd_ids_are_refused(client, web_db):
    for url in ["/api/articles/..%2F..%2Fetc%2Fpasswd", "/api/articles/%2Fetc%2Fpasswd", "/api/articles/%25",
                "/articles/..%2Fstoryline.db", "/articles/%2e%2e", "/api/stories/..%2F..%2F", "/stories/%2Fetc%2Fpasswd",
                "/api/stories/%25/brief", "/api/stories/_/quotes", "/static/..%2Fapp.py", "/static/%2e%2e/app.py",
                "/static/../web/app.py", "/static//etc/passwd", "/articles/../../etc/passwd"]:
        r = client.get(url)
        assert r.status_code in (404, 422), url
        assert "root:" not in r.text and "def create_app" not in r.text, url
    r = client.get("/api/search", params={"q": "../../etc/passwd"})
    assert r.status_code == 200 and r.json()["total"] == 0
    assert client.get("/api/stories", params={"outlet": "../../etc/passwd"}).json()["total"] == 0
    assert client.get(f"/articles/{article_id(web_db, 'Rail strike')}", params={"s": "../1"}).status_code == 422
    assert client.get("/static/style.css").status_code == 200


def test_script_in_article_renders_inert(client, web_db):
    aid = article_id(web_db, "Harbour festival")
    html = client.get(f"/articles/{aid}").text
    assert_inert(html)
    assert "&lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(&#39;outlet&#39;)&gt;Bay Herald" in html
    assert "Harbour festival &lt;script&gt;" in html.split("<title>")[1]
    listing = client.get("/").text
    assert_inert(listing)
    assert "Harbour festival &lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in listing
    assert_inert(client.get("/", params={"q": "harbour festival"}).text)
    story = client.get(f"/stories/{story_of(web_db, 'Harbour festival')}").text
    assert_inert(story)
    assert "&lt;img src=x onerror=alert(&#39;outlet&#39;)&gt;Bay Herald" in story
    assert client.get(f"/api/articles/{aid}").headers["content-type"].startswith("application/json")


@pytest.fixture
def full_brief(monkeypatch, web_db):
    """Every section of a brief filled, with hostile text in quotes, facts and
    names, for the story page's rendering (whatever the analysis finds)."""
    from storyline.pipeline import Pipeline

    real = Pipeline.brief

    def fake(self, story, words=100):
        brief = real(self, story, words)
        a, b = story.articles[0], story.articles[1]
        ca = Citation(a.id, 1, a.sentences[1].start, a.sentences[1].end, a.sentences[1].text)
        cb = Citation(b.id, 0, b.sentences[0].start, b.sentences[0].end, b.sentences[0].text)
        return replace(
            brief, sources=[replace(s, outlet=f"<b>{s.outlet}</b>") if s.copy_of else s for s in brief.sources],
            quotes=[QuoteEntry(speaker="<img src=x onerror=alert('speaker')>", text="Water <script>alert('q')</script> ok",
                               verb="said", kind="direct", citations=[ca]),
                    QuoteEntry(speaker=None, text="reported words", kind="reported", citations=[cb])],
            agree=[Fact(text="Both report <b onmouseover=x>bacteria</b>", independent_sources=2, citations=[ca, cb])],
            differ=[Difference(topic="number <i>ill</i>", text="30 or 50 people", citations=[ca, cb],
                               sides=[Side(label="<script>label</script>", text="30", citations=[ca])])],
            single_source=[Fact(text="Only one says so", citations=[cb])],
            entities=[EntityEntry(name="<script>Brask</script>", type="PERSON", mentions=3, citations=[ca])],
            timeline=[TimelineEntry(date="2024-06-02", label="Sunday 2 June", text="bacteria <script>found</script>",
                                    citations=[ca]),
                      TimelineEntry(date="2024-06", label="June 2024", text="a month", citations=[cb]),
                      TimelineEntry(date="2024-06-03/2024-06-07", label="Mon-Fri", text="boil notice", citations=[cb]),
                      TimelineEntry(date="--06-20", label="20 June", text="council meeting", tense="future",
                                    citations=[cb]),
                      TimelineEntry(date=None, text="some time", citations=[cb])],
            development=[Development(article_id=a.id, published="2024-06-03", year_inferred=True, written="after",
                                     adds=["Sunday: <script>bacteria</script> found"])],
            notes=["<script>note</script>"])

    monkeypatch.setattr(Pipeline, "brief", fake)


def test_story_page_sections(client, web_db, full_brief):
    html = client.get(f"/stories/{story_of(web_db, 'Marrow Falls tells')}").text
    for section in ("summary", "agree", "differ", "single", "quotes", "entities", "timeline", "development",
                    "matrix", "sources"):
        assert f'<section id="{section}">' in html, section
    assert_inert(html)
    assert "&lt;img src=x onerror=alert(&#39;speaker&#39;)&gt;" in html and ">Unattributed<" in html
    svg = html.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    assert svg.count("<circle") == 1 and svg.count("<rect") == 2  # a day; a month and a range
    assert "bacteria &lt;script&gt;found&lt;/script&gt;" in svg
    assert "2 entries without a known year" in html  # "--06-20" and undated: listed, not drawn
    development = html.split('<section id="development">', 1)[1].split("</section>", 1)[0]
    assert "3 Jun 2024 (year inferred), written after the event" in development  # the brief's date label
    matrix = html.split('<section id="matrix">', 1)[1].split("</section>", 1)[0]
    assert "+ copy [" in matrix and "&lt;b&gt;Northern Ledger&lt;/b&gt;" in matrix  # a copy joins its original's column
    assert matrix.count('<tr class="agree">') == 1 and matrix.count('<tr class="differ">') == 1


def test_cross_site_writes_and_foreign_hosts_are_refused(tmp_path):
    client = TestClient(create_app(tmp_path / "x.db", allowed_hosts=["127.0.0.1", "localhost", "::1"]),
                        base_url="http://127.0.0.1:8000")
    upload = [("files", ("ferry.txt", REPORT.encode()))]
    r = client.post("/api/ingest", files=upload, headers={"origin": "https://evil.example"})
    assert r.status_code == 403 and client.get("/api/search", params={"q": "Selkie"}).json()["total"] == 0
    assert client.post("/ingest", files=upload, headers={"origin": "http://127.0.0.1:8000"}).status_code == 200
    assert client.get("/api/stories").status_code == 200
    assert client.get("/api/stories", headers={"host": "evil.example:8000"}).status_code == 400  # DNS rebinding
    assert client.get("/api/stories", headers={"host": "[::1]:8000"}).status_code == 200


def test_concurrent_requests(web_db):
    """Requests served at the same time each get their own Store, usable in the threads FastAPI runs them in."""
    import asyncio

    import httpx

    water = story_of(web_db, "Marrow Falls tells")

    async def many() -> list[int]:
        transport = httpx.ASGITransport(app=create_app(web_db), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            answers = await asyncio.gather(*[http.get(f"/api/stories/{water}") for _ in range(20)])
        return [r.status_code for r in answers]

    assert asyncio.run(many()) == [200] * 20


def test_errors_are_pages_or_json(client):
    assert client.get("/stories/abcdef123456").status_code == 404
    assert "<h1>404</h1>" in client.get("/stories/abcdef123456").text
    assert client.get("/api/stories/abcdef123456").json() == {"detail": "no such story"}
    assert client.get("/api/stories", params={"per_page": 0}).status_code == 422
    schema = client.get("/openapi.json").json()
    assert {"/api/stories", "/api/stories/{story_id}/brief", "/api/search", "/api/ingest"} <= set(schema["paths"])


def test_serve_warns_off_loopback(monkeypatch, capsys, tmp_path):
    import uvicorn

    from storyline.web import serve

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **kw: calls.append((host, port, app)))
    serve(db=tmp_path / "s.db")
    assert calls[-1][:2] == ("127.0.0.1", 8000) and capsys.readouterr().err == ""
    serve(host="::1", port=9000, db=tmp_path / "s.db", max_upload_mb=5)
    assert capsys.readouterr().err == "" and calls[-1][2].state.web.max_upload_bytes == 5_000_000
    serve(host="0.0.0.0", db=tmp_path / "s.db")
    assert "warning" in capsys.readouterr().err


def test_timeline_chart_layout():
    from datetime import date

    from storyline.web.timeline_chart import day_span, timeline_chart

    assert day_span("2017-05-02") == (date(2017, 5, 2), date(2017, 5, 2))
    assert [d.isoformat() for d in day_span("2017-02")] == ["2017-02-01", "2017-02-28"]
    assert [d.isoformat() for d in day_span("2016-05-30/2017")] == ["2016-05-30", "2017-12-31"]
    assert day_span("--05-02") is None and day_span(None) is None and day_span("2017-13") is None
    chart = timeline_chart([TimelineEntry(date="2017-05-03", text="b"), TimelineEntry(date="2017-05-01", text="a"),
                            TimelineEntry(date="--05-02", text="c")])
    assert [m.text for m in chart.marks] == ["a", "b"] and [e.text for e in chart.unplaced] == ["c"]
    assert chart.left <= chart.marks[0].x < chart.marks[1].x <= chart.right
    assert timeline_chart([TimelineEntry(date=None, text="x")]) is None

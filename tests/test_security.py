"""Security checks not covered by tests/test_web_api.py (issue 8): default
loopback bind, upload types and streamed upload size, reflected and stored XSS
through query parameters, titles, quotes, outlets, authors and URLs (web pages
and the standalone HTML brief), and no network access while reading input.
All texts are invented."""
from __future__ import annotations

import inspect
import json
import re
import socket
from pathlib import Path

import pytest

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from storyline.cli import build_parser  # noqa: E402
from storyline.ingest import ingest  # noqa: E402
from storyline.model import (Brief, Citation, CitedText, Development, Difference, EntityEntry, Fact,  # noqa: E402
                             QuoteEntry, Side, SourceRef, TimelineEntry)
from storyline.store import Store  # noqa: E402
from storyline.web.app import create_app, serve  # noqa: E402

# Any of these in a page body means article-derived text became markup.
RAW = re.compile(r"<(?:script|img|iframe|svg|b onmouseover)|<[^>]*(?:href|src)\s*=\s*[\"']?\s*javascript:", re.I)
XSS_TITLE = "<script>alert('title')</script> Ferry service restored"
XSS_OUTLET = "<img src=x onerror=alert('outlet')>Harbour Gazette"
XSS_AUTHOR = "<svg onload=alert('author')>Kim Vale"
XSS_QUOTE = "<b onmouseover=alert('quote')>We are back in business</b>"
TEXT = (f"The island ferry service resumed on Tuesday after a week of repairs. "
        f"“{XSS_QUOTE},” said captain <iframe src=javascript:alert('frame')></iframe>Ola Berg.\n\n"
        f"Passengers queued from early morning, the operator said. <script>alert('text')</script>")


def body(html: str) -> str:
    return html.split("<main>", 1)[1].split("</main>", 1)[0] if "<main>" in html else html


def assert_inert(html: str) -> None:
    found = RAW.findall(body(html))
    assert not found, found


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "hostile.jsonl").write_text(json.dumps({
        "title": XSS_TITLE, "outlet": XSS_OUTLET, "author": XSS_AUTHOR, "url": "javascript:alert('url')",
        "published": "2024-03-05", "text": TEXT}) + "\n")
    db = folder / "hostile.db"
    with Store(db) as store:
        report = ingest([str(folder / "hostile.jsonl")], store)
        assert not report.errors
        return db, report.added[0].id


@pytest.fixture(scope="module")
def client(hostile_db) -> TestClient:
    return TestClient(create_app(hostile_db[0]))


# -- bind address ------------------------------------------------------------------
def test_default_bind_is_loopback():
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1"


# -- stored and reflected XSS ----------------------------------------------------------
def test_article_page_escapes_every_field(client, hostile_db):
    html = client.get(f"/articles/{hostile_db[1]}").text
    assert_inert(html)
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Ferry service restored" in html
    assert "&lt;img src=x onerror=alert(&#39;outlet&#39;)&gt;Harbour Gazette" in html
    assert 'href="javascript' not in html.lower()


def test_listing_search_and_query_parameters_are_escaped(client):
    for params in ({"q": "<script>alert('q')</script>"}, {"outlet": "<img src=x onerror=alert(1)>"},
                   {"q": "ferry"}, {"q": "script"}, {"q": "onmouseover"}):
        r = client.get("/", params=params)
        assert r.status_code in (200, 422), params
        assert_inert(r.text)
    hits = client.get("/api/search", params={"q": "business"}).json()["results"]
    assert hits and hits[0]["title"] == XSS_TITLE  # JSON keeps the text as data


def hostile_brief() -> Brief:
    """Every section of a brief filled with hostile text."""
    cite = Citation("a1", 0, 0, 10, XSS_QUOTE)
    fact = Fact(XSS_QUOTE, 2, [cite])
    return Brief(
        headline=XSS_TITLE, summary=[CitedText(XSS_QUOTE, [cite])], key_points=[CitedText(XSS_TITLE, [cite])],
        sources=[SourceRef(1, "a1", XSS_OUTLET, XSS_TITLE, "2024-03-05", "<script>src</script>",
                           url="javascript:alert('url')"),
                 SourceRef(2, "a2", "Plain", "Plain", None, "x", url="JAVASCRIPT:alert('url2')")],
        entities=[EntityEntry(name=XSS_AUTHOR, type="<script>t</script>", mentions=2, citations=[cite])],
        quotes=[QuoteEntry(speaker=XSS_AUTHOR, text=XSS_QUOTE, verb="<script>v</script>", citations=[cite]),
                QuoteEntry(speaker=None, text=XSS_QUOTE, kind="reported", citations=[cite])],
        agree=[fact], single_source=[fact],
        differ=[Difference(topic=XSS_TITLE, kind="figures", text=XSS_QUOTE, citations=[cite],
                           sides=[Side(label=XSS_OUTLET, text=XSS_QUOTE, figure=XSS_QUOTE, citations=[cite])])],
        timeline=[TimelineEntry(date="2024-03-05", label="<script>l</script>", text=XSS_QUOTE, citations=[cite])],
        development=[Development("a1", "2024-03-05", written="after", adds=[XSS_QUOTE])],
        notes=[XSS_TITLE])


def test_standalone_html_brief_escapes_every_section():
    from storyline.report.render import render_html

    html = render_html(hostile_brief())
    assert not RAW.findall(html.split("<body", 1)[1])
    assert "&lt;b onmouseover=alert(&#39;quote&#39;)&gt;" in html
    assert 'href="javascript' not in html.lower()


def test_web_story_page_escapes_every_section():
    from storyline.web.present import make_templates

    brief = hostile_brief()
    story = {"id": "s1", "headline": XSS_TITLE, "first_date": "2024-03-05", "last_date": "2024-03-05",
             "articles": 2, "outlets": 2, "independent_sources": 2}
    html = make_templates().get_template("story.html").render(story=story, brief=brief, articles={},
                                                              outlets=[XSS_OUTLET, "Plain"])
    assert_inert(html.replace('<svg class="chart"', '<chart'))  # the page's own timeline chart is the one svg
    assert "&lt;b onmouseover=alert(&#39;quote&#39;)&gt;" in html and '<section id="matrix">' in html
    assert html.count("&lt;svg onload=alert(&#39;author&#39;)&gt;Kim Vale") >= 2  # entity and speaker


# -- uploads -----------------------------------------------------------------------------
def test_uploads_of_other_types_store_nothing(tmp_path):
    client = TestClient(create_app(tmp_path / "types.db"))
    files = [("files", ("tool.exe", b"MZ\x90\x00" + bytes(300), "application/octet-stream")),
             ("files", ("paper.pdf", b"%PDF-1.7\n" + bytes(300), "application/pdf")),
             ("files", ("paper.txt", b"%PDF-1.7\n" + bytes(300), "text/plain")),
             ("files", ("picture.svg", b"<svg onload=alert(1)></svg>", "image/svg+xml")),
             ("files", ("archive.jsonl", b"\x1f\x8b\x08\x00" + bytes(100), "application/gzip"))]
    r = client.post("/api/ingest", files=files)
    assert r.status_code == 422
    results = r.json()["files"]
    assert len(results) == len(files) and all(f["errors"] and not f["added"] for f in results)
    with Store(tmp_path / "types.db") as store:
        assert store.count_articles() == 0


def test_streamed_upload_without_length_is_cut_at_the_limit(tmp_path):
    client = TestClient(create_app(tmp_path / "stream.db", max_upload_bytes=10_000))
    boundary = "b0undary"

    def chunks():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.txt\"\r\n"
               "Content-Type: text/plain\r\n\r\n").encode()
        for _ in range(100):  # 100 kB in all, no Content-Length
            yield b"Ferry news. " * 85
        yield f"\r\n--{boundary}--\r\n".encode()

    r = client.post("/api/ingest", content=chunks(),
                    headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413
    with Store(tmp_path / "stream.db") as store:
        assert store.count_articles() == 0


# -- no network unless asked ----------------------------------------------------------
@pytest.fixture
def no_network(monkeypatch):
    """Record (and refuse) every attempt to resolve a name or open a connection."""
    attempts: list[str] = []

    def refuse(name):
        def blocked(*args, **kwargs):
            attempts.append(f"{name}{args[1:] if name == 'connect' else args[:2]}")
            raise OSError("network access in a test")
        return blocked

    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    return attempts


def test_reading_input_never_fetches_urls(tmp_path, no_network):
    remote = "https://tracker.example/pixel.gif"
    (tmp_path / "page.html").write_text(
        f"<html><head><title>Ferry back</title><link rel='canonical' href='https://news.example/ferry'>"
        f"<script src='https://cdn.example/x.js'></script><link rel='stylesheet' href='https://cdn.example/s.css'>"
        f"<meta http-equiv='refresh' content='0; url=https://news.example/elsewhere'></head><body><article>"
        f"<p>The island ferry service resumed on Tuesday after a week of repairs, the operator said.</p>"
        f"<img src='{remote}'><iframe src='https://video.example/embed'></iframe>"
        f"<p>Passengers queued from early morning to board the first crossing of the day.</p></article></body></html>")
    (tmp_path / "feed.rss").write_text(
        f"<?xml version='1.0'?><!DOCTYPE rss SYSTEM 'https://dtd.example/rss.dtd'><rss version='2.0'><channel>"
        f"<title>Port</title><item><title>Ferry</title><link>https://news.example/1</link><enclosure url='{remote}' "
        f"type='image/gif'/><description>The island ferry resumed on Tuesday after repairs, the operator said. "
        f"&lt;img src='{remote}'&gt;</description>"
        f"</item></channel></rss>")
    (tmp_path / "lines.jsonl").write_text(json.dumps(
        {"url": "https://news.example/2", "title": "Ferry",
         "text": "The island ferry resumed on Tuesday after a week of repairs, the operator said."})
        + "\n")
    with Store(tmp_path / "net.db") as store:
        report = ingest([str(tmp_path)], store)
    assert not report.errors and len(report.added) == 3
    assert no_network == []

"""WARC / WARC.gz archives and large JSON Lines files (.jsonl.gz): streamed record by record,
through the same file dispatch as every other input (read_file, `storyline ingest`), with one
InputError per bad record or line naming the file and its byte offset, and the rest read."""
from __future__ import annotations

import gzip
import json
import uuid

import pytest

from storyline.cli import main
from storyline.errors import InputError
from storyline.ingest import read_decoded, read_file, read_raw
from storyline.ingest.files import decode
from storyline.ingest.raw import RawArticle
from storyline.ingest.record import MAX_LINE_BYTES
from storyline.store import Store

from .conftest import CORPUS

EXTRACTION = CORPUS / "extraction"
CRAWLED = "2017-05-04T10:20:30Z"


def split(items):
    items = list(items)
    return [i for i in items if not isinstance(i, InputError)], [i for i in items if isinstance(i, InputError)]


# -- writing a WARC file as a crawler does ---------------------------------------------------
def warc_record(kind: str, uri: str, block: bytes, content_type: str, date_: str = CRAWLED) -> bytes:
    head = (f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
            f"WARC-Date: {date_}\r\n" + (f"WARC-Target-URI: {uri}\r\n" if uri else "")
            + f"Content-Type: {content_type}\r\nContent-Length: {len(block)}\r\n\r\n")
    return head.encode() + block + b"\r\n\r\n"


def response(uri: str, body: bytes, status: str = "200 OK", content_type: str = "text/html",
             headers: dict[str, str] | None = None) -> bytes:
    fields = {"Content-Type": content_type, "Content-Length": str(len(body)), **(headers or {})}
    http = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
    return warc_record("response", uri, http.encode() + body, "application/http; msgtype=response")


def request(uri: str) -> bytes:
    return warc_record("request", uri, f"GET {uri} HTTP/1.1\r\nHost: example\r\n\r\n".encode(),
                       "application/http; msgtype=request")


def members(records: list[bytes]) -> tuple[bytes, list[int]]:
    """records as a .warc.gz (one gzip member each, as crawlers write them) and each one's offset."""
    parts = [gzip.compress(r) for r in records]
    offsets = [sum(len(p) for p in parts[:i]) for i in range(len(parts))]
    return b"".join(parts), offsets


@pytest.fixture(scope="module")
def pages():
    """Three real pages of the extraction benchmark that the HTML reader makes articles of:
    (url, raw HTML bytes, the Article the .html file reader gives)."""
    html_dir = EXTRACTION / "html"
    if not html_dir.is_dir():
        pytest.skip(f"{html_dir} not present")
    truth = json.loads((EXTRACTION / "ground-truth.json").read_text())
    found = []
    for path in sorted(html_dir.glob("*.html.gz")):
        key = path.name.removesuffix(".html.gz")
        url = (truth.get(key) or {}).get("url")
        if not url:
            continue
        data = gzip.decompress(path.read_bytes())
        articles, _ = split(read_decoded(key, decode(key, data), "html", url=url))
        if articles:
            found.append((url, data, articles[0]))
        if len(found) == 3:
            return found
    pytest.skip("fewer than three extraction pages read as articles")


@pytest.fixture(scope="module")
def archive(pages, tmp_path_factory):
    """A crawl of the three pages (the second one gzip-encoded, as served) among a warcinfo,
    a request, a metadata, an image, a 404 and a revisit record, and one record whose gzip
    member was cut short; (path, offset of the broken record)."""
    (u1, p1, _), (u2, p2, _), (u3, p3, _) = pages
    good_cut = gzip.compress(response("https://cut.example/story", p1))
    records = [
        warc_record("warcinfo", "", b"software: test\r\nformat: WARC File Format 1.0\r\n", "application/warc-fields"),
        request(u1),
        response(u1, p1),
        warc_record("metadata", u1, b"fetchTimeMs: 120\r\n", "application/warc-fields"),
        response("https://img.example/photo.jpg", b"\xff\xd8\xff\xe0" + bytes(300), content_type="image/jpeg"),
        response("https://gone.example/story", b"<html><body><p>Not found</p></body></html>", status="404 Not Found"),
        None,  # the broken member goes here
        request(u2),
        response(u2, gzip.compress(p2), content_type="text/html; charset=utf-8", headers={"Content-Encoding": "gzip"}),
        warc_record("revisit", u1, b"HTTP/1.1 304 Not Modified\r\n\r\n", "application/http; msgtype=response"),
        response(u3, p3),
    ]
    parts = [good_cut[: len(good_cut) // 2] if r is None else gzip.compress(r) for r in records]
    path = tmp_path_factory.mktemp("crawl") / "crawl.warc.gz"
    path.write_bytes(b"".join(parts))
    return path, sum(len(p) for p in parts[:6])


def test_html_responses_of_a_warc_become_the_articles_their_pages_are(pages, archive):
    path, bad_offset = archive
    articles, errors = split(read_file(path))
    assert [str(e) for e in errors] == [
        f"{path}: record at offset {bad_offset}: corrupt or truncated gzip member "
        "(Gzip decompression error: data error)"]
    assert [a.url for a in articles] == [url for url, _, _ in pages]
    for article, (url, _, direct) in zip(articles, pages):
        assert article.title == direct.title and article.title
        assert article.text == direct.text and article.id == direct.id
        assert article.source.startswith(f"{path}:@")
        # the page's own date, else the record's WARC-Date
        expected = direct.published.iso() if direct.published.precision != "unknown" else "2017-05-04"
        assert article.published.iso() == expected
        assert article.metadata["crawled"] == "2017-05-04"


def test_the_read_stage_alone_yields_raw_records_in_file_order(pages, archive):
    path, bad_offset = archive
    items = list(read_raw(path))
    assert [type(i) for i in items] == [RawArticle, InputError, RawArticle, RawArticle]
    assert str(bad_offset) in str(items[1])


def test_crawl_date_is_the_fallback_and_gives_a_yearless_date_its_year(tmp_path):
    body = ("<html><head><title>Ferry service resumes</title></head><body><article><h1>Ferry service resumes</h1>"
            + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article></body></html>").encode()
    path = tmp_path / "ferry.warc"  # uncompressed, with garbage between two records
    first = response("https://news.example/ferry", body)
    second = response("https://news.example/ferry-2", body.replace(b"<p>The island", b"<p>May 3 (Reuters) - The island"), headers={})
    path.write_bytes(first + b"this is not a WARC record\r\n\r\n" + second)
    articles, errors = split(read_file(path))
    assert [str(e) for e in errors] == [f"{path}: record at offset {len(first)}: malformed record (Invalid WARC header)"]
    assert [a.url for a in articles] == ["https://news.example/ferry", "https://news.example/ferry-2"]
    assert articles[0].published.iso() == "2017-05-04"  # no date on the page or in the text: the crawl's
    assert articles[1].published.iso() == "2017-05-03"  # "May 3" of its dateline, its year from the crawl


PARAGRAPHS = [
    "The island ferry service resumed on Tuesday after a two-week suspension caused by storm damage to the pier, "
    "the harbour authority said.",
    "Engineers replaced two pylons and reinforced the landing ramp, according to a statement from the authority, "
    "which said the repairs cost about 1.2 million dollars.",
    "Residents of the island had relied on a smaller boat for groceries and medicine while the pier was closed, "
    "and the local council said it would review its emergency plans.",
    "The first sailing left the mainland at seven in the morning with about forty passengers on board, "
    "the operator said.",
]


def test_cli_ingest_of_a_warc_stores_the_pages_and_exits_1_for_the_bad_record(pages, archive, tmp_path, capsys):
    path, bad_offset = archive
    db = tmp_path / "crawl.db"
    assert main(["ingest", str(path), "--db", str(db), "-q"]) == 1
    out = capsys.readouterr()
    assert out.out.strip() == "3 added, 0 already stored, 1 errors"
    assert out.err.strip() == f"storyline: {path}: record at offset {bad_offset}: corrupt or truncated gzip member " \
                              "(Gzip decompression error: data error)"
    with Store(str(db)) as store:
        assert sorted(a.url for a in store.articles()) == sorted(url for url, _, _ in pages)


# -- JSON Lines, gzipped and large ---------------------------------------------------------------
def record(title: str, extra: str = "") -> str:
    return json.dumps({"title": title, "text": "\n\n".join(PARAGRAPHS) + extra, "published": "2017-05-02",
                       "url": f"https://news.example/{title.lower().replace(' ', '-')}"})


def test_jsonl_gz_is_read_line_by_line_naming_bad_lines_by_offset(tmp_path):
    lines = [
        record("First"),
        '{"title": "Broken", "text": "unterminated',
        json.dumps({"title": "Huge", "text": "x" * (MAX_LINE_BYTES + 10)}),
        "",
        record("Second", " Second."),
        json.dumps({"title": "No text"}),
    ]
    data = "\n".join(lines).encode() + b"\n"
    path = tmp_path / "export.jsonl.gz"
    path.write_bytes(gzip.compress(data))
    offsets = [sum(len(line.encode()) + 1 for line in lines[:i]) for i in range(len(lines))]
    articles, errors = split(read_file(path))
    assert [a.title for a in articles] == ["First", "Second"]
    assert [a.published.iso() for a in articles] == ["2017-05-02", "2017-05-02"]
    assert [e.source for e in errors] == [f"{path}:2", f"{path}:3", f"{path}:6"]
    assert errors[0].problem.startswith("invalid JSON") and errors[0].problem.endswith(f"at byte offset {offsets[1]:,}")
    assert errors[1].problem == f"line too long (over {MAX_LINE_BYTES:,} bytes, at byte offset {offsets[2]:,}); skipped"
    assert errors[2].problem == "record has no 'text'"


def test_a_cut_jsonl_gz_keeps_the_lines_before_the_cut_and_names_where_it_stopped(tmp_path):
    lines = [record(f"Story {i}", f" Number {i}.") for i in range(40)]
    whole = gzip.compress(("\n".join(lines) + "\n").encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) * 3 // 4])
    articles, errors = split(read_file(path))
    assert len(errors) == 1 and 0 < len(articles) < 40
    assert [a.title for a in articles] == [f"Story {i}" for i in range(len(articles))]
    offset = sum(len(line) + 1 for line in lines[:len(articles)])
    assert str(errors[0]) == (f"{path}: line {len(articles) + 1} at byte offset {offset:,}: truncated gzip stream "
                              "(it ends before its end marker); the rest of the file cannot be read")


def test_jsonl_that_is_not_json_lines_is_still_read_whole(tmp_path):
    pretty = tmp_path / "one.jsonl"
    pretty.write_text(json.dumps(json.loads(record("Pretty")), indent=2))
    array = tmp_path / "array.jsonl.gz"
    array.write_bytes(gzip.compress(json.dumps([json.loads(record("A")), json.loads(record("B"))]).encode()))
    assert [a.title for a in split(read_file(pretty))[0]] == ["Pretty"]
    assert [a.title for a in split(read_file(array))[0]] == ["A", "B"]


def test_folders_pick_up_archives_and_gzipped_lines(tmp_path):
    (tmp_path / "lines.jsonl.gz").write_bytes(gzip.compress((record("Gzipped") + "\n").encode()))
    body = ("<html><head><title>Ferry service resumes</title></head><body><article>"
            + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article></body></html>").encode()
    (tmp_path / "crawl.warc.gz").write_bytes(members([response("https://news.example/ferry", body)])[0])
    (tmp_path / "notes.gz").write_bytes(gzip.compress(b"not an article type"))
    report_db = tmp_path / "f.db"
    assert main(["ingest", str(tmp_path), "--db", str(report_db), "-q"]) == 0
    with Store(str(report_db)) as store:
        assert sorted(a.title for a in store.articles()) == ["Ferry service resumes", "Gzipped"]

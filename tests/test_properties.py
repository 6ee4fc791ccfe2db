"""Property-based tests (hypothesis) over the readers and the text cleaning
(issue 8): whatever bytes or text come in, no crash, no exception other than
InputError/StorylineError, and every sentence's offsets point at its text."""
from __future__ import annotations

import json
import re
import string
import unicodedata
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from storyline.errors import InputError, StorylineError
from storyline.ingest import read_file
from storyline.ingest.build import build_article
from storyline.ingest.clean import clean_paragraphs, normalize_text, split_paragraphs
from storyline.ingest.feed import html_fragment_to_text, read_feed
from storyline.ingest.files import decode
from storyline.ingest.html import read_html
from storyline.ingest.raw import RawArticle
from storyline.ingest.record import read_json
from storyline.ingest.segment import MAX_SENTENCE_CHARS, segment
from storyline.model import Article

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text with the characters that break naive code: quotes, dashes, control
# characters, NUL, surrogate-free unicode, line/paragraph separators.
NASTY = "“”‘’\"'—–-.!?…\u00a0\u2028\u2029\x00\x07\r\t\n\ufeff\u200b"
words = st.sampled_from(["The", "council", "said", "Mr.", "U.S.", "WASHINGTON", "(AP)", "—", "By", "Jane",
                         "Doe", "May", "3", "2017", "Share", "this", "Putin", "“We", "agree,”", "he", "said."])
prose = st.lists(st.one_of(words, st.text(alphabet=string.ascii_letters + NASTY, max_size=12)),
                 max_size=60).map(" ".join)
any_text = st.one_of(prose, st.text(max_size=400), st.lists(prose, max_size=6).map("\n\n".join))


def check_article(a: Article) -> None:
    assert a.sentences
    for i, s in enumerate(a.sentences):
        assert s.index == i and 0 <= s.start < s.end <= len(a.text)
        assert a.text[s.start:s.end] == s.text
        assert s.text == s.text.strip() and len(s.text) <= MAX_SENTENCE_CHARS
    assert "\x00" not in a.text


def check_items(items) -> None:
    for item in items:
        assert isinstance(item, (Article, InputError))
        if isinstance(item, Article):
            check_article(item)
        else:
            assert "\n" not in str(item) and item.source


# -- cleaning and segmentation ----------------------------------------------------------
@SETTINGS
@given(any_text)
def test_normalize_is_idempotent_and_clean(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert not any(ch in once for ch in "\x00\x07\r\u2028\u2029\ufeff")


@SETTINGS
@given(st.lists(any_text, max_size=8), any_text)
def test_cleaning_and_segmentation_keep_offsets(texts, title):
    paragraphs = [p for t in texts for p in split_paragraphs(t)]
    cleaned = clean_paragraphs(paragraphs, title)
    assert all(p in paragraphs or any(p in q for q in paragraphs) for p in cleaned.paragraphs)
    text, sentences = segment(cleaned.paragraphs)
    for s in sentences:
        assert text[s.start:s.end] == s.text and s.text
        assert 0 <= s.paragraph < len(cleaned.paragraphs)


@SETTINGS
@given(any_text, st.text(max_size=60), st.booleans())
def test_build_article_never_breaks_offsets(text, title, headline_in_text):
    article = build_article(RawArticle(source="x", text=text, title=title, headline_in_text=headline_in_text))
    for s in article.sentences:
        assert article.text[s.start:s.end] == s.text


@settings(max_examples=5, deadline=None)
@given(st.integers(min_value=3_000, max_value=30_000), st.sampled_from([" ", "", ". ", "x"]))
def test_long_runs_are_cut_into_bounded_sentences(n, joiner):
    text, sentences = segment([joiner.join(["word"] * n)])
    assert sentences and all(len(s.text) <= MAX_SENTENCE_CHARS for s in sentences)
    assert all(text[s.start:s.end] == s.text for s in sentences)


# -- readers ------------------------------------------------------------------------------
def reader_result(fn, *args):
    try:
        return fn(*args)
    except StorylineError as e:
        assert "\n" not in str(e)
        return None


@SETTINGS
@given(st.binary(max_size=600))
def test_decode_any_bytes(data):
    text = reader_result(decode, "f", data)
    assert text is None or isinstance(text, str)


@SETTINGS
@given(st.sampled_from(["utf-8", "utf-16", "utf-32", "cp1252", "latin-1", "utf-8-sig"]), prose)
def test_decode_round_trips_encodable_text(encoding, text):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    decoded = reader_result(decode, "f", data)
    if decoded is not None and encoding.startswith("utf"):
        assert decoded == text.removeprefix("\ufeff") or decoded == text


html_tags = st.sampled_from(["p", "div", "script", "style", "iframe", "article", "h1", "span", "br", "title",
                             "noscript", "table", "td", "meta", "html", "body", "head", "a"])


@st.composite
def html_documents(draw):
    parts = []
    for _ in range(draw(st.integers(0, 30))):
        tag = draw(html_tags)
        kind = draw(st.sampled_from(["open", "close", "text", "whole", "junk"]))
        if kind == "open":
            parts.append(f"<{tag}>")
        elif kind == "close":
            parts.append(f"</{tag}>")
        elif kind == "whole":
            parts.append(f"<{tag}>{draw(prose)}</{tag}>")
        elif kind == "junk":
            parts.append(draw(st.sampled_from(["<!--", "<![CDATA[", "&#0;", "&nbsp", "<", ">", "<?xml ?>",
                                               "<!DOCTYPE html>", "&amp;", "\x00"])))
        else:
            parts.append(draw(prose))
    return "".join(parts)


@SETTINGS
@given(html_documents())
def test_html_reader(html):
    raws = reader_result(read_html, "page.html", html)
    for raw in raws or []:
        check_article_or_error(raw)


@SETTINGS
@given(html_documents())
def test_feed_fragments(fragment):
    assert isinstance(html_fragment_to_text(fragment), str)


@st.composite
def feeds(draw):
    items = []
    for _ in range(draw(st.integers(0, 5))):
        fields = []
        for name in draw(st.lists(st.sampled_from(["title", "link", "pubDate", "description", "author",
                                                   "guid", "content:encoded"]), max_size=5)):
            value = draw(st.one_of(prose, html_documents(), st.sampled_from(
                ["Wed, 03 May 2017 09:00:00 GMT", "31 Foo 20x7", "2017-02-30", "", "9999999999"])))
            if draw(st.booleans()):
                value = f"<![CDATA[{value}]]>" if "]]>" not in value else value
            fields.append(f"<{name}>{value}</{name}>")
        items.append("<item>" + "".join(fields) + "</item>")
    head = draw(st.sampled_from(['<?xml version="1.0"?>', "", '<?xml version="1.0" encoding="latin-1"?>']))
    return f'{head}<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>' \
           f'<title>{draw(prose)}</title>{"".join(items)}</channel></rss>'


@SETTINGS
@given(feeds())
def test_feed_reader(feed):
    result = reader_result(read_feed, "feed.rss", feed)
    if result is not None:
        raws, errors = result
        for raw in raws:
            check_article_or_error(raw)
        assert all(isinstance(e, InputError) and e.source.startswith("feed.rss#") for e in errors)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30), prose),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children,
                                                                               max_size=3)),
    max_leaves=10)
records = st.fixed_dictionaries({}, optional={
    "text": st.one_of(prose, json_values), "title": st.one_of(st.text(max_size=40), json_values),
    "published": st.one_of(st.sampled_from(["2017-05-03", "3 May", "May 2017", "nonsense", "0000-00-00",
                                            "2017-13-45", "99999", "1e400", "-1"]), json_values),
    "url": st.one_of(st.text(max_size=20), json_values), "outlet": st.text(max_size=20),
    "extra": json_values})


@SETTINGS
@given(st.lists(st.one_of(records.map(json.dumps), st.text(max_size=40)), max_size=8))
def test_json_lines_reader(lines):
    result = reader_result(read_json, "batch.jsonl", "\n".join(lines))
    if result is not None:
        raws, errors = result
        for raw in raws:
            check_article_or_error(raw)
        assert all(e.source.startswith("batch.jsonl") for e in errors)


def check_article_or_error(raw: RawArticle) -> None:
    try:
        article = build_article(raw)
    except InputError:
        return
    for s in article.sentences:
        assert article.text[s.start:s.end] == s.text


@SETTINGS
@given(st.sampled_from([".txt", ".html", ".jsonl", ".rss", ".xml", ".json"]),
       st.one_of(st.binary(max_size=400), any_text.map(str.encode), html_documents().map(str.encode),
                 feeds().map(str.encode)))
def test_read_file_any_content(tmp_path_factory, suffix, data):
    path = tmp_path_factory.mktemp("f") / f"input{suffix}"
    path.write_bytes(data)
    check_items(read_file(path))


@pytest.mark.parametrize("published", ["2017-05-03", "not a date", "31/31/31", "1" * 400, "\x00", "May 32"])
def test_records_with_any_published_value_are_read(published):
    raws, errors = read_json("r.jsonl", json.dumps({"title": "Ferry", "text": "The ferry ran late on Monday.",
                                                    "published": published}))
    assert len(raws) == 1 and not errors


# -- issue 19: any JSON value in any record field, through ingest into a store ---------------
odd_dates = st.sampled_from(["0000-01-01", "0000-00-00", "0001-01-01", "-0001-01-01", "1799-12-31", "1800-01-01",
                             "yesterday", "last week", "tomorrow", "3 days ago", "2999-12-31", "9999-12-31",
                             "2017-02-30", "Tue, 02 May 2017 10:00:00 GMT", "2017-05-03T25:61:00Z", "\x00",
                             "May 2017", "3 May", "  ", "1e400", str(2**70)])
controls = st.text(alphabet="\x00\x01\x07\x1b\x7f\u202e\u202d\u200f\u2028\ufeff\ufffe abc", max_size=12)
any_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63, max_value=2**80),
              st.floats(), st.text(max_size=30), controls, odd_dates),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.text(max_size=8), children, max_size=3)),
    max_leaves=8)
FIELDS = ["url", "title", "text", "published", "outlet", "author", "language", "warnings", "record", "feed",
          "dropped", "id", "metadata"]
REPORT = ("The harbour board of Port Wenlow voted on Tuesday to rebuild the north pier, the board said. "
          "Crews will start in June and the work will cost 12 million pounds, officials said.")
texts = st.one_of(st.just(REPORT), st.builds(lambda a, b: f"{a} {REPORT} {b}", controls, controls), any_json)
any_record = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), any_json, max_size=6).flatmap(
        lambda d: st.builds(lambda t: {**d, "text": t}, texts)),
    any_json)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(any_record, min_size=1, max_size=4))
def test_any_json_in_any_field_is_stored_in_a_story_or_one_named_error(tmp_path_factory, records):
    """Any JSON value in any field: each line becomes a stored article, or one one-line
    error naming file:line; ingest never raises, and once it has ended every stored
    article is in a story (issue 19: 0000-01-01 used to crash after the batch was stored)."""
    from storyline.pipeline import Pipeline
    from storyline.store import Store

    folder = tmp_path_factory.mktemp("rec")
    path = folder / "records.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    with Store(folder / "r.db") as store:
        report = Pipeline(store=store).ingest([str(path)])
        for e in report.errors:
            # file:line, file[i] for a JSON array document, the file for a document that is not JSON
            assert isinstance(e, InputError) and re.match(rf"{re.escape(str(path))}(:\d+|\[\d+\])?$", e.source), e
            assert "\n" not in str(e)
        assert len({e.source for e in report.errors}) == len(report.errors)
        stored = list(store.articles())
        assert len(stored) + len(report.errors) >= 1
        story_of = store.stories_of([a.id for a in stored])
        assert all(a.id in story_of for a in stored)
        for a in stored:
            check_article(a)
            assert a.published.year is None or 1800 <= a.published.year <= date.today().year + 1
            for value in (a.title, a.outlet, a.author, a.url):
                assert value is None or not any(unicodedata.category(ch)[0] == "C" for ch in value)
            assert all(isinstance(w, str) and "\n" not in w for w in a.metadata.get("warnings", []))


@SETTINGS
@given(st.one_of(any_json, odd_dates))
def test_record_published_is_a_plausible_date_or_undated_with_a_warning(published):
    raws, errors = read_json("p.jsonl", json.dumps({"text": REPORT, "published": published}))
    assert not errors
    a = build_article(raws[0])
    assert a.published.year is None or 1800 <= a.published.year <= date.today().year + 1
    if a.published.precision == "unknown" and published not in (None, "", "  "):
        assert any(w.startswith("p.jsonl:1: ") for w in a.metadata["warnings"])


# -- issue 19: any query parameter gives 200 or 4xx, never 500 ------------------------------
PARAMS = ["q", "outlet", "date_from", "date_to", "page", "per_page", "limit", "offset", "s"]
param_values = st.one_of(st.integers().map(str), st.integers(min_value=2**62, max_value=2**90).map(str),
                         st.text(max_size=20), controls, odd_dates, st.sampled_from(["", "-1", "0", "1e9", "nan",
                                                                                    "9999-99-99", "%", "*", '"'])
                         )
WEB_PATHS = ["/", "/api/stories", "/api/articles", "/api/search", "/ingest", "/docs", "/articles/{article}",
             "/api/articles/{article}", "/api/stories/{story}"]


@pytest.fixture(scope="module")
def web_client(tmp_path_factory):
    from fastapi.testclient import TestClient

    from storyline.pipeline import Pipeline
    from storyline.store import Store
    from storyline.web import create_app

    db = tmp_path_factory.mktemp("webprop") / "w.db"
    src = db.parent / "pier.jsonl"
    src.write_text(json.dumps({"title": "Pier vote", "text": REPORT, "published": "2017-05-02"}) + "\n")
    with Store(db) as store:
        (a,) = Pipeline(store=store).ingest([str(src)]).added
        story = store.stories_of([a.id])[a.id]
    return TestClient(create_app(db), raise_server_exceptions=False), {"article": a.id, "story": story}


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(WEB_PATHS), st.dictionaries(st.sampled_from(PARAMS) | st.text(max_size=5), param_values,
                                                   max_size=4))
def test_any_query_parameter_is_answered_200_or_4xx(web_client, path, params):
    client, ids = web_client
    r = client.get(path.format(**ids), params=params)
    assert 200 <= r.status_code < 500 and r.status_code not in range(300, 400), (path, params, r.text[:300])

"""Property-based tests (hypothesis) over the readers and the text cleaning
(issue 8): whatever bytes or text come in, no crash, no exception other than
InputError/StorylineError, and every sentence's offsets point at its text."""
from __future__ import annotations

import json
import string

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

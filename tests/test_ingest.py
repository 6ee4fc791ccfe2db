"""Readers and cleaning: every input kind, the seeds' boilerplate, bylines, dates."""
from __future__ import annotations

import io
import json
import sys

import pytest

import storyline
from storyline.errors import InputError
from storyline.ingest import ingest, read_file, read_paths
from storyline.ingest.clean import clean_paragraphs
from storyline.ingest.clutter import is_caption
from storyline.model import PartialDate
from storyline.settings import IngestSettings

from .conftest import EXAMPLES


def _one(items):
    articles = [i for i in items if not isinstance(i, InputError)]
    errors = [i for i in items if isinstance(i, InputError)]
    return articles, errors


def _check_offsets(article):
    assert article.sentences, article.source
    for s in article.sentences:
        assert article.text[s.start:s.end] == s.text


# -- plain text ---------------------------------------------------------------
def test_txt_seed_cleaning(seed_articles):
    ap, nyt = sorted(seed_articles, key=lambda a: a.source)
    # headline from the first line, not repeated in the body
    assert ap.title.startswith("Trump and Putin signal closer co-operation")
    assert ap.title not in ap.text
    # photo caption (a list of names) and comment boilerplate dropped
    assert "Russian President Vladimir Putin and President Donald Trump\n" not in ap.text + "\n"
    assert "Leave a Reply" not in ap.text and "Be the First to Comment" not in ap.text
    # the blog tagline that repeats a later paragraph is gone, the paragraph itself stays
    assert "MESOP" not in nyt.text
    paragraphs = nyt.text.split("\n\n")
    assert len(paragraphs) == len(set(paragraphs))
    tweet = [p for p in paragraphs if "April 13" in p]
    assert len(tweet) == 1 and tweet[0].startswith("“")  # the quote paragraph itself is kept
    # byline parsed into fields, not left in the text
    assert (nyt.author, nyt.outlet, nyt.place) == ("Peter Baker", "New York Times", "WASHINGTON")
    assert not nyt.text.startswith("By Peter Baker")
    assert nyt.text.startswith("President Trump plans to talk")
    for a in seed_articles:
        _check_offsets(a)
        assert a.language == "en"


def test_seed_dates_without_and_with_published(seed_articles, seed_articles_undated):
    undated = {a.source.rsplit("/", 1)[-1][:3]: a for a in seed_articles_undated}
    # The AP copy states no date: it stays undated (never today's date).
    assert undated["000"].published.precision == "unknown"
    # The NYT byline says "3 May" and no year: day and month known, year unknown.
    assert undated["002"].published == PartialDate(None, 5, 3)
    dated = {a.source.rsplit("/", 1)[-1][:3]: a for a in seed_articles}
    assert dated["000"].published.iso() == "2017-05-03"
    assert dated["002"].published.iso() == "2017-05-03"


def test_date_in_article_wins_over_flag(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("Headline here\n\nBy Ann Lee – Daily Post – 7 June –\n\nThe council met on Monday and agreed a budget.\n")
    [a] = storyline.read(str(p), published="2021-06-09")
    assert a.published.iso() == "2021-06-07"  # day from the byline, year from the flag


def test_sidecar_metadata(tmp_path):
    (tmp_path / "story.txt").write_text("A headline\n\nThe mayor opened the new library on Friday morning.\n")
    (tmp_path / "story.meta.json").write_text(json.dumps(
        {"outlet": "Town Crier", "published": "2024-02-03", "author": "Jo Park", "section": "local"}))
    [a] = storyline.read(str(tmp_path))
    assert (a.outlet, a.author, a.published.iso()) == ("Town Crier", "Jo Park", "2024-02-03")
    assert a.metadata["section"] == "local"


def test_caption_detection():
    assert is_caption("Russian President Vladimir Putin and President Donald Trump")
    assert is_caption("Mayor Lena Okafor and Chief Engineer Tomas Reyes")
    assert not is_caption("The mayor said the bridge would stay closed.")


def test_a_tagline_repeat_is_dropped_within_the_settings_bounds():
    quote = "“The talks in Helsinki will be about trade, security and the war in Syria,” the spokesman said."
    paragraphs = ["MESOP NEWS: " + quote, "The two leaders last met in Hamburg.", quote]
    assert clean_paragraphs(paragraphs).paragraphs == paragraphs[1:]
    # a tagline longer than tagline_extra_chars allows is kept as a paragraph of its own
    assert clean_paragraphs(paragraphs, settings=IngestSettings(tagline_extra_chars=5)).paragraphs == paragraphs
    # a repeated paragraph shorter than tagline_min_chars is not looked for
    assert clean_paragraphs(paragraphs, settings=IngestSettings(tagline_min_chars=200)).paragraphs == paragraphs


def test_byline_forms():
    c = clean_paragraphs(["By Jane Doe | The Guardian | May 3, 2017", "LONDON — The talks began."])
    assert (c.author, c.outlet, c.date.iso(), c.place) == ("Jane Doe", "The Guardian", "2017-05-03", "LONDON")
    assert c.paragraphs == ["The talks began."]
    c = clean_paragraphs(["MOSCOW (Reuters) — The leaders met, and talked."])
    assert (c.place, c.outlet, c.paragraphs) == ("MOSCOW", "Reuters", ["The leaders met, and talked."])
    # a sentence starting with "By" is prose, not a byline
    c = clean_paragraphs(["By the time he arrived, the leaders had met."])
    assert c.author is None and c.paragraphs == ["By the time he arrived, the leaders had met."]


# -- HTML, JSON, feeds, folders, stdin -----------------------------------------
def test_html_page():
    [a] = storyline.read(str(EXAMPLES / "bridge" / "03_gazette_council.html"))
    assert a.title == "Council approves emergency repairs for Kestrel Bridge"
    assert a.outlet == "Port Alder Gazette" and a.author == "Priya Natarajan"
    assert a.published.iso() == "2025-03-12"
    assert "cookies" not in a.text.lower() and "Most read" not in a.text and "©" not in a.text
    assert "voted 9 to 2" in a.text
    _check_offsets(a)


def test_malformed_html_is_read_or_named(tmp_path):
    p = tmp_path / "broken.html"
    p.write_text("<html><body><div><p>The river burst its banks on Sunday, flooding forty homes in the "
                 "valley town.<p>Residents were moved to the school hall overnight, officials said.<div></b>")
    articles, errors = _one(list(read_file(p)))
    if errors:
        assert str(p) in str(errors[0])
    else:
        assert "flooding forty homes" in articles[0].text
    empty = tmp_path / "nothing.html"
    empty.write_text("<html><head><title>x</title></head><body><nav>Home</nav></body></html>")
    articles, errors = _one(list(read_file(empty)))
    assert not articles and str(empty) in str(errors[0])


def test_jsonl_with_unknown_fields_and_a_bad_line(tmp_path):
    p = tmp_path / "batch.jsonl"
    good = {"url": "https://x.example/1", "title": "Dam opens", "text": "The new dam opened on Monday after ten years of work.",
            "published": "2023-04-05", "outlet": "Hill News", "author": "Al Ray", "section": "regional"}
    p.write_text(json.dumps(good) + "\n{not json\n" + json.dumps(good | {"title": "Second", "text": "Another report said the dam cost 2 billion."}) + "\n")
    articles, errors = _one(list(read_file(p)))
    assert [a.title for a in articles] == ["Dam opens", "Second"]
    assert articles[0].metadata["section"] == "regional" and articles[0].outlet == "Hill News"
    assert len(errors) == 1 and f"{p}:2" in str(errors[0])


def test_json_example_file():
    [a] = storyline.read(str(EXAMPLES / "bridge" / "04_coast_radio.json"))
    assert a.outlet == "Coast Radio" and a.url.startswith("https://") and a.published.iso() == "2025-03-13"


def test_rss_feed_entries():
    articles = storyline.read(str(EXAMPLES / "storm" / "03_feed.rss"))
    assert [a.title for a in articles] == ["Fishing crew rescued as Storm Hester strikes", "Ferry services to resume on Thursday"]
    first = articles[0]
    assert first.outlet == "Harbour Watch" and first.author == "Jon Brask" and first.published.iso() == "2025-11-04"
    assert "very lucky" in first.text and "<p>" not in first.text  # full content, markup gone


def test_atom_feed(tmp_path):
    p = tmp_path / "feed.atom"
    p.write_text("""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Valley Wire</title>
<entry><title>Rail strike called off</title><link href="https://vw.example/rail"/><updated>2024-10-01T08:00:00Z</updated>
<content type="html">&lt;p&gt;Union leaders called off Tuesday's rail strike after a late pay offer.&lt;/p&gt;</content></entry>
<entry><title>No date here</title><summary>Ticket prices will rise by 3 percent next year, the operator said.</summary></entry>
</feed>""")
    articles = storyline.read(str(p))
    assert [a.published.iso() for a in articles] == ["2024-10-01", None]
    assert articles[0].url == "https://vw.example/rail" and "late pay offer" in articles[0].text


def test_directory_is_recursive_and_skips_sidecars():
    articles = storyline.read(str(EXAMPLES))
    sources = [a.source for a in articles]
    assert len(articles) == 8
    assert not any(s.endswith(".meta.json") for s in sources)
    assert any("/storm/" in s for s in sources) and any("/bridge/" in s for s in sources)


def test_stdin(monkeypatch):
    text = "Ferry sinks in harbour\n\nA ferry sank in the harbour on Friday night; all forty passengers were rescued.\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    [a] = [i for i in read_file("-")]
    assert a.title == "Ferry sinks in harbour" and a.source == "<stdin>"


# -- bad files ------------------------------------------------------------------
def test_empty_binary_and_missing_files_are_named(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n\n")
    (tmp_path / "scan.txt").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    (tmp_path / "photo.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    items = list(read_paths([str(tmp_path), str(tmp_path / "missing.txt")]))
    articles, errors = _one(items)
    assert not articles
    messages = sorted(str(e) for e in errors)
    assert any("empty.txt: empty file" in m for m in messages)
    assert any("scan.txt: binary file (PDF document)" in m for m in messages)
    assert any("photo.html: binary file (PNG image)" in m for m in messages)
    assert any("missing.txt: no such file or directory" in m for m in messages)
    assert all("\n" not in m for m in messages)


def test_non_utf8_text_is_decoded_with_a_warning(tmp_path):
    p = tmp_path / "legacy.txt"
    p.write_bytes("Café owners protest\n\nThe café owners of Saint-Étienne said the new tax was “unfair” and would close shops.\n".encode("cp1252"))
    [a] = storyline.read(str(p))
    assert "Saint-Étienne" in a.text and "café" in a.text
    assert any("legacy.txt" in w and "not UTF-8" in w for w in a.metadata["warnings"])


def test_bad_file_in_a_batch_loses_nothing(store, tmp_path, seeds_dir):
    report = ingest([str(seeds_dir)], store, published=PartialDate(2017, 5, 3))
    assert len(report.added) == 2
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "zero.txt").write_text("")
    (bad / "img.txt").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    (bad / "ok.txt").write_text("Fine headline\n\nA perfectly normal article sentence about the local council vote.\n")
    report = ingest([str(bad)], store)
    assert len(report.added) == 1 and len(report.errors) == 2
    assert store.count_articles() == 3
    for a in store.articles():
        _check_offsets(a)


@pytest.mark.parametrize("published", ["2017-13-01", "yesterday", "2017-02-30"])
def test_bad_published_flag_is_rejected(published):
    with pytest.raises(ValueError):
        PartialDate.parse(published)

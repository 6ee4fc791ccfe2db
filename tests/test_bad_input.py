"""Hostile and broken input (issue 8): every bad file or record is one clear
InputError naming it, the rest of the batch goes on, and nothing already
stored is lost. All texts here are invented."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storyline.errors import InputError
from storyline.ingest import ingest, read_file, read_paths
from storyline.ingest.files import MAX_ARTICLE_CHARS, MAX_FILE_BYTES
from storyline.ingest.html import MAX_HTML_TAGS
from storyline.ingest.segment import MAX_SENTENCE_CHARS
from storyline.model import Article
from storyline.settings import IngestSettings

REPO = Path(__file__).resolve().parents[1]

HEADLINE = "Council votes to repair the river bridge"
BODY = ("The city council voted on Tuesday to repair the old river bridge. "
        "Mayor Ana Ruiz said the work would start in June and last four months.\n\n"
        "Engineers found cracks in two of the bridge's supports last winter, the council said.")


def article_text(n: int = 0) -> str:
    return f"{HEADLINE} {n}\n\n{BODY} Inspection number {n} was the last one.\n"


def split(items) -> tuple[list[Article], list[InputError]]:
    items = list(items)
    assert all(isinstance(i, (Article, InputError)) for i in items)
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, InputError)]


def check_offsets(a: Article) -> None:
    assert a.sentences
    for i, s in enumerate(a.sentences):
        assert s.index == i
        assert 0 <= s.start < s.end <= len(a.text)
        assert a.text[s.start:s.end] == s.text


def only_error(path: Path) -> InputError:
    articles, errors = split(read_file(path))
    assert not articles and len(errors) == 1
    e = errors[0]
    assert str(path) in str(e) and "\n" not in str(e)
    return e


# -- files that are not articles -------------------------------------------------
@pytest.mark.parametrize("name, data, problem", [
    ("empty.txt", b"", "empty file"),
    ("blank.html", b" \n\t\n", "empty file"),
    ("report.txt", b"%PDF-1.5\n%\xb5\xb5\xb5\xb5\n1 0 obj\n<</Type/Catalog>>", "PDF document"),
    ("photo.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "PNG image"),
    ("archive.jsonl", gzip.compress(b'{"text": "zipped"}\n'), "gzip archive"),
    ("noise.txt", bytes((i * 7919 + 13) % 256 for i in range(4000)), "binary"),
    ("mostly-nul.txt", b"A\x00\xff" * 2000, "binary"),
])
def test_non_text_files_are_named(tmp_path, name, data, problem):
    p = tmp_path / name
    p.write_bytes(data)
    assert problem in only_error(p).problem


# -- encodings ------------------------------------------------------------------
ACCENTED = "The café owners of Saint-Étienne called the tax “unfair” — and naïve."


@pytest.mark.parametrize("encoding, warned", [
    ("utf-8", False), ("utf-8-sig", False), ("utf-16", False), ("utf-16-be-bom", False),
    ("utf-32", False), ("cp1252", True), ("latin-1", True),
])
def test_encodings_are_decoded(tmp_path, encoding, warned):
    text = f"{HEADLINE}\n\n{BODY}\n\n" + (ACCENTED if encoding != "latin-1" else ACCENTED.replace("“", '"')
                                          .replace("”", '"').replace("—", "-"))
    if encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    p = tmp_path / "a.txt"
    p.write_bytes(data)
    [a] = split(read_file(p))[0]
    assert "Saint-Étienne" in a.text and "café" in a.text and "naïve" in a.text
    assert a.title == HEADLINE
    assert bool(a.metadata.get("warnings")) == warned
    check_offsets(a)


def test_mixed_utf8_and_cp1252_in_one_file(tmp_path):
    p = tmp_path / "pasted.txt"
    p.write_bytes(f"{HEADLINE}\n\n{BODY}\n\nThe café said".encode("utf-8")
                  + " “we are open” in Saint-Étienne.".encode("cp1252"))
    [a] = split(read_file(p))[0]
    assert "The café said “we are open” in Saint-Étienne." in a.text
    assert any("mixed encodings" in w for w in a.metadata["warnings"])


def test_cyrillic_legacy_encoding_is_not_read_as_western(tmp_path):
    p = tmp_path / "ru.txt"
    p.write_bytes("Совет проголосовал\n\nГородской совет во вторник проголосовал за ремонт старого моста. "
                  "Работы начнутся в июне.".encode("cp1251"))
    [a] = split(read_file(p))[0]
    assert "ремонт старого моста" in a.text
    assert a.language == "ru"


def test_nul_and_control_bytes_are_removed(tmp_path):
    p = tmp_path / "nul.txt"
    p.write_bytes(article_text().encode().replace(b"river ", b"ri\x00ver \x07\x1b", 2))
    [a] = split(read_file(p))[0]
    assert "\x00" not in a.text and "\x1b" not in a.text and "river bridge" in a.text
    check_offsets(a)


# -- size -------------------------------------------------------------------------
def test_fifty_megabyte_files_are_refused_quickly(tmp_path):
    text = tmp_path / "dump.txt"
    with text.open("w") as f:
        for _ in range(50 * 1024):
            f.write(("A sentence in a very long dump. " * 32)[:1023] + "\n")
    assert "too long" in only_error(text).problem
    page = tmp_path / "dump.html"
    page.write_bytes(b"<html><body><p>" + b"x" * (50 * 1024 * 1024) + b"</p></body></html>")
    assert "too large" in only_error(page).problem
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: the size check must come before reading
    assert "file too large" in only_error(huge).problem


@pytest.mark.parametrize("line", [
    "The panel met again and reviewed the plan. " * 23_000,  # ~1M characters, normal sentences
    "word " * 200_000,  # 1M characters without a full stop
])
def test_one_million_character_line(tmp_path, line):
    p = tmp_path / "long.txt"
    p.write_text(f"{HEADLINE}\n\n{line}\n")
    assert len(line) >= 989_000
    [a] = split(read_file(p))[0]
    check_offsets(a)
    assert max(len(s.text) for s in a.sentences) <= MAX_SENTENCE_CHARS
    assert len(a.text) >= len(line.strip()) - 10


def test_one_million_characters_in_many_paragraphs(tmp_path):
    """Cleaning compares paragraphs with each other: it must stay linear."""
    paragraphs = [f"Update {i}: the ferry from pier {i % 40} ran {i % 17} minutes late on Monday." for i in range(16_000)]
    paragraphs += paragraphs[:100]  # repeats are dropped, the first copy kept
    p = tmp_path / "many.txt"
    p.write_text(HEADLINE + "\n\n" + "\n".join(paragraphs) + "\n")
    assert p.stat().st_size > 1_000_000
    [a] = split(read_file(p))[0]
    check_offsets(a)
    assert a.text.split("\n\n") == paragraphs[:16_000]


def test_article_over_the_limit_in_a_jsonl_does_not_sink_the_others(tmp_path):
    p = tmp_path / "mixed.jsonl"
    big = {"title": "Too big", "text": "x " * (MAX_ARTICLE_CHARS // 2 + 1)}
    p.write_text("\n".join(json.dumps(r) for r in [
        {"title": "First", "text": BODY}, big, {"title": "Third", "text": BODY + " Third."}]) + "\n")
    articles, errors = split(read_file(p))
    assert [a.title for a in articles] == ["First", "Third"]
    assert [str(e) for e in errors] == [f"{p}:2: article text too long "
                                        f"({MAX_ARTICLE_CHARS + 2:,} characters, limit {MAX_ARTICLE_CHARS:,})"]


# -- HTML ---------------------------------------------------------------------------
def page(body: str, head: str = "<title>Bridge repair</title>") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


ARTICLE_HTML = "".join(f"<p>{p}</p>" for p in BODY.split("\n\n"))


def test_scripts_styles_and_iframes_never_reach_the_text(tmp_path):
    p = tmp_path / "hostile.html"
    p.write_text(page(
        "<article><h1>Bridge repair</h1>" + ARTICLE_HTML.replace(
            "</p>", "<script>document.write('INJECTED')</script></p>", 1)
        + "<iframe src='https://ads.example/'>FRAMED</iframe><noscript>NOSCRIPT</noscript>"
        "<style>p { color: red } .STYLED {}</style><!-- COMMENTED --></article>",
        head="<title>Bridge repair</title><script>var STOLEN = document.cookie;</script>"
             "<style>body { background: url(javascript:alert(1)) }</style>"))
    [a] = split(read_file(p))[0]
    assert "river bridge" in a.text
    for marker in ("INJECTED", "FRAMED", "NOSCRIPT", "STYLED", "COMMENTED", "STOLEN", "javascript"):
        assert marker not in a.text and marker not in a.title


def test_deeply_nested_html_is_read_or_named(tmp_path):
    p = tmp_path / "deep.html"
    p.write_text(page("<div>" * 20_000 + ARTICLE_HTML + "</div>" * 20_000))
    articles, errors = split(read_file(p))
    assert len(articles) + len(errors) == 1
    for a in articles:
        check_offsets(a)
    for e in errors:
        assert str(p) in str(e)


def test_html_with_too_many_tags_is_refused(tmp_path):
    p = tmp_path / "wide.html"
    p.write_text(page("<span>x</span>" * (MAX_HTML_TAGS // 2 + 1) + ARTICLE_HTML))
    assert "tags" in only_error(p).problem


# -- JSON lines -----------------------------------------------------------------------
def test_broken_json_lines_are_named_and_the_rest_read(tmp_path):
    p = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"title": "One", "text": BODY}),
        '{"title": "Two", "text": "unterminated',
        json.dumps([1, 2, 3]),
        json.dumps({"title": 7, "text": BODY}),
        "[" * 100_000,
        json.dumps({"title": "No text"}),
        json.dumps({"title": "Bad date", "text": BODY + " Late.", "published": "the day after never"}),
        json.dumps({"title": "Six", "text": BODY + " Six.", "published": "2017-05-03"}),
    ]
    p.write_text("\n".join(lines) + "\n")
    articles, errors = split(read_file(p))
    assert [a.title for a in articles] == ["One", "Bad date", "Six"]
    assert sorted(e.source for e in errors) == [f"{p}:{n}" for n in (2, 3, 4, 5, 6)]
    assert "nested too deeply" in next(e.problem for e in errors if e.source.endswith(":5"))
    undated = articles[1]
    assert undated.published.precision == "unknown"
    assert any("unreadable date" in w for w in undated.metadata["warnings"])
    assert articles[2].published.iso() == "2017-05-03"


# -- feeds -------------------------------------------------------------------------------
def test_feed_entries_with_missing_fields_and_invalid_dates(tmp_path):
    p = tmp_path / "news.rss"
    p.write_text(f"""<?xml version="1.0"?>
<rss version="2.0"><channel>
<item><title>Full entry</title><link>https://news.example/1</link>
  <pubDate>Wed, 03 May 2017 09:00:00 GMT</pubDate><description>{BODY}</description></item>
<item><description>{BODY} No title, no date, no link.</description></item>
<item><title>Bad date</title><pubDate>31 Foo 20x7</pubDate><description>{BODY} Bad date.</description></item>
<item><title>Empty entry</title></item>
<item><title>Scripted</title><description><![CDATA[<p>{BODY} Scripted.</p><script>alert('INJECTED')</script><iframe src="x">FRAMED</iframe>]]></description></item>
</channel></rss>""")
    articles, errors = split(read_file(p))
    assert [a.title for a in articles] == ["Full entry", "", "Bad date", "Scripted"]
    assert [a.published.iso() for a in articles] == ["2017-05-03", None, None, None]
    assert [str(e) for e in errors] == [f"{p}#4: feed entry has no text"]
    assert "INJECTED" not in articles[3].text and "FRAMED" not in articles[3].text
    for a in articles:
        check_offsets(a)


def test_garbage_feed_is_named(tmp_path):
    p = tmp_path / "broken.xml"
    p.write_text("<rss><channel><item><title>half")
    articles, errors = split(read_file(p))
    assert not articles and len(errors) == 1 and str(p) in str(errors[0])


# -- pages that are not articles ---------------------------------------------------------
NOT_ARTICLES = {
    "location.html": "<html><body><p>Post with a place. You can add where you are to your posts, such as your "
                     "town, from the web and from other apps. You can always delete your place history.</p>"
                     "<p>Learn more</p></body></html>",
    "missing.html": "<html><body><h1>Oops</h1><p>Sorry, the page you asked for could not be found. "
                    "Click here to go back to the home page.</p></body></html>",
    "cookies.txt": "Harbour Times\n\nWe use cookies to improve your visit. Read our privacy policy and accept "
                   "all cookies to continue to the site.\n",
}
SHORT_REPORTS = {  # brief, but each reports something
    "brief.txt": "Bridge shut\n\nThe river bridge was closed on Tuesday after inspectors found a crack.\n",
    "notice_news.txt": "Ferries resume\n\nFerry services to the islands will resume on Thursday, the operator "
                       "said. You can book seats from noon, it added.\n",
    "de.txt": "Brücke gesperrt\n\nDie alte Brücke wurde am Dienstag gesperrt, nachdem Prüfer einen Riss "
              "gefunden hatten.\n",
}


def test_pages_that_report_nothing_are_refused_and_short_reports_kept(tmp_path, store):
    for name, text in {**NOT_ARTICLES, **SHORT_REPORTS}.items():
        (tmp_path / name).write_text(text)
    report = ingest([str(tmp_path)], store)
    refused = {Path(e.source).name: str(e) for e in report.errors}
    assert set(refused) == set(NOT_ARTICLES)
    # a notice is refused as one, or its lines are taken for page clutter and nothing is left
    assert all("not an article" in problem or "too little text to be an article" in problem
               for problem in refused.values())
    assert sorted(Path(a.source).name for a in store.articles()) == sorted(SHORT_REPORTS)


def test_what_counts_as_an_article_follows_the_ingest_settings(tmp_path):
    """The thresholds are the settings passed, not module globals."""
    for name, text in {**NOT_ARTICLES, **SHORT_REPORTS}.items():
        (tmp_path / name).write_text(text)

    def refused(settings: IngestSettings) -> dict[str, str]:
        return {Path(e.source).name: str(e) for e in split(read_paths([str(tmp_path)], settings=settings))[1]}

    assert set(refused(IngestSettings())) == set(NOT_ARTICLES)
    # the bridge report's one sentence has 12 words: too few for a stricter reporting sentence
    stricter = refused(IngestSettings(reporting_min_words=13))
    assert set(stricter) == set(NOT_ARTICLES) | {"brief.txt", "notice_news.txt"}
    assert "no sentence reports anything" in stricter["brief.txt"]
    # a notice is shorter than notice_max_words: these pages, all longer than 10 words, are kept
    # once no paragraph of them is taken for a site notice either (share of furniture over 1)
    assert refused(IngestSettings(notice_max_words=10, notice_furniture_share=1.01)) == {}
    assert set(refused(IngestSettings(notice_max_words=10))) == {"cookies.txt"}  # all its lines are notices
    assert "too little text" in refused(IngestSettings(article_min_words=14))["brief.txt"]


# -- non-English -------------------------------------------------------------------------
def test_non_english_articles_are_detected_stored_and_flagged(store, tmp_path):
    (tmp_path / "de.txt").write_text(
        "Stadtrat stimmt für Reparatur der Brücke\n\nDer Stadtrat hat am Dienstag beschlossen, die alte Brücke "
        "über den Fluss zu reparieren. Die Bürgermeisterin sagte, die Arbeiten würden im Juni beginnen.\n")
    (tmp_path / "fr.txt").write_text(
        "Le conseil vote la réparation du pont\n\nLe conseil municipal a voté mardi la réparation du vieux pont. "
        "La maire a déclaré que les travaux commenceraient en juin.\n")
    (tmp_path / "en.txt").write_text(article_text())
    report = ingest([str(tmp_path)], store)
    assert not report.errors
    assert {a.language for a in store.articles()} == {"de", "fr", "en"}
    # (storyline.report.build.make_brief leaves every language != "en" out of
    # the English-only analysis with a note; tested with the brief.)


# -- duplicates, links, missing and unreadable paths --------------------------------------
def test_duplicate_articles_are_stored_once(store, tmp_path):
    (tmp_path / "a.txt").write_text(article_text(1))
    (tmp_path / "copy.txt").write_text(article_text(1))
    (tmp_path / "twice.jsonl").write_text(
        json.dumps({"title": "Twice", "text": BODY}) + "\n" + json.dumps({"title": "Twice", "text": BODY}) + "\n")
    report = ingest([str(tmp_path)], store)
    assert len(report.articles) == 4 and not report.errors
    assert len({a.id for a in report.articles}) == 2
    assert store.count_articles() == 2
    assert store.db.execute("SELECT count(*) FROM sentences").fetchone()[0] == sum(
        len(a.sentences) for a in {a.id: a for a in report.articles}.values())
    again = ingest([str(tmp_path)], store)
    assert not again.added and len(again.known) == 4 and store.count_articles() == 2


def test_symlink_loops_are_walked_once(tmp_path):
    root = tmp_path / "news"
    (root / "sub").mkdir(parents=True)
    (root / "one.txt").write_text(article_text(1))
    (root / "sub" / "two.txt").write_text(article_text(2))
    (root / "sub" / "back").symlink_to(root, target_is_directory=True)
    (root / "sub" / "self").symlink_to(root / "sub", target_is_directory=True)
    (root / "loop.txt").symlink_to(root / "loop.txt")
    (root / "gone.txt").symlink_to(root / "missing-target.txt")
    articles, errors = split(read_paths([str(root), str(root / "sub")]))
    assert sorted(a.title for a in articles) == [f"{HEADLINE} 1", f"{HEADLINE} 2"]
    problems = {Path(e.source).name: e.problem for e in errors}
    assert problems.keys() == {"loop.txt", "gone.txt"}
    assert "symbolic links" in problems["loop.txt"] and problems["gone.txt"] == "broken symbolic link"


def test_missing_path_does_not_stop_the_others(tmp_path):
    (tmp_path / "ok.txt").write_text(article_text())
    articles, errors = split(read_paths([str(tmp_path / "nope.txt"), str(tmp_path / "ok.txt")]))
    assert len(articles) == 1
    assert [str(e) for e in errors] == [f"{tmp_path / 'nope.txt'}: no such file or directory"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_and_directory_are_named(tmp_path):
    (tmp_path / "ok.txt").write_text(article_text(1))
    locked = tmp_path / "locked.txt"
    locked.write_text(article_text(2))
    locked.chmod(0)
    closed = tmp_path / "closed"
    closed.mkdir()
    (closed / "inside.txt").write_text(article_text(3))
    closed.chmod(0)
    try:
        articles, errors = split(read_paths([str(tmp_path)]))
    finally:
        locked.chmod(0o644)
        closed.chmod(0o755)
    assert [a.title for a in articles] == [f"{HEADLINE} 1"]
    problems = {Path(e.source).name: e.problem for e in errors}
    assert problems == {"closed": "cannot list directory (Permission denied)",
                        "locked.txt": "cannot read file (Permission denied)"}


def test_permission_errors_are_named_even_as_root(tmp_path, monkeypatch):
    """The same as above where the OS would refuse (simulated: root may read anything)."""
    import storyline.ingest.files as files

    (tmp_path / "ok.txt").write_text(article_text(1))
    (tmp_path / "locked.txt").write_text(article_text(2))
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "inside.txt").write_text(article_text(3))
    real_open, real_iterdir, real_listdir = open, Path.iterdir, os.listdir

    def refuse(path):
        return PermissionError(13, "Permission denied", str(path))

    def fake_open(path, *args, **kwargs):
        if Path(path).name == "locked.txt":
            raise refuse(path)
        return real_open(path, *args, **kwargs)

    def fake_iterdir(self):
        if self.name == "closed":
            raise refuse(self)
        return real_iterdir(self)

    def fake_listdir(path):
        if Path(path).name == "closed":
            raise refuse(path)
        return real_listdir(path)

    monkeypatch.setattr(files, "open", fake_open, raising=False)
    monkeypatch.setattr(Path, "iterdir", fake_iterdir)
    monkeypatch.setattr(files.os, "listdir", fake_listdir)
    articles, errors = split(read_paths([str(tmp_path)]))
    assert [a.title for a in articles] == [f"{HEADLINE} 1"]
    problems = {Path(e.source).name: e.problem for e in errors}
    assert problems == {"closed": "cannot list directory (Permission denied)",
                        "locked.txt": "cannot read file (Permission denied)"}


# -- a whole hostile batch through the store and the CLI ----------------------------------
def hostile_folder(root: Path) -> list[str]:
    """A folder of good and bad inputs; returns the names that must fail."""
    root.mkdir()
    for i in range(3):
        (root / f"good{i}.txt").write_text(article_text(i))
    (root / "empty.txt").write_bytes(b"")
    (root / "scan.txt").write_bytes(b"%PDF-1.4\n" + bytes(range(256)))
    (root / "legacy.txt").write_bytes(article_text(9).encode("utf-16"))
    (root / "lines.jsonl").write_text(json.dumps({"title": "JL", "text": BODY}) + "\n{oops\n")
    return ["empty.txt", "scan.txt", "lines.jsonl:2"]


def test_bad_batch_after_a_good_one_loses_nothing(store, tmp_path):
    (tmp_path / "first").mkdir()
    for i in range(5):
        (tmp_path / "first" / f"a{i}.txt").write_text(article_text(100 + i))
    ingest([str(tmp_path / "first")], store)
    before = {a.id: (a.text, [(s.start, s.end) for s in a.sentences]) for a in store.articles()}
    bad = hostile_folder(tmp_path / "second")
    report = ingest([str(tmp_path / "second")], store)
    assert sorted(Path(e.source).name for e in report.errors) == sorted(bad)
    assert len(report.added) == 5  # 3 good + utf-16 + the good JSON line
    after = {a.id: (a.text, [(s.start, s.end) for s in a.sentences]) for a in store.articles()}
    assert {k: after[k] for k in before} == before and len(after) == 10


def test_cli_names_each_bad_input_on_one_line(tmp_path):
    bad = hostile_folder(tmp_path / "in")
    db = tmp_path / "cli.db"
    run = subprocess.run([sys.executable, "-m", "storyline.cli", "ingest", "-q", "--db", str(db),
                          str(tmp_path / "in"), str(tmp_path / "absent.txt")],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == len(bad) + 1
    assert all(line.startswith("storyline: ") for line in lines)
    for name in bad + ["absent.txt"]:
        assert sum(f"/{name}: " in line for line in lines) == 1
    assert run.stdout.strip() == "5 added, 0 already stored, 4 errors"


# -- inputs the fuzzers found (bench/fuzz_readers.py) -------------------------------------
FUZZ = Path(__file__).parent / "data" / "fuzz"


@pytest.mark.parametrize("name", sorted(p.name for p in FUZZ.iterdir() if p.suffix != ".md"))
def test_fuzzer_findings_are_clean_errors_or_articles(name):
    articles, errors = split(read_file(FUZZ / name))
    for a in articles:
        check_offsets(a)
    assert all(str(FUZZ / name) in str(e) and "\n" not in str(e) for e in errors)

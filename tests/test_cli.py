"""The command line, run in-process as a user would run it."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from storyline.cli import main

from .conftest import EXAMPLES, REPO


def test_ingest_reports_counts_and_named_errors(tmp_path, capsys):
    db = str(tmp_path / "cli.db")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_text("")
    assert main(["ingest", str(EXAMPLES / "bridge"), "--db", db, "-q"]) == 0
    assert capsys.readouterr().out.strip() == "4 added, 0 already stored, 0 errors"
    assert main(["ingest", str(EXAMPLES / "bridge"), str(tmp_path / "in"), "--db", db, "-q"]) == 1
    out = capsys.readouterr()
    assert out.out.strip() == "0 added, 4 already stored, 1 errors"
    assert out.err.strip() == f"storyline: {tmp_path / 'in' / 'empty.txt'}: empty file"


def test_brief_formats_no_store(capsys, tmp_path):
    assert main(["brief", str(EXAMPLES / "storm"), "--no-store", "--format", "json", "--db", str(tmp_path / "none.db")]) == 0
    data = json.loads(capsys.readouterr().out)
    briefs = data if isinstance(data, list) else [data]
    assert briefs[0]["summary"] and briefs[0]["sources"]
    assert not (tmp_path / "none.db").exists()  # --no-store writes nothing
    out = tmp_path / "b.html"
    assert main(["brief", str(EXAMPLES / "storm"), "--no-store", "-f", "html", "-o", str(out)]) == 0
    assert "<h2>Summary</h2>" in out.read_text()


def test_brief_of_stored_article_ids(tmp_path, capsys):
    db = str(tmp_path / "ids.db")
    main(["ingest", str(EXAMPLES / "bridge"), "--db", db, "-q"])
    capsys.readouterr()
    from storyline.store import Store

    with Store(db) as s:
        ids = [a.id[:10] for a in s.articles()]
    assert main(["brief", *ids, "--db", db, "--words", "60"]) == 0
    md = capsys.readouterr().out
    assert "Kestrel Bridge" in md and "## Sources" in md


def test_bad_published_and_unknown_story_are_one_line_errors(tmp_path, capsys):
    assert main(["brief", "nosuchstory", "--db", str(tmp_path / "x.db")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("storyline: error:") and "nosuchstory" in err and "\n" not in err


def test_console_script_reads_stdin(tmp_path):
    exe = REPO / ".venv" / "bin" / "storyline"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "storyline.cli"]
    text = "Library reopens\n\nThe city library reopened on Saturday after a two-year renovation costing 4 million dollars.\n"
    run = subprocess.run(cmd + ["ingest", "-", "--db", str(tmp_path / "stdin.db"), "--published", "2024-05-04"],
                         input=text, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "1 added, 0 already stored, 0 errors"


def test_brief_of_a_folder_gives_one_brief_per_story(capsys):
    """The bundled examples hold two stories of four articles each, a bridge closure
    and a storm (with the feed's short ferry notice that follows the storm up)."""
    assert main(["brief", str(EXAMPLES), "--no-store", "--format", "json"]) == 0
    briefs = json.loads(capsys.readouterr().out)
    titles = [[s["title"] for s in b["sources"]] for b in briefs]
    assert len(briefs) == 2 and [len(t) for t in titles] == [4, 4]
    bridge = next(t for t in titles if any("Kestrel" in x for x in t))
    storm = next(t for t in titles if any("Hester" in x for x in t))
    assert bridge is not storm and any("Ferry" in x for x in storm)


@pytest.mark.parametrize("stored", [False, True])
def test_a_small_folder_of_one_story_gives_one_brief(capsys, tmp_path, stored):
    """Four storm articles, one dated "4 November" without a year and one a short
    follow-up: one story, whether clustered on the spot or through the store (where an
    article without a year must not be timed at the day it was stored, a year later)."""
    args = ["--no-store"] if not stored else ["--db", str(tmp_path / "s.db")]
    assert main(["brief", str(EXAMPLES / "storm"), "--format", "json", *args]) == 0
    data = json.loads(capsys.readouterr().out)
    briefs = data if isinstance(data, list) else [data]
    assert [len(b["sources"]) for b in briefs] == [4]


def test_a_source_date_without_a_year_shows_the_inferred_year_flagged(capsys):
    """Shoreline News dates its byline "4 November" with no year; the storm's other
    articles are from 2025, so the brief gives 4 Nov 2025, marked as inferred, and does
    not call the story's dates "year unknown" beside a note that gives the year."""
    assert main(["brief", str(EXAMPLES / "storm"), "--no-store", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    briefs = data if isinstance(data, list) else [data]
    sources = [s for b in briefs for s in b["sources"]]
    shoreline = next(s for s in sources if s["outlet"] == "Shoreline News")
    assert shoreline["published"] == "2025-11-04" and shoreline["year_inferred"] is True
    assert not any(s["year_inferred"] for s in sources if s is not shoreline)
    assert main(["brief", str(EXAMPLES / "storm"), "--no-store"]) == 0
    md = capsys.readouterr().out
    assert "4 Nov 2025 (year inferred)" in md and "year unknown" not in md.split("## Summary")[0]

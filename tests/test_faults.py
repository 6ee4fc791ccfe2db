"""Faults (issue 8): a SIGKILL in the middle of an ingest, two ingests into one
database at once, a busy, read-only or full database. The database must open
cleanly afterwards, hold every fully ingested article exactly once, and a
re-run must complete the rest without duplicates. Texts are invented."""
from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storyline.errors import StorylineError
from storyline.ingest import ingest
from storyline.store import Store

REPO = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(r"^(\d+) added, (\d+) already stored, (\d+) errors$", re.M)


def write_articles(folder: Path, numbers) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        (folder / f"report-{n:04d}.txt").write_text(
            f"Harbour ferry timetable changes, notice {n}\n\n"
            f"The harbour authority said on Monday that ferry route {n} would run every {n % 50 + 10} minutes. "
            f"A spokesman said the change followed complaints from {n * 3} passengers.\n\n"
            f"The new timetable starts next month, the authority said in notice {n}.\n")


def ingest_process(db: Path, *paths: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "storyline.cli", "ingest", "-q", "--db", str(db), *map(str, paths)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def summary(stdout: str) -> tuple[int, int, int]:
    m = SUMMARY.search(stdout)
    assert m, stdout
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def count(db: Path) -> int:
    """Stored articles, read by a separate connection (as another process would)."""
    try:
        with sqlite3.connect(db, timeout=5) as con:
            return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def check_consistent(db: Path) -> list[str]:
    """Opens cleanly, passes SQLite's integrity check, every article has all its
    sentences with valid offsets, no orphans; returns the stored titles."""
    with Store(db) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.db.execute(
            "SELECT count(*) FROM sentences WHERE article_id NOT IN (SELECT id FROM articles)").fetchone()[0] == 0
        titles = []
        for a in store.articles():
            assert len(a.sentences) == 3, a.title  # every notice has three sentences
            assert all(a.text[s.start:s.end] == s.text and s.text for s in a.sentences)
            titles.append(a.title)
    return titles


@pytest.mark.slow  # two CLI processes
def test_sigkill_mid_ingest_then_rerun_completes(tmp_path):
    total = 400  # two batches of 200: the kill lands after the first commit
    write_articles(tmp_path / "in", range(total))
    db = tmp_path / "kill.db"
    proc = ingest_process(db, tmp_path / "in")
    deadline = time.monotonic() + 240
    while count(db) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    still_running = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert still_running, "the ingest finished before it could be killed; make the input larger"
    assert proc.returncode == -signal.SIGKILL

    stored = check_consistent(db)
    assert 0 < len(stored) < total
    assert len(stored) % 200 == 0  # whole batches only
    assert len(set(stored)) == len(stored)

    rerun = ingest_process(db, tmp_path / "in")
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert summary(out) == (total - len(stored), len(stored), 0)
    final = check_consistent(db)
    assert sorted(final) == sorted(f"Harbour ferry timetable changes, notice {n}" for n in range(total))


@pytest.mark.slow  # two CLI processes
def test_two_ingests_into_one_database_at_once(tmp_path):
    write_articles(tmp_path / "a", range(0, 150))
    write_articles(tmp_path / "b", range(100, 250))  # 50 articles in both
    db = tmp_path / "shared.db"  # fresh: both processes also race to create the schema
    procs = [ingest_process(db, tmp_path / "a"), ingest_process(db, tmp_path / "b")]
    results = [p.communicate(timeout=400) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err
        assert err == ""
    counts = [summary(out) for out, _ in results]
    assert sum(c[0] for c in counts) == 250  # each article added by exactly one process
    assert sum(c[1] for c in counts) == 50
    titles = check_consistent(db)
    assert len(titles) == len(set(titles)) == 250
    with Store(db) as store:  # one templated story, as one process makes it: the placements were reconciled
        stories = store.stories_of([a.id for a in store.articles()])
    assert len(stories) == 250 and len(set(stories.values())) == 1


OPEN_AT = """
import sys, time
from storyline.store import Store
start = float(sys.argv[2])
while time.time() < start:
    pass
Store(sys.argv[1]).close()
"""


@pytest.mark.slow  # forty short processes
def test_processes_opening_a_new_database_together(tmp_path):
    # SQLite refuses a journal-mode switch at once, without its busy wait, while another
    # connection holds a lock: the store must wait for it as for any other lock.
    for round_ in range(10):
        db = tmp_path / f"new-{round_}.db"
        start = time.time() + 1.0  # after every process has imported storyline
        procs = [subprocess.Popen([sys.executable, "-c", OPEN_AT, str(db), str(start)], cwd=REPO,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 4, errors
        with Store(db) as store:
            assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- busy, read-only and full databases -------------------------------------------------
def test_busy_database_is_a_clear_error_and_a_retry_works(tmp_path):
    write_articles(tmp_path / "in", range(5))
    db = tmp_path / "busy.db"
    Store(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    with Store(db) as store:
        store.db.execute("PRAGMA busy_timeout = 200")
        with pytest.raises(StorylineError, match="database busy") as e:
            ingest([str(tmp_path / "in")], store)
        assert str(db) in str(e.value) and "\n" not in str(e.value)
        holder.execute("ROLLBACK")
        holder.close()
        report = ingest([str(tmp_path / "in")], store)
        assert len(report.added) == 5
    assert len(check_consistent(db)) == 5


def test_read_only_database_is_a_clear_error_and_nothing_changes(tmp_path):
    write_articles(tmp_path / "first", range(3))
    write_articles(tmp_path / "second", range(3, 6))
    db = tmp_path / "ro.db"
    with Store(db) as store:
        ingest([str(tmp_path / "first")], store)
        store.db.execute("PRAGMA query_only = ON")  # SQLite refuses every write, as on a read-only file
        with pytest.raises(StorylineError, match="read-only") as e:
            ingest([str(tmp_path / "second")], store)
        assert str(e.value).startswith(f"{db}: ") and "\n" not in str(e.value)
    assert len(check_consistent(db)) == 3


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes files whatever their mode")
def test_read_only_database_file_through_the_cli(tmp_path):
    write_articles(tmp_path / "first", range(3))
    write_articles(tmp_path / "second", range(3, 6))
    db = tmp_path / "ro.db"
    first = ingest_process(db, tmp_path / "first")
    first.communicate(timeout=300)
    db.chmod(0o444)
    tmp_path.chmod(0o555)  # no -wal/-shm files can be made either
    try:
        second = ingest_process(db, tmp_path / "second")
        out, err = second.communicate(timeout=300)
    finally:
        tmp_path.chmod(0o755)
        db.chmod(0o644)
    assert second.returncode == 2
    assert err.count("\n") == 1 and err.startswith(f"storyline: error: {db}: ")
    assert len(check_consistent(db)) == 3


def test_full_disk_is_a_clear_error_and_leaves_no_partial_batch(tmp_path):
    write_articles(tmp_path / "first", range(3))
    write_articles(tmp_path / "second", range(3, 300))
    db = tmp_path / "full.db"
    with Store(db) as store:
        ingest([str(tmp_path / "first")], store)
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages + 8}")  # the disk fills up a few pages on
        with pytest.raises(StorylineError, match="full") as e:
            ingest([str(tmp_path / "second")], store)
        assert str(db) in str(e.value) and "\n" not in str(e.value)
        assert not store.db.in_transaction
        assert store.count_articles() == 3
    titles = check_consistent(db)
    assert sorted(titles) == [f"Harbour ferry timetable changes, notice {n}" for n in range(3)]


def test_damaged_database_file_is_a_clear_error(tmp_path):
    db = tmp_path / "junk.db"
    db.write_bytes(b"this is not SQLite at all\n" * 200)
    with pytest.raises(StorylineError, match="not a storyline database") as e:
        Store(db)
    assert str(e.value).startswith(f"{db}: ")

"""The SQLite store: schema, idempotent ingest, atomic batches."""
from __future__ import annotations

import sqlite3

import pytest

from storyline.errors import StorylineError
from storyline.ingest import ingest
from storyline.model import PartialDate
from storyline.store import MIGRATIONS, Store

from .conftest import EXAMPLES


def test_schema_version_and_wal(tmp_path):
    with Store(tmp_path / "s.db") as s:
        assert s.schema_version == len(MIGRATIONS)
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Store(tmp_path / "s.db") as s:  # reopening migrates nothing and keeps data
        assert s.schema_version == len(MIGRATIONS)


def test_newer_schema_is_refused(tmp_path):
    db = sqlite3.connect(tmp_path / "new.db")
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    db.close()
    with pytest.raises(StorylineError, match="newer than this storyline"):
        Store(tmp_path / "new.db")


def test_db_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("STORYLINE_DB", str(tmp_path / "env.db"))
    with Store() as s:
        assert s.path == tmp_path / "env.db"
    assert (tmp_path / "env.db").exists()


def test_ingest_twice_is_a_no_op(store):
    first = ingest([str(EXAMPLES)], store)
    assert len(first.added) == 8 and not first.errors
    rows = store.db.execute("SELECT count(*) FROM sentences").fetchone()[0]
    second = ingest([str(EXAMPLES)], store)
    assert not second.added and len(second.known) == 8
    assert store.count_articles() == 8
    assert store.db.execute("SELECT count(*) FROM sentences").fetchone()[0] == rows


def test_round_trip_keeps_every_field(store, seed_articles):
    store.add_articles(seed_articles)
    for a in seed_articles:
        b = store.get_article(a.id[:8])  # unique prefixes are accepted
        assert (b.id, b.title, b.text, b.outlet, b.author, b.published, b.place, b.language) == \
               (a.id, a.title, a.text, a.outlet, a.author, a.published, a.place, a.language)
        assert [(s.start, s.end, s.text) for s in b.sentences] == [(s.start, s.end, s.text) for s in a.sentences]


def test_failed_batch_leaves_nothing_behind(store, seed_articles):
    class Boom(Exception):
        pass

    def batch():
        yield seed_articles[0]
        raise Boom()

    with pytest.raises(Boom):
        store.add_articles(batch())
    assert store.count_articles() == 0
    assert store.db.execute("SELECT count(*) FROM sentences").fetchone()[0] == 0


def test_unknown_id_is_a_clear_error(store):
    with pytest.raises(StorylineError, match="no article with id 'zzz'"):
        store.get_article("zzz")


def test_partial_date_round_trip():
    for text in ["2017-05-03", "2017-05", "2017", "--05-03"]:
        assert PartialDate.parse(text).iso() == text
    assert PartialDate().iso() is None and PartialDate.parse(None).precision == "unknown"


def test_repeat_within_a_batch_is_added_once(store, tmp_path):
    text = "Dam opens\n\nThe new dam opened on Monday after ten years of building work in the valley.\n"
    (tmp_path / "a.txt").write_text(text)
    (tmp_path / "b.txt").write_text(text)
    report = ingest([str(tmp_path)], store)
    assert len(report.added) == 1 and len(report.known) == 1 and store.count_articles() == 1

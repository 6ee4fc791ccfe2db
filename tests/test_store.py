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


def test_article_ids_page_is_newest_first(store):
    ingest([str(EXAMPLES)], store)
    pages = [store.article_ids_page(3, offset) for offset in (0, 3, 6, 9)]
    assert [len(p) for p in pages] == [3, 3, 2, 0]
    ids = [i for p in pages for i in p]
    assert sorted(ids) == sorted(a.id for a in store.articles())
    dates = [store.get_article(i).published.iso() or "" for i in ids]
    assert dates == sorted(dates, reverse=True) and dates[0] > dates[-1]


def old_database(path, version: int) -> sqlite3.Connection:
    """A database as a storyline at schema `version` left it."""
    from storyline.store import _split_sql

    db = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:version]:
        for statement in _split_sql(migration):
            db.execute(statement)
    db.execute(f"PRAGMA user_version = {version}")
    return db


def test_clustering_generation_moves_out_of_the_cache(tmp_path):
    from storyline.stories import storage

    db = old_database(tmp_path / "v3.db", 3)
    db.execute("INSERT INTO cache (kind, key, value) VALUES ('stories', 'generation', ?)", (b"f00d",))
    db.execute("INSERT INTO cache (kind, key, value) VALUES ('embedding', 'k', ?)", (b"\x01\x02",))
    db.close()
    with Store(tmp_path / "v3.db") as s:
        assert storage.generation(s) == "f00d"
        assert s.cache_get("stories", "generation") is None
        assert s.cache_get("embedding", "k") == b"\x01\x02"  # other cache rows are kept
        with s.transaction():
            changed = storage.bump_generation(s)
        assert storage.generation(s) == changed != "f00d"


def cache_rows(store) -> list[tuple]:
    return store.db.execute("SELECT kind, key, owner, meta FROM cache ORDER BY kind, key").fetchall()


def test_cache_put_with_an_owner_keeps_one_row_per_owner_and_kind(store):
    store.cache_put("brief", "k1", b"one", owner="s1", meta={"words": 100, "articles": 2})
    store.cache_put("brief", "k2", b"two", owner="s1", meta={"words": 100, "articles": 3})  # the story grew
    store.cache_put("brief", "k3", b"other", owner="s2")
    store.cache_put("timeline", "k4", b"kind", owner="s1")  # another kind of the same owner stays
    store.cache_put("embedding", "e1", b"v1")  # rows without an owner never displace each other
    store.cache_put("embedding", "e2", b"v2")
    assert store.cache_get("brief", "k1") is None and store.cache_get("brief", "k2") == b"two"
    assert [tuple(r) for r in cache_rows(store)] == [
        ("brief", "k2", "s1", '{"words": 100, "articles": 3}'), ("brief", "k3", "s2", None),
        ("embedding", "e1", None, None), ("embedding", "e2", None, None), ("timeline", "k4", "s1", None)]
    store.cache_put("brief", "k2", b"again", owner="s1")  # the same key again: replaced
    assert store.cache_get("brief", "k2") == b"again" and len(cache_rows(store)) == 5
    assert store.cache_stats() == {"brief": 2, "embedding": 2, "timeline": 1}
    store.cache_drop_owners(["s1"])
    assert [(r["kind"], r["key"]) for r in cache_rows(store)] == [("brief", "k3"), ("embedding", "e1"),
                                                                  ("embedding", "e2")]


def test_cache_put_joins_the_callers_transaction(store):
    store.cache_put("brief", "old", b"kept", owner="s1")

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with store.transaction():
            store.cache_put("brief", "new", b"lost", owner="s1")
            raise Boom()
    # Rolled back whole: the new row and the deletion of the owner's old row.
    assert store.cache_get("brief", "old") == b"kept" and store.cache_get("brief", "new") is None
    assert not store.db.in_transaction

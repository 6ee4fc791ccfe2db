"""SQLite store: articles, their sentences, stories and cached analysis.

One file, WAL mode, schema versioned with PRAGMA user_version and a list of
migrations. Writes happen in one transaction per batch, so a crash leaves
either the whole batch or none of it. This module and stories/storage.py hold
all of storyline's SQL (tests/test_layout.py checks it).
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import StorylineError
from .model import Article, PartialDate, Sentence

BUSY_TIMEOUT_S = 30  # how long a writer waits for another process's lock before giving up
DEFAULT_DB = Path.home() / ".local" / "share" / "storyline" / "storyline.db"

# Each entry moves the schema from version i to i+1. Never edit a released
# entry: append a new one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        url TEXT,
        outlet TEXT,
        title TEXT NOT NULL,
        author TEXT,
        published TEXT,
        place TEXT,
        language TEXT NOT NULL,
        text TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE TABLE sentences (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        paragraph INTEGER NOT NULL,
        PRIMARY KEY (article_id, idx)
    );
    CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        headline TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE TABLE story_articles (
        story_id TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        PRIMARY KEY (story_id, article_id)
    );
    CREATE INDEX story_articles_article ON story_articles(article_id);
    CREATE TABLE cache (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (kind, key)
    );
    """,
    # v2, stories (storyline.stories.cluster): clustering features per article
    # (time in days, lead embedding, TF-IDF terms and names fixed at arrival;
    # copies have no embedding), copy links, document frequencies (the row
    # with term '' counts documents), and user corrections: articles pinned
    # together in a group, and groups kept apart.
    """
    CREATE TABLE story_features (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        time REAL NOT NULL,
        embedding BLOB,
        terms TEXT NOT NULL DEFAULT '{}',
        entities TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX story_features_time ON story_features(time);
    CREATE TABLE story_copies (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        original_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE
    );
    CREATE INDEX story_copies_original ON story_copies(original_id);
    CREATE TABLE story_df (
        term TEXT PRIMARY KEY,
        df INTEGER NOT NULL
    );
    CREATE TABLE story_groups (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        group_id TEXT NOT NULL
    );
    CREATE INDEX story_groups_group ON story_groups(group_id);
    CREATE TABLE story_apart (
        group_a TEXT NOT NULL,
        group_b TEXT NOT NULL,
        PRIMARY KEY (group_a, group_b)
    );
    """,
    # v3, web search (storyline.web.queries): full-text index over article
    # titles and text. External content (no second copy of the text), kept in
    # step by triggers; 'rebuild' indexes the rows stored before this version.
    """
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='rowid',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
    END;
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, text)
        VALUES ('delete', old.rowid, old.title, old.text);
    END;
    CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, text)
        VALUES ('delete', old.rowid, old.title, old.text);
        INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
    END;
    INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
    """,
    # v4, stories (storyline.stories.storage): clustering state is not a cache
    # (a cache may be emptied at any time), so the generation that every write
    # to the stories changes moves from the cache table to a table of its own.
    """
    CREATE TABLE story_state (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    INSERT INTO story_state (name, value)
        SELECT 'generation', CAST(value AS TEXT) FROM cache WHERE kind = 'stories' AND key = 'generation';
    DELETE FROM cache WHERE kind = 'stories';
    """,
    # v5, cache rows owned by a story (Store.cache_put): a story keeps one row
    # of a kind (its brief), deleting the story deletes its rows; meta is small
    # JSON of what the key was made from, kept beside the value.
    """
    ALTER TABLE cache ADD COLUMN owner TEXT;
    ALTER TABLE cache ADD COLUMN meta TEXT;
    CREATE INDEX cache_owner ON cache(owner, kind) WHERE owner IS NOT NULL;
    """,
    # v6, threads (storyline.stories.threads): each story's thread signature (JSON, with the
    # digest of the members it was made from and its day), an index of its core participants
    # by name and day (where a new story's candidates are found), and the thread links between
    # two stories (story_a < story_b) with the names they share. Deleting a story deletes all
    # three. Per article, the features a signature is made from (an article's text never
    # changes: its id is a hash of it), so a growing story reads only its new articles.
    """
    CREATE TABLE story_signatures (
        story_id TEXT PRIMARY KEY REFERENCES stories(id) ON DELETE CASCADE,
        digest TEXT NOT NULL,
        day REAL,
        data TEXT NOT NULL
    );
    CREATE TABLE story_thread_names (
        name TEXT NOT NULL,
        story_id TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        day REAL NOT NULL,
        PRIMARY KEY (name, story_id)
    );
    CREATE INDEX story_thread_names_day ON story_thread_names(name, day);
    CREATE INDEX story_thread_names_story ON story_thread_names(story_id);
    CREATE TABLE story_links (
        story_a TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        story_b TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        shared TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (story_a, story_b)
    );
    CREATE INDEX story_links_b ON story_links(story_b);
    CREATE TABLE story_thread_articles (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        data TEXT NOT NULL
    );
    """,
    # v7, feeds (storyline.feeds, storyline.watch): each followed feed under its current URL
    # (a permanent redirect renames it), with the validators stored as received (etag,
    # last_modified), the outcome of the last poll, when the next one is due, the failures in a
    # row (backoff), whether it is gone (410: never polled again) and the articles it brought.
    # feed_entries: the entries already read per feed (their id, else link), so a teaser's page
    # is fetched once and a restart stores nothing twice.
    """
    CREATE TABLE feeds (
        url TEXT PRIMARY KEY,
        title TEXT,
        category TEXT,
        etag TEXT,
        last_modified TEXT,
        last_poll REAL,
        status INTEGER,
        last_error TEXT,
        next_poll REAL NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        gone INTEGER NOT NULL DEFAULT 0,
        articles INTEGER NOT NULL DEFAULT 0,
        added_at REAL NOT NULL DEFAULT ((julianday('now') - 2440587.5) * 86400.0)
    );
    CREATE INDEX feeds_next_poll ON feeds(gone, next_poll);
    CREATE TABLE feed_entries (
        feed_url TEXT NOT NULL REFERENCES feeds(url) ON DELETE CASCADE ON UPDATE CASCADE,
        entry TEXT NOT NULL,
        PRIMARY KEY (feed_url, entry)
    );
    """,
    # v8, undated stories in threads: their core names are indexed with no day, and the
    # signatures of undated stories are dropped so that the next placement remakes them (and
    # their links) under the new rule.
    """
    CREATE TABLE story_thread_names_v8 (
        name TEXT NOT NULL,
        story_id TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        day REAL,
        PRIMARY KEY (name, story_id)
    );
    INSERT INTO story_thread_names_v8 (name, story_id, day) SELECT name, story_id, day FROM story_thread_names;
    DROP TABLE story_thread_names;
    ALTER TABLE story_thread_names_v8 RENAME TO story_thread_names;
    CREATE INDEX story_thread_names_day ON story_thread_names(name, day);
    CREATE INDEX story_thread_names_story ON story_thread_names(story_id);
    DELETE FROM story_signatures WHERE day IS NULL;
    """,
    # v9, the watcher (storyline/watch.py): articles found by URL and by source (a feed entry whose
    # link is an article stored already, or a page read already, is not fetched or read again), and the queue of stories whose briefs
    # are to be rebuilt (watch.BriefRebuilder), kept so that a restart resumes it. A row's token
    # says which queuing it is: the worker deletes the row it built, not one queued again since.
    """
    CREATE INDEX articles_url ON articles(url);
    CREATE INDEX articles_source ON articles(source);
    CREATE TABLE brief_queue (
        story_id TEXT PRIMARY KEY,
        token TEXT NOT NULL,
        queued_at REAL NOT NULL DEFAULT ((julianday('now') - 2440587.5) * 86400.0)
    );
    """,
]

FEED_FIELDS = ("title", "category", "etag", "last_modified", "last_poll", "status", "last_error", "next_poll",
               "failures", "gone")


def default_db_path() -> Path:
    env = os.environ.get("STORYLINE_DB")
    return Path(env) if env else DEFAULT_DB


SQLITE_MAX_INT = 2**63 - 1


def _bounded(n: int) -> int:
    """A LIMIT/OFFSET SQLite can bind: Python ints past 2**63 - 1 raise OverflowError there."""
    return max(0, min(int(n), SQLITE_MAX_INT))


def _stored_date(text: str | None) -> PartialDate:
    """A stored publication date; one before ingest's earliest year (0000-01-01, 0001-01-01:
    CMS defaults that versions before issue 19 stored) reads as undated, so that what was
    stored then can still be placed, reclustered and briefed."""
    from .ingest.dates import EARLIEST_YEAR

    d = PartialDate.parse(text)
    return PartialDate() if d.year is not None and d.year < EARLIEST_YEAR else d


class Store:
    """A storyline database. Use as a context manager or call close()."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else default_db_path()
        if str(self.path) != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StorylineError(f"{self.path}: cannot create database folder ({e.strerror})") from e
        try:
            # A Store may pass from one thread to another (FastAPI opens a request's
            # Store in one worker thread and runs the handler in another); it is never
            # used by two threads at once.
            self.db = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                      check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
            if str(self.path) != ":memory:":
                self._use_wal()
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise StorylineError(f"{self.path}: cannot open database ({describe_db_error(e)})") from e

    def _use_wal(self) -> None:
        # Switching the journal mode fails at once, without SQLite's busy wait, while another
        # connection holds a lock (two processes opening a new database together): wait here.
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self.db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # -- schema -------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise StorylineError(
                f"{self.path}: database schema v{version} is newer than this storyline (v{len(MIGRATIONS)})"
            )
        for i in range(version, len(MIGRATIONS)):
            with self.transaction():
                if self.schema_version > i:  # another process migrated while we waited for the lock
                    continue
                for statement in _split_sql(MIGRATIONS[i]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {i + 1}")

    def transaction(self) -> "_Transaction":
        return _Transaction(self.db, self.path)

    # -- articles -----------------------------------------------------------
    def has_article(self, article_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is not None

    def add_articles(self, articles: Iterable[Article]) -> list[Article]:
        """Store a batch in one transaction; returns the articles that were new."""
        from .ingest.build import field_text

        added: list[Article] = []
        with self.transaction():
            for a in articles:
                # every stored one-line field gets article text's hygiene, whoever built the article
                a.title, a.outlet, a.author, a.url = (field_text(a.title) or "", field_text(a.outlet),
                                                      field_text(a.author), field_text(a.url))
                if self.has_article(a.id) or any(a.id == b.id for b in added):
                    continue
                self.db.execute(
                    "INSERT INTO articles (id, source, url, outlet, title, author, published, place,"
                    " language, text, metadata) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (a.id, a.source, a.url, a.outlet, a.title, a.author, a.published.iso(), a.place,
                     a.language, a.text, json.dumps(a.metadata, ensure_ascii=False, default=str)),
                )
                self.db.executemany(
                    'INSERT INTO sentences (article_id, idx, start, "end", paragraph) VALUES (?,?,?,?,?)',
                    [(a.id, s.index, s.start, s.end, s.paragraph) for s in a.sentences],
                )
                added.append(a)
        return added

    def get_article(self, article_id: str) -> Article:
        row = self.db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            row = self._unique_prefix("articles", article_id)
        return self._article_from_row(row)

    def articles(self, ids: Iterable[str] | None = None) -> Iterator[Article]:
        if ids is None:
            rows = self.db.execute("SELECT * FROM articles ORDER BY published, ingested_at, id")
            for row in rows.fetchall():
                yield self._article_from_row(row)
        else:
            for article_id in ids:
                yield self.get_article(article_id)

    def count_articles(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def _article_from_row(self, row: sqlite3.Row) -> Article:
        sentences = [
            Sentence(r["idx"], r["start"], r["end"], row["text"][r["start"]:r["end"]], r["paragraph"])
            for r in self.db.execute(
                'SELECT idx, start, "end", paragraph FROM sentences WHERE article_id = ? ORDER BY idx',
                (row["id"],),
            )
        ]
        return Article(
            id=row["id"], text=row["text"], title=row["title"], source=row["source"], url=row["url"],
            outlet=row["outlet"], author=row["author"], published=_stored_date(row["published"]),
            place=row["place"], language=row["language"], metadata=json.loads(row["metadata"]),
            sentences=sentences,
        )

    def _unique_prefix(self, table: str, prefix: str) -> sqlite3.Row:
        rows = self.db.execute(
            f"SELECT * FROM {table} WHERE id LIKE ? || '%' LIMIT 2", (prefix,)
        ).fetchall()
        if len(rows) != 1:
            what = "no" if not rows else "more than one"
            raise StorylineError(f"{self.path}: {what} {table[:-1]} with id {prefix!r}")
        return rows[0]

    def stories_of(self, article_ids: list[str]) -> dict[str, str]:
        """{article id: story id} for the given articles that belong to a story."""
        out: dict[str, str] = {}
        for i in range(0, len(article_ids), 500):
            chunk = article_ids[i:i + 500]
            out.update(self.db.execute(
                "SELECT article_id, story_id FROM story_articles WHERE article_id IN (%s)" % ",".join("?" * len(chunk)),
                chunk).fetchall())
        return out

    def article_ids_page(self, limit: int, offset: int) -> list[str]:
        """One page of article ids, newest first."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM articles ORDER BY published DESC, ingested_at DESC, id LIMIT ? OFFSET ?",
            (_bounded(limit), _bounded(offset)))]

    # -- web pages: search and filters (storyline.web.queries) -----------------
    def search(self, match: str, limit: int, offset: int, marks: tuple[str, str]) -> tuple[int, list[sqlite3.Row]]:
        """(number of articles matching the FTS5 query, one page of them best first:
        id, title, outlet, published, snip (an excerpt, its hits between the two
        marks) and stories (comma-separated story ids))."""
        total = self.db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                                (match,)).fetchone()[0]
        rows = self.db.execute(
            """SELECT a.id, a.title, a.outlet, a.published,
                      snippet(articles_fts, 1, ?, ?, ' … ', 24) AS snip,
                      (SELECT group_concat(story_id) FROM story_articles WHERE article_id = a.id) AS stories
               FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
               WHERE articles_fts MATCH ? ORDER BY bm25(articles_fts, 4.0, 1.0), a.id LIMIT ? OFFSET ?""",
            (*marks, match, _bounded(limit), _bounded(offset))).fetchall()
        return total, rows

    def story_ids_matching(self, match: str | None = None, outlet: str | None = None) -> set[str]:
        """Stories with an article that matches the FTS5 query and/or is from the outlet
        (case-insensitive); every story when neither is given."""
        conditions, params = ["1"], []
        if match is not None:
            conditions.append("a.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
            params.append(match)
        if outlet is not None:
            conditions.append("lower(a.outlet) = lower(?)")
            params.append(outlet)
        rows = self.db.execute(
            "SELECT DISTINCT sa.story_id FROM story_articles sa JOIN articles a ON a.id = sa.article_id WHERE "
            + " AND ".join(conditions), params)
        return {r[0] for r in rows}

    def outlets(self) -> list[str]:
        """Distinct outlet names of stored articles (one spelling per name, any case), by name."""
        rows = self.db.execute(
            "SELECT outlet FROM articles WHERE outlet IS NOT NULL AND outlet != '' "
            "GROUP BY lower(outlet) ORDER BY lower(outlet)")
        return [r[0] for r in rows]

    def story_outlets(self, story_id: str) -> list[str]:
        """Distinct outlet names of the story's articles, by name."""
        rows = self.db.execute(
            "SELECT DISTINCT a.outlet FROM story_articles sa JOIN articles a ON a.id = sa.article_id "
            "WHERE sa.story_id = ? AND a.outlet IS NOT NULL ORDER BY a.outlet", (story_id,))
        return [r[0] for r in rows]

    def stories_of_article(self, article_id: str) -> list[str]:
        """Ids of the stories the article is in, by id."""
        return [r[0] for r in self.db.execute(
            "SELECT story_id FROM story_articles WHERE article_id = ? ORDER BY story_id", (article_id,))]

    # -- the digest of new and grown stories (storyline.report.digest) ----------
    def stories_stored_since(self, since: str, limit: int) -> list[sqlite3.Row]:
        """The stories with an article stored (ingested_at, UTC) at or after since ('YYYY-MM-DD
        HH:MM:SS' UTC), the one that grew last first, at most limit: story_id, articles (all of
        the story's), arrived (those stored since), first_stored and last_stored (its articles'
        earliest and latest ingested_at) and total (how many stories grew, limit aside)."""
        return self.db.execute(
            """WITH grown AS (SELECT DISTINCT sa.story_id FROM articles a
                              JOIN story_articles sa ON sa.article_id = a.id
                              WHERE a.ingested_at >= datetime(:since))
               SELECT sa.story_id, count(*) AS articles, sum(a.ingested_at >= datetime(:since)) AS arrived,
                      min(a.ingested_at) AS first_stored, max(a.ingested_at) AS last_stored,
                      count(*) OVER () AS total
               FROM grown g JOIN story_articles sa ON sa.story_id = g.story_id
               JOIN articles a ON a.id = sa.article_id
               GROUP BY sa.story_id ORDER BY last_stored DESC, sa.story_id LIMIT :limit""",
            {"since": since, "limit": _bounded(limit)}).fetchall()

    # -- cache of per-article/per-story analysis ----------------------------
    # -- feeds ---------------------------------------------------------------
    def add_feed(self, url: str, title: str | None = None, category: str | None = None) -> bool:
        """Follow a feed (due at once); False when it is followed already (its title and
        category are filled in where they were empty)."""
        with self.transaction():
            known = self.db.execute("SELECT 1 FROM feeds WHERE url = ?", (url,)).fetchone()
            if known:
                self.db.execute("UPDATE feeds SET title = coalesce(title, ?), category = coalesce(category, ?)"
                                " WHERE url = ?", (title, category, url))
                return False
            self.db.execute("INSERT INTO feeds (url, title, category, next_poll) VALUES (?,?,?,?)",
                            (url, title, category, time.time()))  # due at once
            return True

    def remove_feed(self, url: str) -> bool:
        with self.transaction():
            return self.db.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount > 0

    def feeds(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM feeds ORDER BY category IS NULL, category, title IS NULL, title, url"
                               ).fetchall()

    def feed(self, url: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM feeds WHERE url = ?", (url,)).fetchone()

    def due_feeds(self, now: float) -> list[sqlite3.Row]:
        """Feeds not gone whose next poll is at or before now, the most overdue first."""
        return self.db.execute("SELECT * FROM feeds WHERE gone = 0 AND next_poll <= ? ORDER BY next_poll, url",
                               (now,)).fetchall()

    def next_feed_poll(self) -> float | None:
        return self.db.execute("SELECT min(next_poll) FROM feeds WHERE gone = 0").fetchone()[0]

    def update_feed(self, url: str, added: int = 0, **fields) -> None:
        """Set fields (FEED_FIELDS) of a feed and count `added` more articles stored from it."""
        bad = set(fields) - set(FEED_FIELDS)
        if bad:
            raise ValueError(f"not feed fields: {sorted(bad)}")
        sets = "".join(f", {name} = ?" for name in fields)
        with self.transaction():
            self.db.execute(f"UPDATE feeds SET articles = articles + ?{sets} WHERE url = ?",
                            (added, *fields.values(), url))

    def move_feed(self, old: str, new: str) -> None:
        """A feed moved permanently: keep it (and its entries) under the new URL; when the new
        URL is followed already, the old row is merged into it."""
        with self.transaction():
            if self.db.execute("SELECT 1 FROM feeds WHERE url = ?", (new,)).fetchone():
                self.db.execute("INSERT OR IGNORE INTO feed_entries (feed_url, entry) SELECT ?, entry"
                                " FROM feed_entries WHERE feed_url = ?", (new, old))
                self.db.execute("UPDATE feeds SET articles = articles + (SELECT articles FROM feeds WHERE url = ?)"
                                " WHERE url = ?", (old, new))
                self.db.execute("DELETE FROM feeds WHERE url = ?", (old,))
            else:
                self.db.execute("UPDATE feeds SET url = ? WHERE url = ?", (new, old))

    def seen_entries(self, url: str, entries: Iterable[str]) -> set[str]:
        """Those of entries already read from the feed at url."""
        entries = list(entries)
        seen: set[str] = set()
        for i in range(0, len(entries), 500):
            chunk = entries[i:i + 500]
            rows = self.db.execute(f"SELECT entry FROM feed_entries WHERE feed_url = ? AND entry IN"
                                   f" ({','.join('?' * len(chunk))})", (url, *chunk))
            seen.update(row[0] for row in rows)
        return seen

    def mark_entries(self, url: str, entries: Iterable[str]) -> None:
        with self.transaction():
            self.db.executemany("INSERT OR IGNORE INTO feed_entries (feed_url, entry) VALUES (?,?)",
                                [(url, e) for e in entries])

    def stored_urls(self, urls: Iterable[str]) -> set[str]:
        """Those of urls that a stored article names as its URL or was read from (a fetched
        page's article has the page's URL as its source, its <link rel=canonical> as its URL)."""
        urls = list(urls)
        found: set[str] = set()
        for i in range(0, len(urls), 400):
            chunk = urls[i:i + 400]
            marks = ",".join("?" * len(chunk))
            found.update(row[0] for row in self.db.execute(
                f"SELECT url FROM articles WHERE url IN ({marks}) UNION SELECT source FROM articles"
                f" WHERE source IN ({marks})", chunk + chunk))
        return found

    # -- the queue of briefs to rebuild (watch.BriefRebuilder) ---------------
    def queue_briefs(self, tokens: dict[str, str]) -> None:
        """Queue stories' briefs for rebuilding: {story id: token of this queuing}."""
        with self.transaction():
            self.db.executemany("INSERT INTO brief_queue (story_id, token) VALUES (?,?)"
                                " ON CONFLICT (story_id) DO UPDATE SET token = excluded.token", tokens.items())

    def queued_briefs(self) -> dict[str, str]:
        """{story id: token} of the queued briefs, oldest first."""
        return dict(self.db.execute("SELECT story_id, token FROM brief_queue ORDER BY queued_at, story_id"
                                    ).fetchall())

    def unqueue_briefs(self, tokens: dict[str, str]) -> None:
        """Take built briefs off the queue: each row whose token is still the one given (a
        story queued again since keeps its row)."""
        with self.transaction():
            self.db.executemany("DELETE FROM brief_queue WHERE story_id = ? AND token = ?", tokens.items())

    def cache_get(self, kind: str, key: str) -> bytes | None:
        row = self.db.execute("SELECT value FROM cache WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return row[0] if row else None

    def cache_get_many(self, kind: str, keys: list[str]) -> dict[str, bytes]:
        """{key: value} of the keys of kind that are cached (the others are absent)."""
        found: dict[str, bytes] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            found.update(self.db.execute("SELECT key, value FROM cache WHERE kind = ? AND key IN (%s)"
                                         % ",".join("?" * len(chunk)), [kind, *chunk]).fetchall())
        return found

    def cache_put(self, kind: str, key: str, value: bytes, owner: str | None = None,
                  meta: dict | None = None) -> None:
        """Keep value under (kind, key). owner: the id of the story the value belongs
        to (a brief): the owner's other rows of this kind are deleted in the same
        transaction, so a story that grows keeps one row, and deleting the story
        deletes its rows (stories.storage.delete_stories). meta: small JSON of the
        key's ingredients, kept beside the value."""
        with self.transaction():
            if owner is not None:
                self.db.execute("DELETE FROM cache WHERE owner = ? AND kind = ? AND key != ?", (owner, kind, key))
            self.db.execute(
                "INSERT OR REPLACE INTO cache (kind, key, value, owner, meta) VALUES (?,?,?,?,?)",
                (kind, key, value, owner, json.dumps(meta, ensure_ascii=False) if meta is not None else None))

    def cache_stats(self) -> dict[str, int]:
        """{kind: number of cached rows}."""
        return dict(self.db.execute("SELECT kind, count(*) FROM cache GROUP BY kind ORDER BY kind").fetchall())

    def cache_drop_owners(self, owners: list[str]) -> None:
        """Delete every cache row owned by one of the owners."""
        for i in range(0, len(owners), 500):
            chunk = owners[i:i + 500]
            self.db.execute("DELETE FROM cache WHERE owner IN (%s)" % ",".join("?" * len(chunk)), chunk)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception; within an open
    transaction, part of that one. SQLite
    failures (busy, read-only, disk full) come out as one-line
    StorylineErrors naming the database; the rollback means nothing of the
    batch is left behind."""

    def __init__(self, db: sqlite3.Connection, path: Path | None = None):
        self.db = db
        self.path = path

    def __enter__(self) -> sqlite3.Connection:
        # Inside a transaction already (a cache_put within the caller's batch):
        # this one joins it, and the outer one commits or rolls back the whole.
        self.joined = self.db.in_transaction
        if self.joined:
            return self.db
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as e:
            raise self._error(e) from e
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.joined:
            return
        if exc_type is None:
            try:
                self.db.execute("COMMIT")
                return
            except sqlite3.DatabaseError as e:
                self._rollback()
                raise self._error(e) from e
        self._rollback()
        if isinstance(exc, sqlite3.DatabaseError):
            raise self._error(exc) from exc

    def _rollback(self) -> None:
        # SQLite may already have rolled back by itself (e.g. on a full disk).
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def _error(self, e: sqlite3.DatabaseError) -> StorylineError:
        return StorylineError(f"{self.path or 'database'}: {describe_db_error(e)}")


def describe_db_error(e: sqlite3.DatabaseError) -> str:
    """What a SQLite error means for the user, in a few words."""
    message = str(e)
    if "locked" in message or "busy" in message:
        return f"database busy (another storyline process kept it locked for {BUSY_TIMEOUT_S} s); try again"
    if "readonly" in message or "read-only" in message:
        return "database is read-only; nothing was written"
    if "disk is full" in message or "disk I/O" in message:
        return f"cannot write the database ({message}); nothing of this batch was written"
    if "not a database" in message or "malformed" in message:
        return f"not a storyline database or damaged ({message})"
    return f"database error ({message})"


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction).
    A ';' ends a statement only where SQLite agrees it does, so trigger bodies
    (BEGIN ...; ...; END) and string literals stay whole."""
    statements: list[str] = []
    current = ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \t\n;"):
                statements.append(current.strip())
            current = ""
    if current.strip(" \t\n;"):
        statements.append(current.strip())
    return statements

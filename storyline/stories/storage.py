"""The stories' tables: every SQL statement of storyline.stories lives here.

Tables: stories, story_articles (store migration v1); story_features,
story_copies, story_df, story_groups, story_apart (v2); story_state (v4);
story_signatures, story_thread_names, story_links, story_thread_articles (v6, threads.py).
The clustering logic (cluster.py) calls these functions and never writes SQL.

Writers run inside the caller's store.transaction(), so a batch of
placements, a merge or a rebuild is written whole or not at all.
"""
from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .features import ArticleFeatures

DOCS_ROW = ""  # story_df row whose df is the number of documents
CHUNK = 500  # ids per IN (...) list, well under SQLite's limit on bound parameters


def _chunks(items: list, n: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _marks(items: list) -> str:
    return ",".join("?" * len(items))


# -- clustering state ------------------------------------------------------------

def generation(store) -> str:
    """Changes with every write to the stories: a live clustering state made at
    another generation is stale (another process or call changed the stories)."""
    row = store.db.execute("SELECT value FROM story_state WHERE name = 'generation'").fetchone()
    return row[0] if row else ""


def bump_generation(store) -> str:
    new = uuid.uuid4().hex
    store.db.execute("INSERT INTO story_state (name, value) VALUES ('generation', ?)"
                     " ON CONFLICT(name) DO UPDATE SET value = excluded.value", (new,))
    return new


# -- articles as the clustering sees them -------------------------------------------

def unplaced_article_ids(store) -> list[str]:
    """Stored articles in no story, in the order they were stored (an ingest that
    died between storing a batch and placing it leaves such articles)."""
    # rowid and id only: SQLite reads them from the id index, not from the table and its texts
    rows = store.db.execute("SELECT rowid, id FROM articles WHERE NOT EXISTS"
                            " (SELECT 1 FROM story_articles sa WHERE sa.article_id = articles.id)").fetchall()
    return [r["id"] for r in sorted(rows, key=lambda r: r["rowid"])]


def ingested_at(store, article_ids: list[str]) -> dict[str, str]:
    """{article id: when it was stored (ISO)}."""
    return _pairs_in(store, "SELECT id, ingested_at FROM articles WHERE id IN ({})", article_ids)


def ingest_order(store) -> dict[str, int]:
    """{article id: its rank in the order articles were stored}."""
    return {r[0]: i for i, r in enumerate(store.db.execute("SELECT id FROM articles ORDER BY ingested_at, rowid"))}


# -- features and term statistics ----------------------------------------------------

def document_frequencies(store) -> tuple[dict[str, int], int]:
    """({term: number of documents with it}, number of documents)."""
    df = dict(store.db.execute("SELECT term, df FROM story_df WHERE term != ?", (DOCS_ROW,)).fetchall())
    docs = store.db.execute("SELECT df FROM story_df WHERE term = ?", (DOCS_ROW,)).fetchone()
    return df, docs[0] if docs else 0


def add_document_frequencies(store, counts: Counter) -> None:
    """Add counts ({term: documents}, DOCS_ROW: documents) to the stored frequencies."""
    store.db.executemany("INSERT INTO story_df (term, df) VALUES (?, ?)"
                         " ON CONFLICT(term) DO UPDATE SET df = df + excluded.df", counts.items())


def newest_time(store) -> float | None:
    """The latest article time (days) among stored features."""
    return store.db.execute("SELECT max(time) FROM story_features").fetchone()[0]


def stored_embeddings(store) -> dict[str, np.ndarray]:
    """{article id: lead embedding} of every article that has one (copies have none)."""
    return {r[0]: _vector(r[1]) for r in store.db.execute(
        "SELECT article_id, embedding FROM story_features WHERE embedding IS NOT NULL")}


def save_features(store, rows: list[tuple[str, float, ArticleFeatures | None]]) -> None:
    """(article id, time, features or None for a copy) of each placed article."""
    store.db.executemany(
        "INSERT OR REPLACE INTO story_features (article_id, time, embedding, terms, entities) VALUES (?,?,?,?,?)",
        [(aid, time, f.embedding.astype(np.float32).tobytes() if f else None,
          json.dumps(f.terms) if f else "{}", json.dumps(f.entities) if f else "{}") for aid, time, f in rows])


def _vector(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float32).copy()


@dataclass
class OpenMember:
    """An article of a story that is still open, as the online clusterer needs it."""

    story_id: str
    article_id: str
    text: str
    time: float
    features: ArticleFeatures | None  # None for a copy: a member without vectors
    title: str = ""
    language: str = "en"
    published: str | None = None  # the article's own date (ISO), None when undated


def open_story_members(store, since: float) -> list[OpenMember]:
    """The articles of every story with an article at time >= since, in time order
    (ties: the order they were stored)."""
    rows = store.db.execute(
        """SELECT f.article_id, f.time, f.embedding, f.terms, f.entities, sa.story_id, a.text,
                  a.title, a.language, a.published
           FROM story_articles sa
           JOIN story_features f ON f.article_id = sa.article_id
           JOIN articles a ON a.id = sa.article_id
           WHERE sa.story_id IN (SELECT sa2.story_id FROM story_articles sa2
                                 JOIN story_features f2 ON f2.article_id = sa2.article_id
                                 GROUP BY sa2.story_id HAVING max(f2.time) >= ?)
           ORDER BY f.time, a.ingested_at, a.rowid""", (since,)).fetchall()
    return [OpenMember(r["story_id"], r["article_id"], r["text"], r["time"],
                       None if r["embedding"] is None else ArticleFeatures(
                           r["article_id"], r["time"], _vector(r["embedding"]),
                           json.loads(r["terms"]), json.loads(r["entities"])),
                       r["title"] or "", r["language"] or "en", r["published"])
            for r in rows]


# -- stories and their members ------------------------------------------------------

def add_stories(store, stories: list[tuple[str, str]]) -> None:
    """(story id, headline) of new stories."""
    store.db.executemany("INSERT INTO stories (id, headline) VALUES (?, ?)", stories)


def add_members(store, members: list[tuple[str, str]]) -> None:
    """(story id, article id) of articles placed in stories."""
    store.db.executemany("INSERT INTO story_articles (story_id, article_id) VALUES (?, ?)", members)


def set_headline(store, story_id: str, headline: str) -> None:
    store.db.execute("UPDATE stories SET headline = ? WHERE id = ?", (headline, story_id))


def move_members(store, article_ids: list[str], from_story: str, to_story: str) -> None:
    store.db.executemany("UPDATE story_articles SET story_id = ? WHERE article_id = ? AND story_id = ?",
                         [(to_story, aid, from_story) for aid in article_ids])


def merge_into(store, absorbed: str, target: str) -> None:
    """Move every article of story `absorbed` to `target`, and delete `absorbed`."""
    store.db.execute("UPDATE story_articles SET story_id = ? WHERE story_id = ?", (target, absorbed))
    delete_stories(store, [absorbed])


def delete_stories(store, story_ids: list[str]) -> None:
    """Delete the stories, their memberships and the cache rows they own (their briefs)."""
    store.cache_drop_owners(story_ids)
    for chunk in _chunks(story_ids):
        store.db.execute(f"DELETE FROM stories WHERE id IN ({_marks(chunk)})", chunk)


def clear_stories(store) -> None:
    """Forget every story, membership, copy link and term count (before a rebuild).
    Cache rows stay: the rebuild keeps the ids of the stories it keeps."""
    for table in ("story_articles", "stories", "story_copies", "story_df"):
        store.db.execute(f"DELETE FROM {table}")


def memberships(store) -> dict[str, str]:
    """{article id: story id} of every placed article."""
    return dict(store.db.execute("SELECT article_id, story_id FROM story_articles").fetchall())


def member_ids(store, story_id: str) -> list[str]:
    """The story's article ids in publication order."""
    return [r[0] for r in store.db.execute(
        """SELECT sa.article_id FROM story_articles sa JOIN articles a ON a.id = sa.article_id
           LEFT JOIN story_features f ON f.article_id = a.id
           WHERE sa.story_id = ? ORDER BY coalesce(f.time, 0), a.published, a.ingested_at, a.rowid""",
        (story_id,))]


def story_ids_with_prefix(store, prefix: str, limit: int = 2) -> list[str]:
    """Up to `limit` story ids that start with prefix, in id order."""
    return [r[0] for r in store.db.execute(
        "SELECT id FROM stories WHERE id LIKE ? || '%' ORDER BY id LIMIT ?", (prefix, limit))]


def story_summaries(store, story_id: str | None = None) -> list[dict]:
    """id, headline, first_date, last_date, articles, outlets (distinct outlet
    names; an article without one counts as its own) and copies (articles that
    copy another article of the story) of every story, largest first, or of one."""
    where, params = ("WHERE s.id = ?", (story_id,)) if story_id is not None else ("", ())
    rows = store.db.execute(
        f"""SELECT s.id, s.headline, min(a.published) AS first_date, max(a.published) AS last_date,
                   count(*) AS articles,
                   count(DISTINCT coalesce(lower(a.outlet), a.id)) AS outlets,
                   sum(c.original_id IS NOT NULL AND c.original_id IN
                       (SELECT article_id FROM story_articles WHERE story_id = s.id)) AS copies
            FROM stories s
            JOIN story_articles sa ON sa.story_id = s.id
            JOIN articles a ON a.id = sa.article_id
            LEFT JOIN story_copies c ON c.article_id = a.id
            {where}
            GROUP BY s.id
            ORDER BY articles DESC, last_date DESC, s.created_at, s.id""", params).fetchall()
    return [{**dict(r), "copies": r["copies"] or 0} for r in rows]


def lone_articles(store, story_id: str | None = None) -> dict[str, tuple[str, str]]:
    """{story id: (title, text)} of every story of one article, or of that one story."""
    where, params = ("AND sa.story_id = ?", (story_id,)) if story_id is not None else ("", ())
    rows = store.db.execute(
        f"""SELECT sa.story_id, a.title, a.text FROM story_articles sa JOIN articles a ON a.id = sa.article_id
            WHERE sa.story_id IN (SELECT story_id FROM story_articles GROUP BY story_id HAVING count(*) = 1)
            {where}""", params).fetchall()
    return {r["story_id"]: (r["title"] or "", r["text"] or "") for r in rows}


# -- copies ---------------------------------------------------------------------------

def save_copies(store, links: list[tuple[str, str]]) -> None:
    """(copy article id, original article id) links."""
    store.db.executemany("INSERT OR REPLACE INTO story_copies (article_id, original_id) VALUES (?, ?)", links)


def copies_within(store, story_id: str) -> dict[str, str]:
    """{copy article id: original id} of the story's copies whose original is in the story too."""
    return dict(store.db.execute(
        """SELECT c.article_id, c.original_id FROM story_copies c
           JOIN story_articles sa ON sa.article_id = c.article_id AND sa.story_id = ?
           JOIN story_articles so ON so.article_id = c.original_id AND so.story_id = ?""",
        (story_id, story_id)).fetchall())


def copies_of(store, original_ids: list[str]) -> dict[str, str]:
    """{copy article id: original id} for copies of the given originals."""
    return _pairs_in(store, "SELECT article_id, original_id FROM story_copies WHERE original_id IN ({})",
                     original_ids)


def _pairs_in(store, query: str, ids: list[str]) -> dict[str, str]:
    """The two-column rows of query (its IN list filled with ids, in chunks) as a dict."""
    out: dict[str, str] = {}
    for chunk in _chunks(ids):
        out.update(store.db.execute(query.format(_marks(chunk)), chunk).fetchall())
    return out


def _json_in(store, query: str, ids: list[str]) -> dict[str, dict]:
    """_pairs_in with the second column a JSON document, decoded."""
    return {key: json.loads(data) for key, data in _pairs_in(store, query, ids).items()}


# -- user corrections: groups pinned together, groups kept apart ----------------------

def groups_of(store, article_ids: list[str]) -> dict[str, str]:
    """{article id: group id} of the given articles that are in a group."""
    return _pairs_in(store, "SELECT article_id, group_id FROM story_groups WHERE article_id IN ({})", article_ids)


def set_groups(store, group_of: dict[str, str]) -> None:
    """Put each article in its group (leaving the group it was in)."""
    store.db.executemany("INSERT OR REPLACE INTO story_groups (article_id, group_id) VALUES (?, ?)",
                         group_of.items())


def apart_links(store) -> list[tuple[str, str]]:
    """(group, group) pairs kept apart."""
    return [(r[0], r[1]) for r in store.db.execute("SELECT group_a, group_b FROM story_apart")]


def add_apart_links(store, pairs: Iterable[tuple[str, str]]) -> None:
    store.db.executemany("INSERT OR IGNORE INTO story_apart (group_a, group_b) VALUES (?, ?)", pairs)


def drop_apart_links(store, groups: Iterable[str]) -> None:
    """Forget every apart link of the groups."""
    store.db.executemany("DELETE FROM story_apart WHERE group_a = ? OR group_b = ?", [(g, g) for g in groups])


def apart_story_pairs(store) -> set[tuple[str, str]]:
    """Pairs of stories that hold groups a user split apart."""
    return {(r[0], r[1]) for r in store.db.execute(
        """SELECT DISTINCT sa.story_id, sb.story_id FROM story_apart ap
           JOIN story_groups ga ON ga.group_id = ap.group_a
           JOIN story_groups gb ON gb.group_id = ap.group_b
           JOIN story_articles sa ON sa.article_id = ga.article_id
           JOIN story_articles sb ON sb.article_id = gb.article_id""")}


# -- threads (threads.py): signatures, their name index, links ----------------------

def signature_digests(store, story_ids: list[str]) -> dict[str, str]:
    """{story id: digest of the members its stored signature was made from}."""
    return _pairs_in(store, "SELECT story_id, digest FROM story_signatures WHERE story_id IN ({})", story_ids)


def unsigned_story_ids(store) -> list[str]:
    """Stories that have no thread signature yet (new ones), by id."""
    return [r[0] for r in store.db.execute(
        "SELECT id FROM stories s WHERE NOT EXISTS (SELECT 1 FROM story_signatures g WHERE g.story_id = s.id)"
        " ORDER BY id")]


def article_thread_features(store, article_ids: list[str]) -> dict[str, dict]:
    """{article id: its stored thread features (threads.article_features)}."""
    return _json_in(store, "SELECT article_id, data FROM story_thread_articles WHERE article_id IN ({})", article_ids)


def save_article_thread_features(store, features: dict[str, dict]) -> None:
    store.db.executemany("INSERT OR REPLACE INTO story_thread_articles (article_id, data) VALUES (?, ?)",
                         [(aid, json.dumps(f, ensure_ascii=False)) for aid, f in features.items()])


def all_story_ids(store) -> list[str]:
    return [r[0] for r in store.db.execute("SELECT id FROM stories ORDER BY id")]


def save_signature(store, story_id: str, digest: str, day: float | None, data: dict, names: list[str]) -> None:
    """Replace the story's signature and its name index rows (day None: undated);
    its links are dropped, for the caller to make anew."""
    store.db.execute("INSERT OR REPLACE INTO story_signatures (story_id, digest, day, data) VALUES (?,?,?,?)",
                     (story_id, digest, day, json.dumps(data, ensure_ascii=False)))
    store.db.execute("DELETE FROM story_thread_names WHERE story_id = ?", (story_id,))
    store.db.executemany("INSERT OR IGNORE INTO story_thread_names (name, story_id, day) VALUES (?,?,?)",
                         [(n, story_id, day) for n in names])
    store.db.execute("DELETE FROM story_links WHERE story_a = ? OR story_b = ?", (story_id, story_id))


def signatures(store, story_ids: list[str]) -> dict[str, dict]:
    """{story id: its stored signature data}."""
    return _json_in(store, "SELECT story_id, data FROM story_signatures WHERE story_id IN ({})", story_ids)


def thread_candidates(store, name: str, day: float | None, max_days: float, limit: int) -> list[str]:
    """Up to `limit` stories with the core name: those whose day is within max_days of day,
    nearest first, then the undated ones; every one of them when day is None (undated)."""
    if day is None:
        return [r[0] for r in store.db.execute(
            "SELECT story_id FROM story_thread_names WHERE name = ? ORDER BY day IS NULL, story_id LIMIT ?",
            (name, limit))]
    return [r[0] for r in store.db.execute(
        "SELECT story_id FROM story_thread_names WHERE name = ? AND (day BETWEEN ? AND ? OR day IS NULL)"
        " ORDER BY day IS NULL, abs(day - ?), story_id LIMIT ?", (name, day - max_days, day + max_days, day, limit))]


def save_links(store, links: list[tuple[str, str, list[str]]]) -> None:
    """(story a, story b, shared names) thread links, a < b."""
    store.db.executemany("INSERT OR REPLACE INTO story_links (story_a, story_b, shared) VALUES (?,?,?)",
                         [(a, b, json.dumps(shared, ensure_ascii=False)) for a, b, shared in links])


def links_of(store, story_ids: list[str]) -> list[tuple[str, str, list[str]]]:
    """The thread links that touch the given stories."""
    out = []
    for chunk in _chunks(story_ids):
        marks = _marks(chunk)
        out += [(r[0], r[1], json.loads(r[2])) for r in store.db.execute(
            f"SELECT story_a, story_b, shared FROM story_links WHERE story_a IN ({marks}) OR story_b IN ({marks})",
            chunk + chunk)]
    return list(dict.fromkeys((a, b, tuple(s)) for a, b, s in out).keys())


def all_links(store) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in store.db.execute("SELECT story_a, story_b FROM story_links")]


def headlines(store, story_ids: list[str]) -> dict[str, str]:
    return _pairs_in(store, "SELECT id, headline FROM stories WHERE id IN ({})", story_ids)

"""Stories: articles grouped by the real-world event they report.

    assign_stories(store, new_articles)    # streaming: after each stored batch
    cluster_articles(articles)             # batch, no store: largest story first
    list_stories(store) / story_articles(store, id)
    merge_stories(store, ids) / split_story(store, id, article_ids)
    recluster(store)                       # rebuild from scratch, corrections kept

Ingest never runs the full NLP parse: it clusters on cheap features
(features.py) with the online algorithm of online.py; deep analysis runs
later, per story. Exact and near copies (dedup.CopyIndex) join their
original's story and are recorded as copies, not as independent reporting.

User corrections are kept as constraints: a merge or a split pins each
resulting part's articles together (a "group") and a split keeps its two
parts apart. Streaming moves an assigned article only when its whole story
merges into another (online.py: a one-article story that a later story has
come close to), never into a story it was split from, so corrections
survive later ingests; recluster() obeys the same constraints.
"""
from __future__ import annotations

import json
import uuid
import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from ..errors import StorylineError
from ..model import Article
from .dedup import CopyIndex
from .features import (EPOCH, ArticleFeatures, RawFeatures, TermStats, article_days, embed_leads,
                       headline_of, newest_day, raw_features, weigh)
from .online import ClusterConfig, OnlineClusterer

__all__ = ["ClusterConfig", "StoryStream", "assign_stories", "cluster_articles", "list_stories",
           "story_articles", "merge_stories", "split_story", "recluster"]


def new_story_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class Placement:
    """Where one article went."""

    article_id: str
    story_id: str
    new_story: bool
    copy_of: str | None = None
    features: ArticleFeatures | None = None  # None for copies (they do not shape centroids)


class StoryStream:
    """Online clustering state: open stories, copy index and term statistics.

    place() takes articles in publication order. Copies of an open article
    follow it into its story; everything else goes through the clusterer.
    """

    def __init__(self, config: ClusterConfig | None = None, stats: TermStats | None = None):
        self.config = config or ClusterConfig()
        self.clusterer = OnlineClusterer(self.config, new_story_id)
        self.copies = CopyIndex()
        self.stats = stats or TermStats(prior_docs=self.config.idf_prior_docs)

    def place(self, articles: list[Article], times: list[float | None],
              forced: dict[str, str] | None = None, apart: dict[str, set[str]] | None = None,
              embeddings: dict[str, np.ndarray] | None = None) -> list[Placement]:
        """Assign articles (already in publication order) to stories.

        forced: article id -> story id it must join (user corrections).
        apart: article id -> story ids it must not join.
        embeddings: known lead embeddings by article id (not recomputed).
        """
        forced, apart, known = forced or {}, apart or {}, embeddings or {}
        raws: list[RawFeatures] = []
        copy_of: dict[str, str] = {}
        for a, t in zip(articles, times):
            original = self.copies.add(a.id, a.text)
            if original is not None:
                copy_of[a.id] = original
            raws.append(raw_features(a, self.config.lead_chars, t))
        # Embed in one batch all that will not simply follow their original.
        in_batch = {a.id for a in articles}
        likely_follow = {aid for aid, orig in copy_of.items()
                         if aid not in forced and (orig in self.clusterer.story_of or orig in in_batch)}
        to_embed = [r for r in raws if r.article_id not in likely_follow and r.article_id not in known]
        vectors = dict(zip((r.article_id for r in to_embed), embed_leads([r.lead for r in to_embed])))
        vectors.update(known)

        open_before = set(self.clusterer.stories)
        merges_before = len(self.clusterer.merged)
        placements: list[Placement] = []
        for raw in raws:
            aid = raw.article_id
            if aid in self.clusterer.story_of and aid not in forced:  # the same text given twice
                placements.append(Placement(aid, self.clusterer.story_of[aid], False))
                continue
            original_story = self.clusterer.story_of.get(copy_of.get(aid, ""))
            if (original_story is not None and aid not in forced
                    and original_story not in apart.get(aid, ())):
                self.clusterer.add_member(original_story, aid, raw.time)
                placements.append(Placement(aid, original_story, False, copy_of[aid]))
                continue
            if aid not in vectors:  # its original is gone or barred: cluster it on its own
                vectors[aid] = embed_leads([raw.lead])[0]
            f = weigh(raw, vectors[aid], self.stats, self.config.max_terms)
            sid, created = self.clusterer.assign(f, forced.get(aid), apart.get(aid, set()))
            placements.append(Placement(aid, sid, created, copy_of.get(aid), f))
        for closed in self.clusterer.closed:
            for aid in closed:
                self.copies.remove(aid)
        self.clusterer.closed.clear()
        _follow_merges(placements, self.clusterer.merged[merges_before:], open_before)
        return placements


def _follow_merges(placements: list[Placement], merges: list[tuple[str, str]], open_before: set[str]) -> None:
    """Give placements the story their story merged into; a story is new
    for the first placement of a story that was not open before."""
    into = merge_map(merges)
    seen: set[str] = set()
    for p in placements:
        p.story_id = into.get(p.story_id, p.story_id)
        p.new_story = p.story_id not in open_before and p.story_id not in seen
        seen.add(p.story_id)


def merge_map(merges: list[tuple[str, str]]) -> dict[str, str]:
    """{absorbed story: the story it ended up in} from (absorbed, into) in merge order."""
    step = dict(merges)  # an absorbed story is gone, so each id is absorbed at most once

    def final(story: str) -> str:
        while story in step:
            story = step[story]
        return story

    return {absorbed: final(absorbed) for absorbed in step}


def cluster_articles(articles: list[Article], config: ClusterConfig | None = None) -> list[list[Article]]:
    """Group articles into stories without a store; largest story first.
    Dated articles stream in date order, undated ones after them, in input order."""
    newest = newest_day(articles)
    times = [article_days(a.published, newest) for a in articles]
    order = sorted(range(len(articles)), key=lambda i: (times[i] is None, times[i] or 0.0, i))
    stream = StoryStream(config)
    placements = stream.place([articles[i] for i in order], [times[i] for i in order])
    groups: dict[str, list[Article]] = {}  # insertion order = order of each story's first article
    for i, p in zip(order, placements):
        groups.setdefault(p.story_id, []).append(articles[i])
    return sorted(groups.values(), key=len, reverse=True)  # stable: ties keep stream order


# -- the store -----------------------------------------------------------------

# Tables: story_features, story_copies, story_df, story_groups, story_apart
# (migration v2 in storyline.store).
DOCS_ROW = ""  # story_df row whose df is the number of documents


@dataclass
class _Cached:
    generation: str
    stream: StoryStream


# One live stream per open Store, reused while no other writer changed the
# stories (checked through a generation counter in the cache table).
_STREAMS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _generation(store) -> str:
    value = store.cache_get("stories", "generation")
    return value.decode() if isinstance(value, bytes) else str(value or "")


def _bump_generation(store) -> str:
    gen = uuid.uuid4().hex
    store.cache_put("stories", "generation", gen.encode())
    return gen


def assign_stories(store, articles: list[Article], config: ClusterConfig | None = None) -> dict[str, str]:
    """Put newly stored articles into stories, in publication order.
    Articles that already have a story keep it, except that a small story
    can merge into a story that the new articles made close to it (see
    online.py); stories a user split stay apart. Returns {article id: story
    id} for the given articles."""
    config = config or ClusterConfig()
    result: dict[str, str] = {}
    existing = store.stories_of([a.id for a in articles])
    fresh = [a for a in articles if a.id not in existing and a.id not in result]
    result.update({a.id: existing[a.id] for a in articles if a.id in existing})
    unique = list({a.id: a for a in fresh}.values())
    if not unique:
        return result
    times = _article_times(store, unique)
    unique.sort(key=lambda a: times[a.id])  # stable: same-day articles keep their arrival order
    cached = _STREAMS.get(store)
    if cached is None or cached.generation != _generation(store) or cached.stream.config != config:
        cached = _Cached("", _load_stream(store, config, max(times.values())))
    stream = cached.stream
    placements = stream.place(unique, [times[a.id] for a in unique])
    merged_into = merge_map(stream.clusterer.merged)
    stream.clusterer.merged.clear()
    by_id = {a.id: a for a in unique}
    with store.transaction():
        _save_placements(store, placements, by_id, times)
        _save_merges(store, merged_into)
        cached.generation = _bump_generation(store)
    _STREAMS[store] = cached
    result.update({p.article_id: p.story_id for p in placements})
    result.update({aid: merged_into.get(sid, sid) for aid, sid in result.items()})
    return result


def _save_merges(store, merged_into: dict[str, str]) -> None:
    """Move the articles of stored stories that merged into another story."""
    for absorbed, target in merged_into.items():
        store.db.execute("UPDATE story_articles SET story_id = ? WHERE story_id = ?", (target, absorbed))
        store.db.execute("DELETE FROM stories WHERE id = ?", (absorbed,))


def _article_times(store, articles: list[Article]) -> dict[str, float]:
    """Publication day (a date without a year: in the year nearest the newest
    dated article among them), else the day the article was stored (it arrived then)."""
    newest = newest_day(articles)
    times: dict[str, float | None] = {a.id: article_days(a.published, newest) for a in articles}
    undated = [aid for aid, t in times.items() if t is None]
    stored = {}
    for chunk in _chunks(undated, 500):
        marks = ",".join("?" * len(chunk))
        stored.update(store.db.execute(
            f"SELECT id, ingested_at FROM articles WHERE id IN ({marks})", chunk).fetchall())
    now = _days(datetime.now(timezone.utc).replace(tzinfo=None))
    for aid in undated:
        times[aid] = _days(datetime.fromisoformat(stored[aid])) if aid in stored else now
    return times


def _days(moment: datetime) -> float:
    return (moment - datetime(EPOCH.year, EPOCH.month, EPOCH.day)).total_seconds() / 86400.0


def _load_stream(store, config: ClusterConfig, newest: float) -> StoryStream:
    """Rebuild the open stories (last article within the window) from the store."""
    docs = store.db.execute("SELECT df FROM story_df WHERE term = ?", (DOCS_ROW,)).fetchone()
    stats = TermStats({r[0]: r[1] for r in store.db.execute(
        "SELECT term, df FROM story_df WHERE term != ?", (DOCS_ROW,))}, docs[0] if docs else 0,
        config.idf_prior_docs)
    stream = StoryStream(config, stats)
    row = store.db.execute("SELECT max(time) FROM story_features").fetchone()
    now = max(newest, row[0]) if row[0] is not None else newest
    rows = store.db.execute(
        """SELECT f.article_id, f.time, f.embedding, f.terms, f.entities, sa.story_id,
                  c.original_id, a.text
           FROM story_articles sa
           JOIN story_features f ON f.article_id = sa.article_id
           JOIN articles a ON a.id = sa.article_id
           LEFT JOIN story_copies c ON c.article_id = sa.article_id
           WHERE sa.story_id IN (SELECT sa2.story_id FROM story_articles sa2
                                 JOIN story_features f2 ON f2.article_id = sa2.article_id
                                 GROUP BY sa2.story_id HAVING max(f2.time) >= ?)
           ORDER BY f.time, a.ingested_at, a.rowid""",
        (now - config.window_days,)).fetchall()
    clusterer = stream.clusterer
    for r in rows:
        stream.copies.add(r["article_id"], r["text"])
        if r["embedding"] is None:  # a copy: a member without vectors
            clusterer.add_member(r["story_id"], r["article_id"], r["time"])
        else:
            clusterer.add(_features_from_row(r), r["story_id"])
    for a, b in _apart_stories(store):
        if a in clusterer.stories and b in clusterer.stories:
            clusterer.keep_apart(a, b)
    clusterer.advance(now)
    for closed in clusterer.closed:
        for aid in closed:
            stream.copies.remove(aid)
    clusterer.closed.clear()
    return stream


def _apart_stories(store) -> set[tuple[str, str]]:
    """Pairs of stories that hold groups a user split apart."""
    return {(r[0], r[1]) for r in store.db.execute(
        """SELECT DISTINCT sa.story_id, sb.story_id FROM story_apart ap
           JOIN story_groups ga ON ga.group_id = ap.group_a
           JOIN story_groups gb ON gb.group_id = ap.group_b
           JOIN story_articles sa ON sa.article_id = ga.article_id
           JOIN story_articles sb ON sb.article_id = gb.article_id""")}


def _features_from_row(r) -> ArticleFeatures:
    return ArticleFeatures(r["article_id"], r["time"], np.frombuffer(r["embedding"], dtype=np.float32).copy(),
                           json.loads(r["terms"]), json.loads(r["entities"]))


def _save_placements(store, placements: list[Placement], by_id: dict[str, Article],
                     times: dict[str, float]) -> None:
    db = store.db
    df: Counter = Counter()
    for p in placements:
        if p.new_story:
            db.execute("INSERT INTO stories (id, headline) VALUES (?, ?)",
                       (p.story_id, headline_of(by_id[p.article_id])))
        db.execute("INSERT INTO story_articles (story_id, article_id) VALUES (?, ?)", (p.story_id, p.article_id))
        f = p.features
        db.execute(
            "INSERT OR REPLACE INTO story_features (article_id, time, embedding, terms, entities)"
            " VALUES (?,?,?,?,?)",
            (p.article_id, times[p.article_id], f.embedding.astype(np.float32).tobytes() if f else None,
             json.dumps(f.terms) if f else "{}", json.dumps(f.entities) if f else "{}"))
        if p.copy_of:
            db.execute("INSERT OR REPLACE INTO story_copies (article_id, original_id) VALUES (?, ?)",
                       (p.article_id, p.copy_of))
        if f:
            df.update(f.terms.keys() | f.entities.keys())
            df[DOCS_ROW] += 1
    db.executemany("INSERT INTO story_df (term, df) VALUES (?, ?)"
                   " ON CONFLICT(term) DO UPDATE SET df = df + excluded.df", df.items())


# -- listing -------------------------------------------------------------------

def list_stories(store) -> list[dict]:
    """Every story, largest first: id, headline, first_date, last_date (ISO,
    None when undated), articles, outlets (distinct outlet names; an article
    without one counts as its own), independent_sources (articles that are
    not copies of another article of the story)."""
    rows = store.db.execute(
        """SELECT s.id, s.headline, min(a.published) AS first_date, max(a.published) AS last_date,
                  count(*) AS articles,
                  count(DISTINCT coalesce(lower(a.outlet), a.id)) AS outlets,
                  sum(c.original_id IS NOT NULL AND c.original_id IN
                      (SELECT article_id FROM story_articles WHERE story_id = s.id)) AS copies
           FROM stories s
           JOIN story_articles sa ON sa.story_id = s.id
           JOIN articles a ON a.id = sa.article_id
           LEFT JOIN story_copies c ON c.article_id = a.id
           GROUP BY s.id
           ORDER BY articles DESC, last_date DESC, s.created_at, s.id""").fetchall()
    return [{"id": r["id"], "headline": r["headline"], "first_date": r["first_date"],
             "last_date": r["last_date"], "articles": r["articles"], "outlets": r["outlets"],
             "independent_sources": r["articles"] - (r["copies"] or 0)} for r in rows]


def resolve_story(store, story_id: str) -> str:
    """Full story id from an id or a unique prefix of one."""
    rows = store.db.execute("SELECT id FROM stories WHERE id LIKE ? || '%' ORDER BY id LIMIT 2",
                            (story_id,)).fetchall()
    exact = [r[0] for r in rows if r[0] == story_id]
    if exact:
        return exact[0]
    if len(rows) != 1:
        what = "no" if not rows else "more than one"
        raise StorylineError(f"{what} story with id {story_id!r}")
    return rows[0][0]


def story_articles(store, story_id: str) -> list[Article]:
    """The story's articles in publication order (id prefixes accepted)."""
    return list(store.articles(_member_ids(store, resolve_story(store, story_id))))


def _member_ids(store, story_id: str) -> list[str]:
    return [r[0] for r in store.db.execute(
        """SELECT sa.article_id FROM story_articles sa JOIN articles a ON a.id = sa.article_id
           LEFT JOIN story_features f ON f.article_id = a.id
           WHERE sa.story_id = ? ORDER BY coalesce(f.time, 0), a.published, a.ingested_at, a.rowid""",
        (story_id,))]


# -- corrections ---------------------------------------------------------------

def merge_stories(store, story_ids: list[str]) -> str:
    """Merge the stories into the first one given; returns its id. Their
    articles stay together in later ingests and reclusters."""
    ids = list(dict.fromkeys(resolve_story(store, s) for s in story_ids))
    if len(ids) < 2:
        raise StorylineError("merge needs at least two different stories")
    target = ids[0]
    members = [a for sid in ids for a in _member_ids(store, sid)]
    with store.transaction():
        for sid in ids[1:]:
            store.db.execute("UPDATE story_articles SET story_id = ? WHERE story_id = ?", (target, sid))
            store.db.execute("DELETE FROM stories WHERE id = ?", (sid,))
        _regroup(store, {new_story_id(): members})
        _bump_generation(store)
    return target


def split_story(store, story_id: str, article_ids: list[str]) -> str:
    """Move the given articles (id prefixes accepted; their copies follow
    them) out of the story into a new one; returns the new story's id.
    Both parts stay apart, and each stays whole, in later ingests and reclusters."""
    sid = resolve_story(store, story_id)
    members = _member_ids(store, sid)
    moved: list[str] = []
    for prefix in article_ids:
        match = [m for m in members if m.startswith(prefix)]
        if len(match) != 1:
            what = "no" if not match else "more than one"
            raise StorylineError(f"{what} article of story {sid} with id {prefix!r}")
        moved.append(match[0])
    copies = {r[0]: r[1] for r in store.db.execute(
        "SELECT article_id, original_id FROM story_copies WHERE original_id IN (%s)" % ",".join("?" * len(moved)),
        moved)}
    moved_set = set(moved) | {c for c, orig in copies.items() if c in members}
    rest = [m for m in members if m not in moved_set]
    if not rest:
        raise StorylineError("split would leave the story empty: name only the articles to move")
    new_id = new_story_id()
    moved_ordered = [m for m in members if m in moved_set]
    with store.transaction():
        store.db.execute("INSERT INTO stories (id, headline) VALUES (?, ?)",
                         (new_id, headline_of(store.get_article(moved_ordered[0]))))
        store.db.executemany("UPDATE story_articles SET story_id = ? WHERE article_id = ? AND story_id = ?",
                             [(new_id, m, sid) for m in moved_ordered])
        store.db.execute("UPDATE stories SET headline = ? WHERE id = ?",
                         (headline_of(store.get_article(rest[0])), sid))
        g_moved, g_rest = new_story_id(), new_story_id()
        _regroup(store, {g_moved: moved_ordered, g_rest: rest})
        store.db.execute("INSERT OR IGNORE INTO story_apart (group_a, group_b) VALUES (?, ?)", (g_moved, g_rest))
        _bump_generation(store)
    return new_id


def _regroup(store, groups: dict[str, list[str]]) -> None:
    """Give each listed article its new group. Apart-links of the groups they
    left carry over to the new groups (except between the new groups
    themselves, which the caller decides)."""
    db = store.db
    new_of = {a: g for g, members in groups.items() for a in members}
    old_of = dict(_group_rows(store, list(new_of)))
    links = db.execute("SELECT group_a, group_b FROM story_apart").fetchall()
    old_groups = set(old_of.values())
    carried: set[tuple[str, str]] = set()
    for a, b in links:
        for side, other in ((a, b), (b, a)):
            if side in old_groups and other not in old_groups:
                for art, g_old in old_of.items():
                    if g_old == side:
                        carried.add(tuple(sorted((new_of[art], other))))
    for g in old_groups:
        db.execute("DELETE FROM story_apart WHERE group_a = ? OR group_b = ?", (g, g))
    db.executemany("INSERT OR REPLACE INTO story_groups (article_id, group_id) VALUES (?, ?)", new_of.items())
    db.executemany("INSERT OR IGNORE INTO story_apart (group_a, group_b) VALUES (?, ?)", carried)


def _group_rows(store, ids: list[str]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for chunk in _chunks(ids, 500):
        rows += store.db.execute(
            "SELECT article_id, group_id FROM story_groups WHERE article_id IN (%s)" % ",".join("?" * len(chunk)),
            chunk).fetchall()
    return [(r[0], r[1]) for r in rows]


# -- rebuild -------------------------------------------------------------------

def recluster(store, config: ClusterConfig | None = None) -> int:
    """Rebuild all stories from scratch, streaming every stored article in
    publication order with the user's corrections as constraints. Lead
    embeddings already stored are reused. Returns the number of stories.

    For articles that were ingested in publication order this reproduces
    the streaming result exactly; articles ingested out of order can land
    differently (the streaming pass saw them late)."""
    config = config or ClusterConfig()
    db = store.db
    articles = list(store.articles())
    times = _article_times(store, articles)
    order = {r[0]: i for i, r in enumerate(db.execute("SELECT id FROM articles ORDER BY ingested_at, rowid"))}
    articles.sort(key=lambda a: (times[a.id], order[a.id]))
    embeddings = {r[0]: np.frombuffer(r[1], dtype=np.float32).copy() for r in db.execute(
        "SELECT article_id, embedding FROM story_features WHERE embedding IS NOT NULL")}
    group_of = dict(_group_rows(store, [a.id for a in articles]))
    apart_groups: dict[str, set[str]] = {}
    for a, b in db.execute("SELECT group_a, group_b FROM story_apart"):
        apart_groups.setdefault(a, set()).add(b)
        apart_groups.setdefault(b, set()).add(a)
    old_story = {r[0]: r[1] for r in db.execute("SELECT article_id, story_id FROM story_articles")}
    never_seen = [a for a in articles if a.id not in old_story and a.id not in embeddings]
    leads = [raw_features(a, config.lead_chars).lead for a in never_seen]
    embeddings.update(zip((a.id for a in never_seen), embed_leads(leads)))

    stream = StoryStream(config)
    story_of_group: dict[str, str] = {}
    placements: list[Placement] = []
    merges: list[tuple[str, str]] = []
    for a in articles:  # one at a time: constraints depend on where earlier groups went
        g = group_of.get(a.id)
        forced = {a.id: story_of_group[g]} if g in story_of_group else None
        apart = {a.id: {story_of_group[o] for o in apart_groups.get(g, ()) if o in story_of_group}} if g else None
        known = {a.id: embeddings[a.id]} if a.id in embeddings else None
        p = stream.place([a], [times[a.id]], forced, apart, known)[0]
        if stream.clusterer.merged:  # groups placed earlier may have moved with their story
            merges += stream.clusterer.merged
            step = merge_map(stream.clusterer.merged)
            story_of_group = {grp: step.get(sid, sid) for grp, sid in story_of_group.items()}
            stream.clusterer.merged.clear()
        if g is not None:
            story_of_group.setdefault(g, p.story_id)
        placements.append(p)
    merged_into = merge_map(merges)
    for p in placements:
        p.story_id = merged_into.get(p.story_id, p.story_id)

    renamed = _stable_ids(placements, old_story)
    for p in placements:
        p.story_id = renamed[p.story_id]
    by_id = {a.id: a for a in articles}
    with store.transaction():
        db.execute("DELETE FROM story_articles")
        db.execute("DELETE FROM stories")
        db.execute("DELETE FROM story_copies")
        db.execute("DELETE FROM story_df")
        seen: set[str] = set()
        for p in placements:
            p.new_story = p.story_id not in seen
            seen.add(p.story_id)
        _save_placements(store, placements, by_id, times)
        gen = _bump_generation(store)
    _STREAMS[store] = _Cached(gen, stream)
    return len(seen)


def _stable_ids(placements: list[Placement], old_story: dict[str, str]) -> dict[str, str]:
    """Map each rebuilt story to the old story id it shares most articles with
    (each old id used once), so ids users have seen stay valid."""
    overlap: Counter = Counter((p.story_id, old_story[p.article_id]) for p in placements
                               if p.article_id in old_story)
    renamed: dict[str, str] = {}
    used: set[str] = set()
    for (new, old), _ in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0])):
        if new not in renamed and old not in used:
            renamed[new] = old
            used.add(old)
    for p in placements:
        renamed.setdefault(p.story_id, p.story_id)
    return renamed


def _chunks(items: list, n: int) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]

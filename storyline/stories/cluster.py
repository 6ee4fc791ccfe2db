"""Stories: articles grouped by the real-world event they report.

    assign_stories(store, new_articles)    # streaming: after each stored batch
    cluster_articles(articles)             # batch, no store: largest story first
    list_stories(store) / story_meta(store, id) / story_articles(store, id)
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

import uuid
import weakref
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from ..errors import StorylineError
from ..model import Article, PartialDate
from . import storage
from ..settings import DedupSettings
from .dedup import CopyIndex
from .features import (EPOCH, ArticleFeatures, RawFeatures, TermStats, article_days, embed_leads,
                       event_day, event_tested, headline_of, is_roundup, newest_day, raw_features, weigh)
from .online import ClusterConfig, OnlineClusterer

__all__ = ["ClusterConfig", "StoryStream", "assign_stories", "cluster_articles", "list_stories",
           "story_meta", "story_copies", "story_articles", "merge_stories", "split_story", "recluster"]


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

    def __init__(self, config: ClusterConfig | None = None, stats: TermStats | None = None,
                 dedup: DedupSettings | None = None):
        self.config = config or ClusterConfig()
        self.dedup = dedup or DedupSettings()
        self.clusterer = OnlineClusterer(self.config, new_story_id)
        self.copies = CopyIndex(self.dedup)
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


def cluster_articles(articles: list[Article], config: ClusterConfig | None = None,
                     dedup: DedupSettings | None = None) -> list[list[Article]]:
    """Group articles into stories without a store; largest story first.
    Dated articles stream in date order, undated ones after them, in input order."""
    newest = newest_day(articles)
    times = [article_days(a.published, newest) for a in articles]
    order = sorted(range(len(articles)), key=lambda i: (times[i] is None, times[i] or 0.0, i))
    stream = StoryStream(config, dedup=dedup)
    placements = stream.place([articles[i] for i in order], [times[i] for i in order])
    groups: dict[str, list[Article]] = {}  # insertion order = order of each story's first article
    for i, p in zip(order, placements):
        groups.setdefault(p.story_id, []).append(articles[i])
    return sorted(groups.values(), key=len, reverse=True)  # stable: ties keep stream order


# -- the store -----------------------------------------------------------------
# Tables and SQL: storage.py.

@dataclass
class _Cached:
    generation: str
    stream: StoryStream


# One live stream per open Store, reused while no other writer changed the
# stories (storage.generation).
_STREAMS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


@dataclass
class _Plan:
    """Where articles without a story go: placements not yet written."""

    stream: StoryStream  # the clustering state once they are placed
    placements: list[Placement]
    merged_into: dict[str, str]  # stored story -> the story it merged into
    by_id: dict[str, Article]
    times: dict[str, float]


def assign_stories(store, articles: list[Article], config: ClusterConfig | None = None,
                   dedup: DedupSettings | None = None) -> dict[str, str]:
    """Put stored articles into stories, in publication order: the given ones and
    every other stored article that has no story (an ingest killed between storing
    a batch and placing it leaves such articles, and whatever places articles next
    places them too). Articles that already have a story keep it, except that a
    small story can merge into a story that the new articles made close to it (see
    online.py); stories a user split stay apart. Returns {article id: story id}
    for the given articles."""
    config, dedup = config or ClusterConfig(), dedup or DedupSettings()
    vectors: dict[str, np.ndarray] = {}  # lead embeddings, kept should the placement be redone
    generation = storage.generation(store)
    plan = _plan(store, articles, config, dedup, generation, vectors)  # outside the write lock: embedding is slow
    if plan is None:
        return store.stories_of([a.id for a in articles])
    with store.transaction():
        if storage.generation(store) != generation:
            # Another process placed articles meanwhile (perhaps these): place again, under the lock.
            generation = storage.generation(store)
            plan = _plan(store, articles, config, dedup, generation, vectors)
        if plan is not None:
            _save_placements(store, plan.placements, plan.by_id, plan.times)
            for absorbed, target in plan.merged_into.items():
                storage.merge_into(store, absorbed, target)
            _retitle(store, list(plan.merged_into.values()), plan.by_id)
            generation = storage.bump_generation(store)
    if plan is not None:
        _STREAMS[store] = _Cached(generation, plan.stream)
    return store.stories_of([a.id for a in articles])


def _plan(store, articles: list[Article], config: ClusterConfig, dedup: DedupSettings, generation: str,
          vectors: dict[str, np.ndarray]) -> _Plan | None:
    """Placements of every stored article without a story (the given objects are
    used for those given) on the stories as stored at `generation`; None when
    every article has a story. vectors: lead embeddings known, and those computed."""
    unplaced = storage.unplaced_article_ids(store)
    if not unplaced:
        return None
    given = {a.id: a for a in articles}
    read = {a.id: a for a in store.articles([aid for aid in unplaced if aid not in given])}
    todo = [given.get(aid) or read[aid] for aid in unplaced]
    times = _article_times(todo)
    todo.sort(key=_time_order(times))  # stable: same-day articles keep their arrival order
    dated = [t for t in times.values() if t is not None]
    oldest, newest = (min(dated), max(dated)) if dated else (None, None)
    cached = _STREAMS.pop(store, None)  # put back only once its placements are written
    if cached is not None and cached.generation == generation and (cached.stream.config, cached.stream.dedup) \
            == (config, dedup) and _in_order(cached.stream, oldest):
        stream = cached.stream
    else:
        stream = _load_stream(store, config, dedup, oldest, newest)
    placements = stream.place(todo, [times[a.id] for a in todo], embeddings=vectors)
    vectors.update({p.article_id: p.features.embedding for p in placements if p.features is not None})
    merged_into = merge_map(stream.clusterer.merged)
    stream.clusterer.merged.clear()
    return _Plan(stream, placements, merged_into, {a.id: a for a in todo}, _kept_times(store, stream, placements, times))


def _article_times(articles: list[Article]) -> dict[str, float | None]:
    """Publication day (a date without a year: in the year nearest the newest dated article
    among them); None for an article without a date. Its time is unknown, not the moment it
    was stored: an undated page of a 2019 crawl is not news of the day it was ingested."""
    newest = newest_day(articles)
    return {a.id: article_days(a.published, newest) for a in articles}


def _time_order(times: dict[str, float | None]):
    """Sort key: dated articles in time order, then the undated ones (they see every dated
    story of the batch first, and take their time from the one they join)."""
    return lambda a: (times[a.id] is None, times[a.id] or 0.0)


def _kept_times(store, stream: StoryStream, placements: list[Placement],
                times: dict[str, float | None]) -> dict[str, float]:
    """The time stored with each placed article, for ordering and for closing its story:
    its own day; for an undated article, the newest day of the dated articles of the story it
    joined, else the newest day the stream has seen, else (a store of undated articles only)
    the day it was stored. Its own date stays unknown (the article's `published`), and it is
    never decayed on this time (see _load_stream)."""
    kept: dict[str, float] = {}
    undated = [p.article_id for p in placements if times.get(p.article_id) is None]
    stored = storage.ingested_at(store, undated) if undated and stream.clusterer.now is None else {}
    for p in placements:
        t = times.get(p.article_id)
        if t is None:
            story = stream.clusterer.stories.get(p.story_id)
            t = story.last if story is not None and story.last is not None else stream.clusterer.now
        if t is None:
            moment = stored.get(p.article_id)
            t = _days(datetime.fromisoformat(moment)) if moment else \
                _days(datetime.now(timezone.utc).replace(tzinfo=None))
        kept[p.article_id] = t
    return kept


def _days(moment: datetime) -> float:
    return (moment - datetime(EPOCH.year, EPOCH.month, EPOCH.day)).total_seconds() / 86400.0


def _in_order(stream: StoryStream, oldest: float | None) -> bool:
    """Whether a live stream can place a batch whose oldest dated article is at `oldest`: the
    batch is not older than the stream's clock, so no story it could join has been closed."""
    return oldest is None or stream.clusterer.now is None or oldest >= stream.clusterer.now


def _load_stream(store, config: ClusterConfig, dedup: DedupSettings, oldest: float | None,
                 newest: float | None) -> StoryStream:
    """Rebuild from the store every story a batch could join: those open at its oldest dated
    article (the last article within the window before it) and all later ones, so that a late
    copy of an article of June joins June's story even once the store holds September. The
    clock is then set to the newest time known without closing any of them: no story closes
    within a batch, so its undated articles, placed last, still find the stories of its
    dated ones. An article without a date of its own is loaded without a time (no decay on
    it); its stored time (see _kept_times) only keeps its story open."""
    df, docs = storage.document_frequencies(store)
    stream = StoryStream(config, TermStats(df, docs, config.idf_prior_docs), dedup)
    known = [t for t in (newest, storage.newest_time(store)) if t is not None]
    if not known:  # an empty store
        return stream
    now = max(known)
    start = min(oldest, now) if oldest is not None else now
    clusterer = stream.clusterer
    for m in storage.open_story_members(store, start - config.window_days):
        stream.copies.add(m.article_id, m.text)
        own = article_days(PartialDate.parse(m.published), m.time)
        if m.features is None:  # a copy: a member without vectors
            clusterer.add_member(m.story_id, m.article_id, own)
        else:
            m.features.time, m.features.language = own, m.language
            m.features.roundup, m.features.titled = is_roundup(m.title, m.text), event_tested(m.title, m.text)
            m.features.day = event_day(m.title, m.text, PartialDate.parse(m.published))
            clusterer.add(m.features, m.story_id)
        story = clusterer.stories[m.story_id]
        story.seen = m.time if story.seen is None else max(story.seen, m.time)
    for a, b in storage.apart_story_pairs(store):
        if a in clusterer.stories and b in clusterer.stories:
            clusterer.keep_apart(a, b)
    clusterer.advance(start)
    clusterer.advance(now, close=False)
    for closed in clusterer.closed:
        for aid in closed:
            stream.copies.remove(aid)
    clusterer.closed.clear()
    return stream


def _save_placements(store, placements: list[Placement], by_id: dict[str, Article],
                     times: dict[str, float]) -> None:
    df: Counter = Counter()
    for p in placements:
        if p.features:
            df.update(p.features.terms.keys() | p.features.entities.keys())
            df[storage.DOCS_ROW] += 1
    storage.add_stories(store, [(p.story_id, "") for p in placements if p.new_story])
    storage.add_members(store, [(p.story_id, p.article_id) for p in placements])
    _retitle(store, [p.story_id for p in placements], by_id)
    storage.save_features(store, [(p.article_id, times[p.article_id], p.features) for p in placements])
    storage.save_copies(store, [(p.article_id, p.copy_of) for p in placements if p.copy_of])
    storage.add_document_frequencies(store, df)


def _retitle(store, story_ids: list[str], known: dict[str, Article]) -> None:
    """Give the stories the headline of all their articles (features.headline_of, the one
    the brief shows too); known: articles at hand, the others are read from the store."""
    for sid in dict.fromkeys(story_ids):
        ids = storage.member_ids(store, sid)
        articles = [known[i] if i in known else store.get_article(i) for i in ids]
        storage.set_headline(store, sid, headline_of([a for a in articles if a is not None]))


# -- listing -------------------------------------------------------------------

def list_stories(store) -> list[dict]:
    """Every story, largest first: id, headline, first_date, last_date (ISO,
    None when undated), articles, outlets (distinct outlet names; an article
    without one counts as its own), independent_sources (articles that are
    not copies of another article of the story), roundup (a story of one page of many
    events, features.is_roundup: nothing joins it)."""
    roundups = _roundups(storage.lone_articles(store))
    return [_story_entry(row, row["id"] in roundups) for row in storage.story_summaries(store)]


def _roundups(lone: dict[str, tuple[str, str]]) -> set[str]:
    return {sid for sid, (title, text) in lone.items() if is_roundup(title, text)}


def story_meta(store, story_id: str) -> dict:
    """One story's entry of list_stories (id or a unique prefix of one), reading that story only."""
    full = resolve_story(store, story_id)
    rows = storage.story_summaries(store, full)
    if not rows:  # a story row without articles: none to show
        raise StorylineError(f"no story with id {story_id!r}")
    return _story_entry(rows[0], full in _roundups(storage.lone_articles(store, full)))


def _story_entry(row: dict, roundup: bool = False) -> dict:
    fields = ("id", "headline", "first_date", "last_date", "articles", "outlets")
    return {**{f: row[f] for f in fields}, "independent_sources": row["articles"] - row["copies"],
            "roundup": roundup}


def resolve_story(store, story_id: str) -> str:
    """Full story id from an id or a unique prefix of one."""
    ids = storage.story_ids_with_prefix(store, story_id)
    if story_id in ids:
        return story_id
    if len(ids) != 1:
        what = "no" if not ids else "more than one"
        raise StorylineError(f"{what} story with id {story_id!r}")
    return ids[0]


def story_copies(store, story_id: str) -> dict[str, str]:
    """{copy id: original id} within the story: the links its articles got when they were
    placed (dedup.CopyIndex), the same that list_stories counts."""
    return storage.copies_within(store, resolve_story(store, story_id))


def story_articles(store, story_id: str) -> list[Article]:
    """The story's articles in publication order (id prefixes accepted)."""
    return list(store.articles(storage.member_ids(store, resolve_story(store, story_id))))


# -- corrections ---------------------------------------------------------------

def merge_stories(store, story_ids: list[str]) -> str:
    """Merge the stories into the first one given; returns its id. Their
    articles stay together in later ingests and reclusters."""
    ids = list(dict.fromkeys(resolve_story(store, s) for s in story_ids))
    if len(ids) < 2:
        raise StorylineError("merge needs at least two different stories")
    target = ids[0]
    members = [a for sid in ids for a in storage.member_ids(store, sid)]
    with store.transaction():
        for sid in ids[1:]:
            storage.merge_into(store, sid, target)
        _retitle(store, [target], {})
        _regroup(store, {new_story_id(): members})
        storage.bump_generation(store)
    return target


def split_story(store, story_id: str, article_ids: list[str]) -> str:
    """Move the given articles (id prefixes accepted; their copies follow
    them) out of the story into a new one; returns the new story's id.
    Both parts stay apart, and each stays whole, in later ingests and reclusters."""
    sid = resolve_story(store, story_id)
    members = storage.member_ids(store, sid)
    moved: list[str] = []
    for prefix in article_ids:
        match = [m for m in members if m.startswith(prefix)]
        if len(match) != 1:
            what = "no" if not match else "more than one"
            raise StorylineError(f"{what} article of story {sid} with id {prefix!r}")
        moved.append(match[0])
    moved_set = set(moved) | {c for c in storage.copies_of(store, moved) if c in members}
    rest = [m for m in members if m not in moved_set]
    if not rest:
        raise StorylineError("split would leave the story empty: name only the articles to move")
    new_id = new_story_id()
    moved_ordered = [m for m in members if m in moved_set]
    with store.transaction():
        storage.add_stories(store, [(new_id, headline_of(list(store.articles(moved_ordered))))])
        storage.move_members(store, moved_ordered, sid, new_id)
        storage.set_headline(store, sid, headline_of(list(store.articles(rest))))
        g_moved, g_rest = new_story_id(), new_story_id()
        _regroup(store, {g_moved: moved_ordered, g_rest: rest})
        storage.add_apart_links(store, [(g_moved, g_rest)])
        storage.bump_generation(store)
    return new_id


def _regroup(store, groups: dict[str, list[str]]) -> None:
    """Give each listed article its new group. Apart-links of the groups they
    left carry over to the new groups (except between the new groups
    themselves, which the caller decides)."""
    new_of = {a: g for g, members in groups.items() for a in members}
    old_of = storage.groups_of(store, list(new_of))
    old_groups = set(old_of.values())
    carried: set[tuple[str, str]] = set()
    for a, b in storage.apart_links(store):
        for side, other in ((a, b), (b, a)):
            if side in old_groups and other not in old_groups:
                for art, g_old in old_of.items():
                    if g_old == side:
                        carried.add(tuple(sorted((new_of[art], other))))
    storage.drop_apart_links(store, old_groups)
    storage.set_groups(store, new_of)
    storage.add_apart_links(store, carried)


# -- rebuild -------------------------------------------------------------------

def recluster(store, config: ClusterConfig | None = None, dedup: DedupSettings | None = None) -> int:
    """Rebuild all stories from scratch, streaming every stored article in
    publication order with the user's corrections as constraints. Lead
    embeddings already stored are reused. Returns the number of stories.

    For articles that were ingested in publication order this reproduces
    the streaming result exactly; articles ingested out of order can land
    differently (the streaming pass saw them late)."""
    config = config or ClusterConfig()
    articles = list(store.articles())
    times = _article_times(articles)
    order = storage.ingest_order(store)
    articles.sort(key=lambda a: (*_time_order(times)(a), order[a.id]))
    old_story = storage.memberships(store)
    embeddings = storage.stored_embeddings(store)
    never_seen = [a for a in articles if a.id not in old_story and a.id not in embeddings]
    leads = [raw_features(a, config.lead_chars).lead for a in never_seen]
    embeddings.update(zip((a.id for a in never_seen), embed_leads(leads)))

    stream = StoryStream(config, dedup=dedup)
    placements = _replay(store, stream, articles, times, embeddings)
    kept = _kept_times(store, stream, placements, times)
    renamed = _stable_ids(placements, old_story)
    seen: set[str] = set()
    for p in placements:
        p.story_id = renamed[p.story_id]
        p.new_story = p.story_id not in seen
        seen.add(p.story_id)
    with store.transaction():
        storage.delete_stories(store, sorted(set(old_story.values()) - seen))  # with their cached briefs
        storage.clear_stories(store)
        _save_placements(store, placements, {a.id: a for a in articles}, kept)
        generation = storage.bump_generation(store)
    _STREAMS[store] = _Cached(generation, stream)
    return len(seen)


def _replay(store, stream: StoryStream, articles: list[Article], times: dict[str, float | None],
            embeddings: dict[str, np.ndarray]) -> list[Placement]:
    """Place the articles one at a time (constraints depend on where earlier
    groups went): an article of a group joins the story its group went to,
    never one that holds a group kept apart from it."""
    group_of = storage.groups_of(store, [a.id for a in articles])
    apart_groups: dict[str, set[str]] = {}
    for a, b in storage.apart_links(store):
        apart_groups.setdefault(a, set()).add(b)
        apart_groups.setdefault(b, set()).add(a)
    story_of_group: dict[str, str] = {}
    placements: list[Placement] = []
    merges: list[tuple[str, str]] = []
    for a in articles:
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
    return placements


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


# -- batch placement (storyline/backfill.py) -------------------------------------
# A backfill places an archive window by window, each through a StoryStream of its own,
# and writes the placements itself: these give it the streaming path's own steps.

def kept_times(stream: StoryStream, placements: list[Placement], times: dict[str, float | None]) -> dict[str, float | None]:
    """_kept_times without a store: an undated article takes the newest day of its story, else
    the newest day the stream saw; None when neither is known (the writer gives it one)."""
    kept: dict[str, float | None] = {}
    for p in placements:
        t = times.get(p.article_id)
        if t is None:
            story = stream.clusterer.stories.get(p.story_id)
            t = story.last if story is not None and story.last is not None else stream.clusterer.now
        kept[p.article_id] = t
    return kept


def save_placed(store, placements: list[Placement], articles: list[Article], times: dict[str, float | None],
                merged_into: dict[str, str] | None = None) -> None:
    """Write placements made elsewhere (a backfill's windows) as assign_stories writes its own,
    in the caller's transaction; an article without a time gets the day it is stored. Then
    merged_into {stored story: story it merged into}: each absorbed story's articles move to
    its target (storage.merge_into), as assign_stories does with the stored stories its
    placements merged."""
    now = _days(datetime.now(timezone.utc).replace(tzinfo=None))
    by_id = {a.id: a for a in articles}
    _save_placements(store, placements, by_id, {aid: (now if t is None else t) for aid, t in times.items()})
    for absorbed, target in (merged_into or {}).items():
        storage.merge_into(store, absorbed, target)
    _retitle(store, list((merged_into or {}).values()), by_id)
    storage.bump_generation(store)


def stored_stream(store, config: ClusterConfig, dedup: DedupSettings) -> StoryStream:
    """The clustering state of the stored stories still open (what the next ingest continues)."""
    return _load_stream(store, config, dedup, None, None)

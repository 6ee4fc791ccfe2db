"""Online story clustering (after Miranda et al., EMNLP 2018).

Articles arrive in publication order. Each is compared with the centroids of
the stories still open, found through an index (rare terms and names ->
stories, plus a dense top-k over open stories' embedding centroids), never
with every earlier article. The article joins the best story when the
decayed similarity reaches the threshold, else it opens a new story.
Stories whose last article is older than `window_days` close: they leave
the index, so the work per article stays flat as the stream grows.

Arrival order splits stories: an article that comes before the rest of its
story opens a story of its own, and the rest, arriving later, gather around
each other instead. So when an article joins a story, the small stories
among its candidates are offered to that story again, scored as if each
were one article (its centroid), and merge into it when they reach the
merge threshold. This looks only at the article's candidates (the index),
never at all pairs of stories.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..settings import ClusterConfig
from .features import ArticleFeatures


@dataclass
class Story:
    """Running sums of a story's article vectors (centroid = sum / |sum|)."""

    id: str
    dense: np.ndarray
    dense_sq: float = 0.0
    terms: dict[str, float] = field(default_factory=dict)
    terms_sq: float = 0.0
    entities: dict[str, float] = field(default_factory=dict)
    entities_sq: float = 0.0
    first: float | None = None
    last: float | None = None
    articles: list[str] = field(default_factory=list)
    shaped: int = 0  # articles whose vectors are in the sums (copies are members without vectors)
    keys: set[str] = field(default_factory=set)  # index keys pointing at this story
    language: str = "en"  # of its first article: a story holds one language
    roundup: bool = False  # a page of many events: nothing joins it
    seen: float | None = None  # stream time of its last article, for closing a story without dates
    days: set[float] = field(default_factory=set)  # the days its articles' leads report (features.event_day)
    tested: int = 0  # articles in the sums that the same-event test applies to (features.event_tested)

    def add(self, f: ArticleFeatures) -> None:
        if not self.articles:
            self.language, self.roundup = f.language, f.roundup
        self.dense_sq += 2.0 * float(self.dense @ f.embedding) + float(f.embedding @ f.embedding)
        self.dense += f.embedding
        self.terms_sq = _add_sparse(self.terms, self.terms_sq, f.terms)
        self.entities_sq = _add_sparse(self.entities, self.entities_sq, f.entities)
        self.extend_span(f.time)
        if f.day is not None:
            self.days.add(f.day)
        self.tested += f.titled
        self.articles.append(f.article_id)
        self.shaped += 1

    def absorb(self, other: "Story") -> None:
        """Add another story's sums and members to this one."""
        self.dense_sq += 2.0 * float(self.dense @ other.dense) + other.dense_sq
        self.dense += other.dense
        self.terms_sq = _add_sparse(self.terms, self.terms_sq, other.terms)
        self.entities_sq = _add_sparse(self.entities, self.entities_sq, other.entities)
        self.extend_span(other.first)
        self.extend_span(other.last)
        self.articles += other.articles
        self.days |= other.days
        self.shaped += other.shaped
        self.tested += other.tested
        self.seen = max((t for t in (self.seen, other.seen) if t is not None), default=None)

    def extend_span(self, time: float | None) -> None:
        if time is not None:
            self.first = time if self.first is None else min(self.first, time)
            self.last = time if self.last is None else max(self.last, time)

    def centroid(self) -> np.ndarray:
        return self.dense / math.sqrt(self.dense_sq) if self.dense_sq > 0 else self.dense


def _add_sparse(acc: dict[str, float], acc_sq: float, vec: dict[str, float]) -> float:
    """acc += vec in place; returns |acc + vec|^2 from |acc|^2 without a full pass."""
    dot = sum(acc.get(t, 0.0) * w for t, w in vec.items())
    for t, w in vec.items():
        acc[t] = acc.get(t, 0.0) + w
    return acc_sq + 2.0 * dot + sum(w * w for w in vec.values())


def _cosine_sparse(vec: dict[str, float], acc: dict[str, float], acc_sq: float) -> float:
    if acc_sq <= 0 or not vec:
        return 0.0
    return sum(acc.get(t, 0.0) * w for t, w in vec.items()) / math.sqrt(acc_sq)


def _cosine_sums(a: dict[str, float], a_sq: float, b: dict[str, float], b_sq: float) -> float:
    """Cosine between two summed sparse vectors (walks the shorter one)."""
    if a_sq <= 0 or b_sq <= 0:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    return sum(b.get(t, 0.0) * w for t, w in a.items()) / math.sqrt(a_sq * b_sq)


def other_day(days: set[float], others: set[float]) -> bool:
    """Whether two sets of reported event days (features.event_day) lie apart: a hearing
    reported "on Tuesday" and one reported "on Wednesday" are two events, whatever their
    words share. A story whose leads already report several days is an event that spans them
    (a tournament's Monday and Wednesday matches): a day between them is one of its days, so
    the sets lie apart when their spans (first to last day) do not meet. Either set empty (no
    day in the leads): no evidence, compatible."""
    return bool(days) and bool(others) and (max(days) < min(others) or max(others) < min(days))


def decay(config: ClusterConfig, time: float | None, story: Story) -> float:
    """Multiplier in (0, 1] for the time gap between an article and a story."""
    if time is None or story.first is None:
        return 1.0
    return _decay_gap(config, max(story.first - time, time - story.last, 0.0))


def story_decay(config: ClusterConfig, a: Story, b: Story) -> float:
    """decay() for the gap between the date spans of two stories."""
    if a.first is None or b.first is None:
        return 1.0
    return _decay_gap(config, max(a.first - b.last, b.first - a.last, 0.0))


def _decay_gap(config: ClusterConfig, gap: float) -> float:
    return 0.5 ** (max(gap - config.grace_days, 0.0) / config.half_life_days)


class OnlineClusterer:
    """The open stories and their index. Not thread-safe; one per stream."""

    def __init__(self, config: ClusterConfig, new_id: Callable[[], str], dim: int = 384):
        self.config = config
        self.new_id = new_id
        self.stories: dict[str, Story] = {}
        self.story_of: dict[str, str] = {}  # article id -> story id, open stories only
        self.now: float | None = None  # newest article time seen
        self.closed: list[list[str]] = []  # article ids of stories closed since the caller last looked
        self.merged: list[tuple[str, str]] = []  # (absorbed, into) story ids since the caller last looked
        self.apart: dict[str, set[str]] = {}  # story id -> stories a user correction keeps it apart from
        self._postings: dict[str, set[str]] = {}
        self._swept: float | None = None
        self._dim = dim
        self._rows: list[str] = []  # story id per row of _matrix
        self._row_of: dict[str, int] = {}
        self._matrix = np.zeros((64, dim), dtype=np.float32)

    # -- scoring ------------------------------------------------------------
    def similarity(self, f: ArticleFeatures, story: Story) -> float:
        """Weighted cosine similarity to the story's centroids, before decay; 0 where an
        article with a headline fails the same-event test (event_score), or whose lead
        reports its event on another day than the story's (other_day)."""
        dense = float(f.embedding @ story.dense) / math.sqrt(story.dense_sq) if story.dense_sq > 0 else 0.0
        terms = _cosine_sparse(f.terms, story.terms, story.terms_sq)
        if f.titled and self.event_score(dense, terms) < self.config.event_threshold:
            return 0.0
        if self.config.event_days and f.day is not None and other_day({f.day}, story.days) \
                and self.event_score(dense, terms) < self.config.event_other_day:
            return 0.0
        return self._weighted(dense, terms, _cosine_sparse(f.entities, story.entities, story.entities_sq))

    def event_score(self, dense: float, terms: float) -> float:
        """The same-event test: the lead (what happened, to whom: the embedding of headline
        and lead) and the words together. Same-topic stories of one week (two hearings, two
        moons) share the topic's words; what tells their events apart is the lead. Only for
        an article that features.event_tested (a headline, and a body of some length)."""
        return self.config.event_w_dense * dense + (1.0 - self.config.event_w_dense) * terms

    def story_similarity(self, small: Story, big: Story) -> float:
        """similarity() with the small story's centroid in the place of an article. The
        same-event test (event_score) applies where every article of both stories takes it
        (features.event_tested: a headline and a body of some length): a page that failed it
        against a story (another moon's map beside one moon's plumes, a stats page beside a
        player's interview, on the extraction pages) otherwise joined that story at the next
        article's merge, and a merge is there to undo arrival order, not the test. Where a
        story holds pages without a headline its centroid's lead is partly page clutter, which
        the test cannot read (why event_tested asks for a headline), and topic alone decides."""
        dense = float(small.dense @ big.dense) / math.sqrt(small.dense_sq * big.dense_sq) \
            if small.dense_sq > 0 and big.dense_sq > 0 else 0.0
        terms = _cosine_sums(small.terms, small.terms_sq, big.terms, big.terms_sq)
        if self.config.event_merges and 0 < small.tested == small.shaped and big.tested == big.shaped \
                and self.event_score(dense, terms) < self.config.event_threshold:
            return 0.0
        if self.config.event_days and other_day(small.days, big.days) \
                and self.event_score(dense, terms) < self.config.event_other_day:
            return 0.0
        return self._weighted(dense, terms,
                              _cosine_sums(small.entities, small.entities_sq, big.entities, big.entities_sq))

    def _weighted(self, dense: float, terms: float, entities: float) -> float:
        c = self.config
        return c.w_dense * dense + c.w_terms * terms + c.w_entities * entities

    def candidates(self, f: ArticleFeatures) -> set[str]:
        """Open stories sharing a heavy term or name, plus the densest neighbours."""
        found: set[str] = set()
        for key in _index_keys(f, self.config.index_terms):
            found |= self._postings.get(key, set())
        n = len(self._rows)
        if n:
            sims = self._matrix[:n] @ f.embedding
            k = min(self.config.dense_candidates, n)
            for i in np.argpartition(-sims, k - 1)[:k]:
                found.add(self._rows[int(i)])
        return found

    def scores(self, f: ArticleFeatures, exclude: set[str] = frozenset()) -> dict[str, float]:
        """Decayed similarity of the article to each candidate story it may join: none for a
        roundup, and never a roundup's story or a story in another language. An article
        without a date is not decayed (its time is unknown, not now)."""
        if f.roundup:
            return {}
        return {sid: self.similarity(f, story) * decay(self.config, f.time, story)
                for sid in self.candidates(f) if sid not in exclude
                and not (story := self.stories[sid]).roundup and story.language == f.language}

    # -- updates ------------------------------------------------------------
    def assign(self, f: ArticleFeatures, forced: str | None = None,
               exclude: set[str] = frozenset()) -> tuple[str, bool]:
        """Put the article in a story: `forced` when given (a user
        correction), else the best open story above the threshold, else a
        new story. Returns (story id, whether the story is new)."""
        self.advance(f.time)
        sid = forced
        scores: dict[str, float] = {}
        if sid is None:
            scores = self.scores(f, exclude)
            best, score = best_candidate(scores)
            sid = best if best is not None and score >= self.config.threshold else None
        created = sid is None or sid not in self.stories
        self.add(f, sid)
        joined = self.story_of[f.article_id]
        for other in exclude & self.stories.keys():
            self.keep_apart(joined, other)
        if not created and forced is None and not exclude:  # user corrections are left as they are
            self.merge_neighbours(joined, scores)
        return self.story_of[f.article_id], created

    def merge_neighbours(self, story_id: str, candidates: dict[str, float]) -> None:
        """Merge small candidate stories into the story that just grew (or
        it into them, when it is the smaller) where merge_threshold is met.
        candidates: {story id: the article's score}, tried best first."""
        c = self.config
        for sid in sorted(candidates, key=lambda s: (-candidates[s], s)):
            target = self.stories.get(story_id)
            other = self.stories.get(sid)
            if other is None or target is None or sid == story_id or sid in self.apart.get(story_id, ()):
                continue
            small, big = sorted((other, target), key=_seniority)
            if small.shaped > c.merge_max_articles or small.shaped == 0 or small.roundup or big.roundup \
                    or small.language != big.language:
                continue
            if self.story_similarity(small, big) * story_decay(c, small, big) >= c.merge_threshold:
                self.merge(small.id, big.id)
                story_id = big.id

    def merge(self, story_id: str, into: str) -> None:
        """Move every article of one open story into another."""
        story, target = self.stories.pop(story_id), self.stories[into]
        target.absorb(story)
        for a in story.articles:
            self.story_of[a] = into
        for key in story.keys:
            posting = self._postings[key]
            posting.discard(story_id)
            posting.add(into)
            target.keys.add(key)
        for other in self.apart.pop(story_id, set()):
            self.apart[other].discard(story_id)
            self.keep_apart(into, other)
        self._drop_row(story_id)
        self._set_row(target)
        self.merged.append((story_id, into))

    def keep_apart(self, a: str, b: str) -> None:
        """Never merge these two stories (a user split them)."""
        if a != b:
            self.apart.setdefault(a, set()).add(b)
            self.apart.setdefault(b, set()).add(a)

    def add(self, f: ArticleFeatures, story_id: str | None) -> None:
        """Add without scoring (also used to rebuild stories from the store)."""
        story = self._story(story_id if story_id is not None else self.new_id())
        story.add(f)
        story.seen = self.now if self.now is not None else story.seen
        self.story_of[f.article_id] = story.id
        for key in _index_keys(f, self.config.index_terms):
            self._postings.setdefault(key, set()).add(story.id)
            story.keys.add(key)
        self._set_row(story)

    def add_member(self, story_id: str, article_id: str, time: float | None) -> None:
        """A member that does not shape the centroids (a copy of a member)."""
        story = self._story(story_id)
        story.articles.append(article_id)
        story.extend_span(time)
        story.seen = self.now if self.now is not None else story.seen
        self.story_of[article_id] = story_id
        self._set_row(story)

    def _story(self, story_id: str) -> Story:
        story = self.stories.get(story_id)
        if story is None:
            story = self.stories[story_id] = Story(story_id, np.zeros(self._dim, dtype=np.float32))
        return story

    def advance(self, time: float | None, close: bool = True) -> None:
        """Move the clock; close stories that fell out of the window (unless close is False:
        a batch loaded from the store keeps every story it could join open, see cluster.py)."""
        if time is None or (self.now is not None and time <= self.now):
            return
        self.now = time
        if not close:
            return
        # Scanning the open stories costs O(open); doing it once per day of
        # stream time keeps it negligible per article.
        if self._swept is not None and time - self._swept < 1.0:
            return
        self._swept = time
        horizon = time - self.config.window_days
        for sid in [s.id for s in self.stories.values()
                    if (s.last if s.last is not None else s.seen if s.seen is not None else horizon) < horizon]:
            self.close(sid)

    def close(self, story_id: str) -> None:
        story = self.stories.pop(story_id)
        for key in story.keys:
            posting = self._postings.get(key)
            if posting is not None:
                posting.discard(story_id)
                if not posting:
                    del self._postings[key]
        for a in story.articles:
            self.story_of.pop(a, None)
        for other in self.apart.pop(story_id, set()):
            self.apart[other].discard(story_id)
        self.closed.append(story.articles)
        self._drop_row(story_id)

    def _drop_row(self, story_id: str) -> None:
        row = self._row_of.pop(story_id)
        last = len(self._rows) - 1
        if row != last:  # move the last row into the hole
            moved = self._rows[last]
            self._rows[row] = moved
            self._row_of[moved] = row
            self._matrix[row] = self._matrix[last]
        self._rows.pop()

    def _set_row(self, story: Story) -> None:
        row = self._row_of.get(story.id)
        if row is None:
            row = len(self._rows)
            if row == len(self._matrix):
                self._matrix = np.concatenate([self._matrix, np.zeros_like(self._matrix)])
            self._rows.append(story.id)
            self._row_of[story.id] = row
        self._matrix[row] = story.centroid()


def _seniority(story: Story) -> tuple:
    """Sort key: the bigger story, then the older one, absorbs the other (ids users saw stay)."""
    return story.shaped, -(story.first if story.first is not None else math.inf), story.id


def best_candidate(scores: dict[str, float]) -> tuple[str | None, float]:
    """The story an article joins, given its candidates' scores (OnlineClusterer.scores):
    (story id, score) of the highest score, ties going to the smaller story id (deterministic);
    (None, -1.0) when there is no candidate. The article joins it when the score reaches the
    join threshold (ClusterConfig.threshold). Used by assign() and by the backfill's stitching,
    which offers a window's story to the earlier windows' stories as an article."""
    best, best_score = None, -1.0
    for sid, score in scores.items():
        if score > best_score or (score == best_score and best is not None and sid < best):
            best, best_score = sid, score
    return best, best_score


def _index_keys(f: ArticleFeatures, n: int) -> list[str]:
    """The article's heaviest (rarest, most repeated) terms and names."""
    terms = sorted(f.terms.items(), key=lambda kv: -kv[1])[:n]
    names = sorted(f.entities.items(), key=lambda kv: -kv[1])[:n // 2]
    return [t for t, _ in terms] + [e for e, _ in names]

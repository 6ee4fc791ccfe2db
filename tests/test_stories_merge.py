"""The merge step of story clustering: a story split by arrival order is
put back together, other stories are left alone, and user splits hold.

The texts are invented. The dam story comes in three articles: a short
first report, an inspection piece that shares little with it, and a
follow-up that shares a lot with both. Alone, arrival order splits it (the
inspection piece is too far from the first report to join it); the museum
theft is a different story throughout.
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from storyline.ingest import RawArticle, build_article
from storyline.model import PartialDate
from storyline.stories import cluster as cluster_module
from storyline.stories.cluster import (ClusterConfig, assign_stories, cluster_articles, list_stories,
                                       merge_map, merge_stories, recluster, split_story)
from storyline.stories.features import ArticleFeatures
from storyline.stories.online import Story

DAM_FIRST = """Flooding below the Valmora dam

Water poured over the Valmora dam on Sunday night and flooded farms in the Brenn valley. Police told
families in Oskel and Tarrow to leave their homes, and a school in Keldby opened as a shelter.
"""

DAM_INSPECTION = """Spillway gates jammed at Valmora, inspectors say

Inspectors from the national safety office said two of the five spillway gates at Valmora were jammed
shut when the reservoir rose after four days of rain. Chief inspector Ilse Marcotte said corrosion had
seized the hinges and that the operator had postponed a repair planned for the spring. Its director,
Paul Osterman, said the company regretted the delay. Engineers will cut the corroded gates open by
Wednesday and lower the reservoir, Marcotte said.
"""

DAM_FOLLOW_UP = """Evacuees return as Valmora dam gates are cut open

Engineers cut open the two jammed spillway gates at the Valmora dam on Wednesday and began lowering the
reservoir, chief inspector Ilse Marcotte said, blaming corrosion and a postponed repair by Brenn Water.
Families from Oskel and Tarrow who spent three nights in the Keldby school shelter began returning to
flooded farms in the Brenn valley. Brenn Water director Paul Osterman promised to pay for the damage.
"""

THEFT = """Thieves take silver crown from Ostra museum

Thieves broke into the Ostra city museum before dawn on Monday and stole a silver crown made for a
medieval bishop, police said. Museum director Karel Vinter said the alarm failed after a power cut in the
old town. Detectives are studying camera footage from the harbour car park, where a grey van was seen.
"""

THEFT_FOLLOW_UP = """Police find van used in Ostra museum crown theft

Detectives found a burnt-out grey van in a forest outside Ostra that they believe carried the thieves who
stole a medieval silver crown from the city museum. Museum director Karel Vinter said the crown, insured
for two million, could not be sold openly. Police asked for witnesses who saw the van near the harbour.
"""

DAY0 = date(2024, 5, 5)


def make(text: str, day: int, source: str):
    return build_article(RawArticle(source=source, text=text, outlet=source, headline_in_text=True,
                                    published=PartialDate.from_date(DAY0 + timedelta(days=day))))


@pytest.fixture(scope="module")
def articles():
    """In publication order: first dam report and the theft on day 0, the
    inspection piece and the theft follow-up on day 1, the dam follow-up on day 2."""
    return {"first": make(DAM_FIRST, 0, "dam-first"), "theft": make(THEFT, 0, "theft"),
            "inspection": make(DAM_INSPECTION, 1, "dam-inspection"),
            "theft2": make(THEFT_FOLLOW_UP, 1, "theft-2"), "follow_up": make(DAM_FOLLOW_UP, 2, "dam-follow-up")}


ORDER = ("first", "theft", "inspection", "theft2", "follow_up")
DAM = ("first", "inspection", "follow_up")


def story_names(groups, articles) -> list[set[str]]:
    name = {a.id: n for n, a in articles.items()}
    return sorted(({name[a.id] for a in g} for g in groups), key=sorted)


def ingest_batch(store, batch) -> dict[str, str]:
    """Store a batch and place it, as an ingest does."""
    store.add_articles(batch)
    return assign_stories(store, batch)


def test_merge_rejoins_a_story_split_by_arrival_order(articles):
    stream = [articles[n] for n in ORDER]
    without = story_names(cluster_articles(stream, ClusterConfig(merge_threshold=2.0)), articles)
    # Without the merge step the first report stays alone: the inspection piece
    # opened its own story and the follow-up joined that one (or the reverse).
    assert {"theft", "theft2"} in without
    assert len(without) == 3 and not any(set(DAM) <= s for s in without)
    merged = story_names(cluster_articles(stream), articles)
    assert merged == [set(DAM), {"theft", "theft2"}]


def test_merge_across_batches_updates_the_store(store, articles):
    first_batch = [articles["first"], articles["theft"]]
    second_batch = [articles[n] for n in ("inspection", "theft2", "follow_up")]
    before = ingest_batch(store, first_batch)
    after = ingest_batch(store, second_batch)
    dam_story = after[articles["follow_up"].id]
    # The first report's stored story merged into the story opened in the second batch.
    assert after[articles["inspection"].id] == dam_story
    assert store.stories_of([articles["first"].id])[articles["first"].id] == dam_story
    assert before[articles["first"].id] != dam_story
    assert after[articles["theft2"].id] == before[articles["theft"].id]
    listed = list_stories(store)
    assert sorted(s["articles"] for s in listed) == [2, 3]
    assert {s["id"] for s in listed} == {dam_story, before[articles["theft"].id]}


def test_user_split_is_never_merged_back(store, articles):
    first_batch = [articles[n] for n in ("first", "theft", "inspection", "theft2")]
    story_of = ingest_batch(store, first_batch)
    first, inspection = articles["first"].id, articles["inspection"].id
    assert story_of[first] != story_of[inspection]
    # The user merges the two dam stories, then splits the first report off again.
    merged = merge_stories(store, [story_of[inspection], story_of[first]])
    split_story(store, merged, [first])
    cluster_module._STREAMS.clear()  # a later ingest in a new process rebuilds the stream from the store
    ingest_batch(store, [articles["follow_up"]])
    part = store.stories_of([first, inspection, articles["follow_up"].id])
    assert part[first] != part[inspection]
    recluster(store)
    part = store.stories_of([first, inspection])
    assert part[first] != part[inspection]


def test_absorb_equals_adding_the_members():
    rng = np.random.default_rng(0)

    def features(i: int) -> ArticleFeatures:
        v = rng.normal(size=384).astype(np.float32)
        return ArticleFeatures(f"a{i}", float(i), v / np.linalg.norm(v),
                               {"dam": 0.6, f"w{i}": 0.8}, {"name:valmora": 1.0})

    fs = [features(i) for i in range(3)]
    whole, left, right = (Story(s, np.zeros(384, dtype=np.float32)) for s in "wlr")
    for f in fs:
        whole.add(f)
    left.add(fs[0])
    left.add(fs[1])
    right.add(fs[2])
    left.absorb(right)
    assert np.allclose(left.dense, whole.dense) and left.dense_sq == pytest.approx(whole.dense_sq, rel=1e-5)
    assert left.terms == pytest.approx(whole.terms) and left.terms_sq == pytest.approx(whole.terms_sq)
    assert left.entities_sq == pytest.approx(whole.entities_sq)
    assert (left.first, left.last, left.shaped) == (0.0, 2.0, 3)
    assert sorted(left.articles) == ["a0", "a1", "a2"]


def test_merge_map_follows_chains():
    assert merge_map([("a", "b"), ("b", "c"), ("d", "c"), ("e", "f")]) == {"a": "c", "b": "c", "d": "c", "e": "f"}


def cache_owners(store) -> set[str]:
    return {r[0] for r in store.db.execute("SELECT owner FROM cache WHERE owner IS NOT NULL")}


def cache_a_brief_of_each_story(store) -> set[str]:
    ids = {s["id"] for s in list_stories(store)}
    for sid in ids:
        store.cache_put("brief", f"key-{sid}", b"{}", owner=sid)
    return ids


def test_a_deleted_story_takes_its_cached_rows_along(store, articles):
    before = ingest_batch(store, [articles["first"], articles["theft"]])
    cache_a_brief_of_each_story(store)
    store.cache_put("embedding", "no-owner", b"v")
    after = ingest_batch(store, [articles[n] for n in ("inspection", "theft2", "follow_up")])
    # Streaming merged the first report's story into the new dam story: its row went with it.
    absorbed, theft = before[articles["first"].id], before[articles["theft"].id]
    assert absorbed not in {s["id"] for s in list_stories(store)}
    assert cache_owners(store) == {theft}
    dam = after[articles["follow_up"].id]
    store.cache_put("brief", "dam", b"{}", owner=dam)
    assert merge_stories(store, [dam, theft]) == dam  # the user merges the theft story away
    assert cache_owners(store) == {dam}
    assert store.cache_get("embedding", "no-owner") == b"v"


def test_recluster_deletes_the_rows_of_the_stories_it_drops(store, articles):
    stream = [articles[n] for n in ORDER]
    store.add_articles(stream)
    assign_stories(store, stream, ClusterConfig(merge_threshold=2.0))  # no merge: the dam story is split
    old = cache_a_brief_of_each_story(store)
    assert len(old) == 3
    assert recluster(store) == 2  # the default merge puts the dam story back together
    kept = {s["id"] for s in list_stories(store)}
    assert kept < old and cache_owners(store) == kept


def test_a_merge_takes_the_same_event_test_where_both_stories_take_it():
    """Two stories of one topic whose leads differ (lead embeddings orthogonal, half their words
    shared): the topic score reaches the merge threshold, the same-event score does not. Where
    every article of both has a headline and a body (titled), they stay apart, as the small
    story's article would have on joining; where the big story holds a page without a headline
    (its lead may be clutter), or with the test off for merges, topic decides and they merge."""
    from storyline.stories.online import OnlineClusterer

    def features(name: str, axis: int, titled: bool) -> ArticleFeatures:
        v = np.zeros(384, dtype=np.float32)
        v[axis] = 1.0
        terms = {"moon": 0.5, "plumes": 0.5, f"{name}1": 0.5, f"{name}2": 0.5}
        return ArticleFeatures(name, 0.0, v, terms, {"name:nasa": 1.0}, titled=titled)

    def stories(big_titled: bool) -> tuple[Story, Story]:
        big, small = Story("big", np.zeros(384, dtype=np.float32)), Story("small", np.zeros(384, dtype=np.float32))
        big.add(features("europa", 0, True))
        big.add(features("europa", 1, big_titled))
        small.add(features("titan", 2, True))
        return small, big

    config = ClusterConfig()
    on, off = OnlineClusterer(config, str), OnlineClusterer(ClusterConfig(event_merges=False), str)
    small, big = stories(big_titled=True)
    topic = off.story_similarity(small, big)
    assert topic >= config.merge_threshold  # on topic alone they would merge
    assert on.event_score(0.0, 0.5) < config.event_threshold  # their leads say different things
    assert on.story_similarity(small, big) == 0.0
    assert on.story_similarity(*stories(big_titled=False)) == pytest.approx(off.story_similarity(*stories(False)))
    assert on.story_similarity(*stories(big_titled=False)) >= config.merge_threshold

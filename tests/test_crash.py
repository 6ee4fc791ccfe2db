"""Crash-safe placement: an ingest killed after a batch is stored but before it
is placed into stories leaves articles without a story; the next ingest (and
whatever else places articles) places them. The stories found are those of an
ingest that was never interrupted. Uses examples/ and reports invented here."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from storyline.ingest import read_paths
from storyline.stories import cluster as cluster_module
from storyline.stories import storage
from storyline.stories.cluster import assign_stories, list_stories
from storyline.store import Store

from .conftest import EXAMPLES
from .test_faults import summary

REPO = Path(__file__).resolve().parents[1]
BATCH = 5  # examples/ (8 articles) and the 6 reports below make three batches

# `storyline ingest` in small batches whose story placement SIGKILLs the process:
# the first batch is committed (placement runs after the commit), nothing is placed.
KILLED_AFTER_FIRST_BATCH = f"""
import functools, os, signal, sys
import storyline.ingest
import storyline.stories.cluster
from storyline.cli import main

storyline.ingest.ingest = functools.partial(storyline.ingest.ingest, batch_size={BATCH})

def placement_that_dies(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

storyline.stories.cluster.assign_stories = placement_that_dies
sys.exit(main(sys.argv[1:]))
"""

WATER_MAIN = [
    ("Water main bursts under Tarvik market square",
     "A water main burst under the market square in Tarvik early on Thursday, flooding shops and cutting "
     "water to 4,000 homes, the Tarvik water board said. Engineer Aino Salo said crews were digging to reach "
     "the broken pipe."),
    ("Tarvik homes without water after main bursts",
     "Some 4,000 homes in Tarvik had no running water on Thursday after a main burst beneath the market "
     "square. The water board said tankers would be sent to the square and to the Tarvik school."),
    ("Shops flooded as Tarvik water main breaks",
     "Shopkeepers on the Tarvik market square spent Thursday pumping water out of their cellars after the "
     "main beneath the square broke. Baker Lauri Penttila said his ovens were ruined."),
    ("Tarvik water board blames old cast-iron pipe for burst",
     "The water main that burst under the Tarvik market square was a cast-iron pipe laid in 1931, the water "
     "board said on Friday. Engineer Aino Salo said it would be replaced along the whole square."),
    ("Water returns to most Tarvik homes after burst main",
     "Running water returned to most of the 4,000 Tarvik homes cut off by the burst main under the market "
     "square, the water board said on Friday night. Engineer Aino Salo said the last streets would follow."),
    ("Tarvik market reopens after water main repair",
     "The Tarvik market square reopened on Saturday after crews replaced the burst water main beneath it. "
     "The water board said shopkeepers whose cellars flooded could claim for the damage."),
]


def write_reports(folder: Path) -> None:
    folder.mkdir()
    for n, (title, text) in enumerate(WATER_MAIN):
        (folder / f"tarvik-{n}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")


def storyline(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "storyline.cli", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300)


def stories_by_title(db: Path) -> set[frozenset[str]]:
    """Each story as the set of its articles' titles; every article is in exactly one story."""
    with Store(db) as store:
        titles = {a.id: a.title for a in store.articles()}
        story_of = store.stories_of(list(titles))
        assert sorted(story_of) == sorted(titles), "articles left without a story"
        assert sum(s["articles"] for s in list_stories(store)) == len(titles)
    groups: dict[str, set[str]] = {}
    for aid, sid in story_of.items():
        groups.setdefault(sid, set()).add(titles[aid])
    return {frozenset(g) for g in groups.values()}


@pytest.mark.slow  # three CLI processes
def test_an_ingest_killed_before_placing_is_completed_by_the_next(tmp_path):
    write_reports(tmp_path / "tarvik")
    inputs = [str(EXAMPLES), str(tmp_path / "tarvik")]
    db = tmp_path / "killed.db"
    killed = subprocess.run([sys.executable, "-c", KILLED_AFTER_FIRST_BATCH, "ingest", "-q", "--db", str(db),
                             *inputs], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with Store(db) as store:
        assert store.count_articles() == BATCH  # the first batch, whole
        assert store.stories_of([a.id for a in store.articles()]) == {}  # and none of it placed

    rerun = storyline("ingest", "-q", "--db", str(db), *inputs)
    assert rerun.returncode == 0, rerun.stderr
    assert summary(rerun.stdout) == (8 + len(WATER_MAIN) - BATCH, BATCH, 0)

    whole = tmp_path / "whole.db"
    assert storyline("ingest", "-q", "--db", str(whole), *inputs).returncode == 0
    found = stories_by_title(db)
    assert found == stories_by_title(whole)
    assert frozenset(title for title, _ in WATER_MAIN) in found
    assert len(found) == 3  # the bridge, the storm and the water main


def test_any_placement_places_stored_articles_without_a_story(store, tmp_path):
    write_reports(tmp_path / "tarvik")
    reports = list(read_paths([str(tmp_path / "tarvik")]))
    store.add_articles(reports[:4])  # stored by an ingest that died before placing them
    store.add_articles(reports[4:])
    story_of = assign_stories(store, reports[4:])  # the next ingest places its own batch...
    assert set(story_of) == {a.id for a in reports[4:]}
    placed = store.stories_of([a.id for a in reports])  # ...and the ones left over
    assert len(placed) == len(reports) and len(set(placed.values())) == 1
    generation = storage.generation(store)
    assert assign_stories(store, []) == {}  # nothing left to place: nothing written
    assert storage.generation(store) == generation


def test_a_placement_raced_by_another_process_is_redone(tmp_path, monkeypatch):
    write_reports(tmp_path / "tarvik")
    reports = list(read_paths([str(tmp_path / "tarvik")]))
    db = tmp_path / "shared.db"
    with Store(db) as first, Store(db) as second:
        first.add_articles(reports)
        plan = cluster_module._plan

        def plan_then_race(store, *args):
            planned = plan(store, *args)
            if store is first and not raced:  # the other process places the same articles meanwhile
                raced.append(assign_stories(second, []))
            return planned

        raced: list[dict] = []
        monkeypatch.setattr(cluster_module, "_plan", plan_then_race)
        story_of = assign_stories(first, reports)
        assert raced and story_of == second.stories_of([a.id for a in reports])
        # Placed once each: the first placement, made before the race, was dropped and redone.
        assert first.db.execute("SELECT count(*) FROM story_articles").fetchone()[0] == len(reports)

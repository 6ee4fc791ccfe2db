"""Threads (stories/threads.py): stories whose events continue one another are linked, and
only those. Invented articles (written for these tests): a cereal recall in June and the
cereal's return in October link; another company's recall of another product the same week
does not, nor an undated report, nor a roundup. Then the links through the store: after
placement, in the brief (its section, its JSON, its cache key), in `stories --threads`,
and across merge, split, recluster and later ingests."""
from __future__ import annotations

import json

import pytest

from storyline import cache
from storyline.cli import main
from storyline.model import Brief
from storyline.pipeline import Pipeline
from storyline.report.render import render
from storyline.settings import DEFAULT_SETTINGS
from storyline.stories.features import headline_of
from storyline.stories.threads import is_roundup, link, signature

pytestmark = pytest.mark.slow

RECALL = [  # 2024-06: Brightfield Foods recalls its Crunchy Oat Clusters
    ("Brightfield Foods recalls Crunchy Oat Clusters after salmonella cases", "2024-06-11", "Valley Ledger",
     "Brightfield Foods is recalling every box of its Crunchy Oat Clusters cereal after salmonella sickened "
     "thirty people in nine states. The company said the contaminated oats came from one supplier in Ohio. "
     "Health officials asked families to throw away any Crunchy Oat Clusters boxes they still have. "
     "Brightfield Foods said it had stopped production at the plant while inspectors test the line."),
    ("Crunchy Oat Clusters pulled from shelves as Brightfield Foods widens recall", "2024-06-12", "Harbor Times",
     "Grocers removed Crunchy Oat Clusters from their shelves on Tuesday after Brightfield Foods widened its "
     "recall of the cereal. Salmonella linked to the cereal has now made thirty people ill, officials said. "
     "Brightfield Foods told customers to return opened boxes to the store for a full refund. "
     "The company expects the investigation of its supplier to take several weeks."),
    ("Salmonella outbreak: Brightfield Foods cereal recall explained", "2024-06-12", "Morning Courier",
     "Brightfield Foods recalled its Crunchy Oat Clusters this week because of a salmonella outbreak. "
     "Thirty people in nine states fell ill after eating the cereal, according to health officials. "
     "The company traced the bacteria to oats delivered by a single supplier. "
     "Shoppers who bought Crunchy Oat Clusters since May should not eat it, Brightfield Foods said."),
]
RETURN = [  # 2024-10: the cereal is back
    ("Crunchy Oat Clusters return to stores months after Brightfield Foods recall", "2024-10-08", "Valley Ledger",
     "Crunchy Oat Clusters are back on grocery shelves four months after Brightfield Foods recalled the cereal "
     "over salmonella. The company said a new supplier now provides its oats and every batch is tested. "
     "Brightfield Foods reopened the plant in September after inspectors cleared the production line. "
     "Fans of the cereal had petitioned the company to bring Crunchy Oat Clusters back."),
    ("Brightfield Foods brings back Crunchy Oat Clusters after salmonella recall", "2024-10-09", "Harbor Times",
     "Brightfield Foods has brought back its Crunchy Oat Clusters, the cereal it recalled in June after a "
     "salmonella outbreak. Boxes reached stores on Tuesday with a new label that names the tested oat supplier. "
     "The company said sales would start in nine states before the cereal returns everywhere. "
     "Health officials said the outbreak that sickened thirty people ended in July."),
]
OTHER_RECALL = [  # the same week as RECALL, another company and product: the same topic, not the thread
    ("Harlow Dairy recalls Sunny Meadow yogurt over listeria fears", "2024-06-13", "Valley Ledger",
     "Harlow Dairy is recalling cups of Sunny Meadow yogurt sold in four provinces because of possible listeria. "
     "No illnesses have been reported, the dairy said in a statement on Thursday. "
     "Sunny Meadow yogurt with a best-before date in July should be returned to the store. "
     "Harlow Dairy said a routine test at its Millbrook plant found the bacteria."),
    ("Sunny Meadow yogurt pulled by Harlow Dairy after listeria test", "2024-06-14", "Morning Courier",
     "Harlow Dairy pulled its Sunny Meadow yogurt from stores after a test at the Millbrook plant found "
     "listeria. The dairy said nobody has fallen ill and the recall is a precaution. "
     "Customers can return the yogurt cups for a refund, Harlow Dairy said. "
     "Inspectors are checking the Millbrook plant's other products this week."),
]


def _records(items, dated: bool = True) -> list[dict]:
    return [{"title": t, "published": d if dated else None, "outlet": o, "text": x,
             "url": f"https://example.org/{abs(hash(t)) % 10**8}"} for t, d, o, x in items]


def _write(path, items, dated: bool = True):
    path.write_text("\n".join(json.dumps({k: v for k, v in r.items() if v is not None})
                              for r in _records(items, dated)), encoding="utf-8")
    return str(path)


def _articles(tmp_path, items, name: str, dated: bool = True):
    import storyline

    return storyline.read([_write(tmp_path / f"{name}.jsonl", items, dated)])


def _signature(tmp_path, items, name: str, dated: bool = True):
    articles = _articles(tmp_path, items, name, dated)
    return signature(name, headline_of(articles), articles, DEFAULT_SETTINGS.threads)


# -- the decision, on signatures -------------------------------------------------------

def test_a_recall_and_the_products_return_months_later_link(tmp_path):
    found = link(_signature(tmp_path, RECALL, "recall"), _signature(tmp_path, RETURN, "return"),
                 DEFAULT_SETTINGS.threads)
    assert found is not None
    assert {"brightfield foods", "crunchy oat clusters"} <= set(found.shared)


def test_two_recalls_of_one_week_are_not_a_thread(tmp_path):
    recall, other = _signature(tmp_path, RECALL, "recall"), _signature(tmp_path, OTHER_RECALL, "other")
    assert link(recall, other, DEFAULT_SETTINGS.threads) is None
    assert link(_signature(tmp_path, RETURN, "return"), other, DEFAULT_SETTINGS.threads) is None


def test_an_undated_story_links_on_its_participants_alone(tmp_path):
    """Its time is unknown, so no time rule applies to it, and every other rule does: the
    undated return links to the recall, not to the other company's recall."""
    undated = _signature(tmp_path, RETURN, "return", dated=False)
    assert undated.day is None
    assert link(_signature(tmp_path, RECALL, "recall"), undated, DEFAULT_SETTINGS.threads) is not None
    assert link(_signature(tmp_path, OTHER_RECALL, "other"), undated, DEFAULT_SETTINGS.threads) is None
    assert link(_signature(tmp_path, OTHER_RECALL, "other", dated=False), undated, DEFAULT_SETTINGS.threads) is None


def test_the_same_day_is_not_a_continuation(tmp_path):
    """Two stories of one day with the same participants: one event split, not a thread."""
    first = _signature(tmp_path, RECALL[:1], "first")
    second = _signature(tmp_path, RECALL[1:2], "second")  # published the next day, about "Tuesday": the same day
    assert abs(first.day - second.day) < 1
    assert link(first, second, DEFAULT_SETTINGS.threads) is None


def test_a_roundup_is_in_no_thread(tmp_path):
    roundup = [("Ten things you need to know today", "2024-10-09", "Daily Digest",
                "1. Brightfield Foods brings back Crunchy Oat Clusters after its salmonella recall in June.\n"
                "2. Harlow Dairy says its Millbrook plant has passed a new inspection this week.\n"
                "3. The city council of Brookvale approves a budget for two new bridges downtown.\n"
                "4. A storm is expected to bring heavy rain to the coast by Friday evening.")]
    articles = _articles(tmp_path, roundup, "roundup")
    assert is_roundup(articles[0])
    sig = signature("roundup", "", articles, DEFAULT_SETTINGS.threads)
    assert sig.roundup and link(_signature(tmp_path, RECALL, "recall"), sig, DEFAULT_SETTINGS.threads) is None


# -- through the store ------------------------------------------------------------------

@pytest.fixture
def threaded(tmp_path, store):
    """A store with the recall, the other recall and (ingested later) the return."""
    pipeline = Pipeline(store=store)
    pipeline.ingest([_write(tmp_path / "june.jsonl", RECALL + OTHER_RECALL)])
    return pipeline, tmp_path


def _story_of(pipeline, title: str) -> str:
    for sid in (s for s in pipeline.store.stories_of([a.id for a in pipeline.store.articles()]).values()):
        if any(a.title == title for a in pipeline.story(sid).articles):
            return sid
    raise AssertionError(title)


def test_links_after_placement_in_the_brief_and_its_key(threaded):
    pipeline, tmp_path = threaded
    recall = _story_of(pipeline, RECALL[0][0])
    other = _story_of(pipeline, OTHER_RECALL[0][0])
    assert recall != other and pipeline.story(recall).thread == []
    key_before = cache.brief_key(pipeline.story(recall), 100, pipeline.settings)
    (before,) = pipeline.briefs([pipeline.story(recall)], words=60)
    assert before.thread == []

    pipeline.ingest([_write(tmp_path / "october.jsonl", RETURN)])  # the later event joins the thread
    back = _story_of(pipeline, RETURN[0][0])
    assert back not in (recall, other)
    story = pipeline.story(recall)
    assert [(t.story_id, t.relation) for t in story.thread] == [(back, "later")]
    assert story.thread[0].first_date == "2024-10-08" and story.thread[0].last_date == "2024-10-09"
    assert [(t.story_id, t.relation) for t in pipeline.story(back).thread] == [(recall, "earlier")]
    assert pipeline.story(other).thread == []
    assert cache.brief_key(story, 100, pipeline.settings) != key_before  # no stale brief served

    (after,) = pipeline.briefs([story], words=60)
    assert [t.story_id for t in after.thread] == [back]
    md = render(after, "md")
    assert "## Earlier and later events" in md and "Later, 8 Oct 2024 to 9 Oct 2024" in md
    data = after.to_json()
    assert data["thread"][0]["story_id"] == back and data["thread"][0]["relation"] == "later"
    assert Brief.from_json(data).thread == after.thread
    html = render(after, "html")
    assert 'id="b1-thread"' in html and "Earlier and later events" in html


def test_an_undated_later_event_is_linked_and_listed_of_unknown_order(threaded):
    pipeline, tmp_path = threaded
    pipeline.ingest([_write(tmp_path / "undated.jsonl", RETURN, dated=False)])
    recall, back = _story_of(pipeline, RECALL[0][0]), _story_of(pipeline, RETURN[0][0])
    if back == recall:  # nothing dates the undated return apart from the recall: a reader splits it out
        back = pipeline.split(recall, [a.id for a in pipeline.story(recall).articles if a.published.year is None])
    assert [(t.story_id, t.relation) for t in pipeline.story(recall).thread] == [(back, "unordered")]
    assert [(t.story_id, t.relation) for t in pipeline.story(back).thread] == [(recall, "unordered")]
    assert pipeline.story(_story_of(pipeline, OTHER_RECALL[0][0])).thread == []
    (brief,) = pipeline.briefs([pipeline.story(recall)], words=60)
    assert "Order unknown, undated: " in render(brief, "md")


def test_stories_threads_command(threaded, capsys):
    pipeline, tmp_path = threaded
    pipeline.ingest([_write(tmp_path / "october.jsonl", RETURN)])
    db = str(pipeline.store.path)
    assert main(["--db", db, "stories", "--threads", "--json"]) == 0
    (thread,) = json.loads(capsys.readouterr().out)
    ids = [s["id"] for s in thread["stories"]]
    assert ids == [_story_of(pipeline, RECALL[0][0]), _story_of(pipeline, RETURN[0][0])]  # earliest first
    assert main(["--db", db, "stories", "--threads"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"thread {thread['thread'][:8]} (2 stories)") and "Crunchy Oat Clusters" in text
    assert main(["--db", db, "stories", "--json"]) == 0
    listed = {s["id"]: s["thread"] for s in json.loads(capsys.readouterr().out)}
    assert listed[ids[0]] == listed[ids[1]] == thread["thread"]
    assert listed[_story_of(pipeline, OTHER_RECALL[0][0])] is None


def test_corrections_and_rebuilds_keep_threads_right(threaded):
    pipeline, tmp_path = threaded
    pipeline.ingest([_write(tmp_path / "october.jsonl", RETURN)])
    recall, back = _story_of(pipeline, RECALL[0][0]), _story_of(pipeline, RETURN[0][0])
    other = _story_of(pipeline, OTHER_RECALL[0][0])

    merged = pipeline.merge([recall, other])  # a user's (wrong) merge: the story changes, so do its links
    assert merged == recall
    assert [t.story_id for t in pipeline.story(back).thread] in ([recall], [])
    moved = [a.id for a in pipeline.story(recall).articles if a.title.startswith(("Harlow", "Sunny"))]
    apart = pipeline.split(recall, moved)  # and its undoing
    assert [t.story_id for t in pipeline.story(recall).thread] == [back]
    assert pipeline.story(apart).thread == []

    assert pipeline.recluster() == 3  # the rebuild keeps the corrections, the ids and the thread
    assert [t.story_id for t in pipeline.story(recall).thread] == [back]
    pipeline.ingest([_write(tmp_path / "again.jsonl", RETURN)])  # a later ingest of the same: nothing moves
    assert [t.story_id for t in pipeline.story(back).thread] == [recall]


def test_the_web_list_and_story_page_show_the_thread(threaded):
    from fastapi.testclient import TestClient

    from storyline.web import create_app

    pipeline, tmp_path = threaded
    pipeline.ingest([_write(tmp_path / "october.jsonl", RETURN)])
    recall, back = _story_of(pipeline, RECALL[0][0]), _story_of(pipeline, RETURN[0][0])
    client = TestClient(create_app(pipeline.store.path))
    listed = {s["id"]: s["thread"] for s in client.get("/api/stories").json()["stories"]}
    assert listed[recall] == listed[back] is not None and listed[_story_of(pipeline, OTHER_RECALL[0][0])] is None
    page = client.get(f"/stories/{recall}").text
    assert '<section id="thread">' in page and f'<a href="/stories/{back}">Later, 8 Oct 2024' in page
    assert client.get(f"/api/stories/{back}/brief").json()["thread"][0]["relation"] == "earlier"
    assert 'class="thread-mark"' in client.get("/").text


def test_a_new_story_reads_only_the_stories_that_share_its_participants(threaded, monkeypatch):
    """Candidates come from the name index: the other recall of June, which shares no
    participant with the cereal's return, is never read when the return is placed."""
    from storyline.stories import storage

    pipeline, tmp_path = threaded
    read: list[str] = []
    real = storage.signatures

    def counted(store, story_ids):
        read.extend(story_ids)
        return real(store, story_ids)

    monkeypatch.setattr(storage, "signatures", counted)
    pipeline.ingest([_write(tmp_path / "october.jsonl", RETURN)])
    monkeypatch.undo()
    assert read == [_story_of(pipeline, RECALL[0][0])]  # not the other recall, nor the return itself

"""One pipeline for every caller: the CLI, the web API, the Python API and the evaluation
give the same answer for the same story, and its brief cache cannot serve a stale brief."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest

import storyline
from storyline import cache
from storyline.cli import main
from storyline.pipeline import Pipeline
from storyline.settings import DEFAULT_SETTINGS
from storyline.stories.cluster import list_stories
from storyline.store import Store

from .conftest import CORPUS, EXAMPLES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def examples_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("pipeline") / "examples.db"
    assert main(["--db", str(db), "ingest", str(EXAMPLES), "-q"]) == 0
    return db


def _story_ids(db) -> list[str]:
    with Store(db) as store:
        return [s["id"] for s in list_stories(store)]


def _json_out(capsys, argv: list[str]):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_the_timeline_is_the_same_from_the_cli_the_brief_and_the_web_api(examples_db, capsys):
    from fastapi.testclient import TestClient

    from storyline.web.app import create_app

    for story_id in _story_ids(examples_db):
        # first computed alone (no brief cached yet), then inside the brief, then served from the cache
        (alone,) = _json_out(capsys, ["timeline", story_id, "--db", str(examples_db), "--format", "json"])
        brief = _json_out(capsys, ["show", story_id, "--db", str(examples_db), "--format", "json"])
        with TestClient(create_app(examples_db)) as client:
            served = client.get(f"/api/stories/{story_id}/timeline").json()
        assert alone["timeline"], "the example stories have dated events"
        for field in ("timeline", "development", "sources"):
            assert alone[field] == brief[field] == served[field], field


def test_an_article_id_names_its_story_in_every_command(examples_db, capsys):
    story_id = _story_ids(examples_db)[0]
    with Store(examples_db) as store:
        members = [a for a, s in store.stories_of([a.id for a in store.articles()]).items() if s == story_id]
    by_story = _json_out(capsys, ["show", story_id, "--db", str(examples_db), "--format", "json"])
    by_article = _json_out(capsys, ["brief", members[0][:10], "--db", str(examples_db), "--format", "json"])
    assert [b["story_id"] for b in by_article] == [story_id]
    assert by_article[0]["summary"] == by_story["summary"]
    (timeline,) = _json_out(capsys, ["timeline", members[0], "--db", str(examples_db), "--format", "json"])
    assert timeline["story_id"] == story_id


def test_independent_sources_agree_in_the_list_the_header_and_the_sources(examples_db, capsys):
    with Store(examples_db) as store:
        listed = {s["id"]: s for s in list_stories(store)}
    copies_seen = 0
    for story_id, entry in listed.items():
        brief = storyline.Brief.from_json(_json_out(capsys, ["show", story_id, "--db", str(examples_db), "--format",
                                                             "json"]))
        from_sources = sum(1 for s in brief.sources if s.copy_of is None)
        assert entry["independent_sources"] == brief.independent_sources == from_sources
        assert f"({from_sources} independent)" in storyline.render(brief, "md")
        copies_seen += len(brief.sources) - from_sources
    assert copies_seen == 1  # the bridge story's verbatim reprint


def test_a_changed_setting_or_code_version_rebuilds_the_cached_brief(examples_db, monkeypatch):
    made = []
    real = Pipeline._make_briefs

    def counting(self, stories, words):
        made.append(len(stories))
        return real(self, stories, words)

    monkeypatch.setattr(Pipeline, "_make_briefs", counting)
    with Store(examples_db) as store:
        story = Pipeline(store=store).story(_story_ids(examples_db)[0])
        Pipeline(store=store).brief(story)
        Pipeline(store=store).brief(story)
        assert made[-1] == 0  # the second time, from the cache
        changed = replace(DEFAULT_SETTINGS, timeline=replace(DEFAULT_SETTINGS.timeline, repost_days=3))
        Pipeline(changed, store=store).brief(story)
        assert made[-1] == 1
        monkeypatch.setattr(cache, "code_version", lambda: "another-version")
        Pipeline(store=store).brief(story)
        assert made[-1] == 1


def test_a_story_that_grows_keeps_one_cached_brief(tmp_path, capsys):
    """The bridge wire story, then its verbatim reprint, then a partial reprint: one story
    that grows, and after each ingest its brief is rebuilt in place of the old one."""
    folder = tmp_path / "bridge"
    folder.mkdir()
    wire = EXAMPLES / "bridge" / "01_alder_press_wire.txt"
    steps = [[wire, wire.with_suffix(".meta.json")],
             [EXAMPLES / "bridge" / "02_valley_herald_reprint.txt",
              EXAMPLES / "bridge" / "02_valley_herald_reprint.meta.json"]]
    db = str(tmp_path / "grow.db")
    for k, step in enumerate(steps + [None]):
        if step is None:  # a partial reprint, a day later: the wire story's first three paragraphs
            (folder / "03_partial.txt").write_text("\n\n".join(wire.read_text(encoding="utf-8").split("\n\n")[:4]),
                                                   encoding="utf-8")
            (folder / "03_partial.meta.json").write_text(json.dumps({"outlet": "Bay Courier",
                                                                     "published": "2025-03-11"}))
        else:
            for path in step:
                shutil.copy(path, folder / path.name)
        assert main(["--db", db, "ingest", str(folder), "-q"]) == 0
        capsys.readouterr()
        (story_id,) = _story_ids(db)
        brief = _json_out(capsys, ["show", story_id, "--db", db, "--format", "json"])
        assert len(brief["sources"]) == k + 1
        with Store(db) as store:
            assert store.cache_stats().get(cache.BRIEF) == 1


def test_eval_summaries_scores_the_summary_storyline_brief_prints(tmp_path, capsys):
    dev = CORPUS / "multinews" / "dev.jsonl"
    if not dev.exists():
        pytest.skip("../shared/corpus/multinews not present")
    with open(dev, encoding="utf-8") as f:
        records = [json.loads(line) for _, line in zip(range(6), f)]
    # the evaluation takes a record's articles as one story; brief groups them itself: use a
    # record that brief also takes as one story
    for record in records:
        articles_file = tmp_path / f"{record['id']}.jsonl"
        articles_file.write_text("".join(json.dumps({"text": a["text"]}) + "\n" for a in record["articles"]),
                                 encoding="utf-8")
        briefs = _json_out(capsys, ["brief", str(articles_file), "--no-store", "--words", "60", "--format", "json"])
        if len(briefs) == 1:
            break
    else:
        pytest.skip("no multinews record of the first six is one story for brief")
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = _json_out(capsys, ["eval", "summaries", str(one), "--words", "60", "--format", "json"])
    assert result["stories"][0]["summary"] == [s["text"] for s in briefs[0]["summary"]]


def test_eval_clusters_scores_a_record_with_a_null_title(tmp_path, capsys):
    text = (EXAMPLES / "storm" / "01_shoreline_news.txt").read_text(encoding="utf-8").split("\n", 1)[1]
    other = (EXAMPLES / "bridge" / "01_alder_press_wire.txt").read_text(encoding="utf-8").split("\n", 1)[1]
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "text": text, "title": None, "story": "storm"},
        {"id": "b", "text": other, "title": "A bridge", "story": "bridge"},
    ]) + "\n", encoding="utf-8")
    result = _json_out(capsys, ["eval", "clusters", str(labelled), "--format", "json"])
    assert result["scored"] == 2 and result["stories"] == 2
    assert result["bcubed"]["f1"] == 1.0


def test_the_python_api_gives_one_brief_per_story_and_reports_bad_files(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(EXAMPLES, folder)
    (folder / "empty.txt").write_text("")
    (folder / "binary.html").write_bytes(b"\x00\x01\x02" * 50)
    with pytest.warns(storyline.InputWarning) as caught:
        briefs = storyline.brief([str(folder)])
    assert sorted(str(w.message).split(":")[0].rsplit("/", 1)[-1] for w in caught) == ["binary.html", "empty.txt"]
    cli_briefs = storyline.brief([str(EXAMPLES)], on_error=pytest.fail)
    assert [len(b.sources) for b in briefs] == [len(b.sources) for b in cli_briefs] == [4, 4]
    assert {b.headline for b in briefs} == {b.headline for b in cli_briefs}
    assert all(isinstance(b, storyline.Brief) for b in briefs)

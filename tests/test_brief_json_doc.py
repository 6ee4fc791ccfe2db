"""docs/brief-json.md documents the brief's JSON exactly: its tables are parsed and real
briefs' JSON (the examples; the seeds, when ../shared/corpus is there) is walked through
them. Every key found must be documented for its object type, with a value of the
documented type, and every documented field must occur somewhere."""
from __future__ import annotations

import json
import re

import pytest

import storyline
from storyline.report.render import render, render_many

from .conftest import EXAMPLES, REPO

DOC = REPO / "docs" / "brief-json.md"
ROOT = "brief"
JSON_TYPES = {"string": str, "number": int, "boolean": bool, "object": dict, "null": type(None)}
pytestmark = pytest.mark.slow


def documented() -> dict[str, dict[str, str]]:
    """Object type (a '## heading' with a table) -> {field: its documented type}."""
    types: dict[str, dict[str, str]] = {}
    current = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
        row = re.match(r"\| `(\w+)` \| ([^|]+) \|", line)
        if row and current:
            types.setdefault(current, {})[row.group(1)] = row.group(2).strip()
    return types


def dropped() -> list[str]:
    section = DOC.read_text(encoding="utf-8").split("## Fields dropped", 1)[1]
    return re.findall(r"^- `(\w+)`", section, re.M)


def item_type(doc_type: str) -> str | None:
    """'list of *citation*' -> 'citation'."""
    m = re.fullmatch(r"list of \*(.+)\*", doc_type)
    return m.group(1) if m else None


def type_ok(value, doc_type: str) -> bool:
    if doc_type.startswith("list"):
        return isinstance(value, list)
    allowed = tuple(JSON_TYPES[word] for word in re.findall(r"\w+", doc_type) if word in JSON_TYPES)
    return isinstance(value, allowed) and not (isinstance(value, bool) and bool not in allowed)


def walk(value: dict, kind: str, types: dict, seen: set, problems: list, path: str = "$") -> None:
    for key, v in value.items():
        doc_type = types[kind].get(key)
        if doc_type is None:
            problems.append(f"{path}.{key}: not documented for *{kind}*")
            continue
        seen.add((kind, key))
        if not type_ok(v, doc_type):
            problems.append(f"{path}.{key}: {json.dumps(v)[:60]} is not {doc_type}")
        nested = item_type(doc_type)
        if nested is not None:
            for i, item in enumerate(v):
                walk(item, nested, types, seen, problems, f"{path}.{key}[{i}]")


@pytest.fixture(scope="module")
def example_briefs():
    return storyline.brief([str(EXAMPLES)])


@pytest.fixture(scope="module")
def seed_brief(seed_articles):
    (brief,) = storyline.brief(seed_articles)
    return brief


def test_the_document_is_well_formed():
    types = documented()
    assert ROOT in types and "citation" in types
    for kind, fields in types.items():
        for field, doc_type in fields.items():
            nested = item_type(doc_type)
            assert nested is None or nested in types, f"{kind}.{field}: {nested} has no table"
            assert doc_type.startswith("list") or any(w in JSON_TYPES for w in re.findall(r"\w+", doc_type)), \
                f"{kind}.{field}: unknown type {doc_type!r}"
    names = {field for fields in types.values() for field in fields}
    assert set(dropped()) == {"article_ids", "centrality", "outlets"} and not names & set(dropped())


def test_every_key_of_the_examples_is_documented(example_briefs):
    types, seen, problems = documented(), set(), []
    for brief in example_briefs:
        walk(brief.to_json(), ROOT, types, seen, problems)
    assert not problems, "\n".join(problems[:25])


@pytest.fixture(scope="module")
def threaded_brief(tmp_path_factory):
    """The invented recall of tests/test_threads.py, stored with the product's return months
    later: its brief holds a thread link."""
    from storyline.pipeline import Pipeline
    from storyline.store import Store

    from .test_threads import RECALL, RETURN, _write

    tmp = tmp_path_factory.mktemp("thread")
    with Store(tmp / "t.db") as store:
        pipeline = Pipeline(store=store)
        placed = pipeline.ingest([_write(tmp / "june.jsonl", RECALL), _write(tmp / "october.jsonl", RETURN)])
        story = pipeline.story(store.stories_of([placed.articles[0].id])[placed.articles[0].id])
        return pipeline.brief(story, words=40)


def test_every_documented_field_occurs(example_briefs, seed_brief, threaded_brief):
    """The seeds (real articles) hold what the examples lack: differences and their sides;
    the invented recall, a thread link."""
    types, seen, problems = documented(), set(), []
    assert threaded_brief.thread
    for brief in [*example_briefs, seed_brief, threaded_brief]:
        walk(brief.to_json(), ROOT, types, seen, problems)
    assert not problems, "\n".join(problems[:25])
    never = sorted(f"{kind}.{field}" for kind, fields in types.items() for field in fields if (kind, field) not in seen)
    assert not never, f"documented but in no brief: {never}"


def test_a_list_from_brief_one_object_from_show(example_briefs):
    """render_many (storyline brief) always gives a list; render (show, the web API) one object."""
    one = example_briefs[0]
    assert json.loads(render_many([one], "json")) == [one.to_json()]
    assert json.loads(render_many(example_briefs, "json")) == [b.to_json() for b in example_briefs]
    assert json.loads(render(one, "json")) == one.to_json()

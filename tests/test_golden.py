"""Golden briefs: the JSON briefs of examples/ and of the seed articles, pinned.

Pinned before the pipeline refactor (issue 16) so that a restructuring that changes
what a brief says is seen. The examples (texts we wrote) are kept whole. The seeds are
real articles, whose text must not enter the repo: their golden keeps every number,
id, offset and structural value, and a short digest of every other string.

A deliberate change of output: STORYLINE_UPDATE_GOLDEN=1 pytest tests/test_golden.py,
then say in the commit what changed and why.
"""
from __future__ import annotations

import hashlib
import json
import os

import pytest

from storyline.cli import main

from .conftest import REPO, SEEDS

GOLDEN = REPO / "tests" / "data" / "golden"
# Values that are structure, not article text: kept as they are in the seeds' golden.
PLAIN_KEYS = {"schema", "article_id", "type", "kind", "tense", "granularity", "written", "written_estimate",
              "date", "published", "speaker_type"}
pytestmark = pytest.mark.slow


def _briefs(args: list[str], capsys) -> list[dict]:
    assert main(["brief", *args, "--no-store", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    return data if isinstance(data, list) else [data]


def _digest(value, key: str | None = None):
    """value with every string that may be article text replaced by a digest."""
    if isinstance(value, dict):
        return {k: _digest(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_digest(v, key) for v in value]
    if isinstance(value, str) and key not in PLAIN_KEYS:
        return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]
    return value


def _differences(got, want, path: str = "$") -> list[str]:
    if isinstance(got, dict) and isinstance(want, dict):
        out = [f"{path}.{k}: {'missing' if k not in got else 'unexpected'}" for k in sorted(set(got) ^ set(want))]
        for k in sorted(set(got) & set(want)):
            out += _differences(got[k], want[k], f"{path}.{k}")
        return out
    if isinstance(got, list) and isinstance(want, list):
        out = [f"{path}: {len(got)} items, golden has {len(want)}"] if len(got) != len(want) else []
        for i, (g, w) in enumerate(zip(got, want)):
            out += _differences(g, w, f"{path}[{i}]")
        return out
    return [] if got == want else [f"{path}: {json.dumps(got)[:120]} != golden {json.dumps(want)[:120]}"]


def _check(name: str, briefs: list[dict]) -> None:
    path = GOLDEN / f"{name}.json"
    if os.environ.get("STORYLINE_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(briefs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    want = json.loads(path.read_text(encoding="utf-8"))
    problems = _differences(briefs, want)
    assert not problems, f"{len(problems)} differences from {path.name}:\n" + "\n".join(problems[:25])


def test_examples_briefs_match_the_golden(capsys, monkeypatch):
    monkeypatch.chdir(REPO)  # sources are shown as given: relative paths
    _check("examples", _briefs(["examples/"], capsys))


def test_seed_brief_matches_the_golden(capsys, monkeypatch, seeds_dir):
    monkeypatch.chdir(REPO)
    briefs = _briefs([os.path.relpath(SEEDS, REPO), "--published", "2017-05-03"], capsys)
    _check("seeds", _digest(briefs))

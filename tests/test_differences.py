"""Scoring a brief's differences against difference gold (evaluate/trust.py)."""
from __future__ import annotations

import json

from storyline.evaluate.trust import GoldDifference, digest, read_difference_gold, read_gold, score_differences


def _listed(story: str, *sides: list[str]) -> dict:
    return {"story": story, "kind": "figures", "text": "", "sides": [[digest(t) for t in s] for s in sides],
            "side_texts": []}


def test_differences_are_scored_by_their_sides_sentences():
    three, five, five_again = "Three people died in Marlow.", "Five people died in Marlow.", "The toll rose to five."
    hundreds, many = "Hundreds of thousands need aid.", "More than 400,000 need aid."
    gold = [GoldDifference("storm", "figures", "dead", [[digest(three)], [digest(five), digest(five_again)]]),
            GoldDifference("storm", "figures", "aid", [[digest(hundreds)], [digest(many)]], reconciled=True),
            GoldDifference("flood", "figures", "homes", [[digest("a")], [digest("b")]])]
    listed = [_listed("storm", [five_again], [three]),           # the gold disagreement, either order
              _listed("storm", [hundreds], [many]),               # the text reconciles them
              _listed("storm", [three], [hundreds]),              # no gold item
              _listed("storm", [five], [five_again])]             # two sentences of one side: not the item
    scored = score_differences(listed, gold, {"storm"})
    assert (scored["listed"], scored["true"], scored["gold"], scored["found"]) == (4, 1, 1, 1)
    assert [f["why"] for f in scored["false"]] == ["reconciled", "no disagreement", "no disagreement"]
    assert scored["precision"] == 0.25 and scored["recall"] == 1.0
    missed = score_differences([], gold, {"storm", "flood"})
    assert missed["recall"] == 0.0 and [m["key"] for m in missed["missed"]] == ["dead", "homes"]


def test_difference_gold_and_citation_gold_share_a_folder(tmp_path):
    (tmp_path / "d.json").write_text(json.dumps({"differences": [
        {"story": "s", "kind": "date", "key": "day", "reconciled": False, "sides": [["x"], ["y"]]}]}))
    (tmp_path / "j.json").write_text(json.dumps({"judgments": []}))
    assert read_gold(tmp_path) == {}
    [g] = read_difference_gold(tmp_path)
    assert g.kind == "date" and g.sides == [["x"], ["y"]]


def test_stored_difference_gold_holds_digests_and_short_keys_only():
    import re

    from storyline.evaluate.trust import DEFAULT_GOLD

    files = [p for p in sorted(DEFAULT_GOLD.glob("*.json")) if json.loads(p.read_text())["judgments"] == []
             and json.loads(p.read_text()).get("differences")]
    assert len(files) == 2
    for path in files:
        for row in json.loads(path.read_text())["differences"]:
            assert set(row) == {"story", "kind", "key", "reconciled", "sides"}
            assert row["kind"] in ("figures", "date", "place", "participant", "negation")
            assert len(row["sides"]) >= 2 and all(re.fullmatch(r"[0-9a-f]{64}", d) for s in row["sides"] for d in s)
            assert len(row["key"].split()) <= 8 and isinstance(row["reconciled"], bool)

"""`storyline eval trust`: are a brief's citations true? Every story of a
Multi-News-format JSONL file (one story per line; an article's own title, published,
outlet and url are read when present) is briefed through the Pipeline, as
``storyline brief`` briefs it, and every citation of its summary, key points,
agreements and single-source facts is scored against gold judgments.

A judgment is about one citation: the claim (the item's text) and the sentence it
cites -> true (the cited sentence states the claim's fact: same figures, same
participants, same predicate, no negation flip; bench/gold/trust/GUIDE.md) or false.
Gold holds no text: the claim and the cited sentence are named by the sha256 digest
of their whitespace-normalised text, beside the story, article id and sentence index
for the annotator. A verdict is a property of the two texts, so a judgment is found
by the two digests: a syndicated copy's identical sentence, or a sentence whose
index moved after an ingest change, keeps its verdict; a claim whose text changed
is unjudged until someone judges it.

A citation to the sentence its item was extracted from (the claim's words, in
order, inside the cited sentence) is trivially true and needs no judgment.
Citations without a judgment are counted and listed with their texts (on stdout,
for annotation: never into the repo).

Differences ("Where they differ") are scored against difference gold (files with a
"differences" list): per story, each disagreement two sources state (a figure, date, place
or name given differently for one thing) and each pair that looks different but the text
reconciles, its sides named by the digests of the sentences that state them. A listed
difference is one gold item when two of its sides cite sentences of two of the item's
sides. Precision: listed differences that are a gold disagreement; recall: gold
disagreements listed.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from ..model import Article, Brief

SECTIONS = ("summary", "key_points", "agree", "single_source")
SECTION_TITLES = {"summary": "summary", "key_points": "key points", "agree": "agree",
                  "single_source": "single source"}
DEFAULT_GOLD = Path(__file__).resolve().parents[2] / "bench" / "gold" / "trust"
WORD = re.compile(r"\w+")
MIN_EXTRACT_WORDS = 4  # a shorter claim ("He said so.") occurs inside sentences it was not taken from


def normalised(text: str) -> str:
    return " ".join(text.split())


def digest(text: str) -> str:
    """The name of a text in gold files: sha256 of its whitespace-normalised form."""
    return hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()


def extracted_from(claim: str, cited: str) -> bool:
    """The claim's words, in order and contiguous, are the cited sentence's (case and
    punctuation aside): the item was extracted from that very sentence."""
    words = WORD.findall(claim.lower())
    if len(words) < MIN_EXTRACT_WORDS:
        return False
    return f" {' '.join(words)} " in f" {' '.join(WORD.findall(cited.lower()))} "


@dataclass
class ScoredCitation:
    """One citation of a brief and its verdict: True/False from gold or from being the
    item's own sentence (trivial), None when unjudged."""

    story: str
    section: str
    claim: str
    article: str  # the article's id in the input file
    sentence: int
    cited: str
    trivial: bool
    states: bool | None
    why: str | None = None  # the gold's reason for a false verdict


@dataclass
class Judgment:
    """A gold judgment as stored (no text)."""

    story: str
    section: str
    claim: str  # digest
    article: str
    sentence: int
    cited: str  # digest
    states: bool
    why: str | None = None  # for a false one: figure, participant, predicate, negation or other-fact


def read_stories(path: str | Path, limit: int | None = None) -> list[tuple[str, list[Article]]]:
    """(story id, articles) of each line, read as the summary evaluation reads them."""
    from .summaries import read_stories as labelled_stories

    return [(story.id, story.articles) for story in labelled_stories(path, limit)]


def brief_stories(stories: list[tuple[str, list[Article]]], words: int = 100, store=None) -> list[Brief]:
    """Each story's brief, its articles taken as one story (copies found as storyline brief finds them)."""
    from ..pipeline import Pipeline, Story

    pipeline = Pipeline(store=store)
    return [pipeline.brief(Story(story_id, articles, pipeline.copies(articles)), words=words)
            for story_id, articles in stories]


def brief_citations(story_id: str, brief: Brief, articles: list[Article]) -> list[ScoredCitation]:
    """Every citation of the four sections, unjudged (trivial ones marked true)."""
    source_of = {s.article_id: s.source for s in brief.sources}
    sentence_text = {(a.id, s.index): s.text for a in articles for s in a.sentences}
    out = []
    for section in SECTIONS:
        for item in getattr(brief, section):
            for c in item.citations:
                cited = c.text or sentence_text.get((c.article_id, c.sentence), "")
                trivial = extracted_from(item.text, cited)
                out.append(ScoredCitation(story_id, section, item.text, source_of.get(c.article_id, c.article_id),
                                          c.sentence, cited, trivial, True if trivial else None))
    return out


def read_gold(folder: str | Path = DEFAULT_GOLD) -> dict[tuple[str, str], Judgment]:
    """(claim digest, cited digest) -> judgment, from every *.json of the folder (a
    missing folder is no gold). Two judgments of one pair that disagree are an error."""
    gold: dict[tuple[str, str], Judgment] = {}
    for path in sorted(Path(folder).glob("*.json")):
        for row in json.loads(path.read_text(encoding="utf-8")).get("judgments", []):
            j = Judgment(**row)
            key = (j.claim, j.cited)
            if key in gold and gold[key].states != j.states:
                raise ValueError(f"{path}: contradicting judgments of claim {j.claim[:12]} / cited {j.cited[:12]}")
            gold[key] = j
    return gold


def judge(citations: list[ScoredCitation], gold: dict[tuple[str, str], Judgment]) -> None:
    """Give the non-trivial citations their gold verdicts (None where there is none)."""
    for c in citations:
        if not c.trivial:
            j = gold.get((digest(c.claim), digest(c.cited)))
            c.states, c.why = (j.states, j.why) if j else (None, None)


def tally(citations: list[ScoredCitation]) -> dict:
    """Counts and precisions of a list of scored citations."""
    trivial = sum(c.trivial for c in citations)
    judged = [c for c in citations if not c.trivial and c.states is not None]
    right = sum(c.states for c in judged)
    reasons = [c.why or "unstated" for c in judged if not c.states]
    return {
        "citations": len(citations),
        "trivial": trivial,
        "judged": len(judged),
        "false": len(judged) - right,
        "false_by_reason": {why: reasons.count(why) for why in sorted(set(reasons))},
        "unjudged": sum(c.states is None for c in citations),
        # over every citation with a verdict (the trivial ones are true)
        "precision": _ratio(trivial + right, trivial + len(judged)),
        # over the citations a reader has to check: those to another sentence
        "precision_nontrivial": _ratio(right, len(judged)),
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


@dataclass
class GoldDifference:
    """A disagreement between sources (or, reconciled, a pair the text itself reconciles), as
    stored: each side the digests of the sentences that state it."""

    story: str
    kind: str  # figures, date, place, participant, negation
    key: str  # the annotator's short key: "dead", "landfall day" (no text)
    sides: list[list[str]]
    reconciled: bool = False


def read_difference_gold(folder: str | Path = DEFAULT_GOLD) -> list[GoldDifference]:
    """Every gold difference of the folder's files that hold a "differences" list."""
    out = []
    for path in sorted(Path(folder).glob("*.json")):
        out += [GoldDifference(**row) for row in json.loads(path.read_text(encoding="utf-8")).get("differences", [])]
    return out


def brief_differences(story_id: str, brief: Brief) -> list[dict]:
    """The brief's differences: kind, text and, per side, the cited sentences' digests and texts."""
    return [{"story": story_id, "kind": d.kind, "text": d.text,
             "sides": [[digest(c.text or "") for c in side.citations] for side in d.sides],
             "side_texts": [side.text for side in d.sides]} for d in brief.differ]


def _matches(listed: dict, gold: GoldDifference) -> bool:
    """Two sides of the listed difference cite sentences of two different sides of the gold item."""
    hits = [{k for k, g in enumerate(gold.sides) if set(side) & set(g)} for side in listed["sides"]]
    return any(a != b for i, x in enumerate(hits) for y in hits[i + 1:] for a in x for b in y)


def score_differences(listed: list[dict], gold: list[GoldDifference], stories: set[str]) -> dict:
    """Precision and recall of the listed differences against the gold of the scored stories."""
    gold = [g for g in gold if g.story in stories]
    disagreements = [g for g in gold if not g.reconciled]
    verdicts = []
    for d in listed:
        candidates = [g for g in gold if g.story == d["story"] and _matches(d, g)]
        # one pair of sentences may hold a disagreement of one kind and a reconciled pair of another
        match = next((g for g in candidates if g.kind == d["kind"]), candidates[0] if candidates else None)
        verdicts.append({**d, "true": bool(match and not match.reconciled),
                         "why": None if match and not match.reconciled else
                         ("reconciled" if match else "no disagreement")})
    found = [g for g in disagreements if any(_matches(d, g) for d in listed if d["story"] == g.story)]
    right = sum(v["true"] for v in verdicts)
    return {"listed": len(listed), "true": right, "precision": _ratio(right, len(listed)),
            "gold": len(disagreements), "found": len(found), "recall": _ratio(len(found), len(disagreements)),
            "false": [v for v in verdicts if not v["true"]],
            "missed": [asdict(g) for g in disagreements if g not in found]}


def evaluate_file(path: str | Path, gold_dir: str | Path = DEFAULT_GOLD, limit: int | None = None,
                  words: int = 100, store=None) -> dict:
    stories = read_stories(path, limit)
    briefs = brief_stories(stories, words=words, store=store)
    citations = [c for (story_id, articles), brief in zip(stories, briefs)
                 for c in brief_citations(story_id, brief, articles)]
    judge(citations, read_gold(gold_dir))
    listed = [d for (story_id, _), brief in zip(stories, briefs) for d in brief_differences(story_id, brief)]
    return {
        "differences": score_differences(listed, read_difference_gold(gold_dir), {sid for sid, _ in stories}),
        "file": str(path),
        "stories": len(stories),
        "overall": tally(citations),
        "sections": {s: tally([c for c in citations if c.section == s]) for s in SECTIONS},
        "false": [asdict(c) for c in citations if c.states is False],
        "unjudged": [asdict(c) for c in citations if c.states is None],
    }


def gold_skeleton(result: dict) -> dict:
    """Judgment rows (states null) for the unjudged citations of a result: what an
    annotator fills in, digests only."""
    rows = {}
    for c in result["unjudged"]:
        key = (digest(c["claim"]), digest(c["cited"]))
        rows.setdefault(key, {"story": c["story"], "section": c["section"], "claim": key[0],
                              "article": c["article"], "sentence": c["sentence"], "cited": key[1], "states": None})
    return {"file": result["file"], "judgments": list(rows.values())}


def format_trust_report(result: dict) -> str:
    lines = [f"# Citation trust: {result['file']} ({result['stories']} stories)", "",
             "| section | citations | trivial | judged | false | unjudged | precision | non-trivial |",
             "|---|---|---|---|---|---|---|---|"]
    rows = [(SECTION_TITLES[s], result["sections"][s]) for s in SECTIONS] + [("all", result["overall"])]
    for name, t in rows:
        lines.append(f"| {name} | {t['citations']} | {t['trivial']} | {t['judged']} | {t['false']} | "
                     f"{t['unjudged']} | {_fmt(t['precision'])} | {_fmt(t['precision_nontrivial'])} |")
    if result["overall"]["false_by_reason"]:
        lines += ["", "False citations by reason: " + ", ".join(
            f"{why} {n}" for why, n in result["overall"]["false_by_reason"].items())]
    if "differences" in result:
        lines += _difference_lines(result["differences"])
    for title, key in (("False citations", "false"), ("Unjudged citations", "unjudged")):
        if result[key]:
            lines += ["", f"## {title}"]
            for c in result[key]:
                why = f" ({c['why']})" if c.get("why") else ""
                lines += ["", f"- {c['story']} {SECTION_TITLES[c['section']]}{why}: {c['claim']}",
                          f"  cites {c['article']} #{c['sentence']}: {c['cited']}"]
    return "\n".join(lines) + "\n"


def _difference_lines(d: dict) -> list[str]:
    lines = ["", f"Differences: {d['listed']} listed, {d['true']} true, precision {_fmt(d['precision'])}; "
                 f"gold disagreements {d['gold']}, found {d['found']}, recall {_fmt(d['recall'])}"]
    for v in d["false"]:
        lines += [f"- false difference ({v['why']}) {v['story']} {v['kind']}: {v['text']}"]
        lines += [f"  side: {text}" for text in v["side_texts"]]
    for g in d["missed"]:
        lines += [f"- missed {g['story']} {g['kind']}: {g['key']}"]
    return lines


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"

"""Who is who and who says what, against hand annotations (bench/gold/people.json).

Each gold story's articles are read as ingest reads them and briefed by the pipeline
(Pipeline.brief, no store: the product's own analysis, syndicated copies analysed once and
credited as the brief credits them); what is scored is the brief's entities and quotes
sections, as a reader gets them:

- entity merges: pairs of gold names (as written: "Kimmel", "Jimmy Kimmel") that are one
  entity in the gold and one entry of the brief's entities. A name is in the entry one of
  whose aliases is written that way (titles left off); a name in several entries is in none,
  so it counts against recall and not for precision, and so does a name the brief does not
  list. Precision: pairs the brief puts in one entry that the gold keeps apart; recall: gold
  pairs the brief puts in one entry.
- split people: gold people or organisations that the brief lists more than once;
  ambiguous listed: a name the gold marks as fitting two people ("Schwandt" beside Jay and
  Kateri Schwandt) listed as someone of its own.
- types: the listed type of each gold entity the brief holds in one entry.
- speakers: for each gold quotation sentence a quote of the brief cites, its speaker against
  the gold's. "Right" counts the sentences where the brief names a speaker and it is the gold
  one (any of the gold's names for that person: a bare "Schubert" is Anne Marie Schubert; the
  trust figure, as a wrong speaker costs more than a missing one); "found" counts the gold
  sentences with a named speaker where the brief names that speaker; "several entries" the
  people who speak under more than one name ("Schubert" beside "Anne Marie Schubert").
- odd speakers: speakers of any quote of the scored briefs that are not a person or an
  organisation.

Sentences are found by the digest of their text, so a changed segmentation moves the
index but keeps the annotation; a sentence whose text changed is reported as lost.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from itertools import combinations
from pathlib import Path

from ..analyze.entities import TITLE_WORDS, canonical_key
from ..model import Article, Brief, EntityEntry, QuoteEntry
from ..settings import DEFAULT_SETTINGS, Settings

SPEAKER_TYPES = {"PERSON", "ORG"}


def digest(text: str) -> str:
    """The gold's sentence digest: sha256 of the text with whitespace collapsed, 16 hex digits."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


def load_story_articles(path: Path, story_id: str) -> list[Article]:
    """The articles of one story of a multinews-format JSONL file, built as ingest builds them."""
    from ..ingest import build_article
    from ..ingest.record import record_to_raw

    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            obj = json.loads(line)
            if obj["id"] == story_id:
                fields = ("text", "title", "published", "outlet", "author", "url")
                return [build_article(record_to_raw(f"{path}:{n}", {k: a[k] for k in fields if k in a}))
                        for a in obj["articles"]]
    raise KeyError(f"{path}: no story {story_id}")


def locate(article: Article, gold_quote: dict) -> int | None:
    """The index of the gold sentence in the article as segmented now, by its digest
    (whole sentence, then its first 40 characters), or None if its text changed."""
    whole = [s.index for s in article.sentences if digest(s.text) == gold_quote["sha256"]]
    if not whole:
        whole = [s.index for s in article.sentences if digest(" ".join(s.text.split())[:40]) == gold_quote["head"]]
    if not whole:
        return None
    return min(whole, key=lambda k: abs(k - gold_quote["sentence"]))


def name_key(name: str) -> str:
    """A name as the gold writes it (titles left off): "Sgt. Tom Sullivan", "Mom Kateri" and
    "Tom Sullivan's" are one."""
    toks = canonical_key(name).split()
    while len(toks) > 1 and toks[0] in TITLE_WORDS:
        toks.pop(0)
    return " ".join(toks)


def entry_keys(entry: EntityEntry) -> set[str]:
    return {name_key(entry.name)} | {name_key(a) for a in entry.aliases}


def speaker_keys(q: QuoteEntry, entries: list[EntityEntry]) -> set[str]:
    """The names the brief gives the quote's speaker: its name, and the aliases of the
    entry of that name and type when the brief lists it."""
    keys = {name_key(q.speaker)}
    for e in entries:
        if e.name == q.speaker and e.type == q.speaker_type:
            keys |= entry_keys(e)
    return keys


def cited_sentences(article: Article, citation) -> set[int]:
    """The sentences of the article a citation's span covers."""
    return {s.index for s in article.sentences if citation.start <= s.start < citation.end
            or s.start <= citation.start < s.end}


def score_speakers(gold_story: dict, articles: dict[str, Article], brief: Brief, t: Counter,
                   errors: list[str]) -> None:
    """Each gold quotation sentence against the speakers of the brief's quotes citing it."""
    aliases = {e["names"][0]: {name_key(n) for n in e["names"]} for e in gold_story["entities"]}
    ids = {a.id: gid for gid, a in articles.items()}
    cover: dict[tuple[str, int], list[QuoteEntry]] = {}
    for q in brief.quotes:
        for c in q.citations:
            for k in cited_sentences(articles[ids[c.article_id]], c):
                cover.setdefault((ids[c.article_id], k), []).append(q)
    entries: dict[str, set[str]] = {}  # gold speaker -> the names the brief gives them
    for g in gold_story["quotes"]:
        k = locate(articles[g["article"]], g)
        if k is None:
            t["lost"] += 1
            continue
        accepted = g["speaker"] if isinstance(g["speaker"], list) else [g["speaker"]]
        named_gold = [a for a in accepted if a is not None]
        t["gold"] += 1
        t["gold_named"] += bool(named_gold) and None not in accepted
        covering = list({id(q): q for q in cover.get((g["article"], k), [])}.values())
        if not covering:
            continue
        t["covered"] += 1
        speakers = [q for q in covering if q.speaker is not None]
        if not speakers:
            continue
        t["attributed"] += 1
        right = all(any(aliases.get(a, {name_key(a)}) & speaker_keys(q, brief.entities) for a in named_gold)
                    for q in speakers)
        t["right"] += right
        t["found"] += right and None not in accepted
        if right and len(named_gold) == 1:
            entries.setdefault(named_gold[0], set()).update(q.speaker for q in speakers)
        if not right:
            names = ", ".join(sorted({f"{q.speaker} ({q.speaker_type})" for q in speakers}))
            errors.append(f"{g['article']}#{k}: {names}; gold {g['speaker']}")
    for who, given in entries.items():  # "Schubert" beside "Anne Marie Schubert"
        t["speaker_split"] += len(given) > 1
        if len(given) > 1:
            errors.append(f"{gold_story['story']}: {who} speaks as " + ", ".join(sorted(given)))


def _entry_of_name(entries: list[EntityEntry], name: str) -> EntityEntry | None:
    """The one entry of the brief with an alias written as `name`; None if none or several."""
    key = name_key(name)
    holders = [e for e in entries if key in entry_keys(e)]
    return holders[0] if len(holders) == 1 else None


def score_entities(gold_story: dict, entries: list[EntityEntry], t: Counter, errors: list[str]) -> None:
    """Merge pairs, people listed twice, ambiguous names listed, and types."""
    named = [(name, k) for k, e in enumerate(gold_story["entities"]) for name in e["names"]]
    entry_of = {name: _entry_of_name(entries, name) for name, _ in named}
    for (a, ga), (b, gb) in combinations(named, 2):
        together = entry_of[a] is not None and entry_of[a] is entry_of[b]
        t["merge_sys"] += together
        t["merge_right"] += together and ga == gb
        t["merge_gold"] += ga == gb
        t["merge_found"] += together and ga == gb
        if together and ga != gb:
            errors.append(f"{gold_story['story']}: '{a}' and '{b}' merged")
        if ga == gb and not together:
            where = lambda n: "not listed" if entry_of[n] is None else f"in {entry_of[n].name}"  # noqa: E731
            errors.append(f"{gold_story['story']}: '{a}' ({where(a)}) and '{b}' ({where(b)}) apart")
    for e in gold_story["entities"]:
        keys = {name_key(n) for n in e["names"]}
        listed = [x for x in entries if keys & entry_keys(x)]
        t["gold_entities"] += 1
        t["split"] += len(listed) > 1
        if len(listed) > 1:
            errors.append(f"{gold_story['story']}: {e['names'][0]} listed {len(listed)} times: "
                          + ", ".join(f"{x.name} ({x.type})" for x in listed))
        whole = entry_of[e["names"][0]]
        if whole is not None:
            t["typed"] += 1
            t["type_right"] += whole.type == e["type"]
            if whole.type != e["type"]:
                errors.append(f"{gold_story['story']}: {whole.name} typed {whole.type}, gold {e['type']}")
    for name in gold_story.get("ambiguous", []):
        alone = [x for x in entries if name_key(x.name) == name_key(name)]
        t["ambiguous_listed"] += len(alone)
        errors.extend(f"{gold_story['story']}: ambiguous '{name}' listed as {x.name} ({x.type})" for x in alone)


def gold_briefs(gold: dict, corpus: Path, settings: Settings = DEFAULT_SETTINGS, part: bool = False):
    """(gold story, {gold article id: Article}, Brief) of every gold story, briefed by the
    pipeline with no store, the story's syndicated copies found as for unstored articles.
    part: only the brief's quotes part (Pipeline.part, the same entities and quotes without
    the summary: a quarter of the time), for the tests."""
    from ..pipeline import Pipeline, Story

    pipeline = Pipeline(settings)
    stories, built = [], []
    for story in gold["stories"]:
        arts = load_story_articles(corpus / gold["files"][story["file"]], story["story"])
        built.append(dict(zip(story["articles"], arts)))
        stories.append(Story(None, arts, pipeline.copies(arts)))
    briefs = [pipeline.part(s, "quotes") for s in stories] if part else pipeline.briefs(stories)
    return list(zip(gold["stories"], built, briefs))


def evaluate_people(gold_path: Path, corpus: Path, settings: Settings = DEFAULT_SETTINGS, part: bool = False) -> dict:
    """Scores of every gold story (see the module docstring) and the errors behind them;
    part: see gold_briefs."""
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    t: Counter = Counter()
    by_source: dict[str, Counter] = {}
    errors: list[str] = []
    odd: list[str] = []
    for story, articles, brief in gold_briefs(gold, corpus, settings, part):
        c: Counter = Counter()
        score_speakers(story, articles, brief, c, errors)
        score_entities(story, brief.entities, c, errors)
        odd += [f"{story['story']}: {q.speaker} ({q.speaker_type}, '{q.speaker_text}')"
                for q in brief.quotes if q.speaker is not None and q.speaker_type not in SPEAKER_TYPES]
        c["stories"] += 1
        t.update(c)
        by_source.setdefault(story["file"], Counter()).update(c)
    return {"counts": dict(t), "errors": errors, "odd_speakers": odd, **_rates(t),
            "by_source": {f: {"counts": dict(c), **_rates(c)} for f, c in by_source.items()}}


def _rates(t: Counter) -> dict:
    def ratio(a: str, b: str) -> float | None:
        return t[a] / t[b] if t[b] else None

    return {"speakers_right": ratio("right", "attributed"), "speakers_found": ratio("found", "gold_named"),
            "merge_precision": ratio("merge_right", "merge_sys"), "merge_recall": ratio("merge_found", "merge_gold"),
            "type_accuracy": ratio("type_right", "typed")}


def format_people_report(result: dict, verbose: bool = False) -> str:
    c = result["counts"]

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    lines = [
        f"{c.get('stories', 0)} stories, {c.get('gold', 0)} gold quotation sentences "
        f"({c.get('lost', 0)} lost to a changed segmentation), {c.get('gold_entities', 0)} gold entities",
        f"speakers right {pct(result['speakers_right'])} ({c.get('right', 0)}/{c.get('attributed', 0)} attributed; "
        f"{c.get('covered', 0)} gold sentences have a quote)   found {pct(result['speakers_found'])} "
        f"({c.get('found', 0)}/{c.get('gold_named', 0)} named in the gold)",
        f"speakers not a person or organisation: {len(result['odd_speakers'])}   "
        f"people speaking under several entries: {c.get('speaker_split', 0)}",
        f"entity merges: precision {pct(result['merge_precision'])} ({c.get('merge_right', 0)}/{c.get('merge_sys', 0)})"
        f"  recall {pct(result['merge_recall'])} ({c.get('merge_found', 0)}/{c.get('merge_gold', 0)})",
        f"listed twice: {c.get('split', 0)}   ambiguous names listed alone: {c.get('ambiguous_listed', 0)}   "
        f"types right {pct(result['type_accuracy'])} ({c.get('type_right', 0)}/{c.get('typed', 0)})",
    ]
    for source, r in result.get("by_source", {}).items():
        k = r["counts"]
        lines.append(f"  {source}: {k.get('stories', 0)} stories; speakers right {pct(r['speakers_right'])} "
                     f"({k.get('right', 0)}/{k.get('attributed', 0)}); merges {pct(r['merge_precision'])} / "
                     f"{pct(r['merge_recall'])} ({k.get('merge_found', 0)}/{k.get('merge_gold', 0)}); "
                     f"listed twice {k.get('split', 0)}")
    if verbose:
        lines += ["", "errors:"] + [f"  {e}" for e in result["errors"]]
        lines += ["odd speakers:"] + [f"  {o}" for o in result["odd_speakers"]]
    return "\n".join(lines)

"""Who is who and who says what, against hand annotations (bench/gold/people.json).

Each gold story's articles are read as ingest reads them, parsed once, and put through the
analysis stage's entities (analyze/entities) and quotes (analyze/quotes), as the pipeline
runs them. Scored:

- entity merges: pairs of gold names (as written: "Kimmel", "Jimmy Kimmel") that are one
  entity in the gold and in storyline. A name is in the entity that holds all of its
  mentions; a name whose mentions are split over several entities is in none, so it counts
  against recall and not for precision. Precision: pairs storyline puts in one entity that
  the gold keeps apart; recall: gold pairs storyline puts in one entity.
- split people: gold people or organisations that the brief lists (EntityEntry) more than once;
  ambiguous listed: a name the gold marks as fitting two people ("Schwandt" beside Jay and
  Kateri Schwandt) listed as someone of its own.
- types: the listed type of each gold entity storyline holds in one entity.
- speakers: for each gold quotation sentence storyline has a quote on, its speaker against
  the gold's. "Right" counts the sentences where storyline names a speaker and it is the gold
  one (any of the gold's names for that person: a bare "Schubert" is Anne Marie Schubert; the
  trust figure, as a wrong speaker costs more than a missing one); "found" counts the gold
  sentences with a named speaker where storyline names that speaker; "several entries" the
  people who speak under more than one entity ("Schubert" beside "Anne Marie Schubert").
- odd speakers: speakers of any quote of the scored stories that are not a person or an
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

from ..analyze.entities import StoryEntities, canonical_key, parse_articles, story_entities
from ..analyze.quotes import Quote, extract_quotes
from ..model import Article
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


def _same_name(gold_name: str, entity, aliases: dict[str, list[str]]) -> bool:
    """The speaker entity is the gold's: its key or one of its mentions' keys is the key of the
    gold name or of one of the gold's names for that entity."""
    keys = {canonical_key(n) for n in aliases.get(gold_name, [gold_name])}
    return entity.key in keys or any(canonical_key(m.text) in keys for m in entity.mentions)


def score_speakers(gold_story: dict, articles: dict[str, Article], quotes: list[Quote], t: Counter,
                   errors: list[str]) -> None:
    """Each gold quotation sentence against the speakers of storyline's quotes on it."""
    aliases = {e["names"][0]: e["names"] for e in gold_story["entities"]}
    entries: dict[str, dict[int, str]] = {}  # gold speaker -> the entities storyline gives for them
    for g in gold_story["quotes"]:
        k = locate(articles[g["article"]], g)
        if k is None:
            t["lost"] += 1
            continue
        accepted = g["speaker"] if isinstance(g["speaker"], list) else [g["speaker"]]
        named_gold = [a for a in accepted if a is not None]
        t["gold"] += 1
        t["gold_named"] += bool(named_gold) and None not in accepted
        covering = [q for q in quotes if q.article_id == g["article"] and k in q.sentences]
        if not covering:
            continue
        t["covered"] += 1
        speakers = [q.speaker for q in covering if q.speaker is not None]
        if not speakers:
            continue
        t["attributed"] += 1
        right = all(any(_same_name(a, s, aliases) for a in named_gold) for s in speakers)
        t["right"] += right
        t["found"] += right and None not in accepted
        if right and len(named_gold) == 1:
            entries.setdefault(named_gold[0], {}).update({id(x): x.name for x in speakers})
        if not right:
            names = ", ".join(sorted({f"{s.name} ({s.type})" for s in speakers}))
            errors.append(f"{g['article']}#{k}: {names}; gold {g['speaker']}")
    for who, given in entries.items():  # "Schubert" beside "Anne Marie Schubert"
        t["speaker_split"] += len(given) > 1
        if len(given) > 1:
            errors.append(f"{gold_story['story']}: {who} speaks as " + ", ".join(sorted(given.values())))


def _entity_of_name(ents: StoryEntities, name: str):
    """The one entity holding every mention written as `name`; None if none or several."""
    key = canonical_key(name)
    holders = {id(e): e for e in ents.entities for m in e.mentions if canonical_key(m.text) == key}
    return next(iter(holders.values())) if len(holders) == 1 else None


def score_entities(gold_story: dict, ents: StoryEntities, t: Counter, errors: list[str],
                   settings: Settings = DEFAULT_SETTINGS) -> None:
    """Merge pairs, people listed twice, ambiguous names listed, and types."""
    named = [(name, k) for k, e in enumerate(gold_story["entities"]) for name in e["names"]]
    entity_of = {name: _entity_of_name(ents, name) for name, _ in named}
    for (a, ga), (b, gb) in combinations(named, 2):
        together = entity_of[a] is not None and entity_of[a] is entity_of[b]
        t["merge_sys"] += together
        t["merge_right"] += together and ga == gb
        t["merge_gold"] += ga == gb
        t["merge_found"] += together and ga == gb
        if together and ga != gb:
            errors.append(f"{gold_story['story']}: '{a}' and '{b}' merged")
        if ga == gb and not together and entity_of[a] is not None and entity_of[b] is not None:
            errors.append(f"{gold_story['story']}: '{a}' and '{b}' apart")
    listed = ents.listed(settings.entities)
    for e in gold_story["entities"]:
        keys = {canonical_key(n) for n in e["names"]}
        entries = [x for x in listed if any(canonical_key(m.text) in keys for m in x.mentions)]
        t["gold_entities"] += 1
        t["split"] += len(entries) > 1
        if len(entries) > 1:
            errors.append(f"{gold_story['story']}: {e['names'][0]} listed {len(entries)} times: "
                          + ", ".join(f"{x.name} ({x.type})" for x in entries))
        whole = entity_of[e["names"][0]]
        if whole is not None:
            t["typed"] += 1
            t["type_right"] += whole.type == e["type"]
            if whole.type != e["type"]:
                errors.append(f"{gold_story['story']}: {whole.name} typed {whole.type}, gold {e['type']}")
    for name in gold_story.get("ambiguous", []):
        alone = [x for x in listed if x.key == canonical_key(name)]
        t["ambiguous_listed"] += len(alone)
        errors.extend(f"{gold_story['story']}: ambiguous '{name}' listed as {x.name} ({x.type})" for x in alone)


def evaluate_people(gold_path: Path, corpus: Path, settings: Settings = DEFAULT_SETTINGS) -> dict:
    """Scores of every gold story (see the module docstring) and the errors behind them."""
    from ..analyze.nlp import load_spacy

    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    nlp = load_spacy()
    t: Counter = Counter()
    errors: list[str] = []
    odd: list[str] = []
    for story in gold["stories"]:
        built = load_story_articles(corpus / gold["files"][story["file"]], story["story"])
        articles = dict(zip(story["articles"], built))
        ids = {a.id: gid for gid, a in articles.items()}
        docs = parse_articles(built, nlp)
        ents = story_entities(built, docs, settings.entities)
        quotes = [q for a, d in zip(built, docs) for q in extract_quotes(a, d, ents, settings.quotes)]
        for q in quotes:
            q.article_id = ids[q.article_id]  # the gold's article ids
        score_speakers(story, articles, quotes, t, errors)
        score_entities(story, ents, t, errors, settings)
        odd += [f"{q.article_id}#{q.sentences[0]}: {q.speaker.name} ({q.speaker.type}, '{q.speaker_text}')"
                for q in quotes if q.speaker is not None and q.speaker.type not in SPEAKER_TYPES]
        t["stories"] += 1
    return {"counts": dict(t), "errors": errors, "odd_speakers": odd, **_rates(t)}


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
    if verbose:
        lines += ["", "errors:"] + [f"  {e}" for e in result["errors"]]
        lines += ["odd speakers:"] + [f"  {o}" for o in result["odd_speakers"]]
    return "\n".join(lines)

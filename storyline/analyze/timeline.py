"""The timeline of one story: dated events with relative dates resolved, the
same event from several sources merged, and how the coverage developed.

Reference date per article: its publication date; else the latest date its
text pins down; a missing year is taken from the story's other dated
evidence (said so in the notes), never guessed. A stated date can be later
than the writing (reposts, updates): an article that previews a weekday as
future while the story reports that weekday as past was written on or before
that day, and its relative dates are read against that day instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from scipy.cluster.hierarchy import DisjointSet

from ..ingest.dates import complete_year
from ..model import Article, Citation, Development, PartialDate, TimelineEntry
from ..settings import TimelineSettings
from .temporal import (WEEKDAYS, Reference, TimeExpression, date_label, find_expressions, resolve_expressions,
                       sentence_docs)

ACTOR_LABELS = ("PERSON", "ORG", "GPE")
TITLE_WORDS = re.compile(r"^(?:Mr|Mrs|Ms|Dr|President|Chancellor|Secretary|Prime Minister|Sen|Rep)\.?\s+")


@dataclass
class Timeline:
    entries: list[TimelineEntry] = field(default_factory=list)
    development: list[Development] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    references: dict[str, dict] = field(default_factory=dict)  # article id -> reference used
    main_event: TimelineEntry | None = None
    expressions: dict[str, list[TimeExpression]] = field(default_factory=dict)  # article id -> resolved


@dataclass
class _ArticleTimes:
    article: Article
    expressions: list[TimeExpression]
    stated: Reference
    reference: Reference
    order: int


@dataclass
class _Candidate:
    """A timeline entry while the timeline is built, with what merging and ordering read
    and the brief does not show."""

    entry: TimelineEntry
    sort: tuple | None  # the date's sort key; None: undated
    year: int | None
    position: tuple[int, int]  # (the article's rank in publication order, sentence index)
    sentence: str  # the text of the sentence that dates it
    written: date | None  # the day its article was written, if known


def build_timeline(articles: list[Article], docs: dict[str, list] | None = None, nlp=None,
                   settings: TimelineSettings = TimelineSettings(),
                   expressions: dict[str, list[TimeExpression]] | None = None) -> Timeline:
    """The timeline of one story. docs: optional per-sentence spaCy docs from
    temporal.sentence_docs (parsed here, once, when not given). expressions: optional
    {article id: temporal.find_expressions of its docs} (fresh objects: their values are
    set here); docs then need only the sentences these are in."""
    tl = Timeline()
    if not articles:
        return tl
    if docs is None:
        docs = sentence_docs(articles, nlp)
    items = [_ArticleTimes(a, expressions[a.id] if expressions is not None else find_expressions(a, docs[a.id]),
                           Reference(), Reference(), i)
             for i, a in enumerate(articles)]
    _stated_references(items, tl.notes)
    for it in items:
        it.reference = it.stated
        resolve_expressions(it.expressions, it.reference)
    _reestimate_written(items, tl.notes, settings)
    for it in items:
        ref = it.reference
        tl.expressions[it.article.id] = it.expressions
        tl.references[it.article.id] = {"date": ref.date.iso(), "source": ref.source,
                                        "year_inferred": ref.year_inferred,
                                        "stated": it.stated.date.iso()}
    items.sort(key=_publication_order)
    for rank, it in enumerate(items):
        it.order = rank  # merged entries take their wording from the earliest article
    candidates = _merge([c for it in items for c in _entries(it, docs[it.article.id], settings.description_tokens)],
                        settings)
    candidates.sort(key=_chronological)
    main = _main_event(candidates)
    tl.entries = [c.entry for c in candidates]
    tl.main_event = main.entry if main else None
    tl.development = _development(items, tl.entries, tl.main_event)
    if any(e.date is None or e.date.startswith("--") for e in tl.entries):
        tl.notes.append("Some dates have no known year: they are given as day/month or weekday "
                        "with 'year unknown', not guessed.")
    return tl


# ---------------------------------------------------------------- reference dates

def _stated_references(items: list[_ArticleTimes], notes: list[str]) -> None:
    """Published date, else the latest date the text pins down; then a missing
    year from the story's other dated evidence; else the story's date, coarsely."""
    for it in items:
        pub = it.article.published
        if pub.precision != "unknown":
            it.stated = Reference(pub, "published")
            continue
        pinned = [PartialDate(e.spec.year, e.spec.month, e.spec.day) for e in it.expressions
                  if e.spec.kind == "calendar" and e.spec.day and not e.spec.end]
        if pinned:
            latest = max(pinned, key=lambda d: ((d.year or 0), d.month, d.day))
            # Written on or after that date, but when exactly is unknown: no weekday reading against it.
            it.stated = Reference(latest, "text", fine=False)
            notes.append(f"{it.article.label}: no publication date; read against the latest date its text "
                         f"pins down ({date_label(latest)}).")
    evidence = [(it, it.stated.date) for it in items if it.stated.date.year is not None]
    for it in items:
        ref = it.stated
        if ref.source == "none" or ref.date.year is not None or ref.date.month is None:
            continue
        years = {complete_year(ref.date, ev).year for other, ev in evidence if other is not it}
        own = {e.spec.year for e in it.expressions if e.spec.kind == "calendar" and e.spec.year and e.spec.day}
        if len(years) == 1:
            (year,) = years
            it.stated = replace(ref, date=replace(ref.date, year=year), year_inferred=True)
            sources = ", ".join(o.article.label for o, ev in evidence if o is not it)
            notes.append(f"{it.article.label}: year of its date {date_label(ref.date).replace(' (year unknown)', '')} "
                         f"inferred as {year} from the story's other dated articles ({sources}).")
        elif len(own) == 1:
            (year,) = own
            it.stated = replace(ref, date=complete_year(ref.date, PartialDate(year)), year_inferred=True)
            notes.append(f"{it.article.label}: year inferred as {it.stated.date.year} from a full date in its text.")
        else:
            notes.append(f"{it.article.label}: date {date_label(ref.date)}; no dated evidence in the story "
                         f"gives the year, so dates read against it have no year.")
    dated = [it.stated for it in items if it.stated.source != "none"]
    if not dated:
        notes.append("No article of the story has a known date: relative dates (weekdays, 'last year') "
                     "stay unresolved.")
        return
    latest = max(dated, key=lambda r: r.date.sort_key())
    for it in items:
        if it.stated.source == "none":
            # Same story, probably the same news cycle, but the day is a guess:
            # months and years may be read against it, weekdays may not.
            it.stated = Reference(latest.date, "story", latest.year_inferred, fine=False)
            notes.append(f"{it.article.label}: no date of its own; months and years read against the story's "
                         f"latest date ({date_label(latest.date)}), weekdays left unresolved.")


def _reestimate_written(items: list[_ArticleTimes], notes: list[str], settings: TimelineSettings) -> None:
    """Move an article's reference back to the day it was written when its own
    wording says so: a weekday named as future that the article itself (in a
    past-tense clause) or another article of the story reports as past names
    that past day, so the stated date is a later repost or update."""
    fine = [it for it in items if it.stated.fine and it.stated.full]
    if not fine:
        return
    story_latest = max(it.stated.full for it in fine)
    past_days: dict[int, list[tuple[date, _ArticleTimes]]] = {}
    for it in fine:
        for e in it.expressions:
            if e.spec.kind == "weekday" and e.tense == "past" and e.value.start and not e.spec.direction:
                past_days.setdefault(e.spec.weekday, []).append((e.value.start.to_date(), it))
    for it in fine:
        stated = it.stated.full
        written, why = None, None
        for e in it.expressions:
            if e.spec.kind != "weekday" or e.tense != "future" or not e.value.start or e.spec.direction:
                continue
            ahead = e.value.start.to_date()
            if ahead <= stated:
                continue
            for day, source in past_days.get(e.spec.weekday, []):
                same_article = source is it
                # An article's own mixed tenses point to a repost a day or two later;
                # another article's evidence counts only when the future reading
                # would lie beyond every date the story states.
                reach = settings.repost_days if same_article else settings.repost_days_other_article
                if not 0 <= (stated - day).days <= reach or (
                        not same_article and ahead <= story_latest):
                    continue
                if written is None or day < written:
                    written = day
                    why = ("its own past-tense mention of the same day" if same_article
                           else f"{source.article.label}, which reports "
                                f"{WEEKDAYS[e.spec.weekday].capitalize()} as past")
        if written is not None:
            it.reference = Reference(PartialDate.from_date(written), "written", it.stated.year_inferred)
            resolve_expressions(it.expressions, it.reference)
            notes.append(f"{it.article.label}: stated date {date_label(it.stated.date)}, but it previews "
                         f"{WEEKDAYS[written.weekday()].capitalize()} as future while {why}: written on or before "
                         f"{date_label(it.reference.date)}, and its relative dates are read against that day.")


# ---------------------------------------------------------------- events

def _entries(it: _ArticleTimes, docs: list, description_tokens: int) -> list[_Candidate]:
    """One candidate entry per temporal expression of a dated action."""
    out = []
    for e in it.expressions:
        if e.spec.kind == "days" and e.in_quote:
            continue  # a speaker's "today" in a quote dates nothing the reader can place
        sentence = it.article.sentences[e.sentence]
        doc = docs[e.sentence]
        span = doc.char_span(e.start - sentence.start, e.end - sentence.start, alignment_mode="expand")
        description = _description(doc, span, description_tokens)
        entry = TimelineEntry(
            date=e.value.iso, label=e.value.label, granularity=e.value.granularity,
            tense=e.tense, year_inferred=e.value.year_inferred,
            text=description.text.strip(" ,;:") if hasattr(description, "text") else description,
            actors=_actors(doc, description if hasattr(description, "ents") else doc),
            expressions=[e.text],
            citations=[Citation(it.article.id, sentence.index, sentence.start, sentence.end)])
        out.append(_Candidate(entry, sort=e.value.start.sort_key() if e.value.start else None,
                              year=e.value.start.year if e.value.start else None,
                              position=(it.order, e.sentence), sentence=sentence.text,
                              written=it.reference.date.to_date()))
    return out


def _description(doc, span, max_tokens: int):
    """The clause around the date: the smallest ancestor subtree that is a
    clause with its subject (a relative clause with its antecedent: "Mr Putin,
    who met earlier on Tuesday with ...") and at most max_tokens tokens; else
    the sentence cut to a window around the date (a str)."""
    token = span.root
    while True:
        sub = doc[token.left_edge.i:token.right_edge.i + 1]
        if len(sub) > max_tokens:
            break
        if token.dep_ == "relcl":
            sub = doc[token.head.left_edge.i:sub.end]
            if len(sub) > max_tokens:
                break
            return sub
        if token.pos_ in ("VERB", "AUX") and any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in token.children):
            return sub
        if token.head.i == token.i:
            return sub
        token = token.head
    if len(doc) <= max_tokens:
        return doc[:]
    lo = max(0, min(span.start - max_tokens // 2, len(doc) - max_tokens))
    window = doc[lo:lo + max_tokens]
    return ("… " if lo else "") + window.text + (" …" if lo + max_tokens < len(doc) else "")


def _actors(doc, span) -> list[str]:
    names = []
    for ent in getattr(span, "ents", doc.ents):
        if ent.label_ in ACTOR_LABELS:
            name = TITLE_WORDS.sub("", ent.text.replace("’s", "").replace("'s", "")).strip()
            if name and name not in names:
                names.append(name)
    return names


def _actor_key(name: str) -> str:
    """"Angela Merkel" and "Merkel" name the same actor within one story."""
    return name.lower().split()[-1]


def _merge(candidates: list[_Candidate], settings: TimelineSettings) -> list[_Candidate]:
    """One entry per event: entries with the same date whose sentences are
    alike (or alike enough and naming the same uncommon actor) are merged.
    Only sentences that share settings.merge_min_words content words are
    compared in meaning (and so embedded)."""
    from .nlp import content_words

    by_date: dict[str, list[int]] = {}
    for i, c in enumerate(candidates):
        by_date.setdefault(c.entry.date or c.entry.label, []).append(i)
    words = {i: content_words(c.sentence) for i, c in enumerate(candidates)}
    pairs = [(i, j) for idx in by_date.values() for x, i in enumerate(idx) for j in idx[x + 1:]
             # two dates of one sentence: two events
             if candidates[i].entry.citations[0] != candidates[j].entry.citations[0]
             and len(words[i] & words[j]) >= settings.merge_min_words]
    if not pairs:
        return [_merged([c]) for c in candidates]
    from .embedcache import text_vectors  # the facts step has often embedded these sentences already

    flat = sorted({i for pair in pairs for i in pair})
    vectors = dict(zip(flat, text_vectors([candidates[i].sentence for i in flat])))
    actors = [{_actor_key(n) for n in c.entry.actors} for c in candidates]
    mentions: dict[str, int] = {}
    for names in actors:
        for a in names:
            mentions[a] = mentions.get(a, 0) + 1
    common = max(settings.uncommon_actor_entries, len(candidates) // settings.uncommon_actor_one_in)
    same = DisjointSet(range(len(candidates)))
    for i, j in pairs:
        sim = float(vectors[i] @ vectors[j])
        uncommon = {n for n in actors[i] & actors[j] if mentions[n] <= common}
        if sim >= settings.same_event or (uncommon and sim >= settings.same_event_with_actor):
            same.merge(i, j)
    return [_merged([candidates[k] for k in sorted(group)]) for group in sorted(same.subsets(), key=min)]


def _merged(group: list[_Candidate]) -> _Candidate:
    """One candidate for a group of them: worded and placed as its earliest article has it,
    with every article's citations, actors and expressions, and the tense of the most
    recently written one."""
    group = sorted(group, key=lambda c: c.position)
    head = group[0]
    latest = max(group, key=lambda c: (c.written or date.min, c.position))
    entry = replace(head.entry,
                    actors=list(dict.fromkeys(a for c in group for a in c.entry.actors)),
                    citations=[x for c in group for x in c.entry.citations],
                    expressions=[x for c in group for x in c.entry.expressions],
                    tense=latest.entry.tense,
                    tenses={c.entry.citations[0].article_id: c.entry.tense for c in group},
                    year_inferred=any(c.entry.year_inferred for c in group))
    return replace(head, entry=entry)


def _chronological(c: _Candidate):
    """Dated first (by date, coarser before finer within it), then dates without
    a year (by month/day), then undated; ties in text order."""
    if c.sort is None:
        return (2, (0, 0, 0), c.position)
    return (0 if c.year is not None else 1, c.sort, c.position)


# ---------------------------------------------------------------- development

def _publication_order(it: _ArticleTimes):
    ref = it.reference.date if it.reference.source in ("published", "written") else it.stated.date
    known = it.stated.source in ("published", "written") or it.reference.source == "written"
    return (0 if known else 1, ref.sort_key(), it.article.published.sort_key(), it.order)


def _main_event(candidates: list[_Candidate]) -> _Candidate | None:
    """The news peg: the day-level date that most articles (then mentions) name;
    the entry of it nearest the top of an article (the lead) describes it."""
    daily = [c for c in candidates if c.entry.granularity in ("day", "weekday")]
    if not daily:
        return None
    key = lambda c: c.entry.date or c.entry.label  # noqa: E731
    counts: dict[str, tuple[set, int]] = {}
    for c in daily:
        arts, n = counts.get(key(c), (set(), 0))
        counts[key(c)] = (arts | set(c.entry.article_ids()), n + len(c.entry.citations))
    best = max(counts, key=lambda k: (len(counts[k][0]), counts[k][1]))
    return min((c for c in daily if key(c) == best),
               key=lambda c: (c.position[1], -len(c.entry.article_ids()), c.position[0]))


def _development(items: list[_ArticleTimes], entries: list[TimelineEntry],
                 main: TimelineEntry | None) -> list[Development]:
    """Each article in publication order: written before or after the main event, and
    the entries it is the first to report."""
    out, seen, previous = [], set(), None
    for it in items:
        aid = it.article.id
        written = _written_relative(it, main)
        adds = []
        if previous == "before" and written == "after" and main:
            adds.append(f"reports {main.label} as having happened; earlier coverage previewed it")
        new = [e for e in entries if aid in e.article_ids() and id(e) not in seen]
        seen.update(id(e) for e in new)
        adds += [f"{e.label}: {_short(e.text)}" for e in new]
        published, inferred = _published(it)
        out.append(Development(
            article_id=aid, published=published, year_inferred=inferred,
            written_estimate=it.reference.date.iso() if it.reference.source == "written" else None,
            written=written, adds=adds))
        previous = written if written != "unknown" else previous
    return out


def _published(it: _ArticleTimes) -> tuple[str | None, bool]:
    """(ISO publication date, whether its year was inferred from the story's other articles)."""
    if it.stated.source == "published" and it.stated.year_inferred:
        return it.stated.date.iso(), True
    return it.article.published.iso(), False


def _written_relative(it: _ArticleTimes, main: TimelineEntry | None) -> str:
    """Was the article written before or after the main event?"""
    if main is None:
        return "unknown"
    mentions = [e for e in it.expressions if (e.value.iso or e.value.label) == (main.date or main.label)]
    written = it.reference.full if it.reference.fine else None
    main_day = PartialDate.parse(main.date.split("/")[0]).to_date() if main.date else None
    if written and main_day and written != main_day:
        return "before" if written < main_day else "after"
    if any(e.tense == "future" for e in mentions):
        return "before"
    if mentions:
        return "after" if all(e.tense == "past" for e in mentions) else "unknown"
    return "unknown"


def _short(text: str, words: int = 14) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")

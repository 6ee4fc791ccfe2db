"""Threads: stories whose events continue one another (a suspension and its appeal a week
later, a recall and the product's return months later, a deal and its approval), linked.

A story stays one event; a thread links stored stories, never moves an article. Two stories
are linked when, from what is cheap and stored (their articles' titles and leads, the dates
they were published):

- they share the event's core participants: at least `ThreadSettings.min_shared` distinct
  names (people, organisations, products, places of the event), each named in the title or
  lead of most of each story's articles ("Myles Garrett", "Browns"; a name and its last word,
  "Garrett", are one participant; a one-word name the text also writes in lower case is no
  name), none of them a country, capital, seat of power or news agency (WIDE: any two events
  there share those);
- those shared names are a real share of what each story is about (`min_coverage`: not two
  names among the dozens of a roundup), and their subject words overlap (`min_words`);
- neither is a roundup (is_roundup: "10 things to know today", a numbered list of items), and
  they share no lead sentence (the same sentence is one event's copies, or boilerplate);
- they are apart in time: their days (the median of the days their dated articles report,
  "on Tuesday" read against the publication date) are days to months apart (`min_days`,
  `max_days`). Two stories of the same day are one event split or two events of one day, not
  a continuation. An undated story (a sentencing whose page carries no date) is linked on its
  participants alone, and listed as of unknown order: its time is never guessed.

A thread is the stories so linked, transitively: a story's brief lists the other stories of
its thread, earlier and later, with their dates.

Cost: each article's features (names, words, day of its title and lead) are stored once; a
story's signature is made from its members' features when its members change; candidates come from an index by core name (storage.thread_candidates), limited to the
time window and to `max_candidates` stories per name, so placing an article never reads the
whole store. Signatures are kept by the members they were made from: a merge, a split or a
rebuild changes the members and so the signature and the links.
"""
from __future__ import annotations

import hashlib
import itertools
import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from ..model import Article
from ..settings import ThreadSettings
from .features import article_days, entity_counts, word_counts

LEAD_SENTENCES = 3  # reporting sentences of an article's lead read beside its title
WIDE = frozenset("""
us u.s usa america american americans united states uk britain british england london washington
china chinese beijing russia russian moscow europe european eu france french paris germany german
berlin india indian japan japanese canada canadian mexico state states city county world nation
california texas florida new york ohio michigan arizona hong kong ukraine ukrainian israel iran
house senate congress capitol parliament government police court korea seoul pyongyang gaza israeli
palestinian syria syrian iraq afghanistan pakistan turkey egypt africa asia australia brazil spain italy
tokyo delhi kabul baghdad jerusalem tehran damascus ap reuters cnn bbc nbc abc cbs fox twitter
facebook instagram youtube internet
""".replace("\n", " ").split()) | {
    "new york", "united states", "hong kong", "white house", "los angeles", "new york city", "european union",
    "united kingdom", "north korea", "south korea", "gaza strip", "west bank", "middle east", "south africa",
    "associated press", "fox news", "new york times", "washington post", "wall street journal", "internet archive",
    "wayback machine"}
"""Names too wide to make a thread by themselves: countries, nationalities, big regions and
capitals, the seats of power, news agencies and platforms (a lead's "(AP)", "on Twitter"), a
web archive's notice (any two events there share them). They still count beside a
participant of the event."""
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class Signature:
    """What a story's thread links are decided from."""

    story_id: str
    day: float | None  # median publication day (days since 1970) of its dated articles; None: undated
    first_date: str | None  # ISO date of its earliest dated article
    last_date: str | None
    headline: str
    names: dict[str, float]  # core name -> share of its articles whose title or lead names it
    words: dict[str, float]  # subject word -> share of its articles whose title or lead uses it
    digest: str  # of its member ids: a signature is remade when they change
    articles: int = 0
    roundup: bool = False  # most of its articles are roundups (is_roundup): in no thread
    leads: list[str] = field(default_factory=list)  # digests of its lead sentences


@dataclass
class Link:
    """A thread link between two stories, and the names they share (why)."""

    a: str
    b: str
    shared: list[str] = field(default_factory=list)


def members_digest(article_ids: list[str]) -> str:
    return hashlib.sha256("\x1f".join(sorted(article_ids)).encode()).hexdigest()[:16]


def lead_of(article: Article) -> str:
    """Title and the first reporting sentences: where an article names its event's participants."""
    from ..ingest.furniture import reporting

    found = (t for t in (reporting(s.text) for s in article.sentences[:4 * LEAD_SENTENCES]) if t)
    lead = list(itertools.islice(found, LEAD_SENTENCES)) or [s.text for s in article.sentences[:LEAD_SENTENCES]]
    return "\n".join([article.title, *lead]) if article.title else "\n".join(lead)


def article_features(article: Article) -> dict:
    """What a story's signature takes from one of its articles (kept per article in the store,
    so a story that grows reads only its new articles): the names and words of its title and
    lead, the day it reports, its date, whether it is a roundup, digests of its lead sentences."""
    if article.language != "en":
        return {"english": False, "published": _dated(article)}
    lead = lead_of(article)
    lower = set(_LOWER_WORD.findall(article.text))
    names = {n for k in entity_counts(lead) if k.startswith("name:")
             and ((n := _plain(k[5:])).count(" ") or n not in lower) and n}
    return {"english": True, "published": _dated(article), "day": event_day(article, lead),
            "names": sorted(names), "words": sorted(word_counts(lead)), "roundup": is_roundup(article),
            "leads": sorted({_digest(line) for line in lead.split("\n")[1:] if line})}


def _dated(article: Article) -> str | None:
    """The article's publication date when it gives a year and a month (ISO), else None."""
    ok = article.published.year is not None and article_days(article.published) is not None
    return article.published.iso() if ok else None


def signature(story_id: str, headline: str, articles: list[Article], settings: ThreadSettings) -> Signature:
    """The story's signature from its articles (see combine)."""
    return combine(story_id, headline, {a.id: article_features(a) for a in articles}, settings)


def combine(story_id: str, headline: str, features: dict[str, dict], settings: ThreadSettings) -> Signature:
    """The story's core names and subject words (those in the title or lead of at least
    `core_share` of its English articles) and its day: the median of the days its dated
    articles report their event on (a lead's "on Tuesday": the Tuesday nearest before its
    publication). features: {article id: article_features} of its articles."""
    english = [f for f in features.values() if f["english"]]
    names = Counter(n for f in english for n in f["names"])
    words = Counter(w for f in english for w in f["words"])
    days = [f["day"] for f in english if f["day"] is not None]
    n = max(1, len(english))
    need = max(1.0, settings.core_share * n) if n > 1 else 1.0
    dated = sorted(f["published"] for f in features.values() if f["published"])
    return Signature(
        story_id=story_id, day=statistics.median_low(days) if days else None,
        first_date=dated[0] if dated else None, last_date=dated[-1] if dated else None, headline=headline,
        names={k: round(c / n, 3) for k, c in names.items() if c >= need},
        words={k: round(c / n, 3) for k, c in words.items() if c >= need},
        digest=members_digest(list(features)), articles=len(features),
        roundup=2 * sum(f["roundup"] for f in english) > len(english),
        leads=sorted({d for f in english for d in f["leads"]}))


def _digest(sentence: str) -> str:
    return hashlib.sha256(" ".join(re.findall(r"\w+", sentence.lower())).encode()).hexdigest()[:12]


def _plain(name: str) -> str:
    """A name without its possessive ("hong kong's" -> "hong kong")."""
    for tail in ("'s", "’s", "’", "'"):
        if name.endswith(tail):
            return name[: -len(tail)]
    return name


def event_day(article: Article, lead: str) -> float | None:
    """The day an article reports its event on: its publication day, or the weekday its lead
    names first ("on Tuesday", "yesterday"): the one in the five days before publication or
    the two after (a preview's "on Friday"); None when the article has no dated day."""
    published = article.published.to_date()
    if published is None:
        return None
    day = article_days(article.published)
    found = WEEKDAY.search(lead.lower())
    if found is None:
        return day
    word = found.group(1)
    if word == "yesterday":
        return day - 1
    back = (published.weekday() - WEEKDAYS.index(word)) % 7
    return day - back if back < 5 else day + 7 - back


def is_roundup(article: Article) -> bool:
    """A page of many unrelated events (a newsletter, "10 things to know today"): its title or
    lead says so, or it numbers four items or more. It is in no thread."""
    head = f"{article.title}\n{article.text[:400]}"
    return bool(ROUNDUP.search(head)) or len(NUMBERED.findall(article.text)) >= 4


ROUNDUP = re.compile(r"(?i)\bthings (?:you need )?to know\b|\bessential stories\b|\bmorning (?:briefing|note)\b"
                     r"|\bdaily briefing\b|\bnewsletter\b|\blet[’']s start here\b|\bwhat you need to know today\b")
NUMBERED = re.compile(r"(?m)^\s*(?:\d{1,2}[.)]|[•·])(?: +[A-Z“\"]|\s*$)")


_LOWER_WORD = re.compile(r"\b[a-z][a-z'’-]+\b")  # words written in lower case
WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday)\b")


@dataclass
class Unit:
    """One participant of a story: its names that end in the same word ("myles garrett",
    "garrett"), and the largest share of the story's articles naming it."""

    key: str
    forms: set[str]
    share: float

    def matches(self, other: "Unit") -> bool:
        """The same participant: a name in common, or one of them named by the bare last word."""
        return self.key == other.key and bool(self.forms & other.forms or self.key in self.forms
                                              or other.key in other.forms)

    def specific(self) -> bool:
        """Not a country, nationality, capital or seat of power: a participant of the event."""
        return self.key not in WIDE and not self.forms & WIDE


def units(names: dict[str, float]) -> dict[str, Unit]:
    """A story's participants by last word."""
    out: dict[str, Unit] = {}
    for name, share in names.items():
        key = name.split()[-1]
        unit = out.setdefault(key, Unit(key, set(), 0.0))
        unit.forms.add(name)
        unit.share = max(unit.share, share)
    return out


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(w * b[k] for k, w in a.items() if k in b)
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


def shared_units(a: Signature, b: Signature) -> list[tuple[Unit, Unit]]:
    ua, ub = units(a.names), units(b.names)
    return [(ua[k], ub[k]) for k in sorted(ua.keys() & ub.keys()) if ua[k].matches(ub[k])]


def link(a: Signature, b: Signature, settings: ThreadSettings) -> Link | None:
    """The thread link between two stories' signatures, or None (see the module docstring)."""
    if a.story_id == b.story_id or a.roundup or b.roundup:
        return None
    if set(a.leads) & set(b.leads):  # the same lead sentence: one event's copies, or boilerplate
        return None
    if a.day is not None and b.day is not None and not settings.min_days <= abs(a.day - b.day) <= settings.max_days:
        return None
    shared = shared_units(a, b)
    if len(shared) < settings.min_shared or sum(x.specific() and y.specific() for x, y in shared) < settings.min_shared:
        return None
    if min(_coverage(a, [x for x, _ in shared]), _coverage(b, [y for _, y in shared])) < settings.min_coverage:
        return None
    if cosine(a.words, b.words) < settings.min_words:
        return None
    first, second = sorted((a.story_id, b.story_id))
    return Link(first, second, [max(x.forms | y.forms, key=len) for x, y in shared])


def _coverage(sig: Signature, shared: list[Unit]) -> float:
    """The share of a story's participants (weighted by how many of its articles name them)
    that the shared ones are."""
    total = sum(u.share for u in units(sig.names).values())
    return sum(u.share for u in shared) / total if total else 0.0


def components(story_ids: list[str], links: list[tuple[str, str]]) -> dict[str, str]:
    """{story id: its thread's id (the smallest story id in it)} for the stories in a link."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {s: root(s) for s in story_ids if s in parent}


# -- the store: signatures kept per story, links remade when a story changes ---------------
# SQL: storage.py.

def refresh(store, story_ids, settings: ThreadSettings) -> list[str]:
    """Remake the signature and links of each given story whose members changed since its
    signature was made, and of every story without one; the stories remade. Runs inside one
    transaction (the caller's, if open)."""
    from . import storage

    with store.transaction():
        todo = list(dict.fromkeys([*story_ids, *storage.unsigned_story_ids(store)]))
        known = storage.signature_digests(store, todo)
        members = {sid: storage.member_ids(store, sid) for sid in todo}
        stale = [sid for sid in todo if members[sid] and known.get(sid) != members_digest(members[sid])]
        heads = storage.headlines(store, stale)
        wanted = sorted({aid for sid in stale for aid in members[sid]})
        features = storage.article_thread_features(store, wanted)
        missing = [aid for aid in wanted if aid not in features]
        computed = {a.id: article_features(a) for a in store.articles(missing)}
        storage.save_article_thread_features(store, computed)
        features.update(computed)
        made = [combine(sid, heads.get(sid, ""), {aid: features[aid] for aid in members[sid]}, settings)
                for sid in stale]
        for sig in made:
            storage.save_signature(store, sig.story_id, sig.digest, None if sig.roundup else sig.day,
                                   _to_data(sig), sorted(_index_keys(sig)))
        for sig in made:
            storage.save_links(store, [(lk.a, lk.b, lk.shared) for lk in _links_of(store, sig, settings)])
    return [sig.story_id for sig in made]


def _index_keys(sig: Signature) -> set[str]:
    """The participants a story is found by: its specific ones (a link needs two of them)."""
    return {key for key, unit in units(sig.names).items() if unit.specific()}


def _links_of(store, sig: Signature, settings: ThreadSettings) -> list[Link]:
    """The links of one story to the stories that share a specific participant with it
    near enough in time (storage.thread_candidates)."""
    from . import storage

    if sig.roundup:
        return []
    counts: Counter = Counter()
    for key in _index_keys(sig):
        counts.update(storage.thread_candidates(store, key, sig.day, settings.max_days, settings.max_candidates))
    others = [sid for sid, n in counts.items() if n >= settings.min_shared and sid != sig.story_id]
    stored = storage.signatures(store, others)
    found = (link(sig, _from_data(sid, stored[sid]), settings) for sid in sorted(stored))
    return [lk for lk in found if lk is not None]


def _to_data(sig: Signature) -> dict:
    keep = ("day", "first_date", "last_date", "names", "words", "digest", "articles", "roundup", "leads")
    return {k: getattr(sig, k) for k in keep}


def _from_data(story_id: str, data: dict) -> Signature:
    return Signature(story_id=story_id, headline="", **data)


def thread_of(store, story_id: str, limit: int = 50) -> list:
    """The other stories of the story's thread (model.ThreadLink), by date: the stories linked
    to it, and to those, up to `limit` stories."""
    from ..model import ThreadLink
    from . import storage

    seen, frontier, shared_with = {story_id}, [story_id], {}
    while frontier and len(seen) < limit:
        nxt = []
        for a, b, shared in storage.links_of(store, frontier):
            for other in (a, b):
                if other not in seen and len(seen) < limit:
                    seen.add(other)
                    nxt.append(other)
                    if story_id in (a, b):
                        shared_with[other] = list(shared)
        frontier = nxt
    others = sorted(seen - {story_id})
    if not others:
        return []
    sigs = storage.signatures(store, [story_id, *others])
    heads = storage.headlines(store, others)
    own = sigs.get(story_id, {}).get("day")
    out = []
    for sid in others:
        data = sigs.get(sid, {})
        day = data.get("day")
        relation = "unordered" if own is None or day is None else "earlier" if day < own else "later"
        out.append(ThreadLink(sid, heads.get(sid, ""), data.get("first_date"), data.get("last_date"), relation,
                              shared_with.get(sid, [])))
    def when(t):  # by date, the undated last
        day = sigs.get(t.story_id, {}).get("day")
        return (day is None, day or 0.0, t.story_id)

    return sorted(out, key=when)


def thread_ids(store) -> dict[str, str]:
    """{story id: its thread's id} of every story in a thread (the stories list)."""
    from . import storage

    links = storage.all_links(store)
    return components(sorted({s for pair in links for s in pair}), links)


def with_threads(store, stories: list[dict]) -> list[dict]:
    """The stories list's entries (cluster.list_stories), each given "thread": the id of its
    thread (the smallest story id in it), or None."""
    of = thread_ids(store)
    return [{**s, "thread": of.get(s["id"])} for s in stories]


def threads_listing(stories: list[dict]) -> list[dict]:
    """[{"thread": id, "stories": [entries, earliest first]}] of the entries (with_threads)
    that are in a thread, the thread with the most stories first."""
    groups: dict[str, list[dict]] = {}
    for s in stories:
        if s.get("thread"):
            groups.setdefault(s["thread"], []).append(s)
    ordered = [{"thread": t, "stories": sorted(m, key=lambda s: (s["first_date"] or "", s["id"]))}
               for t, m in groups.items()]
    return sorted(ordered, key=lambda g: (-len(g["stories"]), g["stories"][0]["first_date"] or "", g["thread"]))

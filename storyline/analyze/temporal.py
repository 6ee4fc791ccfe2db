"""Temporal expressions per sentence, normalised against a reference date.

Two steps, kept apart on purpose:
  1. find_expressions: what an expression *says* ("Tuesday", "early April",
     "last year", "Wednesday and the next day") as a Spec, plus the tense of
     the clause it sits in. This needs spaCy (DATE/TIME entities, the parse
     for tense) but not the reference date.
  2. resolve: the Spec + tense + a Reference -> a calendar value with its
     granularity, or an honest "year unknown" / "date unknown".
Keeping them apart lets the timeline re-resolve an article against a better
estimate of when it was written without parsing it again.

Resolution never invents a year: a missing reference year stays missing
("13 April (year unknown)"), and weekdays need a full reference date.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from ..ingest.clean import MONTHS
from ..model import Article, PartialDate, nearest_year

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAY_NO = {w: i for i, w in enumerate(WEEKDAYS)}
WEEKDAY_NO.update({w[:3]: i for i, w in enumerate(WEEKDAYS)})
WEEKDAY_NO.update({"tues": 1, "wed": 2, "thur": 3, "thurs": 3})
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "several": None}

_WD = r"(?:mon|tue(?:s)?|wed(?:nes)?|thu(?:r(?:s)?)?|fri|sat(?:ur)?|sun)(?:day)?"
_MON = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
        r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"((?:1[89]|20)\d\d)"

# A sentence without any of these cannot hold a temporal expression, so it
# is not parsed at all (most sentences of a news story).
TEMPORAL_CUE = re.compile(
    r"\b(?:%s|%s|(?:1[89]|20)\d\ds?|today|tonight|yesterday|tomorrow|week(?:end)?s?|months?|years?|"
    r"ago|morning|afternoon|evening|night|spring|summer|autumn|fall|winter|\d{1,2}(?:st|nd|rd|th)?)\b"
    % (_WD, _MON), re.IGNORECASE)

# Verbs whose to-infinitive complement lies after them in time:
# "plans to talk", "agreed to meet", "are to take place", "is expected to visit".
FUTURE_GOVERNORS = {"plan", "agree", "expect", "hope", "intend", "aim", "schedule", "set", "want",
                    "try", "be", "go", "due", "prepare", "seek", "promise", "vow", "threaten",
                    "decide", "propose", "offer", "wish", "arrange", "invite", "urge", "ask", "need",
                    "likely", "poised", "slate"}
FUTURE_MODALS = {"will", "shall", "'ll", "’ll", "wo", "would", "may", "might", "could"}
NONPAST_MODALS = {"can", "ca", "must", "should", "need"}  # "cannot wait until the summer"
# Nouns whose to-infinitive is a plan ("plans to meet in July", "a deal to buy it in 2018");
# after another noun ("a motion to dismiss in February") the clause's own verb tells.
PLAN_NOUNS = {"plan", "agreement", "deal", "bid", "effort", "attempt", "promise", "pledge", "proposal", "push",
              "move", "decision", "offer", "intention", "goal", "vote", "chance", "hope", "aim", "target",
              "deadline", "schedule", "date", "time", "way", "need", "call", "threat", "order", "request"}
# Words just before a date that place it before the text ("back in 2009", "since the May 2
# raid", "this past month"), whatever the clause's tense ("his purchase back in 2009 is set to ...").
PAST_WORDS = {"back", "since", "past", "previous"}
# A date that modifies a noun ("the 2007 purchase", "his 2016 campaign"): the clause's
# present tense says nothing of when it was.
NOMINAL_MODIFIER = {"nummod", "compound", "amod", "poss", "nmod"}
FUTURE_WORDS = {"upcoming", "forthcoming", "planned", "scheduled", "next", "coming", "future"}
# A prepositional head tells the order of the dated thing against its clause:
# "following Tuesday's call" (before the clause), "ahead of Friday's vote" (after).
BEFORE_CLAUSE_PREPS = {"after", "following", "since"}
AFTER_CLAUSE_PREPS = {"before", "ahead", "until", "till", "pending"}


@dataclass(frozen=True)
class Spec:
    """What an expression says, independent of when it was written.

    kind: "calendar" (year/month/day as written, any may be missing),
          "weekday" (a day name, with direction last/next/this),
          "days" (offset in days from the reference: today, yesterday, 3 days ago),
          "unit" (week/weekend/month/year shifted by `amount`: last week, next month).
    A range has an `end` Spec (or `end_days` after the start: "Wednesday and the next day").
    """

    kind: str
    year: int | None = None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None
    direction: str | None = None  # "last" | "next" | "this" | None
    unit: str | None = None
    amount: int = 0
    modifier: str | None = None  # "early" | "mid" | "late" | "earlier" | "later"
    end: "Spec | None" = None
    end_days: int | None = None


@dataclass(frozen=True)
class Reference:
    """The date an article's relative expressions are read against.

    source: "published", "text" (latest date the text pins down), "story"
    (borrowed from the story's other articles), "written" (re-estimated
    writing date) or "none". fine=False forbids resolving day-level relative
    expressions (weekdays, yesterday) against it, e.g. a borrowed date.
    """

    date: PartialDate = field(default_factory=PartialDate)
    source: str = "none"
    year_inferred: bool = False
    fine: bool = True

    @property
    def full(self) -> date | None:
        return self.date.to_date()


@dataclass
class TimeValue:
    """A normalised date: start (and end for ranges/weeks), granularity, label."""

    start: PartialDate | None
    end: PartialDate | None
    granularity: str  # day | week | month | year | range | weekday
    label: str
    year_inferred: bool = False
    modifier: str | None = None

    @property
    def iso(self) -> str | None:
        if self.start is None:
            return None
        if self.end is not None and self.end != self.start:
            return f"{self.start.iso()}/{self.end.iso()}"
        return self.start.iso()


@dataclass
class TimeExpression:
    """One temporal expression of an article's sentence (offsets into Article.text)."""

    text: str
    sentence: int
    start: int
    end: int
    spec: Spec
    verb_tense: str | None  # "past" | "future" | "nonpast" | None: tense of the clause
    in_quote: bool = False
    value: TimeValue | None = None
    tense: str | None = None  # "past" | "future" | "present": value against the reference


# ---------------------------------------------------------------- parsing

def parse_expression(text: str) -> Spec | None:
    """The Spec of an entity text such as "early April", "Tuesday's",
    "Wednesday and the next day", "last year"; None for durations
    ("six years") and anything not anchored to a calendar."""
    t = text.lower().replace("’", "'").replace("–", "-").replace("—", "-")
    t = re.sub(r"'s\b", "", t)
    t = re.sub(r"\s+", " ", t).strip(" ,.")
    t = re.sub(r"^(?:on|in|at|by|during|from|since|until|as of|the|of)\s+", "", t)
    t = re.sub(r"^(?:earlier|later) on ", "", t)
    return _parse_range(t) or _parse_point(t)


def _parse_range(t: str) -> Spec | None:
    m = re.fullmatch(rf"(?:between )?({_WD})(?:,)? (?:and|to|through|until|-) (the next day|the following day|"
                     rf"the day after|{_WD})", t)
    if m:
        start = Spec("weekday", weekday=_weekday(m.group(1)))
        if m.group(2).startswith("the"):
            return replace(start, end_days=1)
        return replace(start, end=Spec("weekday", weekday=_weekday(m.group(2)), direction="this"))
    # "May 3-4", "May 3 to 4, 2017", "3-4 May", "3 to 4 May 2017"
    m = (re.fullmatch(rf"({_MON}) {_DAY} ?(?:-|to|and|through|until) ?{_DAY}(?:,? {_YEAR})?", t)
         or re.fullmatch(rf"{_DAY} ?(?:-|to|and|through|until) ?{_DAY} ({_MON})(?:,? {_YEAR})?", t))
    if m:
        g = m.groups()
        mon, d1, d2, y = (g[0], g[1], g[2], g[3]) if not g[0][0].isdigit() else (g[2], g[0], g[1], g[3])
        month, year = _month(mon), int(y) if y else None
        if month and 1 <= int(d1) < int(d2) <= 31:
            return Spec("calendar", year=year, month=month, day=int(d1),
                        end=Spec("calendar", year=year, month=month, day=int(d2)))
    # "from April 28 to May 2", "April 28 - May 2"
    m = re.fullmatch(r"(?:from |between )?(.+?) (?:-|to|and|through|until) (.+)", t)
    if m:
        a, b = _parse_point(m.group(1)), _parse_point(m.group(2))
        if a and b and a.kind == b.kind == "calendar" and a.day and b.day:
            year = b.year or a.year
            return replace(a, year=a.year or year, end=replace(b, year=year))
    return None


def _parse_point(t: str) -> Spec | None:
    if t in ("today", "this morning", "this afternoon", "this evening", "tonight", "now"):
        return Spec("days", amount=0)
    if re.fullmatch(r"(?:late |early )?(?:yesterday|last night)(?: morning| afternoon| evening)?", t):
        return Spec("days", amount=-1)
    if re.fullmatch(r"(?:the day before yesterday)", t):
        return Spec("days", amount=-2)
    if re.fullmatch(r"tomorrow(?: morning| afternoon| evening| night)?", t):
        return Spec("days", amount=1)
    if t == "the day after tomorrow":
        return Spec("days", amount=2)
    if t in ("weekend", "this weekend"):  # Saturday to Sunday, placed by the clause's tense like a weekday
        return Spec("weekday", weekday=5, end_days=1, direction="this" if t.startswith("this") else None)
    # weekdays: "tuesday", "last friday", "tuesday morning", "earlier on tuesday", "late tuesday"
    m = re.fullmatch(rf"(?:(?:early|late|earlier|later)(?: on)? )?(?:(last|next|this|coming|past) )?({_WD})"
                     r"(?: (?:morning|afternoon|evening|night))?", t)
    if m:
        direction = {"coming": "next", "past": "last"}.get(m.group(1), m.group(1))
        return Spec("weekday", weekday=_weekday(m.group(2)), direction=direction)
    # "tuesday, may 2" / "tuesday, may 2, 2017": the calendar date decides
    m = re.fullmatch(rf"{_WD},? (.+)", t)
    if m and (inner := _parse_point(m.group(1))) and inner.kind == "calendar":
        return inner
    # relative units: "last week", "this year", "next month", "earlier this week", "the past week"
    m = re.fullmatch(r"(?:(earlier|later) )?(last|this|next|the past|the coming|the previous|the following) "
                     r"(week|weekend|month|year)", t)
    if m:
        shift = {"last": -1, "the past": -1, "the previous": -1, "this": 0, "next": 1, "the coming": 1,
                 "the following": 1}[m.group(2)]
        return Spec("unit", unit=m.group(3), amount=shift, modifier=m.group(1))
    # "two weeks ago", "a year ago", "3 days ago"
    m = re.fullmatch(r"(?:about |around |some |nearly |almost |more than |over )?(\d+|a couple of|an?|one|two|three|"
                     r"four|five|six|seven|eight|nine|ten) (day|week|month|year)s? ago", t)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else NUMBER_WORDS[m.group(1)]
        if m.group(2) == "day":
            return Spec("days", amount=-n)
        return Spec("unit", unit=m.group(2), amount=-n)
    # "last april", "next july", "this december"
    m = re.fullmatch(rf"(last|next|this) ({_MON})", t)
    if m and _month(m.group(2)):
        return Spec("calendar", month=_month(m.group(2)), direction=m.group(1))
    # explicit dates
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", t)
    if m:
        return _calendar(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = (re.fullmatch(rf"({_MON}) {_DAY}(?:,? {_YEAR})?", t)
         or re.fullmatch(rf"(?:the )?{_DAY}(?: of)? ({_MON})(?:,? {_YEAR})?", t))
    if m:
        g = m.groups()
        mon, day = (g[0], g[1]) if not g[0][0].isdigit() else (g[1], g[0])
        return _calendar(int(g[2]) if g[2] else None, _month(mon), int(day))
    # months with an optional part: "april", "early april", "mid-april", "the end of april 2017"
    m = re.fullmatch(rf"(?:(early|mid|late|(?:the )?(?:end|beginning|start|middle) of)[ -])?"
                     rf"({_MON})(?:,? {_YEAR})?", t)
    if m and _month(m.group(2)):
        mod = {"end of": "late", "beginning of": "early", "start of": "early",
               "middle of": "mid"}.get(re.sub(r"^the ", "", m.group(1) or ""), m.group(1))
        return Spec("calendar", year=int(m.group(3)) if m.group(3) else None, month=_month(m.group(2)),
                    modifier=mod)
    m = re.fullmatch(rf"(?:(last|next|this) )?(spring|summer|autumn|fall|winter)(?: of)?(?:,? {_YEAR})?", t)
    if m:  # meteorological seasons of the northern hemisphere
        first = SEASONS[m.group(2)]
        year = int(m.group(3)) if m.group(3) else None
        return Spec("calendar", year=year, month=first, direction=m.group(1), modifier=m.group(2),
                    end=Spec("calendar", year=year + (first == 12) if year else None, month=(first + 1) % 12 + 1))
    m = re.fullmatch(r"(?:(early|mid|late)[ -])?((?:1[89]|20)\d0)s", t)  # decades: "the late 1990s"
    if m:
        start = int(m.group(2))
        return Spec("calendar", year=start, modifier=m.group(1), end=Spec("calendar", year=start + 9))
    m = re.fullmatch(rf"(?:(early|mid|late|(?:the )?end of|(?:the )?beginning of)[ -])?{_YEAR}", t)
    if m:
        mod = {"end of": "late", "beginning of": "early"}.get(re.sub(r"^the ", "", m.group(1) or ""), m.group(1))
        return Spec("calendar", year=int(m.group(2)), modifier=mod)
    return None


def _weekday(word: str) -> int:
    w = word.lower()
    return WEEKDAY_NO.get(w, WEEKDAY_NO.get(w[:3]))


def _month(word: str) -> int | None:
    w = word.lower().rstrip(".")
    return MONTHS.get(w) or MONTHS.get(w[:3])


def _calendar(year: int | None, month: int | None, day: int) -> Spec | None:
    if month is None or not 1 <= day <= 31:
        return None
    try:
        date(year or 2000, month, day)  # 2000 is a leap year: 29 February stays possible
    except ValueError:
        return None
    return Spec("calendar", year=year, month=month, day=day)


# ---------------------------------------------------------------- finding

def sentence_docs(articles: list[Article], nlp=None) -> dict[str, list]:
    """spaCy docs of the sentences that may hold a temporal expression (None
    for the others), all articles in one nlp.pipe call."""
    if nlp is None:
        from .nlp import load_spacy

        nlp = load_spacy()
    out = {a.id: [None] * len(a.sentences) for a in articles}
    todo = [(s.text, (a.id, s.index)) for a in articles for s in a.sentences if TEMPORAL_CUE.search(s.text)]
    for doc, (aid, index) in nlp.pipe(todo, as_tuples=True, batch_size=64):
        out[aid][index] = doc
    return out


def find_expressions(article: Article, docs: list) -> list[TimeExpression]:
    """The unresolved temporal expressions of an article, in text order.
    docs: one spaCy Doc (or None) per sentence, as from sentence_docs."""
    found: list[TimeExpression] = []
    for sentence, doc in zip(article.sentences, docs):
        if doc is None:
            continue
        for span, spec in _spans(doc):
            found.append(TimeExpression(
                text=span.text, sentence=sentence.index, start=sentence.start + span.start_char,
                end=sentence.start + span.end_char, spec=spec, verb_tense=clause_tense(span),
                in_quote=_in_quote(doc, span.start_char)))
    return found


def _spans(doc) -> list[tuple]:
    """(span, Spec) pairs: spaCy DATE/TIME entities (neighbouring ones joined
    when together they form a range), then day names and "Month D" dates the
    model missed."""
    text = doc.text  # Doc.text joins every token anew: read once
    ents = [e for e in doc.ents if e.label_ in ("DATE", "TIME")]
    out, used = [], set()
    i = 0
    while i < len(ents):
        e = ents[i]
        if i + 1 < len(ents):
            gap = text[e.end_char:ents[i + 1].start_char].strip().lower()
            if gap in ("and", "to", "-", "–", "through", "until", "till"):
                joined = doc[e.start:ents[i + 1].end]
                spec = parse_expression(joined.text)
                if spec and (spec.end or spec.end_days):
                    out.append((joined, spec))
                    used.update(range(joined.start, joined.end))
                    i += 2
                    continue
        found = _parse_entity(e)
        if found and found[1].modifier in SEASONS and found[0].root.dep_ in ("compound", "amod", "nmod"):
            found = None  # "the spring festival" names a kind of festival, not a date
        if found:
            out.append(found)
            used.update(range(e.start, e.end))
        i += 1
    pattern = re.compile(rf"\b(?:{_WD})\b|\b(?:(?:last|next|this|early|late|mid-?) ){_MON}\b|"
                         rf"\b{_MON} \d{{1,2}}(?:st|nd|rd|th)?\b(?:,? (?:1[89]|20)\d\d)?|"
                         rf"\b\d{{1,2}}(?:st|nd|rd|th)? {_MON}(?: (?:1[89]|20)\d\d)?", re.IGNORECASE)
    for m in pattern.finditer(text):
        names = [w for w in re.findall(r"[A-Za-z]+", m.group(0)) if _month(w) or w.lower()[:3] in WEEKDAY_NO]
        if not any(w[0].isupper() for w in names):
            continue  # "may", "march", "sat" as ordinary words
        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is None or any(t.i in used for t in span):
            continue
        spec = parse_expression(m.group(0))
        if spec:
            out.append((span, spec))
            used.update(range(span.start, span.end))
    out.sort(key=lambda p: p[0].start_char)
    return out


def _parse_entity(ent) -> tuple | None:
    """(span, Spec) of the longest tail of an entity that parses: entities
    sometimes start with a stray word ("another next January", "the next day"),
    or leave out the days before a month ("3-4" of "3-4 February 2019")."""
    doc = ent.doc
    for k in (3, 2, 1):
        if ent.start - k >= 0 and doc[ent.start - k].like_num:
            wider = doc[ent.start - k:ent.end]
            spec = parse_expression(wider.text)
            if spec and spec.day:
                return wider, spec
    for k in range(len(ent)):
        spec = parse_expression(ent[k:].text)
        if spec:
            return ent[k:], spec
    return None


def _in_quote(doc, char: int) -> bool:
    """Inside a double-quoted passage (single quotes double as apostrophes)."""
    before = doc.text[:char]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def clause_tense(span) -> str | None:
    """Tense of the clause a temporal expression belongs to, read off the parse:
    "past" ("spoke in early April", "following Tuesday's call"), "future"
    ("plans to talk on Tuesday", "will meet in July", "talks that are to take
    place on Wednesday"), "nonpast" (present: "talks that begin on Wednesday"),
    None when there is no verb to read."""
    token = span.root
    prep = None
    words = {t.lower_ for t in span.doc[max(0, span.start - 3):span.start]}
    if words & FUTURE_WORDS:
        return "future"
    if words & PAST_WORDS:
        return "past"
    for _ in range(12):
        head = token.head
        if token.dep_ == "prep" or token.pos_ == "ADP" or token.tag_ == "IN":
            prep = prep or token.lower_
        if token.dep_ == "pobj" and head.lower_ in BEFORE_CLAUSE_PREPS | AFTER_CLAUSE_PREPS:
            prep = prep or head.lower_
        if token.pos_ in ("VERB", "AUX") and token.i != span.root.i:
            tense = _verb_tense(token)
            if prep in BEFORE_CLAUSE_PREPS and tense in ("nonpast", None):
                return "past"
            if prep in AFTER_CLAUSE_PREPS and tense == "nonpast":
                return "future"
            if tense == "nonpast" and prep is None and span.root.dep_ in NOMINAL_MODIFIER:
                return None  # "the 2007 purchase is worth billions": the present is the thing's, not the date's
            if tense:
                return tense
        if head.i == token.i:
            break
        token = head
    return "past" if prep in BEFORE_CLAUSE_PREPS else None


def _verb_tense(verb, depth: int = 0) -> str | None:
    if depth > 6:
        return None
    aux = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    aux_words = {a.lower_ for a in aux}
    if aux_words & FUTURE_MODALS:
        return "future"
    if aux_words & NONPAST_MODALS:
        return "nonpast"
    if verb.lower_ == "going" and any(c.dep_ == "xcomp" for c in verb.children):
        return "future"
    if "to" in aux_words and verb.tag_ == "VB":
        gov = verb.head
        if gov.i != verb.i and (gov.lemma_.lower() in FUTURE_GOVERNORS or gov.lower_ in FUTURE_GOVERNORS):
            return "future"
        if gov.i != verb.i and gov.pos_ in ("VERB", "AUX", "ADJ"):
            return _verb_tense(gov, depth + 1) or "future"
        if verb.dep_ == "acl" and gov.pos_ == "NOUN" and gov.lemma_.lower() not in PLAN_NOUNS \
                and gov.head.i != gov.i and gov.head.pos_ in ("VERB", "AUX"):
            # "filed a motion to dismiss in February": the act the noun names, not a plan
            return _verb_tense(gov.head, depth + 1) or "future"
        return "future"
    if any(a.tag_ in ("VBD",) for a in aux) or verb.tag_ == "VBD":
        return "past"
    if verb.tag_ == "VBN":
        if verb.lemma_.lower() in FUTURE_GOVERNORS and aux_words & {"is", "are", "am", "'s", "'re", "be"}:
            return "future"  # "a vote is expected on Sunday", "talks are scheduled for May"
        if aux_words & {"is", "are", "am", "'s", "'re"}:
            return "nonpast"
        if aux_words & {"has", "have", "had", "was", "were", "been"}:
            return "past"
        if verb.dep_ == "acl" and not aux:  # "the lawsuit, filed in March, seeks": which was filed
            return "future" if verb.lemma_.lower() in FUTURE_GOVERNORS else "past"
        return _verb_tense(verb.head, depth + 1) if verb.head.i != verb.i else "past"
    if verb.tag_ in ("VBZ", "VBP"):
        return "nonpast"
    if verb.tag_ == "VBG":
        if aux_words & {"is", "are", "am", "'s", "'re"}:
            return "nonpast"  # "is meeting on Friday"
        if aux_words & {"was", "were"}:
            return "past"
        return _verb_tense(verb.head, depth + 1) if verb.head.i != verb.i else None
    if verb.tag_ == "VB" and verb.head.i != verb.i:
        return _verb_tense(verb.head, depth + 1)
    return None


# ---------------------------------------------------------------- resolving

def resolve(spec: Spec, verb_tense: str | None, ref: Reference) -> TimeValue:
    """Normalise a Spec against a reference date. A reference near the ends of the
    calendar (year 1 or 9999, which no ingested article has, but a store written by an
    older version may) leaves a date its arithmetic would carry out of range unknown."""
    try:
        if spec.kind == "calendar":
            return _resolve_calendar(spec, verb_tense, ref)
        if spec.kind == "weekday":
            return _resolve_weekday(spec, verb_tense, ref)
        if spec.kind == "days":
            return _resolve_days(spec, ref)
        return _resolve_unit(spec, ref)
    except OverflowError:
        return TimeValue(None, None, "day", "date out of range")


def resolve_expressions(expressions: list[TimeExpression], ref: Reference) -> list[TimeExpression]:
    """Set value and tense (against ref) on each expression; returns them."""
    for e in expressions:
        e.value = resolve(e.spec, e.verb_tense, ref)
        e.tense = relative_tense(e.spec, e.value, e.verb_tense, ref)
    return expressions


def relative_tense(spec: Spec, value: TimeValue, verb_tense: str | None, ref: Reference) -> str:
    """Whether the value lies before ("past") or after ("future") the reference.
    When it overlaps the reference the clause's tense decides ("present" if
    neither); when they cannot be compared, the words and the clause do."""
    if value.start is not None and ref.date.precision != "unknown" and \
            (value.start.year is None) == (ref.date.year is None):
        lo, hi = _bounds(value.start, value.end or value.start)
        r_lo, r_hi = _bounds(ref.date, ref.date)
        if hi < r_lo:
            return "past"
        if lo > r_hi:
            # a clause that tells it as done was written on that day or later (a repost
            # under an earlier date): it is not planned
            return "past" if verb_tense == "past" else "future"
        return verb_tense if verb_tense in ("past", "future") else "present"
    shift = spec.amount if spec.kind in ("days", "unit") else 0
    if shift or spec.direction in ("last", "next"):
        return "past" if shift < 0 or spec.direction == "last" else "future"
    if spec.kind == "days":
        return "present"
    if verb_tense == "nonpast":
        return "future"  # a present-tense clause with another day is a schedule: "talks begin on Wednesday"
    return verb_tense or "past"  # news reports mostly what has happened


def _bounds(a: PartialDate, b: PartialDate) -> tuple[tuple, tuple]:
    lo = (a.year or 0, a.month or 1, a.day or 1)
    hi = (b.year or 0, b.month or 12, b.day or 31)
    return lo, hi


def _direction(spec: Spec, verb_tense: str | None) -> str | None:
    """Which side of the reference a yearless/relative date falls: "past",
    "future" or None (nearest)."""
    if spec.direction == "last":
        return "past"
    if spec.direction in ("next", "this"):
        return "future"
    if verb_tense == "past":
        return "past"
    if verb_tense in ("future", "nonpast"):
        return "future"
    return None


def _resolve_calendar(spec: Spec, verb_tense: str | None, ref: Reference) -> TimeValue:
    if spec.year is not None:
        start = PartialDate(spec.year, spec.month, spec.day)
        end = None
        if spec.end:
            end = PartialDate(spec.end.year or spec.year, spec.end.month, spec.end.day)
        return _value(start, end, spec.modifier, False)
    year = _choose_year(spec, verb_tense, ref)
    start = PartialDate(year, spec.month, spec.day)
    end = None
    if spec.end:
        end_year = year
        if year is not None and (spec.end.month, spec.end.day or 0) < (spec.month, spec.day or 0):
            end_year = year + 1
        end = PartialDate(end_year, spec.end.month, spec.end.day)
    return _value(start, end, spec.modifier, year is not None and ref.year_inferred)


def _choose_year(spec: Spec, verb_tense: str | None, ref: Reference) -> int | None:
    """The year that puts a yearless month/day on the side of the reference
    its clause points to ("spoke in December" written in January: last year)."""
    r = ref.date
    if r.year is None or r.month is None:
        return None
    here = (spec.month, spec.day or 0)
    now = (r.month, r.day or 0) if spec.day else (r.month, 0)
    direction = _direction(spec, verb_tense)
    if spec.direction == "this":  # "this April", "this summer": the reference's own year
        return r.year
    if spec.direction == "last":
        return r.year if here < now else r.year - 1
    if spec.direction == "next":
        return r.year if here > now else r.year + 1
    if direction == "past":
        return r.year if here <= now else r.year - 1
    if direction == "future":
        return r.year if here >= now else r.year + 1
    # no tense: the nearest occurrence, ties to the past
    return nearest_year(spec.month, spec.day, date(r.year, r.month, r.day or 15))


def _resolve_weekday(spec: Spec, verb_tense: str | None, ref: Reference) -> TimeValue:
    name = WEEKDAYS[spec.weekday].capitalize()
    anchor = ref.full if ref.fine else None
    if anchor is None:
        if spec.end_days or spec.end:
            end_name = (WEEKDAYS[(spec.weekday + spec.end_days) % 7] if spec.end_days
                        else WEEKDAYS[spec.end.weekday]).capitalize()
            return TimeValue(None, None, "weekday", f"{name} to {end_name} (date unknown)")
        return TimeValue(None, None, "weekday", f"{name} (date unknown)")
    day = weekday_date(spec.weekday, anchor, _direction(spec, verb_tense), strict=spec.direction in ("last", "next"))
    start = PartialDate.from_date(day)
    end = None
    if spec.end_days:
        end = PartialDate.from_date(day + timedelta(days=spec.end_days))
    elif spec.end:
        end = PartialDate.from_date(day + timedelta(days=(spec.end.weekday - spec.weekday) % 7))
    return _value(start, end, None, ref.year_inferred)


def weekday_date(weekday: int, anchor: date, direction: str | None, strict: bool = False) -> date:
    """The date of a weekday near anchor: the latest on/before it ("past"),
    the earliest on/after it ("future"), else the nearest (ties to the past).
    strict excludes the anchor day itself ("last Tuesday" said on a Tuesday)."""
    back = (anchor.weekday() - weekday) % 7
    ahead = (weekday - anchor.weekday()) % 7
    if strict:
        back, ahead = back or 7, ahead or 7
    if direction == "past":
        return anchor - timedelta(days=back)
    if direction == "future":
        return anchor + timedelta(days=ahead)
    return anchor - timedelta(days=back) if back <= ahead else anchor + timedelta(days=ahead)


def _resolve_days(spec: Spec, ref: Reference) -> TimeValue:
    r = ref.date
    if not ref.fine or r.day is None:
        return TimeValue(None, None, "day", _days_label(spec.amount) + " (date unknown)")
    if r.year is not None:
        return _value(PartialDate.from_date(r.to_date() + timedelta(days=spec.amount)), None, None,
                      ref.year_inferred)
    # Day arithmetic without a year is safe unless it crosses the end of February.
    options = {(d.month, d.day) for d in (date(y, r.month, r.day) + timedelta(days=spec.amount)
                                          for y in (2001, 2004) if _valid(y, r.month, r.day))}
    if len(options) == 1:
        (m, d), = options
        return _value(PartialDate(None, m, d), None, None, False)
    return TimeValue(None, None, "day", _days_label(spec.amount) + " (date unknown)")


def _resolve_unit(spec: Spec, ref: Reference) -> TimeValue:
    r = ref.date
    unit, n = spec.unit, spec.amount
    if unit == "year":
        if r.year is None:
            return TimeValue(None, None, "year", f"{_unit_label(spec)} (year unknown)")
        return _value(PartialDate(r.year + n), None, spec.modifier, ref.year_inferred)
    if unit == "month":
        if r.month is None:
            return TimeValue(None, None, "month", f"{_unit_label(spec)} (date unknown)")
        index = (r.year or 2001) * 12 + r.month - 1 + n
        year = index // 12 if r.year is not None else None
        return _value(PartialDate(year, index % 12 + 1), None, spec.modifier, ref.year_inferred and year is not None)
    # weeks and weekends need the reference day (and year, for the weekday)
    anchor = ref.full if ref.fine else None
    if anchor is None:
        return TimeValue(None, None, "week", f"{_unit_label(spec)} (date unknown)")
    monday = anchor - timedelta(days=anchor.weekday()) + timedelta(weeks=n)
    if unit == "weekend":
        saturday = monday + timedelta(days=5)  # "this weekend" on a weekday: the coming one
        return TimeValue(PartialDate.from_date(saturday), PartialDate.from_date(saturday + timedelta(days=1)),
                         "range", f"weekend of {_day_label(saturday)}", ref.year_inferred)
    label = f"week of {_day_label(monday)}"
    return TimeValue(PartialDate.from_date(monday), PartialDate.from_date(monday + timedelta(days=6)), "week",
                     f"{spec.modifier} in the {label}" if spec.modifier else label, ref.year_inferred, spec.modifier)


def _valid(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
        return True
    except ValueError:
        return False


def _value(start: PartialDate, end: PartialDate | None, modifier: str | None, inferred: bool) -> TimeValue:
    if end is not None and end != start:
        granularity = "range"
    else:
        end = None
        granularity = {"day": "day", "month": "month", "year": "year"}[start.precision]
    return TimeValue(start, end, granularity, date_label(start, end, modifier), inferred, modifier)


def date_label(start: PartialDate, end: PartialDate | None = None, modifier: str | None = None) -> str:
    """Human text: "Tue 2 May 2017", "early April 2017", "13 April (year unknown)", "3–4 May 2017"."""
    if modifier in SEASONS:
        if start.year is None:
            return f"{modifier} (year unknown)"
        if modifier == "winter":
            return f"winter {start.year}/{(start.year + 1) % 100:02d}"
        return f"{modifier} {start.year}"
    if end is not None and end != start:
        if start.month is None and end.month is None and start.year % 10 == 0 and end.year == start.year + 9:
            return f"{modifier + ' ' if modifier else ''}{start.year}s"
        if start.year == end.year and start.month == end.month and start.day and end.day:
            text = f"{start.day}–{end.day} {MONTH_NAMES[start.month - 1]}"
            return text + (f" {start.year}" if start.year else " (year unknown)")
        return f"{date_label(start)} – {date_label(end)}"
    mod = f"{modifier} " if modifier in ("early", "mid", "late") else (
        f"{modifier} in " if modifier else "")
    if start.month is None:
        return f"{mod}{start.year}" if start.year else "date unknown"
    month = MONTH_NAMES[start.month - 1]
    if start.year is None:
        return (f"{start.day} {month}" if start.day else f"{mod}{month}") + " (year unknown)"
    if start.day is None:
        return f"{mod}{month} {start.year}"
    return _day_label(date(start.year, start.month, start.day))


def _day_label(d: date) -> str:
    return f"{d.strftime('%a')} {d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


def _days_label(n: int) -> str:
    return {0: "today", -1: "yesterday", 1: "tomorrow"}.get(n, f"{abs(n)} days {'ago' if n < 0 else 'ahead'}")


def _unit_label(spec: Spec) -> str:
    if spec.amount < -1:
        return f"{-spec.amount} {spec.unit}s ago"
    word = {-1: "last", 0: "this", 1: "next"}[spec.amount]
    return f"{spec.modifier + ' ' if spec.modifier else ''}{word} {spec.unit}"


# ---------------------------------------------------------------- convenience

def extract(text: str, reference: str | PartialDate | None = None, nlp=None) -> list[TimeExpression]:
    """Temporal expressions of a plain text, resolved against a reference date
    ("2017-05-03", "--05-03" or None). For tests, the bench and quick use."""
    from ..ingest.clean import split_paragraphs
    from ..ingest.segment import segment

    body, sentences = segment(split_paragraphs(text))
    article = Article(text=body, sentences=sentences)
    docs = sentence_docs([article], nlp)[article.id]
    ref_date = PartialDate.parse(reference) if isinstance(reference, str) else (reference or PartialDate())
    ref = Reference(ref_date, "published" if ref_date.precision != "unknown" else "none")
    return resolve_expressions(find_expressions(article, docs), ref)

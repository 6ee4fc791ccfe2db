"""Typed data objects that flow through storyline.

ingest -> Article (clean text + sentences with offsets) -> store -> Story -> Brief.
Everything that cites text points at an Article id and character offsets into
Article.text, so a citation can always be checked against the stored text.
"""
from __future__ import annotations

import hashlib
import re
import types
import typing
from dataclasses import dataclass, field, fields
from datetime import date
from functools import lru_cache


@dataclass(frozen=True)
class PartialDate:
    """A calendar date that may lack its year, month or day.

    News text often pins a day and month but no year ("3 May"), so the
    missing parts stay None instead of being guessed.
    """

    year: int | None = None
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        if self.day is not None and self.month is not None:
            return "day"
        if self.month is not None:
            return "month"
        if self.year is not None:
            return "year"
        return "unknown"

    def iso(self) -> str | None:
        """ISO 8601 text; '--05-03' is the standard form for a day without a year."""
        if self.precision == "unknown":
            return None
        y = f"{self.year:04d}" if self.year is not None else "-"
        if self.month is None:
            return y
        if self.day is None:
            return f"{y}-{self.month:02d}"
        return f"{y}-{self.month:02d}-{self.day:02d}"

    def to_date(self) -> date | None:
        if self.year and self.month and self.day:
            return date(self.year, self.month, self.day)
        return None

    def sort_key(self) -> tuple:
        return (self.year or 0, self.month or 0, self.day or 0)

    @classmethod
    def parse(cls, text: str | None) -> "PartialDate":
        """Read the forms produced by iso(): 'YYYY-MM-DD', 'YYYY-MM', 'YYYY', '--MM-DD', '--MM'."""
        if not text:
            return cls()
        m = re.fullmatch(r"(\d{4}|-)(?:-(\d{2})(?:-(\d{2}))?)?", text.strip()[:10])
        if not m:
            raise ValueError(f"not a date: {text!r} (expected YYYY-MM-DD)")
        year = None if m.group(1) == "-" else int(m.group(1))
        month = int(m.group(2)) if m.group(2) else None
        day = int(m.group(3)) if m.group(3) else None
        if month is not None and not 1 <= month <= 12 or day is not None and not 1 <= day <= 31:
            raise ValueError(f"not a date: {text!r}")
        if year and month and day:
            date(year, month, day)  # raises ValueError for 2017-02-30
        return cls(year, month, day)

    @classmethod
    def from_date(cls, d: date) -> "PartialDate":
        return cls(d.year, d.month, d.day)

    def label(self) -> str:
        """Human form: '3 May 2017', 'May 2017', '3 May (year unknown)', 'undated'."""
        month = date(2000, self.month, 1).strftime("%b") if self.month else ""
        year = str(self.year) if self.year is not None else "(year unknown)"
        if self.precision == "day":
            return f"{self.day} {month} {year}"
        if self.precision == "month":
            return f"{month} {year}"
        return str(self.year) if self.year is not None else "undated"

    def __str__(self) -> str:
        return self.iso() or "undated"


def nearest_year(month: int, day: int | None, anchor: date) -> int | None:
    """The year that puts a yearless day/month closest to anchor (ties go to
    the past); a missing day counts as mid-month."""
    best = None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            candidate = date(year, month, day or 15)
        except ValueError:
            continue
        key = (abs((candidate - anchor).days), candidate > anchor)
        if best is None or key < best[0]:
            best = (key, year)
    return best[1] if best else None


@dataclass
class Sentence:
    """A sentence of an article's clean text: text == article.text[start:end]."""

    index: int
    start: int
    end: int
    text: str
    paragraph: int = 0


@dataclass
class Article:
    """One news report after reading and cleaning."""

    text: str
    title: str = ""
    source: str = ""  # file path, URL or "<stdin>"
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: PartialDate = field(default_factory=PartialDate)
    place: str | None = None  # dateline place, e.g. "WASHINGTON"
    language: str = "en"
    metadata: dict = field(default_factory=dict)
    sentences: list[Sentence] = field(default_factory=list)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = content_id(self.title, self.text)

    @property
    def label(self) -> str:
        """Short human name: the outlet, else the file or URL."""
        return self.outlet or self.source.rsplit("/", 1)[-1] or self.id[:8]


def content_id(title: str, text: str) -> str:
    """Content hash: the same article read twice (from any path) gets the same id."""
    norm = re.sub(r"\s+", " ", f"{title}\n{text}").strip().lower()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


class Record:
    """One to_dict/from_dict for every typed object of a brief: to_dict gives plain
    JSON data (field by field, nested objects too); from_dict rebuilds the object
    from it by the field types, so no reader guesses a type from a set of keys.
    Keys a class does not have (e.g. the "sources" numbers the JSON adds) are ignored."""

    def to_dict(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict):
        hints = _hints(cls)
        return cls(**{f.name: _typed(hints[f.name], data[f.name]) for f in fields(cls) if f.name in data})


def _plain(value):
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@lru_cache(maxsize=None)
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


def _typed(hint, value):
    """value (plain JSON data) as the type hint says."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
        origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_typed(item, v) for v in value]
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint.from_dict(value)
    return value


@dataclass(frozen=True)
class Citation(Record):
    """Points at the exact source text of a claim."""

    article_id: str
    sentence: int
    start: int
    end: int
    text: str = field(default="", compare=False)  # the cited source text, filled in by the brief


class Cited:
    """Anything a brief states from its sources (its `citations`: the exact source
    sentences). The articles that state it are those of its citations, never a second list."""

    citations: list[Citation]

    def article_ids(self) -> list[str]:
        return list(dict.fromkeys(c.article_id for c in self.citations))


@dataclass
class CitedText(Record, Cited):
    """A sentence of output (summary sentence, key point) and its sources."""

    text: str = ""
    citations: list[Citation] = field(default_factory=list)


@dataclass
class EntityEntry(Record, Cited):
    """A canonical person, organisation or place of the story; one citation per
    article that names it (the sentence of its first mention there)."""

    name: str = ""
    type: str = ""  # spaCy label: PERSON, ORG, GPE, NORP, EVENT, ...
    role: str | None = None  # "president", "spokeswoman" (from titles and appositions)
    stands_for: str | None = None  # an acronym's expansion
    aliases: list[str] = field(default_factory=list)
    mentions: int = 0
    citations: list[Citation] = field(default_factory=list)

    @property
    def description(self) -> str:
        """What the renderers show beside the name."""
        return self.role or self.stands_for or self.type


@dataclass
class QuoteEntry(Record, Cited):
    """One statement, as carried by every article that quotes it."""

    speaker: str | None = None  # canonical name; None: unattributed
    speaker_type: str | None = None  # PERSON or ORG (the speaker entity's type)
    speaker_text: str | None = None  # the speaker as the first article words it ("Mayor Lena Okafor")
    verb: str | None = None
    text: str = ""
    kind: str = "direct"  # direct (quotation marks) or reported (indirect speech)
    independent_sources: int = 0
    citations: list[Citation] = field(default_factory=list)

    @property
    def quoted(self) -> bool:
        return self.kind == "direct"


@dataclass
class Fact(Record, Cited):
    """A fact of the story: stated by two or more independent sources (agree) or by one."""

    text: str = ""
    independent_sources: int = 0
    citations: list[Citation] = field(default_factory=list)


@dataclass
class Side(Record, Cited):
    """What one group of sources says where sources differ."""

    label: str = ""  # the outlets (or the speaker) of this side
    text: str = ""
    figure: str | None = None  # what this side gives: "five people", "Monday", "Leeds", "Alan Pryce"
    citations: list[Citation] = field(default_factory=list)


@dataclass
class Difference(Record, Cited):
    """Where sources differ: different figures for one count, one source asserting what
    another denies, or a party one source quotes and another leaves unmentioned."""

    topic: str = ""
    kind: str = ""  # "figures", "negation", "date", "place", "participant" or "omission"
    text: str = ""
    sides: list[Side] = field(default_factory=list)
    compatible: bool = False  # kept for the JSON's shape: compatible figures are one side, not a difference
    citations: list[Citation] = field(default_factory=list)


@dataclass
class TimelineEntry(Record, Cited):
    """One dated event; citations are the sentences that date it."""

    date: str | None = None  # ISO, may be partial ("--05-03") or a range "a/b"
    label: str = ""
    granularity: str = ""  # day, weekday, week, month, year, ...
    tense: str = "past"  # past, present or future as the most recent source sees it
    year_inferred: bool = False
    text: str = ""
    actors: list[str] = field(default_factory=list)
    expressions: list[str] = field(default_factory=list)  # the time expressions, as written
    tenses: dict[str, str] = field(default_factory=dict)  # article id -> tense in that article
    citations: list[Citation] = field(default_factory=list)


@dataclass
class Development(Record):
    """One article's place in the story's coverage, in publication order."""

    article_id: str
    published: str | None  # ISO, may be partial
    year_inferred: bool = False
    written_estimate: str | None = None  # when a date-less article seems written (ISO), from its text
    written: str = "unknown"  # "before" or "after" the main event, or "unknown"
    adds: list[str] = field(default_factory=list)


@dataclass
class SourceRef(Record):
    """An entry of a brief's sources list; number is the [n] used in citations."""

    number: int
    article_id: str
    outlet: str | None
    title: str
    published: str | None
    source: str
    url: str | None = None
    copy_of: int | None = None  # number of the source this one is a syndicated copy of
    year_inferred: bool = False  # published's year comes from the story's other articles, not this one


@dataclass(frozen=True)
class ThreadLink(Record):
    """Another story of this story's thread (stories/threads.py): an earlier or later event
    of the same participants, with its dates and the names the link rests on."""

    story_id: str
    headline: str
    first_date: str | None  # ISO dates of its earliest and latest dated articles
    last_date: str | None
    relation: str  # "earlier" or "later" than this story
    shared: list[str] = field(default_factory=list)  # core participants the two stories share


@dataclass
class Brief(Record):
    """The cited brief of one story. Sections beyond the summary are filled by
    the analysis steps; empty lists mean "nothing found", not "not run"."""

    headline: str
    summary: list[CitedText]
    key_points: list[CitedText]
    sources: list[SourceRef]
    story_id: str | None = None
    entities: list[EntityEntry] = field(default_factory=list)
    quotes: list[QuoteEntry] = field(default_factory=list)
    agree: list[Fact] = field(default_factory=list)
    differ: list[Difference] = field(default_factory=list)
    single_source: list[Fact] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    development: list[Development] = field(default_factory=list)
    thread: list[ThreadLink] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def independent_sources(self) -> int:
        """Sources that are not a syndicated copy of another source of the story."""
        return sum(1 for s in self.sources if s.copy_of is None)

    def source_number(self, article_id: str) -> int | None:
        for s in self.sources:
            if s.article_id == article_id:
                return s.number
        return None

    def source_numbers(self, citations: list[Citation]) -> list[int]:
        """The [n] numbers of the sources the citations point into, in order."""
        numbers = {self.source_number(c.article_id) for c in citations}
        return sorted(n for n in numbers if n is not None)

    def to_json(self) -> dict:
        """The JSON form (docs/brief-json.md): to_dict, with the schema, and the [n]
        number of its source on every citation ("source") and every cited item ("sources")."""

        def numbered(value):
            if isinstance(value, dict):
                out = {k: numbered(v) for k, v in value.items()}
                if "article_id" in value and "sentence" in value:  # a citation
                    return {"source": self.source_number(value["article_id"]), **out}
                if isinstance(value.get("citations"), list):
                    out["sources"] = sorted({c["source"] for c in out["citations"] if c["source"] is not None})
                return out
            if isinstance(value, list):
                return [numbered(v) for v in value]
            return value

        return {"schema": BRIEF_SCHEMA, **numbered(self.to_dict())}

    @classmethod
    def from_json(cls, data: dict) -> "Brief":
        """Inverse of to_json (the numbers it adds are derived, so they are not read)."""
        if data.get("schema", BRIEF_SCHEMA) != BRIEF_SCHEMA:
            raise ValueError(f"not a {BRIEF_SCHEMA} brief: schema {data.get('schema')!r}")
        return cls.from_dict(data)


BRIEF_SCHEMA = "storyline.brief/1"

"""Typed data objects that flow through storyline.

ingest -> Article (clean text + sentences with offsets) -> store -> Story -> Brief.
Everything that cites text points at an Article id and character offsets into
Article.text, so a citation can always be checked against the stored text.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, asdict
from datetime import date


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


@dataclass(frozen=True)
class Citation:
    """Points at the exact source text of a claim."""

    article_id: str
    sentence: int
    start: int
    end: int
    text: str = field(default="", compare=False)  # the cited source text, filled in by the brief


@dataclass
class CitedText:
    """A sentence of output (summary sentence, key point, fact) and its sources."""

    text: str
    citations: list[Citation] = field(default_factory=list)

    def article_ids(self) -> list[str]:
        seen: list[str] = []
        for c in self.citations:
            if c.article_id not in seen:
                seen.append(c.article_id)
        return seen


@dataclass
class SourceRef:
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


@dataclass
class Brief:
    """The cited brief of one story. Sections beyond the summary are filled by
    the analysis steps; empty lists mean "nothing found", not "not run"."""

    headline: str
    summary: list[CitedText]
    key_points: list[CitedText]
    sources: list[SourceRef]
    story_id: str | None = None
    entities: list[dict] = field(default_factory=list)
    quotes: list[dict] = field(default_factory=list)
    agree: list[dict] = field(default_factory=list)
    differ: list[dict] = field(default_factory=list)
    single_source: list[dict] = field(default_factory=list)
    timeline: list[dict] = field(default_factory=list)
    development: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def source_number(self, article_id: str) -> int | None:
        for s in self.sources:
            if s.article_id == article_id:
                return s.number
        return None

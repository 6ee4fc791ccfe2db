"""Publication dates as sources state them (ISO strings, RFC 822 feed dates,
'3 May 2017'), kept with their precision; never invented."""
from __future__ import annotations

import re
from datetime import date, timedelta

from ..errors import InputError
from ..model import PartialDate, nearest_year
from .clean import parse_day_month


EARLIEST_YEAR = 1800  # no news article of the corpus or the web predates it; 0000/0001 are CMS defaults
# Words that name a date only against the day they were written ('yesterday', 'last week'):
# a stored field holding one cannot be dated (reading it against today's clock would give the
# same file new dates on every read), so it is unreadable rather than guessed.
RELATIVE = re.compile(r"\b(ago|yesterday|today|tonight|tomorrow|now|last|next|this|coming|past|"
                      r"previous|earlier|later|since|hence)\b", re.I)
# dateparser only for absolute dates: never 'relative-time', which reads the wall clock
ABSOLUTE_PARSERS = ["custom-formats", "absolute-time"]


def parse_published(text: str, where: str = "") -> PartialDate:
    """A stated publication date; InputError if it cannot be read at all, is relative
    ('yesterday', '3 days ago') or lies outside the years dates can have (date_problem)."""
    text = text.strip()
    found = _parse(text)
    problem = "unreadable date" if found is None else date_problem(found)
    if problem:
        raise InputError(where, f"{problem} {text[:40]!r}")
    return found


def _parse(text: str) -> PartialDate | None:
    m = re.match(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?$", text)
    try:
        if m:
            return PartialDate.parse("-".join(
                [m.group(1)] + [f"{int(g):02d}" for g in m.groups()[1:] if g]))
        if RELATIVE.search(text) and not re.search(r"\d{4}", text) or len(text) > 200:
            return None
        written = parse_day_month(text)
        if written.precision != "unknown":
            return written
        import dateparser

        parsed = dateparser.parse(text, settings={"REQUIRE_PARTS": ["year"], "PREFER_DAY_OF_MONTH": "first",
                                                  "PARSERS": ABSOLUTE_PARSERS})
        if parsed:
            return PartialDate.from_date(parsed.date())
    except (ValueError, OverflowError):
        pass
    return None


def date_problem(d: PartialDate, today: date | None = None) -> str | None:
    """Why a date cannot be an article's publication date (None when it can): a year
    before EARLIEST_YEAR (0000-01-01 and 0001-01-01 are CMS defaults, not dates), or a
    date after tomorrow (time zones put 'today' elsewhere a day ahead)."""
    if d.year is None:
        return None
    latest = (today or date.today()) + timedelta(days=1)
    if d.year < EARLIEST_YEAR:
        return "date out of range"
    if (d.year, d.month or 1, d.day or 1) > (latest.year, latest.month, latest.day):
        return "date in the future"
    return None


def plausible(d: PartialDate, where: str, warnings: list[str], fallback: PartialDate | None = None) -> PartialDate:
    """d when it can be a publication date; otherwise fallback (undated by default), with a
    one-line warning appended to warnings."""
    problem = date_problem(d)
    if problem is None:
        return d
    warnings.append(f"{where}: {problem} {d.iso()!r}; left undated")
    return fallback or PartialDate()


def complete_year(written: PartialDate, evidence: PartialDate) -> PartialDate:
    """Give a yearless date ('3 May') the year that puts it nearest to a
    dated piece of evidence (e.g. --published 2017-05-04). Unchanged when
    there is no such evidence."""
    if written.year is not None or written.month is None or evidence.year is None:
        return written
    anchor = evidence.to_date() or date(evidence.year, evidence.month or 7, 1)
    year = nearest_year(written.month, written.day, anchor)
    return PartialDate(year, written.month, written.day) if year else written

"""Publication dates as sources state them (ISO strings, RFC 822 feed dates,
'3 May 2017'), kept with their precision; never invented."""
from __future__ import annotations

import re
from datetime import date

from ..errors import InputError
from ..model import PartialDate, nearest_year
from .clean import parse_day_month


def parse_published(text: str, where: str = "") -> PartialDate:
    """A stated publication date; InputError if it cannot be read at all."""
    text = text.strip()
    m = re.match(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?$", text)
    try:
        if m:
            return PartialDate.parse("-".join(
                [m.group(1)] + [f"{int(g):02d}" for g in m.groups()[1:] if g]))
        written = parse_day_month(text)
        if written.precision != "unknown":
            return written
        import dateparser

        parsed = dateparser.parse(text, settings={"REQUIRE_PARTS": ["year"], "PREFER_DAY_OF_MONTH": "first"})
        if parsed:
            return PartialDate.from_date(parsed.date())
    except ValueError:
        pass
    raise InputError(where, f"unreadable date {text[:40]!r}")


def complete_year(written: PartialDate, evidence: PartialDate) -> PartialDate:
    """Give a yearless date ('3 May') the year that puts it nearest to a
    dated piece of evidence (e.g. --published 2017-05-04). Unchanged when
    there is no such evidence."""
    if written.year is not None or written.month is None or evidence.year is None:
        return written
    anchor = evidence.to_date() or date(evidence.year, evidence.month or 7, 1)
    year = nearest_year(written.month, written.day, anchor)
    return PartialDate(year, written.month, written.day) if year else written

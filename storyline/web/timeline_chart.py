"""Layout of a story's timeline as an SVG chart (drawn by the story template).

Entry dates are ISO text as the timeline produces them: "2017-05-02",
"2017-05", "2017", ranges "a/b". A day is a dot; a month, a year or a range is
a bar over the days it covers. Entries without a known year ("--05-02") or
without any date cannot be placed on a calendar axis: they are listed apart.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from ..model import TimelineEntry
from ..report.render import timeline_date

WIDTH = 780
LEFT, RIGHT = 190, 20  # room for the date labels, and a margin
ROW = 24
TOP = 34  # room for the axis
MAX_ROWS = 60
TEXT_CHARS = 48  # event text drawn beside a mark (the full text is in its tooltip and the list)
CHAR_PX = 6.6  # average width of a character of the 12px chart font
# A quiet stretch longer than this is cut out of the axis (drawn as a break),
# so a background date years back does not squeeze the days of the story
# into one pixel.
GAP_DAYS = 45
BREAK = 28  # width of an axis break, px


@dataclass
class Mark:
    label: str
    text: str  # the whole event text (tooltip)
    short: str  # drawn beside the mark
    x: float
    width: float  # 0 for a single day (drawn as a dot)
    y: float
    planned: bool
    href: str | None = None
    text_left: bool = False  # short text drawn left of the mark: no room on its right


@dataclass
class Chart:
    width: int
    height: int
    marks: list[Mark]
    ticks: list[tuple[float, str]]
    breaks: list[float] = field(default_factory=list)  # x of each cut in the axis
    unplaced: list[TimelineEntry] = field(default_factory=list)  # entries without a year
    left: int = LEFT
    right: int = WIDTH - RIGHT
    omitted: int = 0


def day_span(iso: str | None) -> tuple[date, date] | None:
    """First and last day an ISO date or range covers; None without a year."""
    if not iso:
        return None
    if "/" in iso:
        a, _, b = iso.partition("/")
        first, last = day_span(a), day_span(b)
        if first is None or last is None:
            return None
        return (min(first[0], last[0]), max(first[1], last[1]))
    parts = iso.split("-")
    try:
        if iso.startswith("-") or not parts[0].isdigit():
            return None
        year = int(parts[0])
        if len(parts) == 1:
            return date(year, 1, 1), date(year, 12, 31)
        month = int(parts[1])
        if len(parts) == 2:
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        day = date(year, month, int(parts[2]))
        return day, day
    except ValueError:
        return None


# "early April 2017", "mid-2016", "late May": the part of the month or year the entry means
MODIFIER = re.compile(r"^(early|mid|late)\b", re.I)
THIRDS = {"early": 0, "mid": 1, "late": 2}


def entry_span(entry: TimelineEntry) -> tuple[date, date] | None:
    """The days an entry covers: its date's span, narrowed to the first, middle or last
    third when its label says early, mid or late ("early April" is 1-10 April, not the
    whole month)."""
    span = day_span(entry.date)
    m = MODIFIER.match(entry.label or "")
    if span is None or m is None or "/" in (entry.date or "") or span[0] == span[1]:
        return span
    third = THIRDS[m.group(1).lower()]
    first, last = span
    if (last - first).days < 40:  # a month: days 1-10, 11-20, 21-end
        lo = date(first.year, first.month, 1 + 10 * third)
        return lo, (last if third == 2 else date(first.year, first.month, 10 + 10 * third))
    if first.year == last.year and first.month == 1 and last.month == 12:  # a year: four months each
        lo = date(first.year, 1 + 4 * third, 1)
        end_month = 4 + 4 * third
        return lo, date(first.year, end_month, calendar.monthrange(first.year, end_month)[1])
    return span


def fit(text: str, room: float) -> str:
    """text cut (at a word, with an ellipsis) to what room pixels of the chart font hold."""
    chars = int(room // CHAR_PX)
    if len(text) <= chars:
        return text
    if chars < 2:
        return ""
    cut = text[:chars - 1]
    if " " in cut.strip():
        cut = cut.rstrip().rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


def timeline_chart(entries: list[TimelineEntry], href=None) -> Chart | None:
    """Chart layout for the brief's timeline entries; None when nothing has a year.
    href(entry) -> link for an entry (its first citation), optional."""
    placed, unplaced = [], []
    for e in entries:
        span = entry_span(e)
        (placed if span else unplaced).append((e, span))
    if not placed:
        return None
    omitted = max(0, len(placed) - MAX_ROWS)
    placed = sorted(placed, key=lambda p: (p[1][0], p[1][1]))[:MAX_ROWS]
    axis = _Axis([(first.toordinal(), last.toordinal() + 1) for _, (first, last) in placed])

    marks = []
    for row, (e, (first, last)) in enumerate(placed):
        x0, x1 = axis.x(first.toordinal()), axis.x(last.toordinal() + 1)
        single = first == last
        text = e.text
        x = round((x0 + x1) / 2, 1) if single else x0
        width = 0 if single else max(2.0, round(x1 - x0, 1))
        short = fit(text, TEXT_CHARS * CHAR_PX)
        # the text goes where it fits whole, else on the side with more room, cut to that room
        right_room, left_room = WIDTH - (x + width + 10) - 2, x - 10 - LEFT
        text_left = len(short) * CHAR_PX > right_room and left_room > right_room
        marks.append(Mark(
            label=timeline_date(e), text=text, short=fit(short, left_room if text_left else right_room),
            x=x, width=width, y=TOP + row * ROW + ROW / 2, planned=e.tense == "future",
            href=href(e) if href else None, text_left=text_left,
        ))
    return Chart(width=WIDTH, height=TOP + len(marks) * ROW + 10, marks=marks, ticks=axis.ticks(),
                 breaks=axis.breaks, unplaced=[e for e, _ in unplaced], omitted=omitted)


class _Axis:
    """Day ordinals -> x: the covered days fall into segments separated by
    quiet stretches longer than GAP_DAYS; each segment gets a share of the
    width by the number of entries in it, so the story's busy days get room."""

    def __init__(self, spans: list[tuple[int, int]]):
        segments: list[list[int]] = []  # [lo, hi, entries]
        for lo, hi in sorted(spans):
            if segments and lo - segments[-1][1] <= GAP_DAYS:
                segments[-1][1] = max(segments[-1][1], hi)
                segments[-1][2] += 1
            else:
                segments.append([lo, hi, 1])
        for seg in segments:
            if seg[1] - seg[0] < 3:  # a day or two alone sits in the middle, not on an edge
                seg[0], seg[1] = seg[0] - 1, seg[1] + 1
        room = WIDTH - RIGHT - LEFT - BREAK * (len(segments) - 1)
        total = sum(n for _, _, n in segments)
        self.segments: list[tuple[int, int, float, float]] = []  # (lo, hi, x, width)
        self.breaks: list[float] = []
        x = float(LEFT)
        for lo, hi, n in segments:
            width = room * n / total
            self.segments.append((lo, hi, x, width))
            x += width
            if len(self.segments) < len(segments):
                self.breaks.append(round(x + BREAK / 2, 1))
                x += BREAK

    def x(self, ordinal: int) -> float:
        for lo, hi, x, width in self.segments:
            if lo <= ordinal <= hi:
                return round(x + (ordinal - lo) * width / (hi - lo), 1)
        raise ValueError(f"day {ordinal} is outside the axis")

    def ticks(self) -> list[tuple[float, str]]:
        """Evenly spaced labels in each segment (about five over the whole width);
        day, month or year labels by the segment's length."""
        ticks: list[tuple[float, str]] = []
        for n, (lo, hi, x, width) in enumerate(self.segments):
            days = hi - lo
            count = max(1, min(days, round(5 * width / (WIDTH - LEFT - RIGHT))))
            last = n == len(self.segments) - 1  # an end label would crowd the next segment's first
            for i in range(count + 1 if last else count):
                ordinal = lo + round(i * days / count)
                d = date.fromordinal(min(ordinal, hi - 1))
                label = d.isoformat() if days <= 120 else d.strftime("%Y-%m") if days <= 1500 else str(d.year)
                if not ticks or ticks[-1][1] != label:
                    ticks.append((self.x(ordinal), label))
        return spaced(ticks)


TICK_GAP = 8  # px between two tick labels


def tick_extent(x: float, label: str) -> tuple[float, float]:
    """Where a tick label is drawn: centred on its tick, or ending at it near the right
    edge (the template's text-anchor rule)."""
    w = len(label) * CHAR_PX
    if x > WIDTH - RIGHT - 40:
        return x - w, x
    return x - w / 2, x + w / 2


def spaced(ticks: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """The ticks whose labels do not overlap: the axis's last tick (its right end) is kept,
    and of the others each that would touch a kept one is dropped."""
    if not ticks:
        return ticks
    kept: list[tuple[float, str]] = []
    last = ticks[-1]
    for tick in ticks[:-1]:
        lo, hi = tick_extent(*tick)
        if kept and lo < tick_extent(*kept[-1])[1] + TICK_GAP:
            continue
        if hi + TICK_GAP > tick_extent(*last)[0]:
            continue
        kept.append(tick)
    return kept + [last]

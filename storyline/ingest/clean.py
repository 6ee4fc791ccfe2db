"""Cleaning of extracted article text: page clutter (ingest/clutter.py), repeated
headlines and taglines out; bylines and datelines parsed into metadata.

Works on paragraphs (one per non-empty line), because that is the unit
web extractions and plain-text reposts deliver.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..model import PartialDate
from ..settings import IngestSettings
from .clutter import ended_in_link, line_clutter, mark_in_context, strip_clutter
from .furniture import is_furniture

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december"], 1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9

DASH = r"[–—−-]"
# "By Peter Baker – New York Times – 3 May – WASHINGTON — rest of paragraph"
BYLINE = re.compile(r"^By\s+(?P<author>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|al-\w+)){0,4})(?P<rest>.*)$", re.S)
# "WASHINGTON (AP) — text" or "MOSCOW, May 3 (Reuters) - text"
DATELINE = re.compile(
    rf"^(?P<place>[A-Z][A-Z.'’ ]{{2,40}}(?:,\s*[A-Z][\w. ]{{1,30}})?)\s*(?:\((?P<outlet>[A-Za-z .]{{2,30}})\))?\s*{DASH}{{1,2}}\s+(?=[A-Z“\"])"
)
# A table of the article, as the HTML reader prints it: one "| cell | cell |" line per row.
TABLE_ROW = re.compile(r"^\|.*\|$")
# What a row's shape makes it look like, and a table row is not: its numbers are not a date
# stamp, its short cells are not a label, a tag list or a caption's names. A row that is
# site furniture (a share bar laid out as a table) still goes.
ROW_SHAPES = frozenset({"date or byline stamp", "label", "tag or link list", "caption or credit"})
# A wire dateline without a place: "May 29 (Reuters) - text"
WIRE_DATELINE = re.compile(
    rf"^(?P<day>[A-Z][a-z]{{2,8}}\.? \d{{1,2}})\s*\((?P<outlet>[A-Za-z .]{{2,30}})\)\s*{DASH}{{1,2}}\s+(?=[A-Z“\"])")


@dataclass
class Cleaned:
    paragraphs: list[str]
    author: str | None = None
    outlet: str | None = None
    place: str | None = None
    date: PartialDate = field(default_factory=PartialDate)
    dropped: list[str] = field(default_factory=list)  # what was removed and why, for --verbose


def normalize_text(text: str) -> str:
    """NFC, no control characters, Unix newlines, single spaces inside lines."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return "\n".join(re.sub(r"[ \t\u00a0\u2000-\u200b\u3000]+", " ", line).strip() for line in text.split("\n"))


def split_paragraphs(text: str) -> list[str]:
    return [p for p in normalize_text(text).split("\n") if p]


def clean_paragraphs(paragraphs: list[str], title: str = "", settings: IngestSettings = IngestSettings(),
                     english: bool = True) -> Cleaned:
    """Drop page clutter and what is not reporting, and read bylines/datelines off the top.
    english: the text is English (clutter.line_clutter reads English words only then)."""
    out = Cleaned(paragraphs=[])
    title_key = _key(title)
    lines: list[str] = []
    reasons: list[str | None] = []
    for para in paragraphs:
        line, why = strip_clutter(para), None
        if not _key(line):
            why = "clutter"
        elif title_key and _key(line) == title_key and sum(r is None for r in reasons) < 2:
            why = "repeated headline"
        elif sum(r is None for r in reasons) < 3:  # bylines and datelines open the article
            line = _take_byline(line, out)
            why = None if line else "byline"
        why = why or line_clutter(line, settings, ended_in_link(para), english)
        if why in ROW_SHAPES and TABLE_ROW.match(line) and not is_furniture(line):
            why = None
        lines.append(line)
        reasons.append(why)
    mark_in_context(lines, reasons, title, settings, english)
    for para, line, why in zip(paragraphs, lines, reasons):
        if why:
            out.dropped.append(f"{why}: {para}")
        else:
            out.paragraphs.append(line)
    out.paragraphs = _drop_repeats(out.paragraphs, out.dropped, settings)
    return out


def _take_byline(para: str, out: Cleaned) -> str:
    """Strip a leading byline/dateline into out's fields; return what is left."""
    m = BYLINE.match(para)
    if m and (re.match(rf"\s*(?:{DASH}|,|\||$)", m.group("rest")) or not m.group("rest").strip()):
        out.author = out.author or m.group("author").strip()
        para = _take_segments(m.group("rest"), out)
        para = para.strip(" –—-|,")
        out.dropped.append(f"byline: {m.group(0)[: len(m.group(0)) - len(para)].strip()}")
    m = WIRE_DATELINE.match(para)
    if m:
        out.outlet = out.outlet or m.group("outlet").strip()
        if out.date.precision == "unknown":
            out.date = parse_day_month(m.group("day"))
        return para[m.end():].strip()
    m = DATELINE.match(para)
    if m and not _looks_like_sentence_start(m.group("place")):
        out.place = out.place or m.group("place").strip().rstrip(",")
        if m.group("outlet"):
            out.outlet = out.outlet or m.group("outlet").strip()
        para = para[m.end():]
    return para.strip()


SEPARATOR = re.compile(r"\s*(?:[–—|,]|--?)\s*")
SEGMENT = re.compile(r"([^–—|,]{1,60}?(?:,\s*\d{4})?)(?=\s*(?:[–—|,]|\s--?\s)|\s*$)")


def _take_segments(rest: str, out: Cleaned) -> str:
    """Read ' – New York Times – 3 May – WASHINGTON — text' segment by segment;
    stop at the first segment that is not a date, place or outlet."""
    while True:
        sep = SEPARATOR.match(rest)
        if not sep:
            return rest
        after = rest[sep.end():]
        seg = SEGMENT.match(after)
        if not seg:
            return after
        text = seg.group(1).strip()
        date = parse_day_month(text)
        if date.precision != "unknown":
            out.date = date
        elif text.isupper() and len(text) > 2:
            out.place = out.place or text
        elif _is_name(text) and not out.outlet:
            out.outlet = text
        else:
            return after
        rest = after[seg.end():]


def _is_name(text: str) -> bool:
    """Title Case words only, e.g. 'New York Times', 'The Guardian'."""
    words = text.split()
    small = {"of", "the", "and", "&", "de"}
    return 1 <= len(words) <= 5 and all(w[:1].isupper() or w.lower() in small for w in words) and words[0][:1].isupper()


def parse_day_month(text: str) -> PartialDate:
    """'3 May', 'May 3', 'May 3, 2017', '3 May 2017' -> PartialDate (year only when written)."""
    text = text.strip().rstrip(".")
    m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]{3,9})\.?(?:,?\s+(\d{4}))?", text) or None
    if m:
        day, month, year = m.group(1), m.group(2), m.group(3)
    else:
        m = re.fullmatch(r"([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?", text)
        if not m:
            m2 = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
            return PartialDate(int(m2.group(1)), int(m2.group(2)), int(m2.group(3))) if m2 else PartialDate()
        month, day, year = m.group(1), m.group(2), m.group(3)
    month_no = MONTHS.get(month.lower())
    if not month_no or not 1 <= int(day) <= 31:
        return PartialDate()
    return PartialDate(int(year) if year else None, month_no, int(day))


def _looks_like_sentence_start(place: str) -> bool:
    # "A" / "I" starting a sentence in caps is not a place.
    return len(place.strip()) < 3


def _drop_repeats(paragraphs: list[str], dropped: list[str], settings: IngestSettings) -> list[str]:
    """Drop exact repeats, and a paragraph that is another one (of at least
    tagline_min_chars key characters) plus under tagline_extra_chars more: a
    blog's tagline glued in front of a quote it repeats later.

    Linear in the number of paragraphs (a dump of thousands of paragraphs
    must not take minutes): candidates are found by the first
    tagline_min_chars characters they must share with a window of the
    longer paragraph."""
    keys = [_key(p) for p in paragraphs]
    head = settings.tagline_min_chars
    by_head: dict[str, set[str]] = {}
    for key in set(keys):
        if len(key) >= head:
            by_head.setdefault(key[:head], set()).add(key)
    seen: set[str] = set()
    keep: list[str] = []
    for para, key in zip(paragraphs, keys):
        if key in seen:
            dropped.append(f"repeated paragraph: {para}")
            continue
        seen.add(key)
        if _contains_another(key, by_head, settings):
            dropped.append(f"tagline repeating a paragraph: {para}")
            continue
        keep.append(para)
    return keep


def _contains_another(key: str, by_head: dict[str, set[str]], settings: IngestSettings) -> bool:
    """Some other paragraph key occurs in key with < tagline_extra_chars characters to spare.
    Such a key starts at an offset below tagline_extra_chars, so it is among the keys
    whose head equals key's window at one of those offsets."""
    head, extra = settings.tagline_min_chars, settings.tagline_extra_chars
    for at in range(min(extra, len(key) - head + 1)):
        for other in by_head.get(key[at:at + head], ()):
            if other != key and len(key) - len(other) < extra and key.startswith(other, at):
                return True
    return False


def _key(text: str) -> str:
    """Comparison key: lower case, letters and digits only."""
    return re.sub(r"[\W_]+", " ", text.lower()).strip()

"""Cleaning of extracted article text: boilerplate, captions, repeated
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

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december"], 1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9

# Whole paragraphs that are site furniture, not reporting. Matched against a
# short paragraph in full (case-insensitive), never against sentences inside prose.
BOILERPLATE = re.compile(
    r"""^(?:
        leave\ a\ (?:reply|comment) | be\ the\ first\ to\ comment!? | \d*\s*comments? |
        (?:post(?:ed)?\ a\ )?comment(?:s)?(?:\ \(\d+\))? | add\ a\ comment |
        share(?:\ this(?:\ (?:article|story))?)?(?:\ on\ \w+)?:? | like\ this:? | tweet | email | print |
        click\ to\ (?:share|email|print).* | (?:share|follow)\ (?:us\ )?on\ (?:facebook|twitter|x|instagram).* |
        sign\ up\ (?:for|to)\ .* | subscribe(?:\ now|\ to\ .*)? | newsletter | advertisement | sponsored(?:\ content)? |
        (?:read|see)\ (?:more|also)(?::.*)? | related(?:\ (?:articles?|stories|coverage))?:?.* |
        loading(?:\.\.\.|…)? | (?:all\ rights\ reserved|copyright\ ©?|©).* |
        (?:image|photo|picture|video)(?:\ caption)?:.* | (?:getty\ images|ap\ photo|reuters).{0,40} |
        you\ (?:may|might)\ also\ like:? | recommended(?:\ for\ you)?:? | trending(?:\ now)?:? |
        this\ (?:article|story)\ (?:has\ been|was)\ (?:updated|corrected).* |
        (?:what\ do\ you\ think\?\s*)?(?:tell|let)\ us\ (?:what\ you\ think|in\ the\ comments).*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

DASH = r"[–—−-]"
# "By Peter Baker – New York Times – 3 May – WASHINGTON — rest of paragraph"
BYLINE = re.compile(r"^By\s+(?P<author>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|al-\w+)){0,4})(?P<rest>.*)$", re.S)
# "WASHINGTON (AP) — text" or "MOSCOW, May 3 (Reuters) - text"
DATELINE = re.compile(
    rf"^(?P<place>[A-Z][A-Z.'’ ]{{2,40}}(?:,\s*[A-Z][\w. ]{{1,30}})?)\s*(?:\((?P<outlet>[A-Za-z .]{{2,30}})\))?\s*{DASH}{{1,2}}\s+(?=[A-Z“\"])"
)


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


def clean_paragraphs(paragraphs: list[str], title: str = "", settings: IngestSettings = IngestSettings()) -> Cleaned:
    """Drop what is not reporting and read bylines/datelines off the top."""
    out = Cleaned(paragraphs=[])
    title_key = _key(title)
    for i, para in enumerate(paragraphs):
        key = _key(para)
        if not key:
            continue
        if title_key and key == title_key and len(out.paragraphs) < 2:
            out.dropped.append(f"repeated headline: {para}")
            continue
        if BOILERPLATE.match(para.strip(" .")) and len(para.split()) <= 12:
            out.dropped.append(f"boilerplate: {para}")
            continue
        if len(out.paragraphs) < 3:
            para = _take_byline(para, out)
            if not para:
                continue
        if is_caption(para):
            out.dropped.append(f"caption: {para}")
            continue
        out.paragraphs.append(para)
    out.paragraphs = _drop_repeats(out.paragraphs, out.dropped, settings)
    return out


def is_caption(para: str) -> bool:
    """A photo caption that is only a list of names, e.g. "Russian President
    Vladimir Putin and President Donald Trump": no verb-bearing sentence, no
    final punctuation, nearly every word capitalised."""
    if re.search(r"[.!?…:;\"”’]$", para) or len(para) > 160:
        return False
    words = re.findall(r"[\w’'-]+", para)
    if not 2 <= len(words) <= 20:
        return False
    joiners = {"and", "of", "the", "de", "van", "von", "al", "in", "at", "with", "&"}
    content = [w for w in words if w.lower() not in joiners]
    capitalised = sum(1 for w in content if w[:1].isupper())
    return bool(content) and capitalised / len(content) >= 0.85 and not para.isupper()


def _take_byline(para: str, out: Cleaned) -> str:
    """Strip a leading byline/dateline into out's fields; return what is left."""
    m = BYLINE.match(para)
    if m and (re.match(rf"\s*(?:{DASH}|,|\||$)", m.group("rest")) or not m.group("rest").strip()):
        out.author = out.author or m.group("author").strip()
        para = _take_segments(m.group("rest"), out)
        para = para.strip(" –—-|,")
        out.dropped.append(f"byline: {m.group(0)[: len(m.group(0)) - len(para)].strip()}")
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

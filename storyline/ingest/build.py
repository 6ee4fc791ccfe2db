"""RawArticle -> Article: clean, read the byline, settle the date, detect the
language, split into sentences."""
from __future__ import annotations

import re

from ..model import Article, PartialDate
from ..settings import IngestSettings
from .clean import clean_paragraphs, normalize_text, split_paragraphs
from .clutter import strip_clutter
from .dates import complete_year, plausible
from .raw import RawArticle
from .segment import segment


def build_article(raw: RawArticle, published: PartialDate | None = None,
                  settings: IngestSettings = IngestSettings()) -> Article:
    """published: the --published fallback for articles that state no date."""
    paragraphs = split_paragraphs(raw.text)
    title = _title_without_site(raw.title, paragraphs)
    if title != raw.title:  # the page's top may print the title with the site's name as well
        paragraphs = [p for i, p in enumerate(paragraphs) if i >= TOP_LINES or not _same(strip_clutter(p), raw.title)]
    if raw.headline_in_text and len(paragraphs) > 1 and not title:  # a one-line text is its own body
        title, paragraphs = paragraphs[0], paragraphs[1:]
    elif raw.headline_in_text and paragraphs and _same(paragraphs[0], title):
        paragraphs = paragraphs[1:]
    # the clutter checks read English words: another language gets only the checks of shape
    language = raw.language or detect_language("\n".join(paragraphs))
    cleaned = clean_paragraphs(paragraphs, title, settings, language.lower().split("-")[0] == "en")
    text, sentences = segment(cleaned.paragraphs)

    metadata = dict(raw.metadata)
    warnings = list(metadata.get("warnings", []))
    date = _settle_date(raw, cleaned.date, published, warnings)
    if warnings:
        metadata["warnings"] = warnings
    if cleaned.dropped:
        metadata["dropped"] = cleaned.dropped
    return Article(
        text=text, title=field_text(title) or "", source=raw.source, url=field_text(raw.url),
        outlet=field_text(raw.outlet) or cleaned.outlet, author=field_text(raw.author) or cleaned.author,
        published=date, place=cleaned.place,
        # the language of what is kept: read again only when cleaning dropped something
        language=field_text(raw.language) or (detect_language(text) if cleaned.dropped else language),
        metadata=metadata, sentences=sentences,
    )


def _settle_date(raw: RawArticle, written: PartialDate, published: PartialDate | None,
                 warnings: list[str]) -> PartialDate:
    """The source's date, else the one written in the text (a day beats a month), else the
    source's own fallback (a WARC record's crawl date), else the --published fallback; a date
    no article can have (year 0, the future) is dropped with a warning, whichever reader
    found it, so that no stored article carries one."""
    date = plausible(raw.published, raw.source, warnings)
    written = plausible(written, raw.source, warnings)
    if date.precision == "unknown" or (written.precision == "day" and date.precision != "day"):
        date = written if written.precision != "unknown" else date
    fallback = plausible(raw.fallback_date, f"{raw.source} (crawl date)", warnings) \
        if raw.fallback_date and raw.fallback_date.precision != "unknown" else PartialDate()
    if fallback.precision == "unknown":
        fallback = plausible(published or PartialDate(), "--published", warnings)
    if date.precision == "unknown":
        return fallback
    # a date in the article wins; the flag may add its year (which may put it after tomorrow)
    return plausible(complete_year(date, fallback), raw.source, warnings)


def field_text(value: str | None) -> str | None:
    """A stored one-line field (title, outlet, author, URL) with the hygiene of article
    text: NFC, no control or format characters (NUL, U+202E right-to-left override), one
    space between words; None when nothing is left."""
    if not value:
        return None
    return " ".join(normalize_text(value).split()) or None


TOP_LINES = 5  # a page prints its headline within its first lines
SITE_SUFFIX = re.compile(r"\s+[-–—|]\s+[^-–—|]+$")


def _title_without_site(title: str, paragraphs: list[str]) -> str:
    """The title without a site's name glued on ("Roger Ailes dead - Beckley News, Weather,
    Sports") when the page prints the title without it: the page's own headline line says
    where the title ends."""
    m = SITE_SUFFIX.search(title)
    if not m:
        return title
    head = title[:m.start()]
    top = paragraphs[:TOP_LINES]
    return head if any(_same(strip_clutter(p), head) for p in top) else title


def detect_language(text: str) -> str:
    if len(text) < 20:
        return "und"
    import py3langid

    return py3langid.classify(text[:5000])[0]


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()

"""RSS/Atom feed files: one article per entry, full content when present.

Entries are independent: one without text, with an oversized body or with a
missing/invalid date is reported (or left undated) and the others are read.
Scripts, styles and iframes in entry HTML never reach the text."""
from __future__ import annotations

import re

from ..errors import InputError
from ..model import PartialDate
from .files import check_article_size
from .raw import RawArticle


NO_ENTRIES = "feed has no entries"  # well-formed and empty: a followed feed with nothing new, not a failure


def looks_like_feed(text: str) -> bool:
    head = text[:2000].lower()
    return "<rss" in head or "<feed" in head or "<rdf:rdf" in head


def read_feed(name: str, text: str) -> tuple[list[RawArticle], list[InputError]]:
    import feedparser

    # No sanitising here: html_fragment_to_text drops scripts, styles and
    # iframes with their content, where the sanitiser keeps the inner text.
    try:
        parsed = feedparser.parse(text, sanitize_html=False, resolve_relative_uris=False)
    except Exception as e:  # its loose parser raises e.g. KeyError on some broken markup (found by fuzzing)
        raise InputError(name, f"cannot parse feed ({type(e).__name__}: {e})") from e
    if not parsed.entries:
        if parsed.get("bozo"):  # broken markup and nothing recoverable in it
            raise InputError(name, f"malformed feed ({parsed.get('bozo_exception')})")
        raise InputError(name, NO_ENTRIES)
    outlet = (parsed.feed.get("title") or "").strip() or None
    articles, errors = [], []
    for i, entry in enumerate(parsed.entries):
        where = f"{name}#{i + 1}"
        body = ""
        if entry.get("content"):
            body = max((c.get("value") or "" for c in entry.content), key=len)
        body = body or entry.get("summary") or entry.get("description") or ""
        text_body = html_fragment_to_text(body)
        if not text_body.strip():
            errors.append(InputError(where, "feed entry has no text"))
            continue
        try:
            check_article_size(where, text_body)
        except InputError as e:
            errors.append(e)
            continue
        published = PartialDate()
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        if stamp:
            published = PartialDate(stamp.tm_year, stamp.tm_mon, stamp.tm_mday)
        articles.append(RawArticle(
            source=where, text=text_body, title=(entry.get("title") or "").strip(),
            url=entry.get("link"), outlet=outlet, published=published,
            author=_author_name(entry.get("author")),
            metadata={k: entry[k] for k in ("id", "tags") if entry.get(k)} | {"feed": name},
        ))
    return articles, errors


# Characters XML cannot hold (controls other than tab/newline, NUL, lone surrogates).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# Elements whose content is never article text.
HIDDEN = re.compile(r"<(script|style|iframe|noscript)\b.*?(?:</\1\s*>|$)", re.I | re.S)


def html_fragment_to_text(fragment: str) -> str:
    """Text of an HTML fragment with block elements as paragraph breaks."""
    if "<" not in fragment:
        return fragment
    import lxml.html

    fragment = NOT_XML.sub(" ", fragment)  # lxml refuses these outright
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml gives up on some broken fragments: strip tags crudely
        return re.sub(r"<[^>]+>", " ", HIDDEN.sub(" ", fragment))
    for bad in root.xpath("//script|//style|//iframe|//noscript"):
        bad.drop_tree()
    for block in root.xpath("//p|//div|//br|//li|//h1|//h2|//h3|//h4|//blockquote"):
        block.tail = "\n" + (block.tail or "")
    return root.text_content()



def _author_name(author: str | None) -> str | None:
    """RSS writes 'desk@example.com (Jon Brask)': keep the name."""
    if not author:
        return None
    m = re.search(r"\(([^()@]+)\)\s*$", author)
    return (m.group(1) if m and "@" in author else author).strip()


TTL = re.compile(r"<ttl>\s*(\d{1,7})\s*</ttl>", re.I)


def feed_ttl(text: str) -> float | None:
    """Minutes an RSS feed's <ttl> asks readers to cache it (None when it has none)."""
    m = TTL.search(text[:20_000])
    return float(m.group(1)) if m else None


def is_teaser(text: str, words: int) -> bool:
    """A feed entry whose text is a teaser (fewer than `words` words), not the article."""
    return len(text.split()) < words

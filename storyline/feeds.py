"""Followed feeds: `storyline feeds add URL...`, `feeds remove URL`, `feeds import FILE.opml`,
`feeds export` (OPML 2.0, one outline per category) and the listing (`storyline feeds`,
`--json`). The feeds live in the store (Store.add_feed ...); storyline/watch.py polls them.

A feed URL is kept canonical (ingest/fetch.canonical_url), so one feed added twice, spelled
two ways, is followed once."""
from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from .errors import InputError, StorylineError
from .ingest.fetch import SCHEMES, canonical_url

LIST_FIELDS = ("title", "url", "category", "last_poll", "status", "last_error", "articles", "next_poll",
               "failures", "gone")


def feed_url(url: str) -> str:
    """The canonical form of a feed URL; InputError naming it when it is not http(s)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise InputError(url, "not a feed URL (http:// or https:// and a host)")
    return canonical_url(url)


def add_feeds(store, urls: list[str], category: str | None = None) -> tuple[list[str], list[str], list[InputError]]:
    """(added, already followed, bad URLs)."""
    added, known, errors = [], [], []
    for url in urls:
        try:
            url = feed_url(url)
        except InputError as e:
            errors.append(e)
            continue
        (added if store.add_feed(url, category=category) else known).append(url)
    return added, known, errors


def remove_feed(store, url: str) -> None:
    canonical = canonical_url(url)
    if not store.remove_feed(canonical) and not store.remove_feed(url):
        raise StorylineError(f"{url}: not a followed feed (storyline feeds lists them)")


# -- OPML ----------------------------------------------------------------------------------
def read_opml(path: str | Path) -> list[tuple[str, str | None, str | None]]:
    """(xmlUrl, title, category) of each feed outline of an OPML file; a nested outline's
    category is its parent's title (or its own category attribute). StorylineError naming
    the file when it cannot be read or is not OPML."""
    import lxml.etree

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise StorylineError(f"{path}: cannot read ({e.strerror})") from e
    try:
        parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = lxml.etree.fromstring(data, parser)
    except lxml.etree.XMLSyntaxError as e:
        raise StorylineError(f"{path}: not OPML ({e})") from e
    if root.tag != "opml" or root.find("body") is None:
        raise StorylineError(f"{path}: not OPML (no <opml><body>)")
    feeds = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue
        parent = outline.getparent()
        category = outline.get("category") or (parent.get("text") or parent.get("title")
                                                if parent is not None and parent.tag == "outline" else None)
        category = category.split(",")[0].strip().strip("/") or None if category else None
        feeds.append((url, outline.get("title") or outline.get("text"), category))
    return feeds


def import_opml(store, path: str | Path) -> tuple[list[str], list[str], list[InputError]]:
    """Follow every feed of an OPML file: (added, already followed, bad URLs)."""
    added, known, errors = [], [], []
    for url, title, category in read_opml(path):
        try:
            url = feed_url(url)
        except InputError as e:
            errors.append(InputError(f"{path}: {url}", e.problem))
            continue
        (added if store.add_feed(url, title=title, category=category) else known).append(url)
    return added, known, errors


def export_opml(store) -> str:
    """OPML 2.0 of the followed feeds (gone ones too, marked), grouped by category."""
    groups: dict[str | None, list] = {}
    for row in store.feeds():
        groups.setdefault(row["category"], []).append(row)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">',
             "  <head><title>storyline feeds</title></head>", "  <body>"]
    for category, rows in groups.items():
        indent = "    "
        if category:
            lines.append(f"    <outline text={quoteattr(category)} title={quoteattr(category)}>")
            indent = "      "
        for row in rows:
            title = row["title"] or row["url"]
            attrs = f"type=\"rss\" text={quoteattr(title)} title={quoteattr(title)} xmlUrl={quoteattr(row['url'])}"
            if category:
                attrs += f" category={quoteattr(category)}"
            lines.append(f"{indent}<outline {attrs}/>")
        if category:
            lines.append("    </outline>")
    lines += ["  </body>", "</opml>"]
    return "\n".join(lines)


# -- the listing ---------------------------------------------------------------------------
def feed_rows(store) -> list[dict]:
    """Each followed feed as a dict of LIST_FIELDS (times as ISO 8601 UTC, None when never)."""
    rows = []
    for row in store.feeds():
        item = {name: row[name] for name in LIST_FIELDS}
        item["gone"] = bool(item["gone"])
        item["last_poll"], item["next_poll"] = _iso(row["last_poll"]), None if row["gone"] else _iso(row["next_poll"])
        rows.append(item)
    return rows


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


def feeds_markdown(rows: list[dict]) -> str:
    if not rows:
        return "No feeds followed (storyline feeds add URL, or feeds import FILE.opml)."
    lines = []
    for r in rows:
        status = "gone (410): no longer polled" if r["gone"] else (f"HTTP {r['status']}" if r["status"] else "never polled")
        lines.append(f"- {r['title'] or '(untitled)'} <{r['url']}>" + (f" [{r['category']}]" if r["category"] else ""))
        lines.append(f"  last poll {r['last_poll'] or 'never'}, {status}, {r['articles']} articles, "
                     f"next poll {r['next_poll'] or '-'}" + (f", {r['failures']} failures in a row" if r["failures"] else ""))
        if r["last_error"]:
            lines.append(f"  last error: {r['last_error']}")
    return "\n".join(lines)

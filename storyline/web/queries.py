"""Full-text search and story filters of the web pages (their SQL: Store methods).

Search runs on the FTS5 index of article titles and text (store migration v3).
User text never reaches FTS5 query syntax: it is cut into words and each word
is quoted, so `"`, `AND(`, `*` or `NEAR` typed in a search box are plain words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..store import Store

# FTS5 snippet() markers: control characters that clean article text never
# contains, so highlighting can be split out after the query and escaped.
HIT_START, HIT_END = "\x02", "\x03"
WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12
# Upper bounds of integer query parameters: FastAPI answers 422 past them, where a
# Python int past 2**63 - 1 would overflow SQLite's INTEGER (a 500) and a page number
# past a million is no page of any store.
MAX_PAGE = 1_000_000
MAX_OFFSET = 1_000_000_000
MAX_SENTENCE = 1_000_000


@dataclass
class SearchHit:
    article_id: str
    title: str
    outlet: str | None
    published: str | None
    snippet: list[tuple[str, bool]]  # (text, is_match) pieces of a short excerpt
    story_ids: list[str] = field(default_factory=list)


def fts_query(text: str) -> str | None:
    """Words of the user's text as an FTS5 query (all words must occur; the
    last one may be a prefix, as the user may still be typing it)."""
    words = [w.replace('"', "") for w in WORD.findall(text or "")][:MAX_TERMS]
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def search_articles(store: Store, text: str, limit: int = 20, offset: int = 0) -> tuple[int, list[SearchHit]]:
    """(number of matching articles, one page of them best first)."""
    query = fts_query(text)
    if query is None:
        return 0, []
    total, rows = store.search(query, limit, offset, (HIT_START, HIT_END))
    hits = [SearchHit(r["id"], r["title"], r["outlet"], r["published"], split_marks(r["snip"] or ""),
                      r["stories"].split(",") if r["stories"] else []) for r in rows]
    return total, hits


def split_marks(snippet: str) -> list[tuple[str, bool]]:
    """'a \\x02b\\x03 c' -> [('a ', False), ('b', True), (' c', False)]."""
    pieces: list[tuple[str, bool]] = []
    for i, part in enumerate(re.split(f"[{HIT_START}{HIT_END}]", snippet)):
        if part:
            pieces.append((part, i % 2 == 1))
    return pieces


def matching_story_ids(store: Store, text: str | None = None, outlet: str | None = None) -> set[str] | None:
    """Stories with an article that matches the search text and/or is from the
    outlet; None when neither filter is given (every story matches)."""
    if not text and not outlet:
        return None
    query = fts_query(text) if text else None
    if text and query is None:
        return set()
    return store.story_ids_matching(query, outlet or None)


def outlets(store: Store) -> list[str]:
    """Distinct outlet names of stored articles, for the filter menu."""
    return store.outlets()


def story_outlets(store: Store, story_id: str) -> list[str]:
    return store.story_outlets(story_id)


def stories_of_article(store: Store, article_id: str) -> list[str]:
    return store.stories_of_article(article_id)

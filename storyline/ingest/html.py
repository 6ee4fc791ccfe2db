"""HTML pages: main text, title, date, author and site name via trafilatura."""
from __future__ import annotations

from ..errors import InputError
from .dates import parse_published
from .raw import RawArticle


def read_html(name: str, html: str, url: str | None = None) -> list[RawArticle]:
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False,
            favor_precision=True, as_dict=True,
            # The publication date must come from the page, never from "today".
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as e:  # trafilatura raises many types on malformed markup
        raise InputError(name, f"cannot parse HTML ({type(e).__name__}: {e})") from e
    if not doc or not (doc.get("text") or "").strip():
        raise InputError(name, "no article text found in HTML page")
    raw = RawArticle(
        source=name, text=doc["text"], title=(doc.get("title") or "").strip(),
        url=doc.get("url") or url, outlet=doc.get("sitename") or None, author=doc.get("author") or None,
        language=doc.get("language") or None,
    )
    if doc.get("date"):
        try:
            raw.published = parse_published(doc["date"], name)
        except InputError:
            pass  # an unreadable page date leaves the article undated
    for key in ("description", "categories", "tags", "hostname"):
        if doc.get(key):
            raw.metadata[key] = doc[key]
    return [raw]

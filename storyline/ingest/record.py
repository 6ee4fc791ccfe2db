"""JSON / JSON Lines articles: fields url, title, text, published, outlet,
author; any other field is kept as metadata.

Each record stands alone: a broken line, a record of the wrong shape or a
field of the wrong type is one InputError naming file:line, and the other
records are still read. An unreadable date leaves the article undated with
a warning rather than losing the article."""
from __future__ import annotations

import json

from ..errors import InputError
from .dates import parse_published
from .files import check_article_size
from .raw import RawArticle

KNOWN = {"url", "title", "text", "published", "outlet", "author", "language"}


def read_json(name: str, text: str) -> tuple[list[RawArticle], list[InputError]]:
    """Articles and per-record errors: one bad line never sinks the others."""
    articles: list[RawArticle] = []
    errors: list[InputError] = []
    stripped = text.lstrip()
    records = _array(name, stripped) if stripped.startswith("[") else None
    if records is None:
        records = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            where = f"{name}:{lineno}"
            try:
                records.append((where, json.loads(line)))
            except (ValueError, RecursionError) as e:
                if lineno == 1 and stripped.startswith("{") and len(text.splitlines()) > 1:
                    try:  # a single pretty-printed JSON object
                        records = [(name, json.loads(text))]
                        break
                    except (ValueError, RecursionError):
                        pass
                errors.append(InputError(where, f"invalid JSON ({_reason(e)})"))
    for where, record in records:
        try:
            articles.append(record_to_raw(where, record))
        except InputError as e:
            errors.append(e)
    return articles, errors


def _array(name: str, stripped: str) -> list[tuple[str, object]] | None:
    """The records of a JSON array document, as (name[i], record); None when the text is
    JSON Lines whose first line happens to be a list (more lines follow)."""
    try:
        records = [(f"{name}[{i}]", r) for i, r in enumerate(json.loads(stripped))]
    except (ValueError, RecursionError) as e:
        if len([line for line in stripped.splitlines() if line.strip()]) > 1:
            return None  # JSON Lines: each line is read (and named) on its own
        raise InputError(name, f"invalid JSON ({_reason(e)})") from e
    if not records:
        raise InputError(name, "no records (an empty JSON array)")
    return records


def _reason(e: Exception) -> str:
    return "nested too deeply" if isinstance(e, RecursionError) else getattr(e, "msg", str(e))


def record_to_raw(where: str, record) -> RawArticle:
    if not isinstance(record, dict):
        raise InputError(where, "record is not a JSON object")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(where, "record has no 'text'")
    check_article_size(where, text)
    raw = RawArticle(source=where, text=text)
    apply_fields(raw, record, where)
    return raw


# Metadata keys the readers and cleaning write; a record's own field of that name is kept
# under "field:NAME" so that it can neither pose as a reader's warning nor break one.
RESERVED = {"warnings", "record", "dropped", "feed"}


def apply_fields(raw: RawArticle, record: dict, where: str, keep_text: bool = False) -> None:
    """Copy known fields onto raw (strings only), the rest into metadata. A 'published'
    that is not a date string (a number, a list, 'yesterday', 0000-01-01) leaves the
    article undated with a warning."""
    for key in ("url", "title", "outlet", "author", "language"):
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(where, f"field '{key}' must be a string")
        if value:
            setattr(raw, key, value.strip())
    raw.metadata.update({(f"field:{k}" if k in RESERVED else k): v for k, v in record.items() if k not in KNOWN})
    published = record.get("published")
    if published not in (None, ""):
        try:
            if not isinstance(published, str):
                raise InputError(where, f"field 'published' is not a date string ({type(published).__name__})")
            raw.published = parse_published(published, where)
        except InputError as e:
            raw.metadata.setdefault("warnings", []).append(f"{e}; left undated")
    if raw.url and raw.source == where and not keep_text:
        raw.metadata["record"] = where

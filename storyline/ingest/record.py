"""JSON / JSON Lines articles: fields url, title, text, published, outlet,
author; any other field is kept as metadata.

Each record stands alone: a broken line, a record of the wrong shape or a
field of the wrong type is one InputError naming file:line, and the other
records are still read. An unreadable date leaves the article undated with
a warning rather than losing the article.

JSON Lines files (.jsonl, .ndjson, and gzipped .jsonl.gz, .ndjson.gz) of any size are read
line by line from a stream (read_json_lines): memory holds one line at a time, a line over
MAX_LINE_BYTES is skipped and named, and a broken line or a broken gzip stream is named with
its byte offset (in the decompressed stream for .gz)."""
from __future__ import annotations

import json
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError
from .dates import parse_published
from .files import BOMS, MAGIC, MAX_FILE_BYTES, DecodeWarning, check_article_size, decode, open_stream, read_bytes
from .raw import RawArticle

# One line of a JSON Lines file: an article at MAX_ARTICLE_CHARS (2M characters), written with
# JSON's \uXXXX escapes, fits with room for its other fields.
MAX_LINE_BYTES = 16 * 1024 * 1024

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


def read_json_lines(source: Path) -> Iterator[RawArticle | InputError]:
    """The records of a JSON Lines file, read line by line: a RawArticle per good record and
    an InputError per bad line (FILE:LINE, with its byte offset) or per broken stream (FILE,
    with the offset where reading stopped). A file that turns out not to be JSON Lines (a JSON
    array, one pretty-printed object, UTF-16 text, a binary file) is read whole as before,
    within MAX_FILE_BYTES."""
    name = str(source)
    try:
        stream = open_stream(source)
    except InputError as e:
        yield e
        return
    with stream:
        yield from _lines(name, source, stream)


def _lines(name: str, source: Path, stream: BinaryIO) -> Iterator[RawArticle | InputError]:
    offset, lineno, first = 0, 0, True
    while True:
        start, lineno = offset, lineno + 1
        try:
            line = stream.readline(MAX_LINE_BYTES + 1)
            offset += len(line)
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                offset += _skip_line(stream)
                yield InputError(f"{name}:{lineno}", f"line too long (over {MAX_LINE_BYTES:,} bytes, "
                                                     f"at byte offset {start:,}); skipped")
                continue
        except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
            yield InputError(name, f"line {lineno} at byte offset {start:,}: {_stream_problem(e)}; "
                                   "the rest of the file cannot be read")
            return
        if not line:
            break
        if not line.strip():
            continue
        if first:
            first = False
            if _not_lines(line, lineno == 1):
                yield from _whole(name, source)
                return
        where = f"{name}:{lineno}"
        try:
            record, notes = _parse_line(where, line, lineno == 1)
        except InputError as e:
            if lineno == 1 and line.lstrip().startswith(b"{"):  # perhaps one pretty-printed object
                whole = list(_whole(name, source, quiet=True))
                if whole:
                    yield from whole
                    return
            yield InputError(where, f"{e.problem} at byte offset {start:,}")
            continue
        try:
            raw = record_to_raw(where, record)
        except InputError as e:
            yield e
            continue
        if notes:
            raw.metadata["warnings"] = notes + raw.metadata.get("warnings", [])
        yield raw
    if first:
        yield InputError(name, "empty file")


def _not_lines(line: bytes, at_start: bool) -> bool:
    """Does the file's first non-blank line say it is not UTF-8 JSON Lines: a JSON array, or
    (at the file's start) UTF-16/32 with a byte-order mark or a binary format?"""
    return line.lstrip().startswith(b"[") or at_start and (
        any(line.startswith(bom) for bom, _ in BOMS) or any(line.startswith(magic) for magic in MAGIC))


def _parse_line(where: str, line: bytes, first: bool) -> tuple[object, list[str]]:
    """One line's JSON value and the notes of decoding it (a line that is not UTF-8 is decoded
    as files.decode decodes a file)."""
    notes: list[str] = []
    try:
        text = line.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DecodeWarning)
            text = decode(where, line)
        notes = [str(w.message) for w in caught if issubclass(w.category, DecodeWarning)]
    try:
        return json.loads(text), notes
    except (ValueError, RecursionError) as e:
        raise InputError(where, f"invalid JSON ({_reason(e)})") from None


def _skip_line(stream: BinaryIO) -> int:
    """Read past the rest of an over-long line, in bounded pieces; the bytes skipped."""
    skipped = 0
    while True:
        piece = stream.readline(1 << 20)
        skipped += len(piece)
        if not piece or piece.endswith(b"\n"):
            return skipped


def _whole(name: str, source: Path, quiet: bool = False) -> Iterator[RawArticle | InputError]:
    """The file read whole (within MAX_FILE_BYTES) by read_json, with its decoding notes on every
    record; quiet: nothing at all when it cannot be read whole (the caller goes on by line)."""
    try:
        if str(source).lower().endswith(".gz"):
            with open_stream(source) as stream:
                data = stream.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                raise InputError(name, f"not JSON Lines, and too large to read whole "
                                       f"(limit {MAX_FILE_BYTES // 1_000_000} MB)")
        else:
            data = read_bytes(source)[1]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DecodeWarning)
            text = decode(name, data)
        notes = [str(w.message) for w in caught if issubclass(w.category, DecodeWarning)]
        raws, errors = read_json(name, text)
    except (OSError, EOFError, zlib.error) as e:
        if not quiet:
            yield InputError(name, _stream_problem(e))
        return
    except InputError as e:
        if not quiet:
            yield e
        return
    if quiet and errors and not raws:
        return
    yield from errors
    for raw in raws:
        if notes:
            raw.metadata["warnings"] = notes + raw.metadata.get("warnings", [])
        yield raw


def _stream_problem(e: Exception) -> str:
    if isinstance(e, EOFError):
        return "truncated gzip stream (it ends before its end marker)"
    if isinstance(e, zlib.error) or type(e).__name__ == "BadGzipFile":
        return f"corrupt gzip stream ({e})"
    return f"cannot read file ({getattr(e, 'strerror', None) or e})"

"""WARC and WARC.gz archives (a crawl: Common Crawl's CC-News, a newsroom's own): every HTML
response record (HTTP 2xx, Content-Type text/html or application/xhtml+xml) is a page, read by
the HTML page reader with the record's WARC-Target-URI as its URL and its WARC-Date (else the
HTTP Date) as the date to fall back on when the page states none.

Records are streamed by fastwarc, one at a time, whatever the archive's size. Request,
metadata, warcinfo, revisit and non-HTML records and non-2xx responses are skipped silently.
A bad record (a corrupt or truncated gzip member, a malformed header, a body cut short, a
page that is no article) is one InputError naming the file and the record's byte offset in it
(`arch.warc.gz: record at offset 12345: ...`), and reading goes on at the next record that
can be found (the next gzip member that holds a WARC record, or the next WARC/1.x header
line in an uncompressed file)."""
from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError
from ..model import PartialDate
from .files import open_file
from .raw import RawArticle

# A page's HTTP body as stored (and again after decompression): html.MAX_HTML_CHARS (10M
# characters) of markup with room for multi-byte characters.
MAX_BODY_BYTES = 32 * 1024 * 1024
HTML_TYPES = {"text/html", "application/xhtml+xml"}
GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_LINE = re.compile(rb"\nWARC/1\.\d\r?\n")
SCAN_BYTES = 1 << 20  # the piece a resynchronising scan reads at a time


def read_warc(source: Path) -> Iterator[RawArticle | InputError]:
    """A RawArticle for each HTML page of the archive and an InputError for each bad record,
    in file order (the records as they come: nothing but the current one is in memory)."""
    from fastwarc.warc import ArchiveIterator

    name = str(source)
    try:
        f = open_file(source)
    except InputError as e:
        yield e
        return
    with f:
        head = f.read(3)
        if not head.strip():
            yield InputError(name, "empty file")
            return
        gzipped = head == GZIP_MAGIC
        start: int | None = 0
        while start is not None:
            f.seek(start)
            records = iter(ArchiveIterator(f, parse_http=True, auto_decode="none"))
            last = current = None  # offsets of the last whole record and of the one being read
            while True:
                try:
                    record = next(records)
                    current = record.stream_pos
                    page = _page(record)
                except StopIteration:
                    return
                except (OSError, ValueError, _CutShort) as e:  # fastwarc: a corrupt member, a malformed header
                    bad = current if current is not None and current != last else \
                        _after(f, last, gzipped) if last is not None else start
                    yield InputError(name, f"record at offset {bad}: {_problem(e)}")
                    start = _next_record(f, bad + 1, gzipped)
                    break
                last = current
                if page is not None:
                    yield from _read_page(name, current, page)


def _page(record) -> tuple[str, bytes, str, dict, PartialDate] | InputError | None:
    """(target URI, body, Content-Type, HTTP headers, crawl date) of an HTML 2xx response
    record, an InputError for one whose body cannot be had, None for a record to skip."""
    from fastwarc.warc import WarcRecordType

    status = record.http_headers.status_code if record.is_http else None
    content_type = record.http_headers.get("Content-Type") or "" if record.is_http else ""
    if record.record_type != WarcRecordType.response or status is None or not 200 <= status < 300 \
            or content_type.split(";", 1)[0].strip().lower() not in HTML_TYPES:
        skipped = record.consume()
        if skipped < record.content_length:
            raise _CutShort(f"truncated record: it ends after {skipped:,} of {record.content_length:,} bytes")
        return None
    uri = (record.headers.get("WARC-Target-URI") or "").strip().strip("<>")
    length = record.content_length
    if length > MAX_BODY_BYTES:
        return InputError("", f"page too large ({length:,} bytes, limit {MAX_BODY_BYTES:,}) ({uri})")
    body = record.reader.read(length)
    if len(body) < length:  # the file ends inside it, or its Content-Length runs over the next records
        raise _CutShort(f"truncated record: its body ends after {len(body):,} of {length:,} bytes ({uri})")
    return uri, body, content_type, dict(record.http_headers.items()), _crawl_date(record)


def _read_page(name: str, offset: int, page) -> Iterator[RawArticle | InputError]:
    """The page's RawArticle (its HTML read by html.read_html), or its InputError."""
    from .fetch import canonical_url, decode_body
    from .html import read_html

    if isinstance(page, InputError):
        yield InputError(name, f"record at offset {offset}: {page.problem}")
        return
    uri, body, content_type, headers, crawled = page
    try:
        body = _decoded(uri, body, {k.lower(): v for k, v in headers.items()})
        text, _, notes = decode_body(uri, body, content_type)
        url = canonical_url(uri) if uri else None
        raws = read_html(f"{name}:@{offset}", text, url)
    except InputError as e:
        yield InputError(name, f"record at offset {offset}: {e.problem}" + (f" ({uri})" if uri and uri not in str(e) else ""))
        return
    for raw in raws:
        raw.url = url or raw.url
        raw.fallback_date = crawled
        if crawled.precision != "unknown":
            raw.metadata["crawled"] = crawled.iso()
        if notes:
            raw.metadata["warnings"] = notes + raw.metadata.get("warnings", [])
        yield raw


def _decoded(uri: str, body: bytes, headers: dict[str, str]) -> bytes:
    """The body without its transfer and content encodings (chunked; gzip, deflate, br in
    bounded steps, as fetched pages are decompressed). A crawler that stored the body
    decoded but kept the header (its bytes already markup) is read as it is."""
    from fastwarc.stream_io import ChunkedReader

    from .fetch import FetchError, _decoder

    if "chunked" in headers.get("transfer-encoding", "").lower():
        try:
            body = ChunkedReader(io.BytesIO(body)).read()
        except OSError as e:
            if not body.lstrip().startswith(b"<"):
                raise InputError(uri, f"corrupt chunked body ({e})") from None
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity") or body.lstrip()[:1] == b"<":
        return body
    try:
        decoder = _decoder(uri, encoding, MAX_BODY_BYTES)
        decoder.feed(body)
        return decoder.finish()
    except FetchError as e:
        raise InputError(uri, e.problem) from None


def _crawl_date(record) -> PartialDate:
    """The record's WARC-Date, else its HTTP Date header, as a day."""
    for getter in (lambda: record.record_date, lambda: record.http_date):
        try:
            when = getter()
        except (ValueError, OSError, OverflowError):
            continue
        if isinstance(when, datetime):
            return PartialDate.from_date(when.date())
    return PartialDate()


class _CutShort(Exception):
    """A record whose body ends before its Content-Length: read on from the next record found."""


def _problem(e: Exception) -> str:
    message = str(e) or type(e).__name__
    if isinstance(e, _CutShort):
        return message
    if "gzip" in message.lower():
        return f"corrupt or truncated gzip member ({message})"
    return f"malformed record ({message})"


# -- finding records again after a bad one --------------------------------------------------
def _after(f: BinaryIO, offset: int, gzipped: bool) -> int:
    """Where the record after the (whole) one at offset begins: the end of its gzip member, or
    of its header block and Content-Length bytes and the two line breaks after them."""
    f.seek(offset)
    if gzipped:
        inflate, used = zlib.decompressobj(16 + zlib.MAX_WBITS), 0
        while not inflate.eof:
            piece = f.read(SCAN_BYTES)
            if not piece:
                break
            data = piece
            while data and not inflate.eof:  # output thrown away in bounded pieces
                inflate.decompress(data, SCAN_BYTES)
                data = inflate.unconsumed_tail
            used += len(piece) - len(inflate.unused_data) - len(data)
        return offset + used
    head = f.read(64 * 1024)
    end = head.find(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head[:end])
    if end < 0 or not length:
        return offset + 1
    f.seek(offset + end + 4 + int(length.group(1)))
    tail = f.read(4)
    return offset + end + 4 + int(length.group(1)) + len(tail) - len(tail.lstrip(b"\r\n"))


def _next_record(f: BinaryIO, offset: int, gzipped: bool) -> int | None:
    """The offset of the first record that begins at or after offset: a gzip member whose
    first bytes inflate to a WARC header, or a WARC/1.x line; None at the end of the file."""
    position = offset
    while True:
        f.seek(position)
        piece = f.read(SCAN_BYTES + 16)
        if not piece:
            return None
        if gzipped:
            i = piece.find(GZIP_MAGIC)
            while 0 <= i < SCAN_BYTES:
                if _holds_warc(f, position + i):
                    return position + i
                i = piece.find(GZIP_MAGIC, i + 1)
        else:
            m = WARC_LINE.search(piece)
            if m and m.start() < SCAN_BYTES:
                return position + m.start() + 1
        if len(piece) <= SCAN_BYTES:
            return None
        position += SCAN_BYTES


def _holds_warc(f: BinaryIO, offset: int) -> bool:
    f.seek(offset)
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(f.read(4096), 8).startswith(b"WARC/")
    except zlib.error:
        return False

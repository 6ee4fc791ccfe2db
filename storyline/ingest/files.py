"""Finding input files and turning their bytes into text, with clear errors
for what is not a text article (empty, binary, undecodable, unreadable).

Everything here assumes hostile input from the open web: a missing path, an
unreadable file or directory, or a symlink loop becomes one InputError for
that path (never an exception that stops the rest of the batch), and bytes
in any common encoding become text or a clear error.
"""
from __future__ import annotations

import codecs
import gzip
import os
import re
import stat
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError

MAX_FILE_BYTES = 64 * 1024 * 1024
# One article's text (after extraction, before cleaning). Real reports are a
# few thousand characters; a 50 MB "article" is a dump or an attack, and would
# hold the pipeline for minutes. Files of many records may be larger.
MAX_ARTICLE_CHARS = 2_000_000

# Leading bytes of formats that are never articles.
MAGIC = {
    b"%PDF": "PDF document",
    b"\x89PNG": "PNG image",
    b"GIF8": "GIF image",
    b"\xff\xd8\xff": "JPEG image",
    b"\x1f\x8b": "gzip archive",
    b"PK\x03\x04": "zip archive",
    b"BZh": "bzip2 archive",
    b"\xfd7zXZ": "xz archive",
    b"\x7fELF": "executable",
    b"RIFF": "RIFF media file",
    b"ID3": "MP3 audio",
    b"OggS": "Ogg media file",
    b"\x00\x00\x00": "binary file",
}

BOMS = [  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
]

SUFFIXES = {
    ".txt": "text", ".text": "text", ".md": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".json": "json", ".jsonl": "json", ".ndjson": "json",
    ".rss": "feed", ".atom": "feed", ".xml": "feed",
    ".jsonl.gz": "json", ".ndjson.gz": "json",
    ".warc": "warc", ".warc.gz": "warc",
}
# Files of many records, of any size: read record by record from a stream (never whole, and
# without MAX_FILE_BYTES), each bad record or line reported with its byte offset.
STREAMED = {".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".warc", ".warc.gz"}


class DecodeWarning(UserWarning):
    """Text was not UTF-8 and was decoded by detection."""


def walk(paths: list[str]) -> Iterator[Path | str]:
    """Files under the given paths (directories recursively, symlink loops
    visited once, hidden files and metadata sidecars skipped); '-' is stdin.

    A path that is missing or cannot be listed is yielded as it is, so that
    reading it reports the problem for that path and the others go on."""
    seen: set[str] = set()
    for p in paths:
        if p == "-":
            yield "-"
            continue
        path = Path(p)
        if path.is_dir():
            yield from _walk_dir(path, seen)
        else:
            yield path


def _walk_dir(root: Path, seen: set[str]) -> Iterator[Path]:
    real = os.path.realpath(root)
    if real in seen:
        return
    seen.add(real)
    try:
        entries = sorted(root.iterdir())
    except OSError:
        yield root  # read_bytes names the directory and why it cannot be listed
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name.endswith(".meta.json"):
            continue
        try:
            is_dir, is_file = entry.is_dir(), entry.is_file()
        except OSError:  # e.g. no permission to look at it: let read_bytes say so
            is_dir, is_file = False, kind_of(entry) is not None
        if is_dir:
            yield from _walk_dir(entry, seen)
        elif is_file and kind_of(entry) is not None:
            yield entry
        elif kind_of(entry) is not None and not entry.exists() and entry.is_symlink():
            yield entry  # a dangling link named like an article: say so


def suffix_of(path: Path) -> str:
    """A file's suffix, lower-cased; a known two-part one (.warc.gz, .jsonl.gz) whole."""
    double = "".join(path.suffixes[-2:]).lower()
    return double if len(path.suffixes) > 1 and double in SUFFIXES else path.suffix.lower()


def kind_of(path: Path) -> str | None:
    """Reader for a file by its suffix; None for files a directory walk skips."""
    return SUFFIXES.get(suffix_of(path))


def is_streamed(path: Path | str) -> bool:
    """Is this a file of many records, read from a stream (not '-', not read whole)?"""
    return path != "-" and suffix_of(Path(path)) in STREAMED


# What may come before a document's first element: an XML declaration, processing
# instructions, comments (a licence block), a DOCTYPE with its internal subset, white space.
PROLOG = re.compile(r"(?:\s|<\?.*?\?>|<!--.*?-->|<!doctype(?:[^\[>]|\[.*?\])*>)*", re.S | re.I)
FIRST_ELEMENT = re.compile(r"<([a-z][\w.:-]*)", re.I)
FEED_ROOTS = {"rss", "feed", "rdf:rdf"}
PAGE_ROOTS = {"html", "head", "body"}
SNIFF_CHARS = 256_000  # a prolog longer than this (a 50 KB DOCTYPE is the largest seen) is not looked past


def root_element(text: str) -> str | None:
    """The lower-cased name of a document's first element, past any prolog; None when the
    text does not start with markup (or its prolog is unterminated)."""
    head = text[:SNIFF_CHARS]
    m = FIRST_ELEMENT.match(head, PROLOG.match(head).end())
    return m.group(1).lower() if m else None


def sniff(text: str, declared: str | None) -> str:
    """The reader for a decoded text ("json", "feed", "html", "text"): the one place that
    weighs a file's suffix (declared, from kind_of; None for stdin or an unknown suffix)
    against its content. Feeds are known by their root element (<rss>, <feed>, <rdf:RDF>),
    pages by <html>/<head>/<body> or a DOCTYPE html, past any prolog."""
    if declared in ("json", "text"):
        return declared
    stripped = text.lstrip()
    if declared is None and stripped.startswith(("{", "[")):
        return "json"
    root = root_element(stripped)
    if root in FEED_ROOTS:
        return "feed"
    if root in PAGE_ROOTS or re.match(r"<!doctype\s+html", stripped[:100], re.I) or declared == "html":
        return "html"
    return "html" if root is not None else "text"


def read_bytes(source: Path | str) -> tuple[str, bytes]:
    """(name, bytes) of a file or of stdin."""
    if source == "-":
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise InputError("<stdin>", f"input too large (limit {MAX_FILE_BYTES // 1_000_000} MB)")
        return "<stdin>", data
    name = str(source)
    with open_file(source, MAX_FILE_BYTES) as f:
        try:
            return name, f.read(MAX_FILE_BYTES + 1)
        except OSError as e:
            raise _unreadable(source, e) from e


def open_file(source: Path | str, limit: int | None = None) -> BinaryIO:
    """A regular file opened for reading in binary; InputError naming the path when it is
    missing, a directory, a broken link, not a regular file, unreadable or (with limit)
    larger than limit bytes."""
    name = str(source)
    try:
        info = os.stat(source)
        if stat.S_ISDIR(info.st_mode):
            os.listdir(source)  # raises the reason it could not be walked
            raise InputError(name, "cannot list directory")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(name, "not a regular file")
        if limit is not None and info.st_size > limit:
            raise InputError(name, f"file too large ({info.st_size // 1_000_000} MB, "
                                   f"limit {limit // 1_000_000} MB)")
        return open(source, "rb")
    except OSError as e:
        raise _unreadable(source, e) from e


def open_stream(source: Path | str) -> BinaryIO:
    """A streamed file's bytes (decompressed as read for a .gz suffix), for reading record by
    record; InputError as open_file."""
    f = open_file(source)
    if not str(source).lower().endswith(".gz"):
        return f
    f.close()  # checked: gzip opens it again and closes it with the stream
    try:
        return gzip.open(source, "rb")
    except OSError as e:
        raise _unreadable(source, e) from e


def _unreadable(source: Path | str, e: OSError) -> InputError:
    name = str(source)
    if isinstance(e, FileNotFoundError):
        return InputError(name, "broken symbolic link" if os.path.islink(source) else "no such file or directory")
    what = "cannot list directory" if os.path.isdir(source) else "cannot read file"
    return InputError(name, f"{what} ({e.strerror or e})")


def check_article_size(where: str, text: str) -> None:
    """InputError for one article's text beyond MAX_ARTICLE_CHARS."""
    if len(text) > MAX_ARTICLE_CHARS:
        raise InputError(where, f"article text too long ({len(text):,} characters, "
                                f"limit {MAX_ARTICLE_CHARS:,})")


def decode(name: str, data: bytes) -> str:
    """Bytes -> str: UTF-8 (with or without BOM), UTF-16/32 with BOM, UTF-8
    mixed with cp1252, cp1252/latin-1, else a detected legacy encoding (with a
    warning naming the file). NUL bytes in text survive here and are removed
    by cleaning."""
    if not data.strip():
        raise InputError(name, "empty file")
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as e:
                raise InputError(name, f"invalid {codec.upper()} text") from e
    for magic, what in MAGIC.items():
        if data.startswith(magic):
            raise InputError(name, f"binary file ({what}), not a text article")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if data.count(b"\x00") > len(data) // 100:
        raise InputError(name, "binary file (contains NUL bytes), not a text article")
    text = _utf8_with_cp1252(data) if UTF8_SEQUENCE.search(data) else None
    if text is not None:
        warnings.warn(f"{name}: mixed encodings, decoded as UTF-8 with cp1252", DecodeWarning, stacklevel=2)
        return text
    text = _western(data)
    if text is not None:
        warnings.warn(f"{name}: not UTF-8, decoded as cp1252", DecodeWarning, stacklevel=2)
        return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputError(name, "binary or undecodable file, not a text article")
    warnings.warn(f"{name}: not UTF-8, decoded as {best.encoding}", DecodeWarning, stacklevel=2)
    return str(best)


# A well-formed multi-byte UTF-8 character.
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
# What cp1252 bytes 0x80-0xFF decode to in Western-European news text:
# accented letters and typographic punctuation. Anything else (superscripts,
# fractions, odd symbols) means the bytes are some other encoding.
WESTERN = set("ŒœŠšŽžŸƒ‚„…†‡‰‹›‘’“”•–—™€\u00a0\u00ad¡¢£¥§¨©«®°±´·»¿ªº") | {chr(c) for c in range(0xC0, 0x100)}
STRAY_BYTES = re.compile("[\udc80-\udcff]+")


def _western(data: bytes) -> str | None:
    """data as cp1252 (a superset of latin-1 for printable text, and the most
    common legacy encoding on the web) if it reads as Western text."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    return text if _is_western([ch for ch in text if ord(ch) >= 0x80], text) else None


def _utf8_with_cp1252(data: bytes) -> str | None:
    """UTF-8 whose stray non-UTF-8 bytes are cp1252 (text pasted together from
    two sources); None if those bytes do not read as Western text."""
    text = data.decode("utf-8-sig", errors="surrogateescape")  # stray byte b -> U+DC00+b
    strays = [bytes(ord(ch) - 0xDC00 for ch in m.group()).decode("cp1252", errors="replace")
              for m in STRAY_BYTES.finditer(text)]
    if not _is_western([ch for piece in strays for ch in piece], text):
        return None
    pieces = iter(strays)
    return STRAY_BYTES.sub(lambda m: next(pieces), text)


def _is_western(decoded: list[str], text: str) -> bool:
    """The characters decoded from bytes >= 0x80 are all Western, and accented
    letters are a minority of the letters in text (Cyrillic or Greek bytes
    read as cp1252 come out as nothing but accented letters)."""
    if not all(ch in WESTERN for ch in decoded):
        return False
    return sum(ch.isalpha() for ch in decoded) <= 0.3 * sum(ch.isalpha() for ch in text)

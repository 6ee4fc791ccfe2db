"""Finding input files and turning their bytes into text, with clear errors
for what is not a text article (empty, binary, undecodable)."""
from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError

MAX_FILE_BYTES = 64 * 1024 * 1024

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

SUFFIXES = {
    ".txt": "text", ".text": "text", ".md": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".json": "json", ".jsonl": "json", ".ndjson": "json",
    ".rss": "feed", ".atom": "feed", ".xml": "feed",
}


class DecodeWarning(UserWarning):
    """Text was not UTF-8 and was decoded by detection."""


def walk(paths: list[str]) -> Iterator[Path | str]:
    """Files under the given paths (directories recursively, symlink loops
    visited once, hidden files and metadata sidecars skipped); '-' is stdin."""
    seen: set[str] = set()
    for p in paths:
        if p == "-":
            yield "-"
            continue
        path = Path(p)
        if not path.exists():
            raise InputError(p, "no such file or directory")
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
    except OSError as e:
        raise InputError(str(root), f"cannot list directory ({e.strerror})") from e
    for entry in entries:
        if entry.name.startswith(".") or entry.name.endswith(".meta.json"):
            continue
        if entry.is_dir():
            yield from _walk_dir(entry, seen)
        elif entry.is_file() and kind_of(entry) is not None:
            yield entry


def kind_of(path: Path) -> str | None:
    """Reader for a file by its suffix; None for files a directory walk skips."""
    return SUFFIXES.get(path.suffix.lower())


def read_bytes(source: Path | str) -> tuple[str, bytes]:
    """(name, bytes) of a file or of stdin."""
    if source == "-":
        return "<stdin>", sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    name = str(source)
    try:
        size = os.path.getsize(source)
        if size > MAX_FILE_BYTES:
            raise InputError(name, f"file too large ({size // 1_000_000} MB, limit {MAX_FILE_BYTES // 1_000_000} MB)")
        with open(source, "rb") as f:
            return name, f.read()
    except OSError as e:
        raise InputError(name, f"cannot read file ({e.strerror})") from e


def decode(name: str, data: bytes) -> str:
    """Bytes -> str: UTF-8 (with or without BOM), UTF-16 with BOM, else a
    detected legacy encoding (with a warning naming the file)."""
    if not data.strip():
        raise InputError(name, "empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise InputError(name, "invalid UTF-16 text") from e
    for magic, what in MAGIC.items():
        if data.startswith(magic):
            raise InputError(name, f"binary file ({what}), not a text article")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if data.count(b"\x00") > len(data) // 100:
        raise InputError(name, "binary file (contains NUL bytes), not a text article")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputError(name, "binary or undecodable file, not a text article")
    warnings.warn(f"{name}: not UTF-8, decoded as {best.encoding}", DecodeWarning, stacklevel=2)
    return str(best)

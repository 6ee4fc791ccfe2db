"""Uploaded files -> the ingest pipeline, with one result per uploaded file.

Client file names are never used as paths: each file is written under a
fresh temporary folder with a name reduced to [A-Za-z0-9._-], and the
articles it yields are recorded as coming from "upload:NAME".
"""
from __future__ import annotations

import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..ingest import ingest
from ..model import Article
from ..store import Store

SIDECAR = ".meta.json"  # metadata for the text file of the same stem (see ingest.text)


@dataclass
class Upload:
    client_name: str
    data: bytes


@dataclass
class FileResult:
    name: str  # the sanitised name, as shown back to the user
    added: list[dict] = field(default_factory=list)  # {id, title, story_id}
    known: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    note: str | None = None

    def to_json(self) -> dict:
        return {"name": self.name, "added": self.added, "known": self.known, "errors": self.errors,
                "note": self.note}


def safe_name(client_name: str) -> str:
    """The last path component of a client's file name, reduced to safe characters."""
    base = re.split(r"[\\/]", client_name or "")[-1]
    base = unicodedata.normalize("NFKC", base)
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._-")[:100]
    return base or "upload"


def ingest_uploads(store: Store, uploads: list[Upload], published=None) -> list[FileResult]:
    """Store the articles of the uploaded files and put new ones into stories."""
    from ..stories.cluster import assign_stories

    with tempfile.TemporaryDirectory(prefix="storyline-upload-") as tmp:
        folder = Path(tmp)
        saved: list[tuple[Path, FileResult]] = []
        used: set[str] = set()
        for upload in uploads:
            name = _unique(safe_name(upload.client_name), used)
            path = folder / name
            path.write_bytes(upload.data)
            saved.append((path, FileResult(name)))

        readable = [(p, r) for p, r in saved if not p.name.endswith(SIDECAR)]
        for p, r in saved:
            if p.name.endswith(SIDECAR):
                stem = p.name[: -len(SIDECAR)]
                paired = any(q.stem == stem for q, _ in readable)
                r.note = "metadata sidecar, applied to its text file" if paired else None
                if not paired:
                    r.errors.append(f"{r.name}: metadata sidecar without its text file ({stem}.txt) in this upload")

        def owner(source: str) -> tuple[Path, FileResult] | None:
            # A source is the saved path, or the path plus ':LINE' (JSON Lines) or '#N' (feeds).
            for p, r in saved:
                if source == str(p) or source.startswith(str(p)) and source[len(str(p))] in ":#":
                    return p, r
            return None

        from_file: dict[int, FileResult] = {}  # id(article) -> the file it came from

        def relabel(item: Article | InputError) -> None:
            # Runs before the article is stored: record its upload name, not the temp path.
            if isinstance(item, Article):
                found = owner(item.source)
                if found:
                    item.source = "upload:" + found[1].name + item.source[len(str(found[0])):]
                    from_file[id(item)] = found[1]

        report = ingest([str(p) for p, _ in readable], store, published=published, on_article=relabel) \
            if readable else None

    if report is None:
        return [r for _, r in saved]
    # Known articles keep their story; ones stored before stories existed get one now.
    stories = assign_stories(store, report.articles) if report.articles else {}
    for bucket, articles in (("added", report.added), ("known", report.known)):
        for a in articles:
            result = from_file.get(id(a))
            if result is not None:
                getattr(result, bucket).append({"id": a.id, "title": a.title, "story_id": stories.get(a.id)})
    for e in report.errors:
        found = owner(e.source)
        if found:
            result = found[1]
            result.errors.append(f"{result.name}{e.source[len(str(found[0])):]}: {e.problem}")
        else:  # not expected: every source is one of the saved files
            saved[0][1].errors.append(f"{safe_name(e.source)}: {e.problem}")
    for p, r in readable:
        if not (r.added or r.known or r.errors):
            r.errors.append(f"{r.name}: no articles found")
    return [r for _, r in saved]


def _unique(name: str, used: set[str]) -> str:
    stem, dot, suffix = name.partition(".")
    candidate, n = name, 2
    while candidate.lower() in used:
        candidate = f"{stem}-{n}{dot}{suffix}"
        n += 1
    used.add(candidate.lower())
    return candidate

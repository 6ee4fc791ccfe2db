"""Uploaded files -> the pipeline's ingest, with one result per uploaded file.

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

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.formparsers import MultiPartException

from ..errors import InputError
from ..ingest.dates import EARLIEST_YEAR, date_problem
from ..ingest.files import SUFFIXES, kind_of
from ..model import Article, PartialDate
from ..pipeline import Pipeline

SIDECAR = ".meta.json"  # metadata for the text file of the same stem (see ingest.text)
MAX_FILES = 200


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


SavedFile = tuple[Path, FileResult]


async def handle_upload(request: Request, pipeline: Pipeline, limit: int) -> tuple[dict, int]:
    """Read the upload within limit bytes, ingest it off the event loop, and answer
    (summary, status): 422 when no file gave an article."""
    uploads, published = await read_upload(request, limit)
    files = await run_in_threadpool(ingest_uploads, pipeline, uploads, published)
    summary = {
        "files": [f.to_json() for f in files],
        "added": sum(len(f.added) for f in files),
        "known": sum(len(f.known) for f in files),
        "errors": sum(len(f.errors) for f in files),
        "stories": sorted({a["story_id"] for f in files for a in f.added + f.known if a["story_id"]}),
    }
    watch = request.app.state.web.watch
    if watch is not None:  # serve --watch: the stories the upload changed get their briefs built too
        await run_in_threadpool(watch.queue_briefs, sorted({a["story_id"] for f in files for a in f.added
                                                            if a["story_id"]}))
    nothing_read = not summary["added"] and not summary["known"]
    return summary, 422 if nothing_read else 200


async def bounded_form(request: Request, limit: int, files: str | None = "files", max_files: int = MAX_FILES,
                       max_fields: int = 20):
    """The request's form, read within limit bytes (413 past it, counted as the body arrives:
    Content-Length may be absent or lie); files: the multipart field a form of files must be
    sent as (415 otherwise), None for a form of fields (urlencoded or multipart)."""
    too_big = HTTPException(413, f"upload larger than the limit of {limit / 1_000_000:g} MB per request")
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise HTTPException(400, "invalid Content-Length header")
        if int(length) > limit:
            raise too_big
    content_type = request.headers.get("content-type", "")
    if files is not None and not content_type.startswith("multipart/form-data"):
        raise HTTPException(415, f"send files as multipart/form-data (field '{files}')")
    if files is None and not content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        raise HTTPException(415, "send a form (application/x-www-form-urlencoded or multipart/form-data)")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_big

    async def replay():
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    try:
        return await Request(request.scope, replay).form(max_files=max_files, max_fields=max_fields)
    except MultiPartException as e:
        raise HTTPException(400, f"bad upload: {e.message}") from None


async def read_upload(request: Request, limit: int) -> tuple[list[Upload], PartialDate | None]:
    """The files of a multipart upload and its 'published' date, refused (413) past limit bytes."""
    form = await bounded_form(request, limit)
    published = None
    if form.get("published"):
        try:
            published = PartialDate.parse(str(form.get("published")))
        except ValueError as e:
            raise HTTPException(422, f"published: {e}") from None
        problem = date_problem(published)
        if problem or published.year is None:
            raise HTTPException(422, f"published: {problem or 'no year'} ({str(form.get('published'))[:40]!r}; "
                                     f"dates run from {EARLIEST_YEAR} to tomorrow)")
    uploads = [Upload(f.filename or "upload", await f.read()) for f in form.getlist("files")
               if not isinstance(f, str)]
    if not uploads:
        raise HTTPException(400, "no files uploaded (multipart field 'files')")
    return uploads, published


def ingest_uploads(pipeline: Pipeline, uploads: list[Upload], published=None) -> list[FileResult]:
    """Store the articles of the uploaded files, placed into stories; one result per file."""
    with tempfile.TemporaryDirectory(prefix="storyline-upload-") as tmp:
        saved = save_uploads(Path(tmp), uploads)
        readable = [(p, r) for p, r in saved if not p.name.endswith(SIDECAR) and article_type(p, r)]
        note_sidecars(saved, readable)
        from_file: dict[int, FileResult] = {}  # id(article) -> the file it came from

        def relabel(item: Article | InputError) -> None:
            # Runs before the article is stored: record its upload name, not the temp path.
            found = owner_of(item.source, saved) if isinstance(item, Article) else None
            if found:
                item.source = "upload:" + found[1].name + item.source[len(str(found[0])):]
                from_file[id(item)] = found[1]

        report = pipeline.ingest([str(p) for p, _ in readable], published=published, on_article=relabel) \
            if readable else None

    if report is not None:
        # Known articles keep their story; ones stored before stories existed get one now.
        stories = pipeline.place(report.articles) if report.articles else {}
        for bucket, articles in (("added", report.added), ("known", report.known)):
            for a in articles:
                if id(a) in from_file:
                    getattr(from_file[id(a)], bucket).append({"id": a.id, "title": a.title,
                                                              "story_id": stories.get(a.id)})
        for e in report.errors:
            found = owner_of(e.source, saved)
            if found:
                found[1].errors.append(f"{found[1].name}{e.source[len(str(found[0])):]}: {e.problem}")
            else:  # not expected: every source is one of the saved files
                saved[0][1].errors.append(f"{safe_name(e.source)}: {e.problem}")
    for _, r in readable:
        if not (r.added or r.known or r.errors):
            r.errors.append(f"{r.name}: no articles found")
    return [r for _, r in saved]


def article_type(path: Path, result: FileResult) -> bool:
    """Is the file named as an article type (.txt, .html, .json/.jsonl, .rss/.atom/.xml...)?
    Anything else (storm.exe, a name without a suffix) is named in its result and not read."""
    if kind_of(path) is not None:
        return True
    suffix = path.suffix or "no suffix"
    kinds = ", ".join(sorted(SUFFIXES))
    result.errors.append(f"{result.name}: not an article file type ({suffix}); send one of {kinds}")
    return False


def save_uploads(folder: Path, uploads: list[Upload]) -> list[SavedFile]:
    """Each upload written under folder with a safe, unique name."""
    saved, used = [], set()
    for upload in uploads:
        name = _unique(safe_name(upload.client_name), used)
        path = folder / name
        path.write_bytes(upload.data)
        saved.append((path, FileResult(name)))
    return saved


def note_sidecars(saved: list[SavedFile], readable: list[SavedFile]) -> None:
    """A metadata sidecar is applied to its text file by the ingest; one without it is an error."""
    for p, r in saved:
        if p.name.endswith(SIDECAR):
            stem = p.name[: -len(SIDECAR)]
            if any(q.stem == stem for q, _ in readable):
                r.note = "metadata sidecar, applied to its text file"
            else:
                r.errors.append(f"{r.name}: metadata sidecar without its text file ({stem}.txt) in this upload")


def owner_of(source: str, saved: list[SavedFile]) -> SavedFile | None:
    """The saved file an article or error source comes from: its path, or the path plus
    ':LINE' (JSON Lines) or '#N' (feeds)."""
    for p, r in saved:
        if source == str(p) or source.startswith(str(p)) and source[len(str(p))] in ":#":
            return p, r
    return None


def safe_name(client_name: str) -> str:
    """The last path component of a client's file name, reduced to safe characters."""
    base = re.split(r"[\\/]", client_name or "")[-1]
    base = unicodedata.normalize("NFKC", base)
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._-")[:100]
    return base or "upload"


def _unique(name: str, used: set[str]) -> str:
    stem, dot, suffix = name.partition(".")
    candidate, n = name, 2
    while candidate.lower() in used:
        candidate = f"{stem}-{n}{dot}{suffix}"
        n += 1
    used.add(candidate.lower())
    return candidate

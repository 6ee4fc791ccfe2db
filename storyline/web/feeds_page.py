"""The feeds page (/feeds): each followed feed's health at a glance (the rows of `storyline
feeds --json`, storyline/feeds.py), a form to follow a feed by URL, a button per feed to stop
following it, and an OPML import (a file upload, bounded as the article uploads are). The
forms post to /feeds/add, /feeds/remove and /feeds/import and are answered with the page and
a line saying what was done; the request guard (web/guard.py) refuses them from other sites.
GET /api/feeds is the same listing as JSON.

With `serve --watch` a feed added here is polled at once (the watcher is woken); without it
the page says how to poll them (`storyline watch`)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from ..errors import InputError, StorylineError
from ..feeds import add_feeds, feed_rows, import_opml, remove_feed
from .deps import StateDep, StoreDep, render_page
from .pages import is_web_url
from .uploads import bounded_form, safe_name

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
api_router = APIRouter(prefix="/api")
FORM_LIMIT = 64_000  # bytes of an add or remove form: a URL and a category
MAX_URL = 2_000


@router.get("/feeds")
def feeds_page(request: Request, state: StateDep, store: StoreDep):
    return _page(request, state, store)


@router.post("/feeds/add")
async def add_feed_form(request: Request, state: StateDep, store: StoreDep):
    form = await bounded_form(request, FORM_LIMIT, files=None, max_files=0)
    url = _field(form, "url")
    if not url:
        return await _answer(request, state, store, errors=["give the feed's URL (http:// or https://)"])
    category = _field(form, "category") or None
    added, known, errors = await run_in_threadpool(add_feeds, store, [url], category)
    if added and state.watch is not None:
        state.watch.wake()  # polled now, not at the watcher's next look
    done = [f"{u}: followed" + (" (polled now)" if state.watch is not None else "") for u in added] + \
        [f"{u}: already followed" for u in known]
    return await _answer(request, state, store, done, [str(e) for e in errors])


@router.post("/feeds/remove")
async def remove_feed_form(request: Request, state: StateDep, store: StoreDep):
    form = await bounded_form(request, FORM_LIMIT, files=None, max_files=0)
    url = _field(form, "url")
    try:
        await run_in_threadpool(remove_feed, store, url)
    except StorylineError as e:
        return await _answer(request, state, store, errors=[str(e)], status=404)
    return await _answer(request, state, store, [f"{url}: no longer followed (its articles stay)"])


@router.post("/feeds/import")
async def import_feeds_form(request: Request, state: StateDep, store: StoreDep):
    form = await bounded_form(request, state.max_upload_bytes, files="file", max_files=1, max_fields=5)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise HTTPException(400, "no file uploaded (multipart field 'file': an OPML file)")
    name, data = safe_name(upload.filename or "feeds.opml"), await upload.read()
    try:
        added, known, errors = await run_in_threadpool(import_upload, store, name, data)
    except StorylineError as e:
        return await _answer(request, state, store, errors=[str(e)])
    if added and state.watch is not None:
        state.watch.wake()
    done = [f"{name}: {len(added)} feeds followed, {len(known)} already followed"]
    return await _answer(request, state, store, done, [str(e) for e in errors])


@api_router.get("/feeds", tags=["feeds"])
def api_feeds(store: StoreDep):
    """The followed feeds: the same as `storyline feeds --json` (times in ISO 8601 UTC)."""
    return feed_rows(store)


def import_upload(store, name: str, data: bytes) -> tuple[list[str], list[str], list[InputError]]:
    """import_opml of uploaded bytes, its messages naming 'upload:NAME', never the server's folders."""
    with tempfile.TemporaryDirectory(prefix="storyline-opml-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        label = "upload:" + name
        try:
            added, known, errors = import_opml(store, path)
        except StorylineError as e:
            raise StorylineError(str(e).replace(str(path), label)) from None
        return added, known, [InputError(e.source.replace(str(path), label), e.problem) for e in errors]


def _field(form, name: str) -> str:
    value = form.get(name)
    if value is not None and not isinstance(value, str):
        raise HTTPException(400, f"{name}: expected a text field, not a file")
    value = (value or "").strip()
    if len(value) > MAX_URL:
        raise HTTPException(422, f"{name}: longer than {MAX_URL} characters")
    return value


async def _answer(request: Request, state, store, done: list[str] = (), errors: list[str] = (),
                  status: int | None = None):
    status = status or (422 if errors and not done else 200)
    return await run_in_threadpool(_page, request, state, store, list(done), list(errors), status)


def _page(request: Request, state, store, done: list[str] = (), errors: list[str] = (), status: int = 200):
    rows = feed_rows(store)
    for row in rows:
        row["link"] = row["url"] if is_web_url(row["url"]) else None
        row["health"] = "gone" if row["gone"] else "new" if row["last_poll"] is None else \
            "failing" if row["last_error"] else "ok"
    health = {name: sum(r["health"] == name for r in rows) for name in ("ok", "failing", "new", "gone")}
    watch = state.watch
    interval = watch.interval / 60.0 if watch is not None else None
    return render_page(request, "feeds.html", status, feeds=rows, health=health, done=done, errors=errors,
                       interval=interval, max_mb=state.max_upload_bytes / 1_000_000)

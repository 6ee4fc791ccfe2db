"""The local web app and JSON API over the store.

    create_app(db_path)              # a FastAPI app (used by tests and by serve)
    create_app(db_path, watch=Service(db_path, ...))   # with the feed watcher (serve --watch)
    serve(host, port, db)            # `storyline serve`

With watch (storyline/watch.Service), the watcher and the brief rebuild run on background
threads started and stopped with the app's lifespan; they open Stores of their own, as each
request does (SQLite WAL: readers are not blocked by their writes).

The routes are module-level handlers (web/pages.py, web/api.py) over the pipeline;
what they are given per request (a Store, the story or article named, a Pipeline)
is in web/deps.py, the Host/Origin guard in web/guard.py, error answers in
web/errors.py. Static files are served from this package, nothing from a CDN.
"""
from __future__ import annotations

import ipaddress
import sys
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware

from .. import __version__
from ..settings import DEFAULT_SETTINGS
from ..store import default_db_path
from . import api, feeds_page, pages
from .deps import AppState
from .errors import HANDLERS
from .feed import router as feed_router  # GET /feed.atom
from .guard import request_guard
from .present import make_templates

STATIC = Path(__file__).parent / "static"


def create_app(db_path: str | Path | None = None, max_upload_bytes: int = 20_000_000,
               allowed_hosts: list[str] | None = None, watch=None, live_poll_seconds: float = 10.0) -> FastAPI:
    """allowed_hosts: Host header values served (None: any); serve() limits a
    loopback server to loopback names, so a web page on another site cannot
    reach it through DNS rebinding. watch: a storyline.watch.Service run for the
    app's lifetime. live_poll_seconds: how often the stories page asks whether the
    list changed."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if watch is not None:
            watch.start()
        try:
            yield
        finally:
            if watch is not None:  # the feed and the brief batch in hand finish, off the event loop
                await run_in_threadpool(watch.stop)

    app = FastAPI(title="storyline", summary="Cited briefs of news stories, over a local store.",
                  version=__version__, exception_handlers=HANDLERS, lifespan=lifespan,
                  docs_url=None, redoc_url=None)  # /docs is pages.api_docs_page: no CDN
    app.state.web = AppState(db_path, max_upload_bytes, make_templates(), DEFAULT_SETTINGS, watch,
                             live_poll_seconds)
    app.add_middleware(BaseHTTPMiddleware, dispatch=request_guard(allowed_hosts))
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.include_router(feed_router)
    app.include_router(pages.router)
    app.include_router(feeds_page.router)
    app.include_router(api.router)
    app.include_router(feeds_page.api_router)
    return app


def serve(host: str = "127.0.0.1", port: int = 8000, db: str | Path | None = None, max_upload_mb: float = 20,
          watch=None) -> None:
    """Run the app with uvicorn; warns when it is reachable from other machines."""
    import uvicorn

    local = is_loopback(host)
    if not local:
        print(f"storyline: warning: serving on {host}, reachable from other machines; the app has no "
              "login and anyone who can reach it can read and add articles", file=sys.stderr)
    app = create_app(db, max_upload_bytes=int(max_upload_mb * 1_000_000),
                     allowed_hosts=["127.0.0.1", "localhost", "::1"] if local else None, watch=watch)
    watching = f", watching feeds every {watch.interval / 60:g} min" if watch is not None else ""
    print(f"storyline: serving {serve_url(host, port)} (database {Path(db) if db else default_db_path()}"
          f"{watching}); Ctrl+C to stop", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def serve_url(host: str, port: int) -> str:
    """The address to open in a browser ('::1' in brackets)."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

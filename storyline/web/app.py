"""The local web app and JSON API over the store.

    create_app(db_path)              # a FastAPI app (used by tests and by serve)
    serve(host, port, db)            # `storyline serve`

Pages are rendered on the server with Jinja2 (autoescape on: every piece of
article-derived text is escaped); static files are served from this package,
nothing from a CDN. The JSON of a story's brief is brief_to_json, the schema
of `storyline brief --format json`.

Each request opens its own Store: sqlite3 connections stay in one thread, and
a short-lived connection sees what other processes (the CLI) wrote. Story,
brief and NLP modules are imported on first use: scikit-learn, torch and
spaCy take seconds to import, which `storyline serve --help` need not wait for.
"""
from __future__ import annotations

import ipaddress
import math
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from ..errors import StorylineError
from ..model import Article, Brief, PartialDate
from ..report.render import brief_to_json, date_label, quotes_by_speaker
from ..store import Store
from . import queries
from .present import article_paragraphs, cite_links, citation_href, source_matrix
from .timeline_chart import timeline_chart
from .uploads import Upload, ingest_uploads

HERE = Path(__file__).parent
# Ids are hex (articles) or hex-like (stories); anything else, "../" and "%"
# (a LIKE wildcard in prefix lookups) included, is refused before any query.
ID = re.compile(r"^[0-9A-Za-z-]{1,64}$")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
PER_PAGE = 20
MAX_FILES = 200


def create_app(db_path: str | Path | None = None, max_upload_bytes: int = 20_000_000,
               allowed_hosts: list[str] | None = None) -> FastAPI:
    """allowed_hosts: Host header values served (None: any); serve() limits a
    loopback server to loopback names, so a web page on another site cannot
    reach it through DNS rebinding."""
    app = FastAPI(title="storyline", summary="Cited briefs of news stories, over a local store.",
                  version=_version())
    app.state.db_path = db_path
    app.state.max_upload_bytes = max_upload_bytes
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.autoescape = True  # also for any non-.html template name
    templates.env.trim_blocks = templates.env.lstrip_blocks = True
    templates.env.globals.update(cite_links=cite_links, citation_href=citation_href)
    templates.env.filters["date"] = date_label
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    hosts = None if allowed_hosts is None else {h.lower().strip("[]") for h in allowed_hosts}

    @app.middleware("http")
    async def guard(request: Request, call_next):
        """Only the expected Host names, and no writes from other sites: a page
        elsewhere may make the browser POST a form here (forms get no CORS
        preflight), so a write's Origin, when sent, must be this server."""
        host = request.headers.get("host", "")
        if hosts is not None and (urlsplit("//" + host).hostname or "") not in hosts:
            return JSONResponse({"detail": "unexpected Host header"}, status_code=400)
        origin = request.headers.get("origin")
        if request.method not in ("GET", "HEAD", "OPTIONS") and origin is not None \
                and urlsplit(origin).netloc != host:
            return JSONResponse({"detail": "cross-site request refused"}, status_code=403)
        return await call_next(request)

    @contextmanager
    def open_store():
        with Store(app.state.db_path) as store:
            yield store

    def page(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    # -- errors: JSON under /api, a page elsewhere --------------------------------
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/api/") or request.url.path == "/api":
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return page(request, "error.html", exc.status_code, status=exc.status_code, detail=exc.detail)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}" for e in exc.errors()]
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": problems}, status_code=422)
        return page(request, "error.html", 422, status=422, detail="; ".join(problems))

    # -- shared lookups -------------------------------------------------------------
    def story_or_404(store: Store, story_id: str) -> tuple[dict, list[Article]]:
        from ..stories.cluster import list_stories, resolve_story, story_articles

        if not ID.match(story_id):
            raise HTTPException(404, "no such story")
        try:
            full_id = resolve_story(store, story_id)
        except StorylineError:
            raise HTTPException(404, "no such story") from None
        meta = next((s for s in list_stories(store) if s["id"] == full_id), None)
        if meta is None:  # a story left without articles
            raise HTTPException(404, "no such story")
        return meta, story_articles(store, full_id)

    def article_or_404(store: Store, article_id: str) -> Article:
        if not ID.match(article_id):
            raise HTTPException(404, "no such article")
        try:
            return store.get_article(article_id)
        except StorylineError:
            raise HTTPException(404, "no such article") from None

    def brief_of(store: Store, meta: dict, articles: list[Article]) -> Brief:
        from ..report.build import cached_brief

        return cached_brief(store, articles, story_id=meta["id"])

    def story_list(store: Store, q: str | None, outlet: str | None, date_from: str | None,
                   date_to: str | None, page_no: int, per_page: int) -> dict:
        from ..stories.cluster import list_stories

        for name, value in (("date_from", date_from), ("date_to", date_to)):
            if value and not DATE.match(value):
                raise HTTPException(422, f"{name}: expected YYYY, YYYY-MM or YYYY-MM-DD")
        keep = queries.matching_story_ids(store, q, outlet)
        stories = [s for s in list_stories(store) if keep is None or s["id"] in keep]
        if date_from or date_to:
            stories = [s for s in stories if _overlaps(s, date_from, date_to)]
        pages = max(1, math.ceil(len(stories) / per_page))
        shown = stories[(page_no - 1) * per_page: page_no * per_page]
        return {"total": len(stories), "page": page_no, "pages": pages, "per_page": per_page, "stories": shown}

    # -- pages ----------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def stories_page(request: Request, q: str | None = Query(None, max_length=300),
                     outlet: str | None = Query(None, max_length=200), date_from: str | None = None,
                     date_to: str | None = None, page_no: int = Query(1, ge=1, alias="page")):
        with open_store() as store:
            listing = story_list(store, q, outlet, date_from or None, date_to or None, page_no, PER_PAGE)
            hits = queries.search_articles(store, q, limit=10)[1] if q else []
            return page(request, "stories.html", **listing, hits=hits, q=q or "", outlet=outlet or "",
                        date_from=date_from or "", date_to=date_to or "", outlets=queries.outlets(store),
                        articles_stored=store.count_articles())

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_page(request: Request, story_id: str):
        with open_store() as store:
            meta, articles = story_or_404(store, story_id)
            brief = brief_of(store, meta, articles)
            by_article = {a.id: a for a in articles}
            columns, rows = source_matrix(brief)

            def first_link(entry: dict) -> str | None:
                cites = entry.get("citations") or []
                return citation_href(cites[0]) if cites else None

            return page(request, "story.html", story=meta, brief=brief, articles=by_article,
                        quotes_by_speaker=quotes_by_speaker(brief.quotes),
                        chart=timeline_chart(brief.timeline, first_link),
                        matrix_columns=columns, matrix_rows=rows,
                        outlets=queries.story_outlets(store, meta["id"]))

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: str, s: int | None = Query(None, ge=0)):
        with open_store() as store:
            article = article_or_404(store, article_id)
            entities, quotes = _article_marks(store, article)
            return page(request, "article.html", article=article,
                        paragraphs=article_paragraphs(article, entities, quotes, highlight=s),
                        highlighted=s, stories=queries.stories_of_article(store, article.id),
                        entity_labels=sorted({label for _, _, label in entities}),
                        safe_url=article.url if _is_web_url(article.url) else None)

    @app.get("/ingest", response_class=HTMLResponse, include_in_schema=False)
    def ingest_page(request: Request):
        return page(request, "ingest.html", max_mb=app.state.max_upload_bytes / 1_000_000, results=None)

    @app.post("/ingest", response_class=HTMLResponse, include_in_schema=False)
    async def ingest_form(request: Request):
        """The upload form without JavaScript: same work as /api/ingest, answered with a page."""
        results, status = await _ingest_request(request)
        return page(request, "ingest.html", status, max_mb=app.state.max_upload_bytes / 1_000_000,
                    results=results)

    # -- JSON API -------------------------------------------------------------------
    @app.get("/api/stories", tags=["stories"])
    def api_stories(q: str | None = Query(None, max_length=300), outlet: str | None = Query(None, max_length=200),
                    date_from: str | None = None, date_to: str | None = None,
                    page_no: int = Query(1, ge=1, alias="page"), per_page: int = Query(PER_PAGE, ge=1, le=200)):
        """Stories, largest first; q searches titles and text, outlet and dates filter."""
        with open_store() as store:
            return story_list(store, q, outlet, date_from, date_to, page_no, per_page)

    @app.get("/api/stories/{story_id}", tags=["stories"])
    def api_story(story_id: str):
        """A story and its articles (publication order)."""
        with open_store() as store:
            meta, articles = story_or_404(store, story_id)
            return {**meta, "article_list": [_article_summary(a) for a in articles]}

    @app.get("/api/stories/{story_id}/brief", tags=["stories"])
    def api_brief(story_id: str):
        """The story's brief: the same JSON as `storyline brief --format json`."""
        return _brief_json(story_id)

    @app.get("/api/stories/{story_id}/timeline", tags=["stories"])
    def api_timeline(story_id: str):
        data = _brief_json(story_id)
        return {"story_id": data["story_id"], "sources": data["sources"], "timeline": data["timeline"],
                "development": data["development"]}

    @app.get("/api/stories/{story_id}/quotes", tags=["stories"])
    def api_quotes(story_id: str):
        data = _brief_json(story_id)
        return {"story_id": data["story_id"], "sources": data["sources"], "quotes": data["quotes"]}

    @app.get("/api/stories/{story_id}/facts", tags=["stories"])
    def api_facts(story_id: str):
        data = _brief_json(story_id)
        return {"story_id": data["story_id"], "sources": data["sources"], "agree": data["agree"],
                "differ": data["differ"], "single_source": data["single_source"]}

    def _brief_json(story_id: str) -> dict:
        with open_store() as store:
            meta, articles = story_or_404(store, story_id)
            return brief_to_json(brief_of(store, meta, articles))

    @app.get("/api/articles", tags=["articles"])
    def api_articles(page_no: int = Query(1, ge=1, alias="page"), per_page: int = Query(50, ge=1, le=500)):
        """Stored articles (metadata only), newest first."""
        with open_store() as store:
            total = store.count_articles()
            rows = store.db.execute(
                "SELECT id FROM articles ORDER BY published DESC, ingested_at DESC, id LIMIT ? OFFSET ?",
                (per_page, (page_no - 1) * per_page)).fetchall()
            return {"total": total, "page": page_no, "per_page": per_page,
                    "articles": [_article_summary(a) for a in store.articles(r[0] for r in rows)]}

    @app.get("/api/articles/{article_id}", tags=["articles"])
    def api_article(article_id: str):
        """One article: clean text, metadata, sentences with character offsets."""
        with open_store() as store:
            a = article_or_404(store, article_id)
            return {**_article_summary(a), "text": a.text, "metadata": a.metadata,
                    "stories": queries.stories_of_article(store, a.id),
                    "sentences": [{"index": s.index, "start": s.start, "end": s.end, "paragraph": s.paragraph}
                                  for s in a.sentences]}

    @app.get("/api/search", tags=["search"])
    def api_search(q: str = Query(..., min_length=1, max_length=300), limit: int = Query(20, ge=1, le=100),
                   offset: int = Query(0, ge=0)):
        """Articles matching all words of q (titles weigh more), with a marked excerpt."""
        with open_store() as store:
            total, hits = queries.search_articles(store, q, limit, offset)
            return {"q": q, "total": total, "results": [
                {"id": h.article_id, "title": h.title, "outlet": h.outlet, "published": h.published,
                 "stories": h.story_ids, "snippet": "".join(t for t, _ in h.snippet),
                 "matches": [t for t, hit in h.snippet if hit]} for h in hits]}

    @app.post("/api/ingest", tags=["ingest"])
    async def api_ingest(request: Request):
        """Upload files (multipart field 'files': txt, html, json/jsonl, RSS/Atom; optional
        'published' YYYY-MM-DD for undated ones). One result per file."""
        results, status = await _ingest_request(request)
        return JSONResponse(results, status_code=status)

    async def _ingest_request(request: Request) -> tuple[dict, int]:
        """Read the upload within the size limit, then ingest it off the event loop."""
        limit = app.state.max_upload_bytes
        too_big = HTTPException(413, f"upload larger than the limit of {limit / 1_000_000:g} MB per request")
        length = request.headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                raise HTTPException(400, "invalid Content-Length header")
            if int(length) > limit:
                raise too_big
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise HTTPException(415, "send files as multipart/form-data (field 'files')")
        body = bytearray()
        async for chunk in request.stream():  # counted as it arrives: Content-Length may be absent
            body += chunk
            if len(body) > limit:
                raise too_big

        async def replay():
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        try:
            form = await Request(request.scope, replay).form(max_files=MAX_FILES, max_fields=20)
        except MultiPartException as e:
            raise HTTPException(400, f"bad upload: {e.message}") from None
        published = None
        if form.get("published"):
            try:
                published = PartialDate.parse(str(form.get("published")))
            except ValueError as e:
                raise HTTPException(422, f"published: {e}") from None
        uploads = [Upload(f.filename or "upload", await f.read()) for f in form.getlist("files")
                   if not isinstance(f, str)]
        if not uploads:
            raise HTTPException(400, "no files uploaded (multipart field 'files')")

        def work() -> list:
            with open_store() as store:
                return ingest_uploads(store, uploads, published)

        files = await run_in_threadpool(work)
        summary = {
            "files": [f.to_json() for f in files],
            "added": sum(len(f.added) for f in files),
            "known": sum(len(f.known) for f in files),
            "errors": sum(len(f.errors) for f in files),
            "stories": sorted({a["story_id"] for f in files for a in f.added + f.known if a["story_id"]}),
        }
        nothing_read = not summary["added"] and not summary["known"]
        return summary, 422 if nothing_read else 200

    return app


def serve(host: str = "127.0.0.1", port: int = 8000, db: str | Path | None = None, max_upload_mb: float = 20) -> None:
    """Run the app with uvicorn; warns when it is reachable from other machines."""
    import uvicorn

    local = _is_loopback(host)
    if not local:
        print(f"storyline: warning: serving on {host}, reachable from other machines; the app has no "
              "login and anyone who can reach it can read and add articles", file=sys.stderr)
    app = create_app(db, max_upload_bytes=int(max_upload_mb * 1_000_000),
                     allowed_hosts=["127.0.0.1", "localhost", "::1"] if local else None)
    uvicorn.run(app, host=host, port=port, log_level="warning")


# -- helpers -----------------------------------------------------------------------
def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_web_url(url: str | None) -> bool:
    return bool(url) and url.lower().startswith(("http://", "https://"))


def _overlaps(story: dict, date_from: str | None, date_to: str | None) -> bool:
    """Does the story's date span meet [date_from, date_to]? ISO text compares
    in date order; a 'YYYY' or 'YYYY-MM' bound covers its whole year or month."""
    first, last = story.get("first_date"), story.get("last_date")
    if not first or not last or first.startswith("-"):
        return False  # undated stories cannot be placed in a date range
    if date_from and last < date_from:
        return False
    if date_to and first[: len(date_to)] > date_to:
        return False
    return True


def _article_summary(a: Article) -> dict:
    return {"id": a.id, "title": a.title, "outlet": a.outlet, "author": a.author, "published": a.published.iso(),
            "place": a.place, "language": a.language, "source": a.source, "url": a.url,
            "sentences_count": len(a.sentences)}


MARKS_VERSION = "1"


def _article_marks(store: Store, article: Article) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]]:
    """(entity mentions, quoted spans) of an article, computed once and cached in the store."""
    import json

    key = f"{MARKS_VERSION}:{article.id}"
    blob = store.cache_get("web_marks", key)
    if blob is not None:
        data = json.loads(blob)
        return [tuple(e) for e in data["entities"]], [tuple(q) for q in data["quotes"]]
    from ..analyze.entities import find_mentions
    from ..analyze.nlp import load_spacy
    from ..analyze.quotes import find_quote_spans

    doc = load_spacy()(article.text) if article.language == "en" else None
    entities = [(m.start, m.end, m.label) for m in find_mentions(article, doc)] if doc is not None else []
    quotes = [(m.start, m.end) for m in find_quote_spans(article)]
    with store.transaction():
        store.cache_put("web_marks", key, json.dumps({"entities": entities, "quotes": quotes}).encode())
    return entities, quotes


def _version() -> str:
    from .. import __version__

    return __version__

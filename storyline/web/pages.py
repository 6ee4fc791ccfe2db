"""The HTML pages: the story list, a story's brief, an article, the upload form.

Pages are rendered on the server with Jinja2 (autoescape on: every piece of
article-derived text is escaped); everything a story is shown with comes from
the pipeline, as in every other format.
"""
from __future__ import annotations

from pathlib import PurePath

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from . import queries
from .deps import ArticleDep, PipelineDep, StateDep, StoreDep, StoryDep, render_page
from .listing import PER_PAGE, stories_version, story_list
from .present import article_paragraphs
from .uploads import handle_upload

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/")
def stories_page(request: Request, state: StateDep, store: StoreDep, q: str | None = Query(None, max_length=300),
                 outlet: str | None = Query(None, max_length=200), date_from: str | None = None,
                 date_to: str | None = None, page_no: int = Query(1, ge=1, le=queries.MAX_PAGE, alias="page")):
    version = stories_version(store)  # read first: a change made while the page is made shows on the next poll
    listing = story_list(store, q, outlet, date_from or None, date_to or None, page_no, PER_PAGE)
    hits = queries.search_articles(store, q, limit=10)[1] if q else []
    return render_page(request, "stories.html", **listing, hits=hits, q=q or "", outlet=outlet or "",
                       date_from=date_from or "", date_to=date_to or "", outlets=queries.outlets(store),
                       articles_stored=store.count_articles(), version=version,
                       poll_seconds=state.live_poll_seconds)


@router.get("/stories/{story_id}")
def story_page(request: Request, story: StoryDep, pipeline: PipelineDep):
    found = pipeline.story(story["id"])
    return render_page(request, "story.html", story=story, brief=pipeline.brief(found),
                       articles={a.id: a for a in found.articles},
                       outlets=queries.story_outlets(pipeline.store, story["id"]))


@router.get("/articles/{article_id}")
def article_page(request: Request, article: ArticleDep, pipeline: PipelineDep,
                 s: int | None = Query(None, ge=0, le=queries.MAX_SENTENCE)):
    entities, quotes = pipeline.article_marks(article)
    return render_page(request, "article.html", article=article,
                       paragraphs=article_paragraphs(article, entities, quotes, highlight=s), highlighted=s,
                       stories=queries.stories_of_article(pipeline.store, article.id),
                       entity_labels=sorted({label for _, _, label in entities}),
                       safe_url=article.url if is_web_url(article.url) else None,
                       source_name=source_name(article.source))


@router.get("/ingest")
def ingest_page(request: Request, state: StateDep):
    return render_page(request, "ingest.html", max_mb=state.max_upload_bytes / 1_000_000, results=None)


@router.post("/ingest")
async def ingest_form(request: Request, state: StateDep, pipeline: PipelineDep):
    """The upload form without JavaScript: same work as /api/ingest, answered with a page."""
    results, status = await handle_upload(request, pipeline, state.max_upload_bytes)
    return render_page(request, "ingest.html", status, max_mb=state.max_upload_bytes / 1_000_000, results=results)


@router.get("/docs")
def api_docs_page(request: Request):
    """The API's documentation, made from its OpenAPI description on the server: the page
    works offline (FastAPI's own /docs loads Swagger UI from a CDN, and is switched off)."""
    spec = request.app.openapi()
    return render_page(request, "api_docs.html", info=spec["info"], openapi=spec["openapi"],
                       operations=api_operations(spec))


def api_operations(spec: dict) -> list[dict]:
    """Each operation of an OpenAPI description, as the docs page lists it."""
    ops = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [{"name": p["name"], "where": p["in"], "required": p.get("required", False),
                       "type": p.get("schema", {}).get("type", "string"), "default": p.get("schema", {}).get("default", ""),
                       "limits": _limits(p.get("schema", {}))} for p in op.get("parameters", [])]
            ops.append({"id": op.get("operationId", f"{method}-{path}"), "method": method.upper(), "path": path,
                        "description": op.get("description") or op.get("summary", ""), "parameters": params,
                        "responses": sorted(op.get("responses", {})),
                        "tryable": method == "get" and "{" not in path})
    return ops


def _limits(schema: dict) -> str:
    names = {"minimum": "at least", "maximum": "at most", "minLength": "length at least",
             "maxLength": "length at most"}
    return ", ".join(f"{label} {schema[key]}" for key, label in names.items() if key in schema)


def source_name(source: str) -> str:
    """How a page names where an article was read from: the file's name with its record
    (storm.jsonl:3, feed.xml#2), never the server's folders; 'upload:NAME' and '<stdin>' as
    they are."""
    if source.startswith("upload:"):
        return source
    return PurePath(source.replace("\\", "/")).name or source


def is_web_url(url: str | None) -> bool:
    return bool(url) and url.lower().startswith(("http://", "https://"))

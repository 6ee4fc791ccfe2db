"""What a request handler is given: the app's state, one Store per request, the story or
article its URL names (404 when there is none), and a Pipeline over that store.

FastAPI resolves these per request, once each: a handler names what it needs by the
types below (StoreDep, StoryDep, PipelineDep, ...) and holds no lookups of its own.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..errors import StorylineError
from ..model import Article
from ..pipeline import Pipeline
from ..settings import Settings
from ..store import Store

# Ids are hex (articles) or hex-like (stories); anything else, "../" and "%"
# (a LIKE wildcard in prefix lookups) included, is refused before any query.
ID = re.compile(r"^[0-9A-Za-z-]{1,64}$")


@dataclass
class AppState:
    """What every request of one app shares (app.state.web)."""

    db_path: str | Path | None
    max_upload_bytes: int
    templates: Jinja2Templates
    settings: Settings
    watch: object | None = None  # storyline.watch.Service when the app runs the watcher (serve --watch)
    live_poll_seconds: float = 10.0  # how often the stories page asks /api/stories/version


def app_state(request: Request) -> AppState:
    return request.app.state.web


StateDep = Annotated[AppState, Depends(app_state)]


def get_store(state: StateDep) -> Iterator[Store]:
    """One Store per request, closed after it: a short-lived connection sees what other
    processes (the CLI) wrote. FastAPI runs this and the handler in different threads of
    its pool; the Store's connection allows that (one request uses it at a time)."""
    with Store(state.db_path) as store:
        yield store


StoreDep = Annotated[Store, Depends(get_store)]


def get_pipeline(state: StateDep, store: StoreDep) -> Pipeline:
    return Pipeline(state.settings, store=store)


PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]


def story_or_404(story_id: str, store: StoreDep) -> dict:
    """The story's listing entry (id, headline, dates, counts); the id may be a unique prefix."""
    # imported here: the clustering modules take a second to import (scikit-learn)
    from ..stories.cluster import story_meta

    if not ID.match(story_id):
        raise HTTPException(404, "no such story")
    try:
        return story_meta(store, story_id)
    except StorylineError:  # no such id, an ambiguous prefix, or a story left without articles
        raise HTTPException(404, "no such story") from None


def article_or_404(article_id: str, store: StoreDep) -> Article:
    if not ID.match(article_id):
        raise HTTPException(404, "no such article")
    try:
        return store.get_article(article_id)
    except StorylineError:
        raise HTTPException(404, "no such article") from None


StoryDep = Annotated[dict, Depends(story_or_404)]  # the story's listing entry
ArticleDep = Annotated[Article, Depends(article_or_404)]


def render_page(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    """A page from the app's templates (autoescaped)."""
    return app_state(request).templates.TemplateResponse(request, name, context, status_code=status_code)

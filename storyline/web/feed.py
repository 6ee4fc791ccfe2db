"""GET /feed.atom: the digest of new and grown stories (report/digest.py) as an Atom feed,
so that a feed reader can follow storyline; `since` as `storyline digest --since` takes it
(default settings.digests.since, 24h). Links point at settings.digests.base_url, else at
the address the feed was asked at. The answer carries an ETag of its body, and a reader
that sends it back (If-None-Match) is answered 304 while nothing changed."""
from __future__ import annotations

import hashlib

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from ..errors import StorylineError
from ..report.digest import make_digest, parse_since, render_digest, web_base
from .deps import PipelineDep, StateDep

router = APIRouter(include_in_schema=False)
ATOM = "application/atom+xml"


@router.get("/feed.atom")
def feed_atom(request: Request, state: StateDep, pipeline: PipelineDep,
              since: str | None = Query(None, max_length=64)):
    settings = state.settings.digests
    try:
        period = parse_since(since or settings.since, name="since")
        base = web_base(settings.base_url, name="base_url") or str(request.base_url)
    except StorylineError as e:
        raise HTTPException(400, str(e)) from None
    query = f"?{request.url.query}" if request.url.query else ""
    body = render_digest(make_digest(pipeline, period), "atom", base_url=base,
                         self_url=f"{base}feed.atom{query}").encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type=ATOM, headers={"ETag": etag})

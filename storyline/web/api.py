"""The JSON API. A story's brief is Brief.to_json, the object `storyline show STORY
--format json` prints; its parts (PARTS) are slices of it, made without the summary
when no brief is cached."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from ..model import Article
from ..pipeline import PARTS
from . import queries
from .deps import ArticleDep, PipelineDep, StateDep, StoreDep, StoryDep
from .listing import PER_PAGE, stories_version, story_list
from .uploads import handle_upload

router = APIRouter(prefix="/api")


@router.get("/stories", tags=["stories"])
def api_stories(store: StoreDep, q: str | None = Query(None, max_length=300),
                outlet: str | None = Query(None, max_length=200), date_from: str | None = None,
                date_to: str | None = None, page_no: int = Query(1, ge=1, le=queries.MAX_PAGE, alias="page"),
                per_page: int = Query(PER_PAGE, ge=1, le=200)):
    """Stories, largest first; q searches titles and text, outlet and dates filter."""
    return story_list(store, q, outlet, date_from, date_to, page_no, per_page)


@router.get("/stories/version", tags=["stories"])
def api_stories_version(store: StoreDep):
    """A token that changes whenever the story list does (new, grown, merged or renamed
    stories, new articles): the stories page polls it and refreshes its list when it changes."""
    return {"version": stories_version(store), "articles": store.count_articles()}


@router.get("/stories/{story_id}", tags=["stories"])
def api_story(story: StoryDep, pipeline: PipelineDep):
    """A story and its articles (publication order)."""
    return {**story, "article_list": [article_summary(a) for a in pipeline.story(story["id"]).articles]}


@router.get("/stories/{story_id}/brief", tags=["stories"])
def api_brief(story: StoryDep, pipeline: PipelineDep):
    """The story's brief: the same JSON as `storyline show STORY --format json`."""
    return pipeline.brief(pipeline.story(story["id"])).to_json()


def part_handler(name: str):
    """The handler of /api/stories/{id}/<name>: the brief's fields of that part (PARTS), with
    the sources its citations are numbered by. One route per part, so that each is a path
    of its own in the API's schema and no other name matches."""
    fields = PARTS[name]

    def story_part(story: StoryDep, pipeline: PipelineDep):
        data = pipeline.part(pipeline.story(story["id"]), name).to_json()
        return {"story_id": data["story_id"], "sources": data["sources"], **{f: data[f] for f in fields}}

    story_part.__doc__ = f"The story's {', '.join(fields)}: the same as in its brief."
    return story_part


for _name in PARTS:
    router.add_api_route(f"/stories/{{story_id}}/{_name}", part_handler(_name), methods=["GET"], tags=["stories"],
                         name=f"api_story_{_name}")


@router.get("/articles", tags=["articles"])
def api_articles(store: StoreDep, page_no: int = Query(1, ge=1, le=queries.MAX_PAGE, alias="page"),
                 per_page: int = Query(50, ge=1, le=500)):
    """Stored articles (metadata only), newest first."""
    ids = store.article_ids_page(per_page, (page_no - 1) * per_page)
    return {"total": store.count_articles(), "page": page_no, "per_page": per_page,
            "articles": [article_summary(a) for a in store.articles(ids)]}


@router.get("/articles/{article_id}", tags=["articles"])
def api_article(article: ArticleDep, store: StoreDep):
    """One article: clean text, metadata, sentences with character offsets."""
    return {**article_summary(article), "text": article.text, "metadata": article.metadata,
            "stories": queries.stories_of_article(store, article.id),
            "sentences": [{"index": s.index, "start": s.start, "end": s.end, "paragraph": s.paragraph}
                          for s in article.sentences]}


@router.get("/search", tags=["search"])
def api_search(store: StoreDep, q: str = Query(..., min_length=1, max_length=300),
               limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=queries.MAX_OFFSET)):
    """Articles matching all words of q (titles weigh more), with a marked excerpt."""
    total, hits = queries.search_articles(store, q, limit, offset)
    return {"q": q, "total": total, "results": [
        {"id": h.article_id, "title": h.title, "outlet": h.outlet, "published": h.published,
         "stories": h.story_ids, "snippet": "".join(t for t, _ in h.snippet),
         "matches": [t for t, hit in h.snippet if hit]} for h in hits]}


@router.post("/ingest", tags=["ingest"])
async def api_ingest(request: Request, state: StateDep, pipeline: PipelineDep):
    """Upload files (multipart field 'files': txt, html, json/jsonl, RSS/Atom; optional
    'published' YYYY-MM-DD for undated ones). One result per file."""
    results, status = await handle_upload(request, pipeline, state.max_upload_bytes)
    return JSONResponse(results, status_code=status)


def article_summary(a: Article) -> dict:
    return {"id": a.id, "title": a.title, "outlet": a.outlet, "author": a.author, "published": a.published.iso(),
            "place": a.place, "language": a.language, "source": a.source, "url": a.url,
            "sentences_count": len(a.sentences)}

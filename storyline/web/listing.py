"""The story list of the front page and of /api/stories: search, outlet and date filters,
one page of the result."""
from __future__ import annotations

import math
import re

from fastapi import HTTPException

from ..store import Store
from . import queries

DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
PER_PAGE = 20  # stories per page, unless the API caller asks for another number


def story_list(store: Store, q: str | None, outlet: str | None, date_from: str | None,
               date_to: str | None, page_no: int, per_page: int) -> dict:
    """Stories, largest first, filtered; {total, page, pages, per_page, stories}; each story
    carries "thread": the id of its thread (stories/threads.py), or null."""
    # imported on first use: scikit-learn, under the clustering, is slow to import
    from ..stories.cluster import list_stories
    from ..stories.threads import with_threads

    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value and not DATE.match(value):
            raise HTTPException(422, f"{name}: expected YYYY, YYYY-MM or YYYY-MM-DD")
    keep = queries.matching_story_ids(store, q, outlet)
    stories = [s for s in with_threads(store, list_stories(store)) if keep is None or s["id"] in keep]
    if date_from or date_to:
        stories = [s for s in stories if overlaps(s, date_from, date_to)]
    pages = max(1, math.ceil(len(stories) / per_page))
    shown = stories[(page_no - 1) * per_page: page_no * per_page]
    return {"total": len(stories), "page": page_no, "pages": pages, "per_page": per_page, "stories": shown}


def stories_version(store: Store) -> str:
    """Changes whenever the story list can: a new story, a story that grew, merged, split or
    was renamed (the stories' generation, which every write to them changes), or a new article."""
    from ..stories.storage import generation

    return f"{generation(store)}-{store.count_articles()}"


def overlaps(story: dict, date_from: str | None, date_to: str | None) -> bool:
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

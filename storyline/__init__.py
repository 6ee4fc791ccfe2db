"""storyline: many news reports about the same events -> one cited picture.

    import storyline
    b = storyline.brief(["examples/summit/"])       # -> storyline.model.Brief
    print(storyline.render(b, "md"))
"""
from __future__ import annotations

from .errors import InputError, StorylineError
from .model import Article, Brief, Citation, CitedText, PartialDate, Sentence

__version__ = "0.1.0"
__all__ = ["brief", "render", "read", "Article", "Brief", "Citation", "CitedText", "PartialDate",
           "Sentence", "StorylineError", "InputError"]


def read(paths: list[str] | str, published: str | None = None) -> list[Article]:
    """Read and clean articles from files/folders without storing them.
    Raises InputError for the first unreadable input."""
    from .ingest import read_paths

    items = list(read_paths([paths] if isinstance(paths, str) else list(paths),
                            PartialDate.parse(published) if published else None))
    for item in items:
        if isinstance(item, InputError):
            raise item
    return items


def brief(sources, words: int = 100, published: str | None = None) -> Brief:
    """The cited brief of one story: sources are paths or Article objects."""
    from .report.build import make_brief

    if isinstance(sources, str):
        sources = [sources]
    articles = [s for s in sources if isinstance(s, Article)]
    paths = [s for s in sources if not isinstance(s, Article)]
    if paths:
        articles += read([str(p) for p in paths], published)
    return make_brief(articles, words=words)


def render(b: Brief, fmt: str = "md") -> str:
    from .report.render import render as _render

    return _render(b, fmt)

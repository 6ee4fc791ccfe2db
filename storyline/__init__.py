"""storyline: many news reports about the same events -> one cited picture.

    import storyline
    briefs = storyline.brief(["examples/"])        # -> [storyline.Brief], one per story
    print(storyline.render(briefs[0], "md"))        # "md", "json" or "html"

A file that cannot be read is reported (a warning naming the file and the problem, or
on_error(InputError) when given) and the rest of the batch goes on, as in the CLI.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable

from .errors import InputError, StorylineError
from .model import Article, Brief, Citation, CitedText, PartialDate, Sentence

__version__ = "0.1.0"
__all__ = ["brief", "render", "read", "Article", "Brief", "Citation", "CitedText", "PartialDate",
           "Sentence", "StorylineError", "InputError", "InputWarning"]


class InputWarning(UserWarning):
    """An input file that could not be read (the rest of the batch was)."""


def read(paths: list[str] | str, published: str | None = None,
         on_error: Callable[[InputError], None] | None = None) -> list[Article]:
    """Read and clean articles from files/folders without storing them."""
    from .ingest import read_paths

    articles = []
    for item in read_paths([paths] if isinstance(paths, str) else [str(p) for p in paths],
                           PartialDate.parse(published) if published else None):
        if isinstance(item, InputError):
            if on_error is not None:
                on_error(item)
            else:
                warnings.warn(str(item), InputWarning, stacklevel=2)
        else:
            articles.append(item)
    return articles


def brief(sources, words: int = 100, published: str | None = None,
          on_error: Callable[[InputError], None] | None = None) -> list[Brief]:
    """The cited brief of each story among the sources (paths and/or Article objects),
    largest story first, as `storyline brief --no-store` gives them."""
    from .pipeline import Pipeline

    if isinstance(sources, (str, Article)):
        sources = [sources]
    articles = [s for s in sources if isinstance(s, Article)]
    paths = [str(s) for s in sources if not isinstance(s, Article)]
    if paths:
        articles += read(paths, published, on_error)
    pipeline = Pipeline()
    return pipeline.briefs(pipeline.stories_of(articles), words=words)


def render(b: Brief, fmt: str = "md") -> str:
    from .report.render import render as _render

    return _render(b, fmt)

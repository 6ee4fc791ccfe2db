"""Readers: files, folders, stdin -> Articles, and ingest into the store.

    for item in read_paths(["examples/"]):   # Article or InputError
        ...

Two stages, each a plain function, for engines that run them apart (storyline backfill):

    for item in read_raw("crawl.warc.gz"):   # read: RawArticle or InputError, streamed
        article = build_item(item)            # clean + segment: Article or InputError
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..model import Article, PartialDate
from ..settings import IngestSettings
from .build import build_article
from .feed import read_feed
from .files import DecodeWarning, decode, is_streamed, kind_of, read_bytes, sniff, walk
from .furniture import reporting
from .html import read_html
from .raw import RawArticle
from .record import read_json, read_json_lines
from .text import read_text
from .warc import read_warc

__all__ = ["read_paths", "read_file", "read_raw", "build_item", "read_decoded", "ingest", "IngestReport", "RawArticle",
           "build_article", "not_an_article"]


def read_raw(source: Path | str) -> Iterator[RawArticle | InputError]:
    """The read stage of one file ('-' for stdin): a RawArticle per record it holds and an
    InputError per problem, in file order. Files of many records (.jsonl, .ndjson, .jsonl.gz,
    .ndjson.gz, .warc, .warc.gz) are streamed record by record, whatever their size; the
    others are read whole (within files.MAX_FILE_BYTES). A plain function of a path, so that
    any engine can run it where the file is; build_item makes each RawArticle an Article."""
    if is_streamed(source):
        path = Path(source)
        yield from (read_warc(path) if kind_of(path) == "warc" else read_json_lines(path))
        return
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DecodeWarning)
            name, data = read_bytes(source)
            text = decode(name, data)
        notes = [str(w.message) for w in caught if issubclass(w.category, DecodeWarning)]
    except InputError as e:
        yield e
        return
    kind = kind_of(Path(source)) if source != "-" else None
    yield from decoded_raw(name, text, kind, Path(source) if source != "-" else None, notes)


def build_item(item: RawArticle | InputError, published: PartialDate | None = None,
               settings: IngestSettings = IngestSettings()) -> Article | InputError:
    """The clean + segment stage of one read item: the Article of a RawArticle (cleaned,
    dated, split into sentences), or an InputError when it is not an article; an InputError
    passes through."""
    if isinstance(item, InputError):
        return item
    try:
        article = build_article(item, published, settings)
    except InputError as e:
        return e
    problem = not_an_article(article, settings)
    return InputError(item.source, problem) if problem else article


def read_file(source: Path | str, published: PartialDate | None = None,
              settings: IngestSettings = IngestSettings()) -> Iterator[Article | InputError]:
    """Articles of one file (or '-' for stdin); problems come back as InputError items."""
    for item in read_raw(source):
        yield build_item(item, published, settings)


def decoded_raw(name: str, text: str, kind: str | None, path: Path | None = None,
                notes: list[str] = (), url: str | None = None) -> Iterator[RawArticle | InputError]:
    """The read stage of one decoded text; notes (how its bytes were decoded) go first in
    each record's warnings."""
    try:
        raws, errors = _dispatch(name, text, kind, path, url)
    except InputError as e:
        yield e
        return
    yield from errors
    for raw in raws:
        if notes:
            raw.metadata["warnings"] = list(notes) + raw.metadata.get("warnings", [])
        yield raw


def read_decoded(name: str, text: str, kind: str | None, path: Path | None = None,
                 published: PartialDate | None = None, settings: IngestSettings = IngestSettings(),
                 notes: list[str] = (), url: str | None = None) -> Iterator[Article | InputError]:
    """Articles of one decoded text (a file's, or a fetched page's with its URL): the one
    reader path; kind None sniffs the text."""
    for item in decoded_raw(name, text, kind, path, notes, url):
        yield build_item(item, published, settings)


def not_an_article(article: Article, settings: IngestSettings = IngestSettings()) -> str | None:
    """Why a cleaned text is not an article (None when it is one)."""
    words = len(article.text.split())
    if words < settings.article_min_words:
        return f"too little text to be an article ({words} words after cleaning)"
    # The furniture patterns are English; a long text without a reporting sentence
    # is more likely broken into fragments (hard-wrapped lines) than a notice.
    if article.language == "en" and words < settings.notice_max_words \
            and not any(reporting(s.text, settings=settings) for s in article.sentences):
        return "not an article: no sentence reports anything (a site notice, an error page or a note to the reader)"
    return None


def _dispatch(name: str, text: str, kind: str | None, path: Path | None,
              url: str | None = None) -> tuple[list[RawArticle], list[InputError]]:
    kind = sniff(text, kind)
    if kind == "json":
        return read_json(name, text)
    if kind == "feed":
        return read_feed(name, text)
    if kind == "html":
        return read_html(name, text, url), []
    return read_text(name, text, path), []


def read_paths(paths: list[str], published: PartialDate | None = None,
               settings: IngestSettings = IngestSettings()) -> Iterator[Article | InputError]:
    """Every article under the given paths, in a stable order."""
    try:
        for source in walk(paths):
            yield from read_file(source, published, settings)
    except InputError as e:
        yield e


@dataclass
class IngestReport:
    added: list[Article] = field(default_factory=list)
    known: list[Article] = field(default_factory=list)  # already in the store: no-op
    errors: list[InputError] = field(default_factory=list)

    @property
    def articles(self) -> list[Article]:
        return self.added + self.known


def ingest(paths: list[str], store, published: PartialDate | None = None, batch_size: int = 200,
           on_article: Callable[[Article | InputError], None] | None = None,
           after_batch: Callable[[list[Article]], object] | None = None,
           settings: IngestSettings = IngestSettings(),
           items: Iterable[Article | InputError] | None = None) -> IngestReport:
    """Read and store articles, one transaction per batch of batch_size.
    after_batch gets each batch's newly stored articles (e.g. to place them in stories).
    items: articles read elsewhere (fetched pages, by the same readers) instead of paths."""
    report = IngestReport()
    batch: list[Article] = []

    def flush() -> None:
        stored = store.add_articles(batch)
        if after_batch and stored:
            after_batch(stored)
        added = {a.id for a in stored}
        for a in batch:  # a repeat within the batch is "already stored" the second time
            (report.added if a.id in added else report.known).append(a)
            added.discard(a.id)
        batch.clear()

    for item in read_paths(paths, published, settings) if items is None else items:
        if on_article:
            on_article(item)
        if isinstance(item, InputError):
            report.errors.append(item)
            continue
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
    flush()
    return report

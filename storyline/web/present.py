"""The web pages' Jinja environment, and brief and article data shaped for the
page templates: citation links, the source matrix, the timeline chart and an
article's text cut into highlighted pieces.

Everything here returns plain data; the Jinja templates (autoescape on) turn
it into HTML, so no article-derived text is ever inserted as markup.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from fastapi.templating import Jinja2Templates

from ..model import Article, Brief, Cited, Citation, SourceRef
from ..report.render import add_template_helpers
from .timeline_chart import Chart, timeline_chart

WEB_TEMPLATES = Path(__file__).parent / "templates"
REPORT_TEMPLATES = Path(__file__).parents[1] / "report" / "templates"  # the brief's section partials


def make_templates() -> Jinja2Templates:
    """The web app's templates: its pages, and the brief's section partials they share
    with the standalone HTML brief; autoescape on for every template name."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([WEB_TEMPLATES, REPORT_TEMPLATES]),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    add_template_helpers(env)
    env.globals.update(cite_links=cite_links, citation_href=citation_href, source_matrix=source_matrix,
                       story_chart=story_chart)
    return Jinja2Templates(env=env)


def citation_href(c: Citation) -> str:
    """The article page with the cited sentence highlighted and scrolled to."""
    return f"/articles/{c.article_id}?s={c.sentence}#s{c.sentence}"


def cite_links(brief: Brief, citations: list[Citation]) -> list[dict]:
    """One [n] link per cited source (n = its number in the brief), pointing at
    the first sentence cited from it; title = the cited source text."""
    links: dict[int, dict] = {}
    for c in citations:
        n = brief.source_number(c.article_id)
        if n is None:
            continue
        if n not in links:
            links[n] = {"n": n, "href": citation_href(c), "text": c.text, "article_id": c.article_id,
                        "sentence": c.sentence}
    return [links[n] for n in sorted(links)]


def first_citation_href(item: Cited) -> str | None:
    return citation_href(item.citations[0]) if item.citations else None


def story_chart(brief: Brief) -> Chart | None:
    """The timeline chart of the story page, each mark linked to the sentence that dates it."""
    return timeline_chart(brief.timeline, first_citation_href)


# -- source matrix -------------------------------------------------------------
@dataclass
class SourceColumn:
    """One independent source and its syndicated copies."""

    lead: SourceRef
    copies: list[SourceRef] = field(default_factory=list)

    @property
    def numbers(self) -> list[int]:
        return [self.lead.number] + [c.number for c in self.copies]

    @property
    def article_ids(self) -> set[str]:
        return {self.lead.article_id} | {c.article_id for c in self.copies}


@dataclass
class MatrixRow:
    kind: str  # "agree", "differ" or "single"
    text: str
    cells: list[list[dict]]  # per column: cite links of that column's articles


def source_columns(brief: Brief) -> list[SourceColumn]:
    by_number = {s.number: s for s in brief.sources}

    def root(s: SourceRef) -> SourceRef:
        seen = set()
        while s.copy_of is not None and s.copy_of in by_number and s.number not in seen:
            seen.add(s.number)
            s = by_number[s.copy_of]
        return s

    columns: dict[int, SourceColumn] = {}
    for s in brief.sources:
        lead = root(s)
        column = columns.setdefault(lead.number, SourceColumn(lead))
        if s is not lead:
            column.copies.append(s)
    return [columns[n] for n in sorted(columns)]


def source_matrix(brief: Brief) -> tuple[list[SourceColumn], list[MatrixRow]]:
    """Facts (agree, differ, single-source items) x sources: which source reports what
    (a difference's citations are those of all its sides)."""
    columns = source_columns(brief)
    rows: list[MatrixRow] = []
    for kind, items in (("agree", brief.agree), ("differ", brief.differ), ("single", brief.single_source)):
        for item in items:
            cells = [cite_links(brief, [c for c in item.citations if c.article_id in col.article_ids])
                     for col in columns]
            rows.append(MatrixRow(kind, item.text, cells))
    return columns, rows


# -- article text ----------------------------------------------------------------
@dataclass
class Piece:
    text: str
    entity: str | None = None  # entity label (PERSON, ORG, ...) when inside a name
    quote: bool = False


@dataclass
class SentenceView:
    index: int
    pieces: list[Piece]
    highlighted: bool


def article_paragraphs(article: Article, entities: list[tuple[int, int, str]],
                       quotes: list[tuple[int, int]], highlight: int | None = None) -> list[list[SentenceView]]:
    """Paragraphs of sentences, each cut at entity and quote boundaries."""
    paragraphs: dict[int, list[SentenceView]] = {}
    for s in article.sentences:
        cuts = {s.start, s.end}
        for start, end, _ in entities:
            cuts.update(x for x in (start, end) if s.start < x < s.end)
        for start, end in quotes:
            cuts.update(x for x in (start, end) if s.start < x < s.end)
        points = sorted(cuts)
        pieces = []
        for a, b in zip(points, points[1:]):
            label = next((lab for start, end, lab in entities if start <= a and b <= end), None)
            in_quote = any(start <= a and b <= end for start, end in quotes)
            pieces.append(Piece(article.text[a:b], label, in_quote))
        paragraphs.setdefault(s.paragraph, []).append(SentenceView(s.index, pieces, s.index == highlight))
    return [paragraphs[p] for p in sorted(paragraphs)]

"""Brief -> Markdown, JSON or a standalone HTML page.

Every section is a list of items carrying Citation objects; citations are
shown as [n], n being the number of the source in the brief's sources list.
The JSON form (schema "storyline.brief/1", see docs/brief-json.md) keeps the
exact offsets and text of each cited source sentence.
"""
from __future__ import annotations

import dataclasses
import json
from functools import lru_cache

from ..errors import StorylineError
from ..model import Brief, Citation, PartialDate

FORMATS = ("md", "json", "html")
SCHEMA = "storyline.brief/1"


def render(brief: Brief, fmt: str = "md") -> str:
    if fmt == "md":
        return render_markdown(brief)
    if fmt == "json":
        return json.dumps(brief_to_json(brief), ensure_ascii=False, indent=2)
    if fmt == "html":
        return render_html(brief)
    raise StorylineError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")


def render_many(briefs: list[Brief], fmt: str = "md") -> str:
    if fmt == "json":
        return json.dumps([brief_to_json(b) for b in briefs], ensure_ascii=False, indent=2)
    if fmt == "html":
        return render_html(*briefs)
    return "\n\n---\n\n".join(render_markdown(b) for b in briefs)


# -- citations ---------------------------------------------------------------
def source_numbers(brief: Brief, citations: list[Citation]) -> list[int]:
    numbers = {brief.source_number(c.article_id) for c in citations}
    return sorted(n for n in numbers if n is not None)


def _marks(brief: Brief, citations: list[Citation]) -> str:
    return "".join(f"[{n}]" for n in source_numbers(brief, citations))


# -- JSON --------------------------------------------------------------------
def brief_to_json(brief: Brief) -> dict:
    """Plain JSON data; every item with citations also gets 'sources' (its [n] numbers)."""

    def convert(value):
        if isinstance(value, Citation):
            return {"source": brief.source_number(value.article_id), **dataclasses.asdict(value)}
        if dataclasses.is_dataclass(value):
            value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        if isinstance(value, dict):
            out = {k: convert(v) for k, v in value.items()}
            if isinstance(value.get("citations"), list) and "sources" not in value:
                out["sources"] = source_numbers(brief, value["citations"])
            return out
        if isinstance(value, (list, tuple)):
            return [convert(v) for v in value]
        return value

    return {"schema": SCHEMA, **convert(brief)}


# -- Markdown ----------------------------------------------------------------
def render_markdown(brief: Brief) -> str:
    out: list[str] = [f"# {_md(brief.headline)}", ""]
    out.append(f"_{_source_line(brief)}_")
    out += ["", "## Summary", ""]
    out.append(" ".join(f"{_md(s.text)} {_marks(brief, s.citations)}" for s in brief.summary) or "_(nothing to summarise)_")
    if brief.key_points:
        out += ["", "## Key points", ""]
        out += [f"- {_md(p.text)} {_marks(brief, p.citations)}" for p in brief.key_points]
    if brief.entities:
        out += ["", "## People and organisations", "", "| Name | Role | Mentions | Sources |", "|---|---|---|---|"]
        for e in brief.entities:
            role = e.get("role") or e.get("stands_for") or e.get("type", "")
            out.append(f"| {_md(e['name'])} | {_md(role)} | {e.get('mentions', '')} | {_marks(brief, e.get('citations', []))} |")
    if brief.quotes:
        out += ["", "## Who said what", ""]
        for speaker, quotes in quotes_by_speaker(brief.quotes):
            out.append(f"**{_md(speaker)}**")
            for q in quotes:
                text = f"“{q['text']}”" if q.get("kind", "direct") == "direct" else q["text"]
                verb = f" ({q['verb']})" if q.get("verb") else ""
                out.append(f"- {_md(text)}{verb} {_marks(brief, q.get('citations', []))}")
            out.append("")
        out.pop()
    for title, items in (("Where sources agree", brief.agree), ("Where they differ", brief.differ),
                         ("Only in one source", brief.single_source)):
        if not items:
            continue
        out += ["", f"## {title}", ""]
        for item in items:
            head = f"**{_md(item['topic'])}**: " if item.get("topic") else ""
            count = item.get("independent_sources")
            tail = f" _({count} independent sources)_" if count and count > 1 else ""
            out.append(f"- {head}{_md(item['text'])} {_marks(brief, item.get('citations', []))}{tail}")
            for side in item.get("sides", []):
                out.append(f"  - {_md(side.get('label', ''))}: {_md(side['text'])} {_marks(brief, side.get('citations', []))}")
    if brief.timeline:
        out += ["", "## Timeline", ""]
        for t in brief.timeline:
            tense = " (planned)" if t.get("tense") == "future" else ""
            out.append(f"- **{_md(t.get('label') or t.get('date') or 'undated')}**{tense}: {_md(t['text'])} {_marks(brief, t.get('citations', []))}")
    if brief.development:
        out += ["", "## How the story developed", ""]
        for d in brief.development:
            n = brief.source_number(d["article_id"])
            adds = "; ".join(d.get("adds", [])) or "no new facts"
            written = {"before": "written before the event", "after": "written after the event"}.get(d.get("written"), "")
            published = date_label(d.get("published"), d.get("year_inferred", False))
            out.append(f"- [{n}] {published}{', ' + written if written else ''}: {_md(adds)}")
    out += ["", "## Sources", ""]
    for s in brief.sources:
        out.append(f"{s.number}. {_source_entry(s)}")
    if brief.notes:
        out += ["", "## Notes", ""] + [f"- {_md(n)}" for n in brief.notes]
    return "\n".join(out).rstrip() + "\n"


def _source_line(brief: Brief) -> str:
    n = len(brief.sources)
    independent = sum(1 for s in brief.sources if s.copy_of is None)
    dates = sorted((PartialDate.parse(s.published) for s in brief.sources if s.published), key=PartialDate.sort_key)
    span = f", {dates[0].label()}" + (f" to {dates[-1].label()}" if dates[-1] != dates[0] else "") if dates else ", undated"
    return f"{n} source{'s' if n != 1 else ''} ({independent} independent){span}"


def _source_entry(s) -> str:
    parts = [s.outlet or "unknown outlet", f"“{s.title}”" if s.title else "(untitled)",
             date_label(s.published, s.year_inferred), s.url or s.source]
    copy = f" (copy of [{s.copy_of}])" if s.copy_of else ""
    return _md(" — ".join(parts)) + copy


def date_label(iso: str | None, year_inferred: bool = False) -> str:
    """An ISO date as every renderer shows it: '4 Nov 2025', '2 May (year
    unknown)', '4 Nov 2025 (year inferred)' when the year was not stated."""
    if not iso:
        return "undated"
    return PartialDate.parse(iso).label() + (" (year inferred)" if year_inferred else "")


def quotes_by_speaker(quotes: list[dict]) -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {}
    for q in quotes:
        groups.setdefault(q.get("speaker") or "Unattributed", []).append(q)
    return sorted(groups.items(), key=lambda kv: (kv[0] == "Unattributed", -len(kv[1])))


def _md(text) -> str:
    """Untrusted text into Markdown: no raw HTML, no accidental markup."""
    text = str(text or "").replace("\n", " ")
    for ch in "\\`*_[]<>|#":
        text = text.replace(ch, "\\" + ch)
    return text


# -- HTML --------------------------------------------------------------------
@lru_cache(maxsize=1)
def _env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("storyline.report", "templates"),
        autoescape=True,  # all article-derived text is escaped
        trim_blocks=True, lstrip_blocks=True,
    )


def render_html(*briefs: Brief) -> str:
    return _env().get_template("brief.html").render(
        briefs=briefs, marks=source_numbers, by_speaker=quotes_by_speaker, source_line=_source_line,
        date_label=date_label)

"""Brief -> Markdown, JSON or a standalone HTML page.

Every renderer walks the one list of sections (sections.SECTIONS) and reads the
typed items of storyline.model; citations are shown as [n], n being the number
of the source in the brief's sources list. The HTML sections are partials
(templates/section_<kind>.html) shared with the web story page, each page
giving them its own `cite` macro. The JSON form is Brief.to_json (schema
"storyline.brief/1", see docs/brief-json.md): it keeps the exact offsets and
text of each cited source sentence.
"""
from __future__ import annotations

import json
from functools import lru_cache

from ..errors import StorylineError
from ..model import (Brief, Citation, Development, Fact, PartialDate, QuoteEntry, SourceRef, ThreadLink,
                     TimelineEntry)
from .sections import SECTIONS

FORMATS = ("md", "json", "html")


def render(brief: Brief, fmt: str = "md") -> str:
    """One brief; as JSON, one object."""
    if fmt == "md":
        return render_markdown(brief)
    if fmt == "json":
        return _json(brief_to_json(brief))
    if fmt == "html":
        return render_html(brief)
    raise StorylineError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")


def render_many(briefs: list[Brief], fmt: str = "md") -> str:
    """Several briefs (one per story); as JSON always a list, even of one."""
    if fmt == "json":
        return _json([brief_to_json(b) for b in briefs])
    if fmt == "html":
        return render_html(*briefs)
    if fmt == "md":
        return "\n\n---\n\n".join(render_markdown(b) for b in briefs)
    raise StorylineError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")


def render_part(briefs: list[Brief], part: str, fmt: str = "md") -> str:
    """The named part (pipeline.PARTS: its sections) of each brief, with the sources its
    citations number; as JSON a list of objects holding story_id, headline, sources and
    the part's fields, as in the brief's JSON."""
    from ..pipeline import PARTS

    names = PARTS[part]
    if fmt == "json":
        keep = ("story_id", "headline", "sources", *names)
        return _json([{k: v for k, v in brief_to_json(b).items() if k in keep} for b in briefs])
    if fmt == "md":
        shown = [s for s in SECTIONS if s.name in names or s.name == "sources"]
        return "\n\n---\n\n".join(_markdown(b, shown) for b in briefs)
    raise StorylineError(f"unknown format {fmt!r} for a part (choose from md, json)")


def brief_to_json(brief: Brief) -> dict:
    return brief.to_json()


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


# -- what every format shows the same way ---------------------------------------------
def source_line(brief: Brief) -> str:
    """The header line: '4 sources (3 independent), 10 Mar 2025 to 12 Mar 2025'."""
    n = len(brief.sources)
    dates = sorted((PartialDate.parse(s.published) for s in brief.sources if s.published), key=PartialDate.sort_key)
    span = f", {dates[0].label()}" + (f" to {dates[-1].label()}" if dates[-1] != dates[0] else "") if dates else ", undated"
    return f"{n} source{'s' if n != 1 else ''} ({brief.independent_sources} independent){span}"


def date_label(iso: str | None, year_inferred: bool = False) -> str:
    """An ISO date as every renderer shows it: '4 Nov 2025', '2 May (year
    unknown)', '4 Nov 2025 (year inferred)' when the year was not stated."""
    if not iso:
        return "undated"
    return PartialDate.parse(iso).label() + (" (year inferred)" if year_inferred else "")


def fact_count(fact: Fact) -> str:
    """'3 independent sources' for a fact stated by several; '' for one (its section says so)."""
    n = fact.independent_sources
    return f"{n} independent sources" if n > 1 else ""


def quoted_text(quote: QuoteEntry) -> str:
    """A direct quotation in quotation marks; reported speech as it is."""
    return f"“{quote.text}”" if quote.quoted else quote.text


def quotes_by_speaker(quotes: list[QuoteEntry]) -> list[tuple[str, list[QuoteEntry]]]:
    """Quotes grouped by speaker, the most quoted first and the unattributed last."""
    groups: dict[str, list[QuoteEntry]] = {}
    for q in quotes:
        groups.setdefault(q.speaker or "Unattributed", []).append(q)
    return sorted(groups.items(), key=lambda kv: (kv[0] == "Unattributed", -len(kv[1])))


def timeline_date(entry: TimelineEntry) -> str:
    return entry.label or entry.date or "undated"


def development_line(d: Development) -> str:
    """'10 Mar 2025, written after the event: <what it adds>' (after the source's [n])."""
    written = f", written {d.written} the event" if d.written in ("before", "after") else ""
    return f"{date_label(d.published, d.year_inferred)}{written}: {'; '.join(d.adds) or 'no new facts'}"


def thread_line(link: ThreadLink) -> str:
    """'Earlier, 15 Nov 2019: <headline> (shared: myles garrett, browns)'."""
    first, last = link.first_date, link.last_date
    dates = date_label(first) + (f" to {date_label(last)}" if last and last != first else "")
    shared = f" (shared: {', '.join(link.shared)})" if link.shared else ""
    when = {"earlier": "Earlier", "later": "Later"}.get(link.relation, "Order unknown")
    return f"{when}, {dates}: {link.headline or '(untitled story)'}{shared}"


def web_url(url: str | None) -> str | None:
    """The URL when it is safe to link (http or https: never javascript: and the like)."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def add_template_helpers(env):
    """Register what the section partials use on a Jinja environment (the standalone
    page's here, the web app's in web/present.make_templates)."""
    env.globals.update(sections=SECTIONS, source_line=source_line, fact_count=fact_count,
                       quoted_text=quoted_text, by_speaker=quotes_by_speaker, timeline_date=timeline_date,
                       development_line=development_line, thread_line=thread_line, web_url=web_url)
    env.filters["date"] = date_label
    return env


# -- Markdown ----------------------------------------------------------------
def render_markdown(brief: Brief) -> str:
    return _markdown(brief, SECTIONS)


def _markdown(brief: Brief, sections) -> str:
    out: list[str] = [f"# {_md(brief.headline)}", "", f"_{source_line(brief)}_"]
    for section in sections:
        if section.shown(brief):
            out += ["", f"## {section.title}", ""] + _MARKDOWN[section.kind](brief, section.items(brief))
    return "\n".join(out).rstrip() + "\n"


def _marks(brief: Brief, citations: list[Citation]) -> str:
    return "".join(f"[{n}]" for n in brief.source_numbers(citations))


def _md_summary(brief: Brief, items) -> list[str]:
    return [" ".join(f"{_md(s.text)} {_marks(brief, s.citations)}" for s in items) or "_(nothing to summarise)_"]


def _md_points(brief: Brief, items) -> list[str]:
    return [f"- {_md(p.text)} {_marks(brief, p.citations)}" for p in items]


def _md_entities(brief: Brief, items) -> list[str]:
    return ["| Name | Role | Mentions | Sources |", "|---|---|---|---|"] + [
        f"| {_md(e.name)} | {_md(e.description)} | {e.mentions} | {_marks(brief, e.citations)} |" for e in items]


def _md_quotes(brief: Brief, items) -> list[str]:
    out: list[str] = []
    for speaker, quotes in quotes_by_speaker(items):
        out.append(f"**{_md(speaker)}**")
        for q in quotes:
            verb = f" ({q.verb})" if q.verb else ""
            out.append(f"- {_md(quoted_text(q))}{verb} {_marks(brief, q.citations)}")
        out.append("")
    return out[:-1]


def _md_facts(brief: Brief, items) -> list[str]:
    out = []
    for fact in items:
        count = fact_count(fact)
        out.append(f"- {_md(fact.text)} {_marks(brief, fact.citations)}" + (f" _({count})_" if count else ""))
    return out


def _md_differences(brief: Brief, items) -> list[str]:
    out = []
    for d in items:
        head = f"**{_md(d.topic)}**: " if d.topic else ""
        out.append(f"- {head}{_md(d.text)} {_marks(brief, d.citations)}")
        out += [f"  - {_md(side.label)}: {_md(side.text)} {_marks(brief, side.citations)}" for side in d.sides]
    return out


def _md_timeline(brief: Brief, items) -> list[str]:
    return [f"- **{_md(timeline_date(t))}**{' (planned)' if t.tense == 'future' else ''}: {_md(t.text)} "
            f"{_marks(brief, t.citations)}" for t in items]


def _md_development(brief: Brief, items) -> list[str]:
    return [f"- [{brief.source_number(d.article_id)}] {_md(development_line(d))}" for d in items]


def _md_thread(brief: Brief, items) -> list[str]:
    return [f"- {_md(thread_line(t))} (story {_md(t.story_id)})" for t in items]


def _md_sources(brief: Brief, items) -> list[str]:
    return [f"{s.number}. {_source_entry(s)}" for s in items]


def _source_entry(s: SourceRef) -> str:
    parts = [s.outlet or "unknown outlet", f"“{s.title}”" if s.title else "(untitled)",
             date_label(s.published, s.year_inferred), s.url or s.source]
    copy = f" (copy of [{s.copy_of}])" if s.copy_of else ""
    return _md(" — ".join(parts)) + copy


def _md_notes(brief: Brief, items) -> list[str]:
    return [f"- {_md(n)}" for n in items]


_MARKDOWN = {"summary": _md_summary, "points": _md_points, "entities": _md_entities, "quotes": _md_quotes,
             "facts": _md_facts, "differences": _md_differences, "timeline": _md_timeline,
             "development": _md_development, "thread": _md_thread, "sources": _md_sources, "notes": _md_notes}


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

    return add_template_helpers(jinja2.Environment(
        loader=jinja2.PackageLoader("storyline.report", "templates"),
        autoescape=True,  # all article-derived text is escaped
        trim_blocks=True, lstrip_blocks=True,
    ))


def render_html(*briefs: Brief) -> str:
    return _env().get_template("brief.html").render(briefs=briefs)


def render_template(name: str, **context) -> str:
    """A page or fragment of report/templates, autoescaped, with the brief's helpers: the
    digest (report/digest.py) shows each brief through brief_article.html, as brief.html does."""
    return _env().get_template(name).render(**context)

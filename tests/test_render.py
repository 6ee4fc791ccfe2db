"""The renderers walk one list of sections (report/sections.SECTIONS): Markdown, the
standalone HTML brief and the web story page show every non-empty section of a real
brief under its title, in that order, and apply the same rules (header line, fact
counts, quotation marks, entity descriptions, date labels) to the same items."""
from __future__ import annotations

import dataclasses
import html
import json
import re
import typing

import pytest

import storyline
from storyline.model import Brief, Difference, Side, ThreadLink
from storyline.report.render import date_label, fact_count, render, render_many, source_line
from storyline.report.sections import SECTIONS

from .conftest import EXAMPLES

pytestmark = pytest.mark.slow
STORIES = ("bridge", "storm")


@pytest.fixture(scope="module")
def articles() -> dict[str, list]:
    return {name: storyline.read([str(EXAMPLES / name)]) for name in STORIES}


@pytest.fixture(scope="module")
def briefs(articles) -> dict[str, Brief]:
    out = {}
    for name, arts in articles.items():
        (out[name],) = storyline.brief(arts)  # each example folder is one story
    return out


@pytest.fixture(scope="module")
def full_brief(briefs) -> Brief:
    """The bridge brief with every section filled: the examples state no differing figures,
    so two of its sources' differing estimates of the repair time make one difference."""
    bridge = briefs["bridge"]
    weeks = [f for f in bridge.single_source if "five weeks" in f.text][:1] + \
        [q for q in bridge.quotes if q.text == "at least six weeks"][:1]
    assert len(weeks) == 2, "the bridge example's repair estimates are gone"
    sides = [Side(label=", ".join(bridge.sources[n - 1].outlet for n in bridge.source_numbers(w.citations)),
                  text=w.text, citations=w.citations) for w in weeks]
    differ = Difference(topic="repair time", kind="figures", text="five or six weeks", sides=sides,
                        citations=[c for w in weeks for c in w.citations])
    storm = briefs["storm"]  # shown as a later event of the bridge's thread (the renderers' input, not a real link)
    thread = [ThreadLink(story_id="storm0000001", headline=storm.headline, first_date=storm.sources[0].published,
                         last_date=storm.sources[-1].published, relation="later", shared=["elm street bridge"])]
    return dataclasses.replace(bridge, differ=[differ], notes=storm.notes, thread=thread)


def web_page(brief: Brief, articles: list) -> str:
    """The web story page, rendered as the app renders it (present.make_templates, its context)."""
    from storyline.web.present import make_templates

    story = {"id": "s1", "headline": brief.headline, "first_date": brief.sources[0].published,
             "last_date": brief.sources[-1].published, "articles": len(brief.sources),
             "outlets": len({s.outlet for s in brief.sources}), "independent_sources": brief.independent_sources}
    return make_templates().get_template("story.html").render(
        story=story, brief=brief, articles={a.id: a for a in articles},
        outlets=sorted({s.outlet for s in brief.sources if s.outlet}))


def renderings(brief: Brief, articles: list) -> dict[str, str]:
    return {"md": render(brief, "md"), "html": render(brief, "html"), "web": web_page(brief, articles)}


def titles(fmt: str, text: str) -> list[str]:
    """The section titles in the order the rendering shows them."""
    pattern = r"^## (.+)$" if fmt == "md" else r"<h2>([^<]+)</h2>"
    known = {s.title for s in SECTIONS}
    return [t for t in re.findall(pattern, text, re.M) if t in known]


def test_sections_cover_every_section_field_of_the_brief():
    """A list field of Brief that no section shows would be in the JSON and in no other format."""
    hints = typing.get_type_hints(Brief)
    lists = {f.name for f in dataclasses.fields(Brief) if typing.get_origin(hints[f.name]) is list}
    names = [s.name for s in SECTIONS]
    assert set(names) == lists and len(names) == len(lists)
    assert len({s.anchor for s in SECTIONS}) == len(SECTIONS)


@pytest.mark.parametrize("name", [*STORIES, "full"])
def test_every_format_shows_the_sections_in_order(name, briefs, full_brief, articles):
    brief = full_brief if name == "full" else briefs[name]
    expected = [s.title for s in SECTIONS if s.shown(brief)]
    if name == "full":
        assert expected == [s.title for s in SECTIONS]
    for fmt, text in renderings(brief, articles["bridge" if name == "full" else name]).items():
        assert titles(fmt, text) == expected, fmt


def test_every_format_applies_the_same_rules(full_brief, articles):
    brief = full_brief
    direct = next(q for q in brief.quotes if q.quoted)
    reported = next(q for q in brief.quotes if not q.quoted)
    entity = next(e for e in brief.entities if e.role)
    agreed = brief.agree[0]
    development = brief.development[0]
    for fmt, text in renderings(brief, articles["bridge"]).items():
        plain = html.unescape(text.replace("\\", ""))  # Markdown escapes, HTML entities
        assert source_line(brief) in plain and f"({brief.independent_sources} independent)" in plain, fmt
        assert f"({fact_count(agreed)})" in plain and fact_count(agreed).startswith(f"{agreed.independent_sources} "), fmt
        assert f"“{direct.text}”" in plain and reported.text in plain and f"“{reported.text}”" not in plain, fmt
        assert entity.description == entity.role and entity.role in plain, fmt
        assert date_label(development.published, development.year_inferred) in plain, fmt
        assert all(side.text in plain for side in brief.differ[0].sides), fmt


def test_several_briefs_on_one_page(briefs):
    """The standalone page of several briefs: each brief's citations link to its own sources."""
    page = render_many([briefs["bridge"], briefs["storm"]], "html")
    assert page.count("<article>") == 2 and page.count("<h2>Sources</h2>") == 2
    for b in (1, 2):
        anchors = set(re.findall(rf'href="#b{b}-source-(\d+)"', page))
        assert anchors and anchors <= set(re.findall(rf'id="b{b}-source-(\d+)"', page))


def test_a_part_shows_its_sections_and_the_sources(briefs):
    from storyline.pipeline import PARTS
    from storyline.report.render import render_part

    shown = [briefs["bridge"], briefs["storm"]]
    for part, names in PARTS.items():
        md = render_part(shown, part, "md")
        expected = [s.title for s in SECTIONS if (s.name in names or s.name == "sources") and s.shown(shown[0])]
        assert titles("md", md.split("\n---\n")[0]) == expected, part
        data = json.loads(render_part(shown, part, "json"))
        assert [set(d) for d in data] == [{"story_id", "headline", "sources", *names}] * 2
        assert data[1]["sources"] == shown[1].to_json()["sources"]


def test_briefs_are_typed_and_read_back_the_same(briefs):
    """The renderers read attributes: every section item of a real brief is its model type,
    and the JSON reads back to the same brief."""
    hints = typing.get_type_hints(Brief)
    for brief in briefs.values():
        for section in SECTIONS:
            (item_type,) = typing.get_args(hints[section.name])
            assert all(isinstance(item, item_type) for item in section.items(brief)), section.name
        assert Brief.from_json(brief.to_json()) == brief


def test_a_thread_link_is_escaped_and_links_the_story_on_the_web(full_brief, articles):
    """The linked story's headline is untrusted text; the web page links the story's page,
    the standalone brief and Markdown name its id."""
    link = dataclasses.replace(full_brief.thread[0], headline="<script>alert(1)</script> *bold*")
    brief = dataclasses.replace(full_brief, thread=[link])
    shown = renderings(brief, articles["bridge"])
    for fmt in ("html", "web"):
        assert "<script>alert" not in shown[fmt] and "&lt;script&gt;" in shown[fmt]
    assert '<a href="/stories/storm0000001">Later, ' in shown["web"]
    assert "(story storm0000001)" in shown["html"] and "(story storm0000001)" in shown["md"]
    assert "\\<script\\>" in shown["md"] and "\\*bold\\*" in shown["md"]

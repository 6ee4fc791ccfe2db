"""The sections of a brief, in reading order: the one list that every renderer walks
(Markdown, the standalone HTML brief, the web story page), so that they show the
same sections under the same titles in the same order."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Brief


@dataclass(frozen=True)
class Section:
    name: str  # the Brief field it shows
    title: str
    kind: str  # how its items are drawn: templates/sections/<kind>.html and the Markdown drawer of that kind
    anchor: str  # the id of its HTML <section>
    always: bool = False  # shown even when empty (the summary says there is nothing to summarise)

    def items(self, brief: Brief) -> list:
        return getattr(brief, self.name)

    def shown(self, brief: Brief) -> bool:
        return self.always or bool(self.items(brief))


SECTIONS: tuple[Section, ...] = (
    Section("summary", "Summary", "summary", "summary", always=True),
    Section("key_points", "Key points", "points", "key-points"),
    Section("entities", "People and organisations", "entities", "entities"),
    Section("quotes", "Who said what", "quotes", "quotes"),
    Section("agree", "Where sources agree", "facts", "agree"),
    Section("differ", "Where they differ", "differences", "differ"),
    Section("single_source", "Only in one source", "facts", "single"),
    Section("timeline", "Timeline", "timeline", "timeline"),
    Section("development", "How the story developed", "development", "development"),
    Section("thread", "Earlier and later events", "thread", "thread"),
    Section("sources", "Sources", "sources", "sources", always=True),
    Section("notes", "Notes", "notes", "notes"),
)

"""What a reader delivers before cleaning: the fields a source states."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model import PartialDate


@dataclass
class RawArticle:
    source: str
    text: str
    title: str = ""
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: PartialDate = field(default_factory=PartialDate)
    language: str | None = None
    metadata: dict = field(default_factory=dict)
    # Plain-text files put the headline on their first line; other readers
    # hand over the headline separately.
    headline_in_text: bool = False
    # A date the source implies when it states none (a WARC record's crawl date): used, and
    # gives yearless dates their year, before the --published fallback.
    fallback_date: PartialDate | None = None

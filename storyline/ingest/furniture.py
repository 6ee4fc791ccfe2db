"""Site furniture inside prose: which sentences report something.

Extraction leaves share prompts, cookie notices, captions and wire credits
inside paragraphs. A sentence that is one of these is not reporting: the
summary never quotes it, citations never point at it, and a page with no
reporting sentence at all (an error page, a "Tweet with a location" notice)
is not an article.
"""
from __future__ import annotations

import re

from ..settings import IngestSettings

NOT_REPORTING = re.compile(
    r"(?:\bclick(?:ing)?\b|subscribe|sign up|newsletter|follow us|share this|read more|photo:|image:|getty images|"
    r"\(ap photo|all rights reserved|©|this story has been|contributed to this report|"
    # site notices, not news about cookies, advertisers or a company's privacy policy
    r"(?:(?:this|our) (?:site|website) uses|we use) cookies|cookie (?:policy|settings|preferences)|accept (?:all )?cookies|"
    r"\badvertisement\b|advertise with us|advertising partners|"
    r"(?:our|the site's|read the|see the|view the) (?:privacy policy|terms of (?:use|service))|"
    r"(?:privacy policy|terms of (?:use|service)) (?:and|&)|"
    r"image (?:copyright|caption)|media (?:playback|caption)|file photo|photographer\)|"
    r"\((?:ap|afp|reuters|associated press|getty)\)|reuters/|ap photo/|pic\.twitter\.com|https?://|www\.|"
    r"\bemail alerts?\b|breaking news emails?|reprints?\b|opinions expressed|javascript|\bbrowsers?\b)",
    re.IGNORECASE,
)
# Captions describe a picture: "In this May 4, 2001, file photo, ...", "Pictured: ...".
CAPTION = re.compile(r"^(?:in this\b.{0,60}\b(?:photo|image|picture)|pictured\b|above:|below:)", re.IGNORECASE)
# The reader is addressed only by site furniture ("You can add location ..."),
# so second person outside quotation marks disqualifies a sentence.
READER = re.compile(r"\b(?:you|your|yours)\b", re.IGNORECASE)
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
# A dateline or wire credit that ingest left on the sentence: "(CNN) ...",
# "Seoul, South Korea (CNN) ...", "AUGUSTA, Ga. (WRDW) – ...", "CAIRO—...".
# It is not part of the statement, so the summary drops it.
DATELINE = re.compile(
    r"^(?:\([A-Z][\w/ .&'-]{1,30}\)\s*(?:[–—-]{1,2}\s*)?"
    r"|[A-Z][\w.'’ ]{1,40}(?:,\s*[\w.'’ ]{1,30}){1,3}\s*\([A-Z][\w/ .&'-]{1,30}\)\s*(?:[–—-]{1,2}\s*)?"
    r"|[A-Z][\w.'’ ]{1,40}\s*\([A-Z][\w/ .&'-]{1,30}\)\s*[–—-]{1,2}\s*"
    r"|[A-Z][A-Z.'’ ]{2,40}(?:,\s*[A-Z][\w.]{1,20})?\s*[–—]\s*)"
    r"(?=[A-Z“\"])")
ENDS_SENTENCE = re.compile(r"[.!][\"'”’)]*$")


def is_furniture(text: str) -> bool:
    """A share prompt, notice, credit or caption (whatever its length)."""
    return bool(NOT_REPORTING.search(text) or CAPTION.search(text))


def reporting(text: str, max_words: int | None = None, settings: IngestSettings = IngestSettings()) -> str | None:
    """The sentence without a leading dateline, or None if it is furniture,
    a caption, a fragment (under settings.reporting_min_words), a question or
    addressed to the reader."""
    text = DATELINE.sub("", text.strip())
    n_words = len(text.split())
    if n_words < settings.reporting_min_words or (max_words is not None and n_words > max_words):
        return None
    if not ENDS_SENTENCE.search(text) or text.endswith(("...", "…")):
        return None
    if is_furniture(text) or READER.search(QUOTED.sub("", text)):
        return None
    if not (text[:1].isupper() or text[:1].isdigit() or text.startswith(("“", '"'))):
        return None
    return text

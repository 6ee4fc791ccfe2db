"""The digest: one entry per story that is new or grew in a period, newest first, each
holding the story's cited brief. `storyline digest` writes it (Markdown, HTML, Atom) and the
web app serves it as GET /feed.atom, so that any feed reader can follow storyline's
deduplicated, cited stories.

    period = parse_since("24h")                      # or "7d", "90m", "2025-03-10", "2025-03-10T08:00Z"
    digest = make_digest(pipeline, period)           # Digest: its entries, the one that grew last first
    text = render_digest(digest, "atom", base_url="https://news.example/")

A story is in the digest when one of its articles was stored (ingested_at) at or after
`since`: it is new when all of them were, else it grew. The briefs are the pipeline's, the
same (and cached under the same key) as `storyline show` gives; Markdown and HTML show them
through the brief's own renderers (report/render.py), and an Atom entry's content is the
brief's HTML <article>, escaped as type="html" asks. The feed is made by feedgen.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from ..errors import StorylineError
from ..model import Brief
from .render import render_markdown, render_template

FORMATS = ("md", "html", "atom")
PERIOD = re.compile(r"^\s*(\d{1,9})\s*([mhdw])\s*$", re.IGNORECASE)
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
FEED_ID = "urn:storyline:digest"  # the feed's id when no base URL is known
# Characters XML 1.0 cannot hold at all (lxml refuses them): dropped from what goes into a feed.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Period:
    """Where a digest's period starts, and how to say it."""

    start: datetime  # UTC
    label: str  # 'in the last 24h', 'since 10 Mar 2025 08:00 UTC'


@dataclass
class DigestEntry:
    """One story of the digest: its brief, whether it is new or grew, and when."""

    story_id: str
    brief: Brief
    articles: int  # all of the story's articles
    arrived: int  # those stored in the period
    first_stored: datetime  # its first article's ingested_at (UTC)
    last_stored: datetime  # its last one's: when the story last grew

    @property
    def new(self) -> bool:
        return self.arrived >= self.articles

    @property
    def status(self) -> str:
        """'New story: 3 articles' or 'Grew by 2 articles (5 in all)'."""
        if self.new:
            return f"New story: {_count(self.articles, 'article')}"
        return f"Grew by {_count(self.arrived, 'article')} ({self.articles} in all)"

    @property
    def headline(self) -> str:
        return self.brief.headline or "(untitled story)"


@dataclass
class Digest:
    period: Period
    made: datetime  # UTC
    entries: list[DigestEntry] = field(default_factory=list)
    total: int = 0  # stories new or grown in the period; entries holds at most the limit of them

    @property
    def since(self) -> datetime:
        return self.period.start

    @property
    def updated(self) -> datetime:
        """When the digest last changed: when its newest story grew (when it was made, if empty)."""
        return max((e.last_stored for e in self.entries), default=self.made)

    @property
    def title(self) -> str:
        return f"Stories new or grown {self.period.label}"

    @property
    def counts(self) -> str:
        """'2 stories (1 new, 1 grown)', with 'the 50 newest of 73' when the limit cut it."""
        new = sum(e.new for e in self.entries)
        shown = _count(len(self.entries), "story", "stories")
        if self.total > len(self.entries):
            shown = f"the {len(self.entries)} newest of {self.total} stories"
        return f"{shown} ({new} new, {len(self.entries) - new} grown)"


# -- the period ---------------------------------------------------------------------
def parse_since(text: str, now: datetime | None = None, name: str = "--since") -> Period:
    """The period that starts at '90m', '24h', '7d', '2w' (back from
    now) or an ISO date or time ('2025-03-10', '2025-03-10T08:00', '...Z' or '+02:00'; one
    without a zone is UTC). Anything else is a one-line StorylineError naming `name`."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    text = (text or "").strip()
    period = PERIOD.match(text)
    if period:
        amount, unit = int(period.group(1)), period.group(2).lower()
        if amount < 1:
            raise StorylineError(f"{name} {text!r}: the period must be at least 1{unit}")
        try:
            return Period(now - timedelta(**{UNITS[unit]: amount}), f"in the last {amount}{unit}")
        except OverflowError:
            raise StorylineError(f"{name} {text!r}: too long a period") from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise StorylineError(f"{name} {text!r}: not a period (90m, 24h, 7d, 2w) or an ISO date or time "
                             "(2025-03-10, 2025-03-10T08:00Z)") from None
    try:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is past the last UTC day
        raise StorylineError(f"{name} {text!r}: out of range") from None
    return Period(moment, f"since {time_label(moment)}")


def time_label(moment: datetime) -> str:
    """'10 Mar 2025 08:00 UTC'."""
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%b} {moment.year} {moment:%H:%M} UTC"


def _sql_time(moment: datetime) -> str:
    """As SQLite's datetime('now') writes ingested_at: 'YYYY-MM-DD HH:MM:SS', UTC (years padded)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")


def _stored_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- which stories, with their briefs -------------------------------------------------
def make_digest(pipeline, period: Period, words: int = 100, limit: int | None = None,
                now: datetime | None = None) -> Digest:
    """The stories of the pipeline's store that are new or grew in the period (parse_since),
    the one that grew last first, at most limit (settings.digests.max_entries), with their
    briefs (Pipeline.briefs: cached, made in one pass when missing)."""
    store = pipeline.store
    if store is None:
        raise StorylineError("a digest lists stored stories: it needs a store")
    rows = store.stories_stored_since(_sql_time(period.start), limit or pipeline.settings.digests.max_entries)
    found = []
    for row in rows:
        try:
            found.append((row, pipeline.story(row["story_id"])))
        except StorylineError:  # merged away by another process since the query: not a story any more
            continue
    briefs = pipeline.briefs([story for _, story in found], words=words)
    entries = [DigestEntry(story.id, brief, row["articles"], row["arrived"], _stored_time(row["first_stored"]),
                           _stored_time(row["last_stored"])) for (row, story), brief in zip(found, briefs)]
    made = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return Digest(period, made, entries,
                  rows[0]["total"] if rows else 0)


# -- as Markdown, HTML or Atom -------------------------------------------------------
def render_digest(digest: Digest, fmt: str = "md", base_url: str | None = None, self_url: str | None = None) -> str:
    """The digest as md, html or atom. base_url (checked by web_base): where the web app is,
    for links to each story's page; self_url: where the Atom feed itself is read."""
    if fmt == "md":
        return digest_markdown(digest, base_url)
    if fmt == "html":
        return render_template("digest.html", digest=digest, base_url=base_url, time_label=time_label)
    if fmt == "atom":
        return digest_atom(digest, base_url, self_url)
    raise StorylineError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")


def web_base(url: str | None, name: str = "--base-url") -> str | None:
    """A base URL to link from (http or https, with a host), ending in '/'; None stays None."""
    if url is None or url == "":
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c in url for c in " \t\r\n<>\"'"):
        raise StorylineError(f"{name} {url!r}: not an http(s) URL of the web app (https://news.example/)")
    return url if url.endswith("/") else url + "/"


def story_url(base_url: str | None, story_id: str) -> str | None:
    return f"{base_url}stories/{story_id}" if base_url else None


def digest_markdown(digest: Digest, base_url: str | None = None) -> str:
    head = f"# {digest.title}\n\n_{digest.counts}; stored since {time_label(digest.since)}_\n"
    if not digest.entries:
        return head + f"\nNo story is new or grew {digest.period.label}.\n"
    parts = [head]
    for e in digest.entries:
        link = f" · [story page]({story_url(base_url, e.story_id)})" if base_url else ""
        parts.append(f"**{e.status}** · last stored {time_label(e.last_stored)} · story {e.story_id}{link}\n\n"
                     + render_markdown(e.brief))
    return "\n---\n\n".join(parts)


def entry_html(entry: DigestEntry, base_url: str | None = None) -> str:
    """An Atom entry's content: the status line and the brief's HTML <article> (brief_article.html)."""
    return render_template("digest_entry.html", entry=entry, brief=entry.brief, id_prefix=f"{entry.story_id}-",
                           story_url=story_url(base_url, entry.story_id), time_label=time_label)


def digest_atom(digest: Digest, base_url: str | None = None, self_url: str | None = None) -> str:
    """An Atom 1.0 feed: entry id urn:storyline:story:ID (stable while the story lasts),
    updated when the story last grew (a reader shows a grown story as updated), published when
    it was new, its content the brief's HTML."""
    from feedgen.feed import FeedGenerator

    from .. import __version__

    feed = FeedGenerator()
    feed.id(f"{base_url}feed.atom" if base_url else FEED_ID)
    feed.title(f"storyline: {digest.title.lower()}")
    feed.subtitle(f"{digest.counts}: one cited brief per story, made from many reports")
    feed.updated(digest.updated)
    feed.author(name="storyline")
    feed.generator("storyline", version=__version__)
    if self_url:
        feed.link(href=self_url, rel="self", type="application/atom+xml")
    if base_url:
        feed.link(href=base_url, rel="alternate", type="text/html")
    for e in digest.entries:
        item = feed.add_entry(order="append")  # newest first, as listed
        item.id(f"urn:storyline:story:{e.story_id}")
        item.title(_xml(e.headline))
        item.updated(e.last_stored)
        item.published(e.first_stored)
        item.summary(_xml(f"{e.status}, last stored {time_label(e.last_stored)}"))
        item.content(_xml(entry_html(e, base_url)), type="html")  # lxml escapes it: the reader gets the HTML
        if base_url:
            item.link(href=story_url(base_url, e.story_id), rel="alternate", type="text/html")
    return feed.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True).decode("utf-8")


def _xml(text: str) -> str:
    return NOT_XML.sub("", text)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"

"""Cheap per-article features for story clustering.

Clustering must keep up with hundreds of articles a minute on a laptop, so
it never waits for a full spaCy parse. Each article gets:
- a TF-IDF vector of its words (IDF from the documents seen so far, as in
  streaming clustering: a term's weight is fixed when its article arrives);
- a TF-IDF vector of its names and dates, found by a fast pattern pass
  (capitalised word runs, "May 2"-style dates) instead of NER;
- a MiniLM embedding of the headline and lead only (the model encodes short
  texts much faster, and the lead carries what the story is about);
- a time in days, for the time decay of story similarity;
- the day the lead reports its event on ("on Tuesday", "yesterday", read against the
  publication date with analyze/temporal's resolver): two hearings on consecutive days
  are two events.
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ..model import Article, PartialDate, nearest_year

EPOCH = date(1970, 1, 1)

_WORD = re.compile(r"[a-z][a-z0-9]+(?:['’][a-z]+)?")
_WORD_ANY = re.compile(r"[^\W\d_][^\W_]+(?:['’][^\W\d_]+)?")  # any script: "fubá", "überfall"
_MONTHS = ("january february march april may june july august september october november december"
           .split())
_MONTH_NAMES = "|".join(sorted({m for m in _MONTHS} | {m[:3] for m in _MONTHS} | {"sept"}, key=len,
                                reverse=True))
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
# A run of capitalised words, allowing "of"/"de"/"al-" style particles inside a name.
_TOKEN = r"(?:(?:[A-Z]\.){2,}|[A-Z][\w’'-]*[a-z0-9][\w’'-]*|[A-Z]{2,})"
_NAME = re.compile(rf"\b{_TOKEN}(?:\s+(?:(?:of|de|del|da|van|von|bin|al|la|le)\s+)?{_TOKEN})*")
_MONTH_WORDS = frozenset(_MONTH_NAMES.split("|"))
_DATE = re.compile(
    rf"\b(?:(\d{{1,2}})\s+({_MONTH_NAMES})\b|({_MONTH_NAMES})\b\.?\s+(\d{{1,2}})\b)", re.IGNORECASE)
_TITLES = frozenset("mr mrs ms dr sir gen col sen rep gov pres prof st".split())


def _stopwords() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    extra = {"said", "says", "say", "told", "according", "year", "years", "new", "like", "just",
             "image", "photo", "caption", "copyright", "getty", "images", "ap", "reuters",
             "advertisement", "share", "click", "read", "getty", "com", "www", "http", "https"}
    return frozenset(ENGLISH_STOP_WORDS | extra)


STOPWORDS = _stopwords()


def word_counts(text: str, language: str = "en") -> Counter:
    """Lower-cased content words (no stopwords, no 1-letter tokens). For a page in another
    language its own stopwords go too (spaCy's lists): else its commonest words ("de", "que")
    are what two unrelated pages of that language share."""
    stop = STOPWORDS if language == "en" else STOPWORDS | foreign_stopwords(language)
    pattern = _WORD if language == "en" else _WORD_ANY
    words = (w.replace("’", "'") for w in pattern.findall(text.lower()))
    return Counter(w[:-2] if w.endswith("'s") else w for w in words if w not in stop)


@functools.lru_cache(maxsize=64)
def foreign_stopwords(language: str) -> frozenset[str]:
    """spaCy's stopword list of a language (empty where it has none)."""
    import importlib

    try:
        module = importlib.import_module(f"spacy.lang.{language}.stop_words")
    except (ImportError, ValueError):
        return frozenset()
    return frozenset(w.lower() for w in getattr(module, "STOP_WORDS", ()))


# A page that gathers many unrelated events: a briefing, a newsletter, a deals list, a gift
# guide. Strong cues name the form outright; weak ones ("deals", "roundup") also head pages
# about one event ("Review roundup: Stadia launches"), so they count only when no word runs
# through the page's paragraphs.
_ROUNDUP_STRONG = re.compile(
    r"\b(?:\d+ |ten )?things (?:you need to|to) know|need to know today|daily briefing|essential stories|"
    r"let['’]s start here|opening bell|gift guide|daily deals|black friday deals|lunch break|"
    r"morning (?:briefing|digest|note)|today['’]s (?:top|biggest) (?:stories|news)\b", re.IGNORECASE)
_ROUNDUP_WEAK = re.compile(r"\b(?:deals|round-?up|news flash|headlines|best [\w -]{0,30}of (?:19|20)\d\d)\b",
                           re.IGNORECASE)
_ITEM = re.compile(r"^\s*(?:[-•+*]\s*)?\d{1,2}[.)](?:\s|$)", re.MULTILINE)
# A digest credits each of its items to the outlets it was taken from, in brackets at the
# item's end ("... said on CBS. [The Associated Press]", "[Reuters, The Associated Press]"); a
# report credits its own wire once, in its dateline. Names of capitalised words without digits:
# link labels ("[VIDEO]", "[INSIGHT]") are all capitals, verse references carry numbers.
_CREDIT_NAME = r"[A-Z][A-Za-z.&'’-]*(?: (?:of|and|the|[A-Z][A-Za-z.&'’-]*))*"
_CREDIT = re.compile(rf"\[({_CREDIT_NAME}(?:,\s*(?:and\s+)?{_CREDIT_NAME})*)\]\s*$")
# A strong cue is also an everyday phrase ("shares fell ahead of the opening bell", a caption's
# "during a lunch break"): it names the page's form only as a heading or a greeting line ("10 things
# you need to know today: November 20", "Good morning, I'm ... with today's essential stories.").
ROUNDUP_HEADING_WORDS = 15
ROUNDUP_CREDITS = 2  # paragraphs ending with a credit: one is a quoted source, two are a digest's items
ROUNDUP_FOCUS = 0.5  # a page about one event has a word in at least half its paragraphs
ROUNDUP_ITEM_FOCUS = 0.3  # a numbered list of at least three items, its commonest words in fewer


def is_roundup(title: str, text: str) -> bool:
    """Whether the page gathers many events (see _ROUNDUP_STRONG): a strong cue in its title or
    in one of its first lines short enough to be a heading or a greeting (ROUNDUP_HEADING_WORDS);
    or ROUNDUP_CREDITS paragraphs credited to outlets (credited_paragraphs); or a weak cue, or
    three numbered items, with no word that runs through it (none of its five commonest content
    words in ROUNDUP_FOCUS of its paragraphs)."""
    lines = text.split("\n", 8)[:8]
    head = title + "\n" + "\n".join(lines)
    headings = [title] + [line for line in lines if len(line.split()) <= ROUNDUP_HEADING_WORDS]
    if any(_ROUNDUP_STRONG.search(h) for h in headings) or credited_paragraphs(text) >= ROUNDUP_CREDITS:
        return True
    weak, items = bool(_ROUNDUP_WEAK.search(head)), len(_ITEM.findall(text))
    if not weak and items < 3:
        return False
    paragraphs = [set(word_counts(p)) for p in re.split(r"\n+", text) if len(p.split()) >= 6]
    if len(paragraphs) < 4:
        return False
    focus = max((sum(w in p for p in paragraphs) / len(paragraphs)
                 for w, _ in word_counts(text).most_common(5)), default=1.0)
    return focus < (ROUNDUP_FOCUS if weak else ROUNDUP_ITEM_FOCUS)


def credited_paragraphs(text: str) -> int:
    """Paragraphs that end with a bracketed credit of outlets (_CREDIT), as a digest's items do
    (a digest copied without its title and numbering, which ingest drops, keeps these)."""
    return sum(bool((m := _CREDIT.search(p)) and any(c.islower() for c in m.group(1)))
               for p in text.split("\n") if len(p.split()) >= 6)


def entity_counts(text: str) -> Counter:
    """Names and dates from a pattern pass: capitalised word runs (with the
    last word of a multi-word name too, so "Donald Trump" meets "Mr Trump")
    and day-month dates. Weekday names count as dates ("on Tuesday")."""
    counts: Counter = Counter()
    for m in _NAME.finditer(text):
        words = [w.strip("’'-").replace(".", "").lower() for w in m.group(0).split()]
        while words and (words[0] in STOPWORDS or words[0] in _TITLES or words[0] in _MONTH_WORDS):
            words = words[1:]  # sentence-initial "The", "Mr", month names
        words = [w for w in words if w]
        if not words or (len(words) == 1 and (words[0] in STOPWORDS or len(words[0]) < 2)):
            continue
        if len(words) == 1 and words[0] in _WEEKDAYS:
            counts["date:" + words[0]] += 1
            continue
        counts["name:" + " ".join(words)] += 1
        if len(words) > 1:
            counts["name:" + words[-1]] += 1
    for m in _DATE.finditer(text):
        day = m.group(1) or m.group(4)
        prefix = (m.group(2) or m.group(3)).lower()[:3]
        month = next(name for name in _MONTHS if name.startswith(prefix))
        counts[f"date:{month} {int(day)}"] += 1
    return counts


class TermStats:
    """Document frequencies of the terms seen so far (for IDF). The IDF counts
    `prior_docs` more documents that use none of the terms: among a handful of
    articles on one story its own names are in every article, and plain IDF
    would weigh them least of all; the prior keeps them heavy until the
    collection is large enough to tell."""

    def __init__(self, df: dict[str, int] | None = None, docs: int = 0, prior_docs: float = 0.0):
        self.df: dict[str, int] = dict(df or {})
        self.docs = docs
        self.prior_docs = prior_docs

    def add(self, terms) -> None:
        self.docs += 1
        for t in terms:
            self.df[t] = self.df.get(t, 0) + 1

    def idf(self, term: str) -> float:
        return math.log((self.docs + self.prior_docs + 1) / (self.df.get(term, 0) + 1)) + 1.0


def tfidf(counts: Counter, stats: TermStats, top: int) -> dict[str, float]:
    """Unit-length sublinear TF-IDF vector of the `top` heaviest terms."""
    weights = {t: (1.0 + math.log(c)) * stats.idf(t) for t, c in counts.items()}
    if len(weights) > top:
        weights = dict(sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:top])
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: round(w / norm, 5) for t, w in weights.items()}


def article_days(published: PartialDate, reference: float | None = None) -> float | None:
    """Days since 1970 of a day-precision date (mid-month for a month); None
    when too vague to decay on. A date without a year ("4 November") takes the
    year that puts it nearest the reference day (the newest dated article
    around it): counted as undated it would get the day it was stored, which
    can be a year away from the story it belongs to."""
    if published.month is None:
        return None
    year = published.year
    if year is None and reference is not None:
        year = nearest_year(published.month, published.day, EPOCH + timedelta(days=int(reference)))
    if year is None:
        return None
    return float((date(year, published.month, published.day or 15) - EPOCH).days)


def newest_day(articles: list[Article]) -> float | None:
    """The latest publication day among the articles that give a year."""
    return max((d for a in articles if (d := article_days(a.published)) is not None), default=None)


def lead_text(article: Article, chars: int) -> str:
    """Headline plus the opening sentences, cut at a word boundary."""
    parts = [article.title] if article.title else []
    for s in article.sentences:
        if sum(len(p) + 1 for p in parts) >= chars:
            break
        parts.append(s.text)
    if not article.sentences and not article.title:
        parts.append(article.text)
    text = " ".join(parts)
    if len(text) > chars:
        text = text[:chars].rsplit(" ", 1)[0]
    return text


def headline_of(articles: list[Article], chars: int = 120) -> str:
    """The story's headline, one for every view (the stored story, the stories list, the
    brief): of its English articles' titles (each cut of a site name after " | " or " - "),
    the one that best represents the story's sources, else the lead sentence that does,
    shortened. A caption or credit ("Getty Images Elon Musk"), a label and a paragraph
    are not titles. Representing: the share of the sources whose title and lead use each
    of its content words, summed over its words and divided by the square root of their
    number (a longer title must keep adding shared words to win); of equals, the first in
    publication order (the brief's source order), whatever order the articles come in."""
    from ..analyze.nlp import content_words

    articles = sorted([a for a in articles if a.language == "en"] or articles,
                      key=lambda a: (a.published.sort_key(), a.label, a.id))
    if not articles:
        return "(no articles)"
    leads = [content_words(" ".join(_leads(a))) for a in articles]
    titles = [content_words(a.title) for a in articles]

    def represents(candidate: tuple[int, str]) -> float:
        """How much of the story's sources (their leads, the other titles) it states."""
        owner, text = candidate
        words = content_words(text)
        shared = sum(_uses(lead, w) or (k != owner and _uses(title, w))
                     for w in words for k, (lead, title) in enumerate(zip(leads, titles)))
        return shared / len(articles) / math.sqrt(len(words)) if words else 0.0

    candidates = [(k, part) for k, a in enumerate(articles) for part in _title_parts(a.title)]
    if not candidates:
        candidates = [(k, lead[0]) for k, lead in enumerate(map(_leads, articles)) if lead]
    if not candidates:
        return _shortened(articles[0].title or articles[0].text, chars)
    return _shortened(max(candidates, key=represents)[1], chars)  # max keeps the first of equals


HEADLINE_LEAD = 2  # lead sentences of each source a headline is compared with
HEADLINE_WORDS = (3, 25)  # fewest and most words of a title: a label below, a paragraph above
TITLE_SITE = re.compile(r"\s+(?:\||-|–|—|::)\s+")  # "Roger Ailes dead at 77 - Beckley News, Weather"


def _title_parts(title: str) -> list[str]:
    """The title's parts that can be a headline: the whole title and each part a site
    name is cut from, neither a caption nor a label nor a paragraph."""
    from ..ingest.furniture import is_furniture

    title = " ".join(title.split())
    parts = [title] + (TITLE_SITE.split(title) if TITLE_SITE.search(title) else [])
    lo, hi = HEADLINE_WORDS
    return [p for p in dict.fromkeys(parts) if lo <= len(p.split()) <= hi and not is_furniture(p)]


def _uses(words: set[str], word: str) -> bool:
    """Whether the words hold the word or a form of it: one a prefix of the other ("talk",
    "talks") or the same first five letters ("signal", "signalled"); a crude stemmer, as
    titles and leads word one event in different forms."""
    return word in words or any(w[:5] == word[:5] if len(w) >= 5 and len(word) >= 5 else
                                len(w) >= 4 and len(word) >= 4 and (w.startswith(word) or word.startswith(w))
                                for w in words)


def _leads(article: Article) -> list[str]:
    """The article's first reporting sentences (HEADLINE_LEAD of them)."""
    from ..ingest.furniture import reporting

    return [text for text in (reporting(s.text) for s in article.sentences[:3 * HEADLINE_LEAD]) if text][:HEADLINE_LEAD]


def _shortened(text: str, chars: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + "…"


@dataclass
class ArticleFeatures:
    """What clustering knows about one article."""

    article_id: str
    time: float | None  # days since 1970-01-01, None when undated
    embedding: np.ndarray  # unit-length float32 MiniLM vector of headline + lead
    terms: dict[str, float]  # unit TF-IDF of content words
    entities: dict[str, float]  # unit TF-IDF of names and dates
    language: str = "en"  # the article's language (stories hold one language)
    roundup: bool = False  # a page of many events (is_roundup): a story of its own
    titled: bool = False  # it has a headline and a body long enough for the same-event test
    day: float | None = None  # the day its lead reports the event on (event_day)


@dataclass
class RawFeatures:
    """IDF-free counts: computed once, weighted when the article enters the stream."""

    article_id: str
    time: float | None
    lead: str
    words: Counter
    entities: Counter
    language: str = "en"
    roundup: bool = False
    titled: bool = False
    day: float | None = None


EVENT_DAY_REACH = 2  # most days from publication a lead's day may lie: "on Sunday" said on a Thursday is
# last Sunday or the next one, as the tense says, which no parse here reads; such a day is left unknown
EVENT_LEAD_CHARS = 300  # the opening of the body searched for the event's day
_EVENT_TIME = re.compile(r"\b(?:(last|this|next) )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday"
                         r"|yesterday|today|tonight|tomorrow)\b", re.IGNORECASE)

_FUTURE = re.compile(r"\b(?:will|set to|scheduled|expected to|plans? to|due to|is to|are to|ahead of)\b", re.IGNORECASE)

# A site notice ("Coverage: listen from Wednesday, 20 November ... Click here for the guide") gives
# the site's schedule, not the event's day. Captions and credits stay: they date the event.
_NOTICE = re.compile(r"\bclick(?:ing)? (?:here|to|on|below)\b", re.IGNORECASE)

_SAID = re.compile(r"\b(?:said|says|say|told \w+)(?: on)? $", re.IGNORECASE)  # the day of a comment, not the event


def event_day(title: str, text: str, published: PartialDate) -> float | None:
    """Days since 1970 of the day the article's lead reports its event on: the first
    weekday or "yesterday"/"today" of the body's opening (else the headline), resolved
    against the publication date (analyze/temporal, no parse): a weekday is the nearest
    such day, the next one where its sentence speaks of the future ("will", "is set to"). A day
    right after "said" is when someone commented (a reaction the next day), and is passed over.
    None for a text under EVENT_TEST_WORDS words (a short first report says too little to tell
    its event from a follow-up's), when the article gives no full date, its lead names no day, or
    the day lies more than EVENT_DAY_REACH days from the publication date (which side it lies on
    is a guess there). An article without a headline has its day read too (unlike the lead
    test of event_tested, whose embedded lead is then often page clutter): in a dense week
    (events/week-dev.jsonl) most pages come without one, and a hearing's next-day sequel
    ("continued on Wednesday") and a roundup's items joined the day's hearing for want of it.
    The opening leaves out site notices (_NOTICE): a tournament page's "listen from Wednesday"
    put its Monday results on Wednesday, apart from the rest of the tournament."""
    if published.to_date() is None or len(text.split()) < EVENT_TEST_WORDS:
        return None
    from ..analyze.temporal import Reference, parse_expression, resolve

    for part in (_opening(text, EVENT_LEAD_CHARS), title):
        m = next((m for m in _EVENT_TIME.finditer(part) if not _SAID.search(part[:m.start()])), None)
        spec = parse_expression(" ".join(w for w in m.groups() if w).lower()) if m else None
        if spec is not None:
            sentence = re.split(r"[.!?]\s", part[:m.start()])[-1]
            tense = "future" if _FUTURE.search(sentence) else None  # None: the nearest such day
            value = resolve(spec, tense, Reference(published, "published"))
            day = article_days(value.start) if value.start is not None else None
            near = day is not None and abs(day - article_days(published)) <= EVENT_DAY_REACH
            return day if near else None
    return None


def _opening(text: str, chars: int) -> str:
    """The first `chars` characters of the text without its site notices (_NOTICE)."""
    kept: list[str] = []
    size = 0
    for line in text.split("\n", 40):  # the opening is within the first lines
        if size >= chars:
            break
        if not _NOTICE.search(line):
            kept.append(line)
            size += len(line) + 1
    return "\n".join(kept)[:chars]


EVENT_TEST_WORDS = 120  # fewest words of a text whose words' cosine can tell one event from another


def event_tested(title: str, text: str) -> bool:
    """Whether the same-event test (online.event_score) applies to an article: it has a
    headline (without one the embedded lead is often page clutter) and EVENT_TEST_WORDS words
    (a feed excerpt of two sentences shares too few words with any story to be told apart)."""
    return bool(title.strip()) and len(text.split()) >= EVENT_TEST_WORDS


def raw_features(article: Article, lead_chars: int, time: float | None = None) -> RawFeatures:
    text = f"{article.title}\n{article.text}" if article.title else article.text
    return RawFeatures(article.id, time if time is not None else article_days(article.published),
                       lead_text(article, lead_chars), word_counts(text, article.language), entity_counts(text),
                       article.language, is_roundup(article.title, article.text), event_tested(article.title, article.text),
                       event_day(article.title, article.text, article.published))


def weigh(raw: RawFeatures, embedding: np.ndarray, stats: TermStats, max_terms: int) -> ArticleFeatures:
    """Add the article to the document frequencies, then weight its terms."""
    stats.add(list(raw.words) + list(raw.entities))
    return ArticleFeatures(raw.article_id, raw.time, np.asarray(embedding, dtype=np.float32),
                           tfidf(raw.words, stats, max_terms), tfidf(raw.entities, stats, max_terms),
                           raw.language, raw.roundup, raw.titled, raw.day)


def embed_leads(leads: list[str]) -> np.ndarray:
    """MiniLM embeddings of the leads, in one batched call."""
    from ..analyze.nlp import embed

    return np.asarray(embed(leads), dtype=np.float32)

"""Page clutter: what a web page prints around an article that is not reporting.

Extraction delivers a page's lines with the article: date lines, share and subscribe bars,
weather widgets, section labels, time stamps, bylines, photo captions and credits, tag and
related-article lists, comment notices. Every one of them is recognised here, once, by one
classifier over a line's features (its shape, its words, what is around it), so no later
stage (summary, facts, timeline, entities, headline) ever sees it:

- shape: sentence-final punctuation or not, words, share of capitalised words, commas;
- vocabulary: words that only page widgets use (subscribe, comments, partly cloudy ...);
- stamps: what is left of a line once dates, times, "9 hours ago", publishing labels,
  agencies and a byline are taken out;
- credits: a photo or reporting credit, a caption's position markers ("(L)", "(2-R)");
- context: a headline-shaped line among other clutter after the article has begun is a
  related-article link; a short line the page prints twice is a widget.

Inside a kept line, three pieces are cut: a leading `date 2018-04-19` label, a parenthesis
that is site furniture ("(Reporting by ...)", "(To receive ... subscribe here.)") and a
credit or a stray "(" left at the end.
"""
from __future__ import annotations

import re

from ..settings import IngestSettings
from .furniture import CAPTION, is_furniture, reporting

# Whole lines that are site furniture, matched in full (case-insensitive) against a short line.
WIDGET_LINE = re.compile(
    r"""^(?:
        leave\ a\ (?:reply|comment) | be\ the\ first\ to\ comment!? | \d*\s*comments? |
        (?:post(?:ed)?\ a\ )?comment(?:s)?(?:\ \(\d+\))? | add\ a\ comment |
        share(?:\ this(?:\ (?:article|story))?)?(?:\ on\ \w+)?:? | like\ this:? | tweet | email | print |
        click\ to\ (?:share|email|print).* | (?:share|follow)\ (?:us\ )?on\ (?:facebook|twitter|x|instagram).* |
        sign\ up\ (?:for|to)\ .* | subscribe(?:\ now|\ to\ .*)? | newsletter | advertisement | sponsored(?:\ content)? |
        (?:read|see)\ (?:more|also)(?::.*)? | related(?:\ (?:articles?|stories|coverage|posts))?:?.* |
        continue\ reading.* | loading(?:\.\.\.|…)? | (?:all\ rights\ reserved|copyright\ ©?|©).* |
        (?:image|photo|picture|video|source|credit|feature\ image)s?(?:\ caption)?:.* |
        (?:getty\ images|ap\ photo|reuters).{0,40} | (?:images?|photos?|video)?\ ?(?:via|courtesy\ of)\ .{1,60} |
        you\ (?:may|might)\ also\ like:? | recommended(?:\ for\ you)?:? | trending(?:\ now)?:? |
        this\ (?:article|story)\ (?:has\ been|was)\ (?:updated|corrected).* |
        (?:what\ do\ you\ think\?\s*)?(?:tell|let)\ us\ (?:what\ you\ think|in\ the\ comments).*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Words that, in a line that is not a sentence, only page widgets use: navigation and share
# bars, weather boxes, comment and promo blocks.
WIDGET_WORDS = frozenset("""
    subscribe subscribers subscription login log sign ad ads advertise advertisement buy photos photo
    gallery galleries videos video contests sportstalk podcasts podcast newsletter newsletters obituaries
    classifieds jobs e-edition epaper menu search home topics trending share comments comment flyers
    weather cloudy sunny showers rain snow fog foggy clear overcast windy storms thunderstorms
    français español featured sponsored promoted more posts stories related reading watch listen
    """.split())
# What a site talks about when it addresses its reader: its comments, subscriptions, account.
SITE_WORDS = frozenset("""comment comments commenting subscribe subscribers subscription newsletter newsletters
    share sign log login account advertise ads cookies""".split())
WEATHER = re.compile(r"-?\d{1,3}\s*°\s*[CF]?\b")
# Stamp pieces: dates, times, relative times, publishing labels, agencies, bylines.
STAMP_PIECES = re.compile(
    r"""\b(?:
        (?:an?|one|\d+)\s+(?:sec|second|min|minute|hour|hr|day|week|month|year)s?\s+ago | in\s+\d+\s+\w+ |
        \d+\s+min(?:ute)?s?\s+read |
        (?:mon|tues|wednes|thurs|fri|satur|sun)day | (?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? |
        may | \d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)? | \d+\s*(?:[ap]\.?m\.?) | [ap]\.m\. |
        (?:e|c|m|p)[sd]t | gmt | utc | et | \d{4}-\d{2}(?:-\d{2})? | \d{1,4}(?:st|nd|rd|th)? | published | updated | posted | last\ updated | filed\ under | by | staff |
        (?:the\ )?associated\ press | ap | afp | reuters | upi | cnn | bloomberg | on | at
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)
# "(L)", "(C)", "(2-R)", "(left)": where a person stands in the picture a caption describes
# (a bare "(R)" is left alone: it is also a party, "Sen. Jo Smith (R)").
POSITION = re.compile(r"\((?:\d-[LCR]|L|C|left|right|center|centre|front row|back row)\)")
# A credit that ends a caption: "(AP Photo/Seth Wenig)", "(source: Sheriff's Office)". A bare
# "(AP)" ends wire paragraphs too, so it is only cut (TRAILING), not taken for a caption.
CAPTION_CREDIT = re.compile(
    r"[.!]?\s*\((?:(?:AP|AFP|Reuters|Getty) Photo(?:/[^)]{1,60})?|(?:photo|image|source|credit)s?:[^)]{1,80}|"
    r"[^)]{0,40}(?:/|via )(?:AP|AFP|Reuters|Getty Images|Shutterstock)[^)]{0,20})\)$",
    re.IGNORECASE)
# Parentheses inside prose that are the site speaking, not the article.
FURNITURE_PARENS = re.compile(
    r"\s*\((?:[^()]{0,200}?\b(?:subscribe|sign up|newsletter|click|reporting by|editing by|writing by|"
    r"additional reporting|contributed to this report)\b[^()]{0,200})\)", re.IGNORECASE)
# A credit, a "read more" link or a stray opening parenthesis left at the end of a paragraph.
READ_MORE = re.compile(r"(?<=[.!?\"”’])\s*[–—-]?\s*(?:read more|continue reading)\W*$", re.IGNORECASE)
TRAILING = re.compile(r"(?<=[.!?\"”’])\s*(?:\((?:AP|AFP|Reuters|CNN|UPI)\)|[–—-]\s*(?:AP|AFP|Reuters)|\(\s*)$")
DATE_LABEL = re.compile(r"^date\s+\d{4}(?:-\d{2}){0,2}\b\s*")
SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[A-Z“\"(])")
SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)」』]*$")
# Chinese, Japanese and Korean characters: a line of them has no spaces to count words by.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
WORD = re.compile(r"[\w’'&-]+")
HARD_WRAPPED_LINES = 3  # lines whose sentence goes on in the next line that make a page hard-wrapped
MAX_REPEATED_WIDGETS = 2  # distinct repeated lines a page's promo boxes account for
# How the site addresses the reader or credits a picture or a report.
SITE_OPENING = re.compile(r"^\W*(?:click|tap|sign up|subscribe|follow|read|share|get|visit|download|watch|listen|join|"
                          r"see|like|log in|please|image|photo|picture|media|video|advertisement|copyright|©)\b",
                          re.IGNORECASE)
LINK = re.compile(r"https?://|www\.|pic\.twitter\.com|@\w+|\.com/", re.IGNORECASE)
URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*", re.IGNORECASE)
LINK_TEXT_MIN_WORDS = 6  # words around a link that can say something of their own
CREDIT_WORDS = re.compile(r"contributed to this report|all rights reserved|©|image (?:copyright|caption)|media caption|"
                          r"playback|file photo|opinions expressed|views and opinions|cookies|javascript|\bbrowsers?\b|"
                          r"reprints?\b", re.IGNORECASE)
SAID = re.compile(r"\b(?:said|says|told)\b")
# A site promoting itself: "Find out what's happening ... with the latest updates", "Get the
# latest from ...": an imperative opening and promo words.
PROMO = re.compile(r"^(?:find out|get|stay (?:up to date|informed)|don't miss|never miss|download|join)\b"
                   r".{0,120}\b(?:latest|updates?|for free|newsletters?|alerts?|app|inbox)\b", re.IGNORECASE)
JOINERS = {"and", "of", "the", "de", "van", "von", "al", "in", "at", "with", "&", "for", "a", "to", "on"}


def strip_clutter(para: str) -> str:
    """para without a leading date label, furniture parentheses and a trailing credit or "("."""
    para = DATE_LABEL.sub("", para)
    para = FURNITURE_PARENS.sub("", para)
    return TRAILING.sub("", READ_MORE.sub("", para)).strip()


def ended_in_link(para: str) -> bool:
    """para ended with a "Read more" / "Continue reading" link (which strip_clutter cuts)."""
    return bool(READ_MORE.search(para))


def line_clutter(line: str, settings: IngestSettings = IngestSettings(), ended_in_link: bool = False,
                 english: bool = True) -> str | None:
    """Why line (a whole paragraph, strip_clutter'ed) is clutter, or None if it may be
    reporting. ended_in_link: the paragraph ended with a "Read more" link, as a promo does.
    english: the page is in English. The checks of captions, notices and promos read English
    words and English capitalisation (a German line capitalises every noun), so on another
    language only the checks of shape are made: widgets, stamps, labels, link lists."""
    if english and ended_in_link and not _has_reporting(line, settings):
        return "promo"
    words = WORD.findall(line)
    is_sentence = bool(SENTENCE_END.search(line))
    if not words:
        return "no words"
    if len(words) <= settings.widget_max_words and WIDGET_LINE.match(line.strip(" .[]")):
        return "widget"
    if is_stamp(line, words):
        return "date or byline stamp"
    if not english:
        return _shape_clutter(line, words, is_sentence, settings)
    if is_caption(line) or (len(words) <= settings.caption_max_words and describes_picture(line)):
        return "caption or credit"
    if not is_sentence and _widget_share(line, words) >= settings.widget_word_share:
        return "widget"
    if not is_sentence and len(words) <= settings.label_max_words:
        return "label"
    if is_link_list(line):
        return "tag or link list"
    if is_notice(line, settings):
        return "site notice"
    if PROMO.search(line):
        return "promo"
    return None


def _shape_clutter(line: str, words: list[str], is_sentence: bool, settings: IngestSettings) -> str | None:
    """The checks of line_clutter that read no English: a label (a CJK line counts its
    characters as words, having no spaces) and a list of tags or links."""
    if not is_sentence and len(words) + len(CJK.findall(line)) <= settings.label_max_words:
        return "label"
    if is_link_list(line):
        return "tag or link list"
    return None


def is_stamp(line: str, words: list[str]) -> bool:
    """A line of dates, times, publishing labels, agencies and at most a few capitalised
    names (a byline): "The Harbour Wire | Tuesday, March 11, 2025, 9:15 a.m.",
    "By Jane Roe 16 mins ago", "Updated 9 hours ago"."""
    if len(words) > 16:
        return False
    rest = STAMP_PIECES.sub(" ", line)
    had_stamp = len(WORD.findall(rest)) < len(words)
    left = WORD.findall(rest)
    if not had_stamp or len(left) > 4:
        return False
    return all(w[:1].isupper() or w.lower() in JOINERS for w in left) and (
        not left or line.lower().startswith("by ") or len(left) < len(words) / 2)


def is_caption(para: str) -> bool:
    """A photo caption that is only a list of names, e.g. "Russian President Vladimir Putin
    and President Donald Trump": no final punctuation, nearly every word capitalised."""
    if SENTENCE_END.search(para) or re.search(r"[:;\"”’]$", para) or len(para) > 160:
        return False
    words = WORD.findall(para)
    if not 2 <= len(words) <= 20:
        return False
    content = [w for w in words if w.lower() not in JOINERS]
    capitalised = sum(1 for w in content if w[:1].isupper())
    return bool(content) and capitalised / len(content) >= 0.85 and not para.isupper()


def describes_picture(line: str) -> bool:
    """A caption: it ends with a photo credit, places people in the picture or says it is a
    file photo ("In this May 4, 2001, file photo, ...")."""
    return bool(CAPTION_CREDIT.search(line) or POSITION.search(line) or CAPTION.search(line)
                or re.search(r"\bfile (?:photo|image)\b", line, re.IGNORECASE))


def is_link_list(line: str) -> bool:
    """Tags or links joined by commas or bars: many short items, no sentence."""
    if SENTENCE_END.search(line):
        return False
    items = [i for i in re.split(r"\s*[,|•·]\s*", line) if i]
    return len(items) >= 5 and max(len(i.split()) for i in items) <= 5 and not SAID.search(line)


def is_notice(para: str, settings: IngestSettings) -> bool:
    """A paragraph of site notices (comment rules, promos, image credits): the site speaks in
    it, and nothing else does; or in two sentences at least, and in as many as anyone else."""
    sentences = SENTENCE_SPLIT.split(para)
    site = sum(1 for s in sentences if site_speaking(s))
    if not site:
        return False
    others = sum(1 for s in sentences if not site_speaking(s) and len(s.split()) >= settings.reporting_min_words)
    if site < len(sentences) * settings.notice_furniture_share:
        return False
    return not others or (site >= 2 and site >= others)


def site_speaking(sentence: str) -> bool:
    """The site speaking: it addresses the reader about the site ("keep your comments civil"),
    or it is furniture (furniture.is_furniture) that opens with an imperative or a credit or
    holds a link, not news that uses the same words ("the company continued to sign up
    subscribers"). The summary quotes neither."""
    if _addresses_reader(sentence) and any(w.lower() in SITE_WORDS for w in WORD.findall(sentence)):
        return True
    # A link alone is no notice: an event listing gives its web site, an embedded tweet ends
    # in its picture link. What is around the link decides; a bare link, or one with a few
    # words around it ("Link to our shop – https://..."), is the site's.
    words = URL.sub(" ", sentence)
    if len(WORD.findall(words)) < LINK_TEXT_MIN_WORDS:
        return bool(URL.search(sentence)) or is_furniture(sentence) and bool(
            SITE_OPENING.match(sentence) or LINK.search(sentence) or CREDIT_WORDS.search(sentence))
    return is_furniture(words) and bool(SITE_OPENING.match(words) or LINK.search(sentence)
                                        or CREDIT_WORDS.search(words))


def _addresses_reader(sentence: str) -> bool:
    unquoted = re.sub(r"“[^”]*”|\"[^\"]*\"", "", sentence)
    return bool(re.search(r"\b(?:you|your)\b", unquoted, re.IGNORECASE))


def _widget_share(line: str, words: list[str]) -> float:
    if WEATHER.search(line):
        return 1.0
    return sum(1 for w in words if w.lower() in WIDGET_WORDS) / len(words)


def _headline_shaped(line: str) -> bool:
    """Capitalised, not a sentence, not a sentence's lead-in ("... reactions were mixed:") and
    not a quotation left unfinished ("..., he said")."""
    return (line[:1].isupper() and not SENTENCE_END.search(line) and not line.endswith((":", ";", ","))
            and 2 <= len(line.split()) <= 18 and not SAID.search(line))


def mark_in_context(lines: list[str], reasons: list[str | None], title: str, settings: IngestSettings,
                    english: bool = True) -> None:
    """Set the reasons of the lines that are clutter by what is around them (reasons[i] None:
    line i is not clutter by itself); a subhead or lead-in between two reporting paragraphs
    is the article's own (_keep_subheads). On another language than English only the
    repeated lines are marked (headline shapes are English capitalisation)."""
    _mark_repeated(lines, reasons, title, settings)
    if english:
        _mark_link_runs(lines, reasons, settings)
        _keep_subheads(lines, reasons, settings)


SUBHEAD_REASONS = ("label", "caption or credit", "related-article link")


def _keep_subheads(lines: list[str], reasons: list[str | None], settings: IngestSettings) -> None:
    """A short line taken for a label, a caption or a link that stands inside the article's
    prose, after its first reporting paragraph and before its last, is the article's own: a
    subhead ("Near-term consolidation likely"), a lead-in ("Here's the thing:") or an item
    of a list the article gives (tour dates, a draw's groups). Navigation, related-article
    runs and credits stand at the article's edges; inside it, only a line that describes a
    picture or is site furniture (furniture.is_furniture) still goes."""
    told = [why is None and _has_reporting(line, settings) for line, why in zip(lines, reasons)]
    if not any(told):
        return
    first, last = told.index(True), len(told) - 1 - told[::-1].index(True)
    # a widget's heading stands next to the widget ("Our Featured Videos" above a share bar)
    beside_widget = [any(reasons[j] and reasons[j] not in SUBHEAD_REASONS for j in (i - 1, i + 1) if 0 <= j < len(lines))
                     for i in range(len(lines))]
    for i in range(first + 1, last):
        if reasons[i] in SUBHEAD_REASONS and not beside_widget[i] and not describes_picture(lines[i]) \
                and not is_furniture(lines[i]):
            reasons[i] = None


def _mark_repeated(lines: list[str], reasons: list[str | None], title: str, settings: IngestSettings) -> None:
    """A short unquoted line that reports nothing, printed twice by the page (a caption, a
    credit, a promo box), is a widget: every copy goes. The headline's repeat is left to the
    headline check, and a page that repeats many lines is a doubled dump (clean.py keeps the
    first copies)."""
    title_key = _key(title)
    seen: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        key = _key(line)
        if key and key != title_key:
            seen.setdefault(key, []).append(i)
    repeated = [where for where in seen.values() if len(where) > 1]
    if len(repeated) > MAX_REPEATED_WIDGETS:  # a page printed twice, not a widget printed twice
        return
    for where in repeated:
        line = lines[where[0]]
        if len(line.split()) <= settings.repeated_max_words and not line.startswith(("“", '"', "‘")) \
                and not _has_reporting(line, settings):
            for i in where:
                reasons[i] = reasons[i] or "line the page repeats"


def _mark_link_runs(lines: list[str], reasons: list[str | None], settings: IngestSettings) -> None:
    """After the article has begun (its first reporting paragraph), a headline-shaped line
    next to a line that is clutter by itself is a related-article link ("Rugby" / a link /
    "Football" / a link). Not on a hard-wrapped page, where lines go on in the next one."""
    own = [bool(why) for why in reasons]
    start = next((i for i, line in enumerate(lines) if not own[i] and _has_reporting(line, settings)), len(lines))
    wrapped = sum(1 for i in range(len(lines) - 1)
                  if not SENTENCE_END.search(lines[i]) and lines[i + 1][:1].islower())
    if wrapped >= HARD_WRAPPED_LINES:
        return
    shaped = [not own[i] and _headline_shaped(line) for i, line in enumerate(lines)]
    for i in range(start + 1, len(lines)):
        if shaped[i] and any(own[j] for j in (i - 1, i + 1) if 0 <= j < len(lines)):
            reasons[i] = "related-article link"


def _has_reporting(line: str, settings: IngestSettings) -> bool:
    return any(reporting(s, settings=settings) for s in SENTENCE_SPLIT.split(line))


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()

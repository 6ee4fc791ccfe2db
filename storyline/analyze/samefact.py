"""Whether two sentences can state the same fact: the one check behind the summary's
citations, the facts' agreement groups and the quote-statement links.

Close words and meaning are not enough: MiniLM rates "Three people died" and "Five people
died" 0.9, and "did not sign" beside "signed" closer still. So two sentences state the same
fact only if their figures do not contradict and neither denies what the other asserts.
And a sentence cited for a claim must state all of it: "X was arrested and charged with
murder" is not cited to "X was arrested". Each clause of the claim (from the parse: a main
verb with what hangs on it) must be found in the cited sentence: its verb, and enough of its
content words (covers).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..settings import SameFact
from .entities import fold

# Sentences whose readings of their text alone (figures, negations, slots) are memoised: the
# same-fact check compares each sentence of a story with many others, in every stage.
TEXT_MEMO = 8192

NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|sixty|" \
               "seventy|eighty|ninety|dozens?|hundreds|thousands|millions|billions"
HEDGES = r"more than|fewer than|less than|at least|at most|up to|upwards of|about|around|nearly|almost|roughly|" \
         r"some|approximately|over|under"
COUNT = rf"(?:(?<![\w:.,])\d[\d,]*(?:\.\d+)?(?![\d:])|\b(?:{NUMBER_WORDS})\b)" \
        r"(?:\s+(?:of\s+)?(?:hundreds?|thousands?|millions?|billions?|trillions?|m|bn)\b)*"
STATED_NUMBER = re.compile(rf"(?:\b(?:{HEDGES})\s+)?{COUNT}", re.IGNORECASE)
# the same, with the hedge of a sum read before its currency sign: "about $973,000"
STATED_NUMBER_SUMS = re.compile(rf"(?:\b(?:{HEDGES})\s+)?(?:[$£€]\s?)?{COUNT}", re.IGNORECASE)
YEAR = re.compile(r"(?:1[89]|20)\d\d")  # "in 2018" dates a fact; "2,018 people" is a count
# Days of the month and clock times date a fact: "on April 26", "26 April", "at 10:50", "11 a.m."
MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
CALENDAR_BEFORE = re.compile(rf"\b(?:{MONTHS})[a-z]*\.?\s+$", re.IGNORECASE)
CLOCK_AFTER = re.compile(rf"(?::\d\d|\s*(?:a\.?m\b|p\.?m\b|o'clock)|(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS})[a-z]*\b)",
                         re.IGNORECASE)
# "n't" also written without its apostrophe ("wont", "didnt"); between the denial and its
# verb, auxiliaries, an adverb ("has not previously been accused") or a determiner ("a truce,
# not a peace treaty"), but not "only" ("not only signed but ratified" denies nothing)
NEGATED = re.compile(r"(?:\bnot|\bnever|\bno longer|n't|\b(?:wo|do|does|did|ca|is|was|are|were|could|would|should|"
                     r"has|have|had)nt)\s+(?:(?:yet|been|be|have|had|ever|a|an|the|(?!only\b)[a-z]+ly)\s+)*"
                     r"(?P<verb>[a-z]+)"
                     r"|\b(?:refused|declined|failed)\s+to\s+(?P<verb2>[a-z]+)", re.IGNORECASE)
SUFFIX = re.compile(r"(?:ing|ed|es|e|s)$")


@lru_cache(maxsize=TEXT_MEMO)
def stated_figures(text: str, sums: bool = False) -> tuple[tuple[float, float], ...]:
    """The counts a sentence gives ("three", "about 4,000", "$1.2 million"), as ranges;
    years and clock times are not counts, and "one" is more often a pronoun than a figure.
    sums: a hedge before a currency sign hedges the sum ("about $973,000" is some 973,000);
    without it the sum reads exact, the stricter reading the citations keep (a hedged sum is
    not cited for an exact one)."""
    out = []
    for m in (STATED_NUMBER_SUMS if sums else STATED_NUMBER).finditer(text):
        phrase = m.group(0)
        if YEAR.fullmatch(phrase) or CALENDAR_BEFORE.search(text[:m.start()]) \
                or CLOCK_AFTER.match(text[m.end():]):
            continue
        if fold(phrase).strip() == "one":
            continue
        rng = parse_figure(phrase)
        if rng is not None:
            out.append(rng)
    return tuple(out)


def _stem(word: str) -> str:
    word = word.lower()
    return SUFFIX.sub("", word) if len(word) > 4 else word


def compatible(x: tuple[float, float], y: tuple[float, float]) -> bool:
    """Two stated counts can be the same: their ranges overlap, and where both are bounded
    one's middle lies in the other ("5,000" and "about 5,500" can be one), and two figures
    both given as "about" are the same figure ("some 9,000" / "around 9,000"; not "about
    5,000" / "about 6,000", nor "about 65 miles" / "about 70 miles")."""
    if not (x[0] <= y[1] and y[0] <= x[1]):
        return False
    if float("inf") in (x[1], y[1]):
        return True
    mx, my = (x[0] + x[1]) / 2, (y[0] + y[1]) / 2
    if _hedged(x) and _hedged(y):  # "about 65" / "about 70": two sources round to different figures
        return abs(mx - my) <= 0.01 * max(mx, my)
    return x[0] <= my <= x[1] or y[0] <= mx <= y[1]


def _hedged(r: tuple[float, float]) -> bool:
    """A range parse_figure made of "about N" (N less and more 15%)."""
    return r[0] > 0 and abs(r[1] / r[0] - HEDGE[1] / HEDGE[0]) < 1e-9


def _unmatched(xs: list[tuple[float, float]], ys: list[tuple[float, float]]) -> bool:
    """Some count of xs has no compatible count among ys."""
    return any(not any(compatible(x, y) for y in ys) for x in xs)


def figures_conflict(a: str, b: str, sums: bool = False) -> bool:
    """Each sentence gives a count the other has nothing compatible with ("three dead" /
    "five dead"; "charged with two counts" / "a suspect six days earlier"). A sentence that
    gives fewer figures, all found in the other, does not contradict it: it leaves the rest
    out ("charged with two counts" / "the 72-year-old was charged with two counts"). sums:
    as stated_figures ("about $973,000" and "$972,814" then agree)."""
    fa, fb = stated_figures(a, sums), stated_figures(b, sums)
    return bool(fa and fb) and _unmatched(fa, fb) and _unmatched(fb, fa)


def gives_figures_of(claim: str, cited: str) -> bool:
    """Whether the cited sentence, if it gives figures at all, gives every figure of the claim:
    a citation stands for the claim's figures ("5,000 left" is not cited to "rose to 6,000,
    up from 2,000"), while a sentence without figures may state the rest of the claim."""
    fc, fs = stated_figures(claim), stated_figures(cited)
    return not (fs and _unmatched(fc, fs))


# what "not" may precede that is no denied verb ("possibly not the most important")
NOT_VERBS = {"the", "a", "an", "only", "just", "so", "as", "to", "all", "every", "much", "many", "more", "most", "least",
             "quite", "very", "too", "even", "enough", "that", "this", "in", "on", "at", "for", "from", "with", "by"}


@lru_cache(maxsize=TEXT_MEMO)
def _negated(text: str) -> frozenset[str]:
    text = text.replace("’", "'")  # "didn’t" and "didn't" deny alike
    return frozenset({_stem(m.group("verb") or m.group("verb2")) for m in NEGATED.finditer(text)} - NOT_VERBS)


@lru_cache(maxsize=TEXT_MEMO)
def _asserted(text: str) -> frozenset[str]:
    text = text.replace("’", "'")
    denied = {m.start("verb") if m.group("verb") else m.start("verb2") for m in NEGATED.finditer(text)}
    return frozenset(_stem(m.group(0)) for m in re.finditer(r"[a-z]+", text, re.IGNORECASE) if m.start() not in denied)


def negation_flip(a: str, b: str) -> bool:
    """One sentence denies a verb the other asserts ("did not sign" / "signed"); "not" before
    a determiner or adverb ("not the most important") denies no verb."""
    na, nb = _negated(a) - _negated(b), _negated(b) - _negated(a)
    return bool(na & _asserted(b)) or bool(nb & _asserted(a))


# a contrast that leaves its verb out: "made not of steel but of panels", "could end in a fine
# but not in a prison term": the verb is asserted of one thing, denied of another
ELLIPTIC_CONTRAST = re.compile(r"\bbut\s+(?:not\s+)?(?:of|from|in|on|at|by|with|for|to|as|a|an|the)\b", re.IGNORECASE)


def contradicts(a: str, b: str) -> bool:
    """A negation flip that is a contradiction between sources, not a distinction: the denying
    sentence does not itself assert the verb of something else ("will not collect your
    spoken word, but may still collect texts" against "may collect voice commands"), and
    neither sentence contrasts two things under one verb (ELLIPTIC_CONTRAST)."""
    if ELLIPTIC_CONTRAST.search(a) or ELLIPTIC_CONTRAST.search(b):
        return False
    na = _negated(a) - _negated(b) - _asserted(a)
    nb = _negated(b) - _negated(a) - _asserted(b)
    return bool(na & _asserted(b)) or bool(nb & _asserted(a))


WEEKDAY = re.compile(r"(?:mon|tues|wednes|thurs|fri|satur|sun)day", re.IGNORECASE)
MONTH = re.compile(rf"(?:{MONTHS})[a-z]*\.?", re.IGNORECASE)
TOKEN = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
FUNCTION_WORDS = {"the", "and", "but", "for", "with", "that", "this", "which", "who", "was", "were", "has", "have", "had",
                  "are", "his", "her", "its", "their", "from", "into", "than", "then", "also", "been", "will", "would"}
NOT_NAMES = {"i", "mr", "mrs", "ms", "dr", "the", "a", "an", "but", "and", "in", "on", "at", "he", "she", "it", "they",
             "we", "this", "that", "his", "her", "their", "its"}


@lru_cache(maxsize=TEXT_MEMO)
def _slots(text: str) -> tuple[dict[tuple[str, str], frozenset[str]], frozenset[str]]:
    """({(form, day name, "month day" date or capitalised name): the words just before it}, the
    other words) of a sentence, lower-cased. The first word is no name (it is capitalised
    anyway), and a name of several words is one slot ("miriam okonjo"). Memoised: read, never
    changed, by its callers."""
    text = text.replace("’", "'")
    tokens = [(re.sub(r"'s$", "", m.group(0)), m.start()) for m in TOKEN.finditer(text)]
    slots: dict[str, set[str]] = {}
    rest: set[str] = set()
    k = 0
    while k < len(tokens):
        w, at = tokens[k]
        before = tokens[k - 1][0].lower() if k else ""
        if WEEKDAY.fullmatch(w):
            slots.setdefault(("day", w.lower()), set()).add(before)
        elif MONTH.fullmatch(w) and w[0].isupper() and k + 1 < len(tokens) and re.fullmatch(r"\d\d?", tokens[k + 1][0]):
            slots.setdefault(("date", f"{w.lower()[:3]} {int(tokens[k + 1][0])}"), set()).add(before)
            k += 1
        elif k and w[0].isupper() and w.lower() not in NOT_NAMES and text[max(0, at - 2):at].strip() not in (".", "“", '"'):
            end = k
            while end + 1 < len(tokens) and tokens[end + 1][0][0].isupper() and tokens[end + 1][0].lower() not in NOT_NAMES:
                end += 1
            slots.setdefault(("name", " ".join(t.lower() for t, _ in tokens[k:end + 1])), set()).add(before)
            rest.update(t.lower() for t, _ in tokens[k:end + 1])  # a surname still counts as the same words
            k = end
        elif len(w) > 2 and not w.isdigit() and w.lower() not in FUNCTION_WORDS:
            rest.add(w.lower())
        k += 1
    return {slot: frozenset(before) for slot, before in slots.items()}, frozenset(rest)


def slots_differ(a: str, b: str, rest_overlap: float = SameFact().slot_rest_overlap) -> bool:
    """Two sentences that say the same in other words (rest_overlap) where, after the same
    word, each names a day, a date or a name the other does not ("Carrow on Tuesday" /
    "Carrow on Wednesday", "prison in Leeds" / "prison in Bradford"): they state different
    facts. A sentence that only adds one ("sent to Carrow" beside "sent"), a surname beside
    the full name, a day of another event ("arrested on Tuesday" / "charged on Wednesday")
    and one date in two forms ("Monday" / "October 7", left to the analysis, which resolves
    them) do not differ."""
    sa, ra = _slots(a)
    sb, rb = _slots(b)
    if not ra or not rb or len(ra & rb) / len(ra | rb) < rest_overlap:
        return False

    def known(slot: tuple[str, str], others: dict) -> bool:  # "okonjo" in "miriam okonjo"
        words = set(slot[1].split())
        return any(form == slot[0] and (words <= set(o.split()) or set(o.split()) <= words) for form, o in others)
    only_a = [(k[0], before) for k, before in sa.items() if not known(k, sb)]
    only_b = [(k[0], before) for k, before in sb.items() if not known(k, sa)]
    return any(fx == fy and x & y for fx, x in only_a for fy, y in only_b)


def states_same_fact(a: str, b: str, cited: bool = False,
                     meanings: tuple[Meaning | None, Meaning | None] = (None, None),
                     settings: SameFact = SameFact()) -> bool:
    """Whether two sentences already close in words and meaning (SameFact) can state the same
    fact: no contradicting figures, no negation flip, no day, date or name that tells two
    otherwise alike sentences apart (slots_differ). The one check behind a citation, an
    agreement group and a quote-statement link. cited: b is cited for claim a, so b must give
    each of a's figures (gives_figures_of) where it gives any and, when their parses are
    given (meanings), state each of a's clauses (covers)."""
    if negation_flip(a, b) or slots_differ(a, b, settings.slot_rest_overlap):
        return False
    if not cited:
        return not figures_conflict(a, b)
    claim, source = meanings
    return gives_figures_of(a, b) and (claim is None or source is None or covers(claim, source, settings))


# ---- the whole claim: clauses ----
CLAUSE_DEPS = {"ROOT", "conj", "ccomp", "parataxis"}
# Verbs that say who states a thing, not what happened: their own clause is attribution,
# which outlets word differently ("police said" / "according to the sheriff").
REPORTING = {"say", "tell", "report", "add", "note", "state", "claim", "write", "explain", "according", "insist",
             "argue", "suggest", "believe", "think"}
LIGHT = {"be", "have", "do", "get", "make", "take", "go", "come", "become", "seem"}
# Verbs that name one step of a process whose other steps outlets report in the same words:
# "arrested for the murders" and "charged with the murders", "pleaded guilty" and "was
# sentenced", "proposed" and "approved" share everything but the step, so a cited sentence
# must name the claim's step itself ("arrest" the noun names it too: see _key).
STEPS = ("arrest", "detain", "charge", "indict", "arraign", "plead", "convict", "acquit", "sentence", "parole",
         "pardon", "propose", "approve", "reject", "veto", "ratify", "nominate")
CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM"}


@dataclass(frozen=True)
class Clause:
    """One clause of a sentence: its main verb and the content words that hang on it."""

    verb: str  # lemma; "" when the verb is light ("be", "have") or it is not a verb
    words: frozenset[str]
    attribution: bool  # a verb of saying whose content is another clause


@dataclass(frozen=True)
class Meaning:
    """What a sentence's parse says it states: its clauses and all its content words."""

    clauses: tuple[Clause, ...]
    words: frozenset[str]


def _key(word: str) -> str:
    """A word's lemma cut to its first five letters: "arrest" the noun and the verb, and
    "announce" / "announcement", compare equal."""
    return word[:5]


STEP_KEYS = frozenset(_key(w) for w in STEPS)


def _clause_heads(span) -> tuple[list, dict[int, int]]:
    """(the tokens heading the span's clauses, {token index: index of the head of its clause})."""
    tokens = list(span)
    heads = [t for t in tokens if t.dep_ in CLAUSE_DEPS and t.pos_ in ("VERB", "AUX")]
    # ", with a driver behind the wheel": a circumstance that is a fact of its own
    heads += [t for t in tokens if t.lower_ == "with" and t.dep_ == "prep" and t.head in heads
              and t.i > span.start and t.nbor(-1).text == ","]
    owner = {}
    for h in sorted(heads, key=lambda t: -len(list(t.subtree))):  # inner clauses claim last
        for t in h.subtree:
            owner[t.i] = h.i
    return heads, owner


def meaning_of(span) -> Meaning:
    """The clauses of a parsed sentence (a spaCy Span): each verb heading a main, coordinate
    or reported clause, with the content words of its subtree that no inner clause takes."""
    tokens = list(span)
    heads, owner = _clause_heads(span)
    clauses = []
    for h in heads:
        words = frozenset(_key(t.lemma_.lower()) for t in tokens if owner.get(t.i) == h.i and t.i != h.i
                          and t.pos_ in CONTENT_POS and t.is_alpha and not t.is_stop)
        lemma = h.lemma_.lower()
        verb = "" if h.pos_ in ("AUX", "ADP") or lemma in LIGHT or lemma in REPORTING else _key(lemma)
        reported = any(owner.get(c.i) != h.i for c in h.children if c.dep_ == "ccomp")
        clauses.append(Clause(verb, words, lemma in REPORTING and reported))
    words = frozenset(_key(t.lemma_.lower()) for t in tokens if t.is_alpha and not t.is_stop)
    return Meaning(tuple(clauses), words)


def covers(claim: Meaning, cited: Meaning, settings: SameFact = SameFact()) -> bool:
    """Whether the cited sentence states every clause of the claim (attribution aside): a
    clause whose verb it has needs settings.clause_coverage_with_verb of the clause's content
    words in it; a clause whose verb it lacks (a paraphrase: "hit" for "struck") or that has
    no verb of its own needs settings.clause_coverage, except that a step of a process
    (STEPS: "charged", "sentenced") has no paraphrase."""
    # a claim without a clause of its own ("Jack Smith, in prison after his conviction") is
    # one verbless clause of all its words
    for c in claim.clauses or (Clause("", claim.words, False),):
        n, found = len(c.words), len(c.words & cited.words)
        if c.attribution:
            continue
        if c.verb and c.verb in cited.words:
            if n >= 4 and found < settings.clause_coverage_with_verb * n:
                return False
        elif c.verb in STEP_KEYS:
            return False
        elif (n >= 2 or c.verb) and found < settings.clause_coverage * n:
            return False
    return True


# ---- the same fact but for one value: a date, place or name the sentences give differently ----
# Verbs whose date is the day of the reporting, not of the fact ("Izvestia reported on Monday")
# when nothing else hangs on them as their object ("wrote a letter in April" dates the letter).
REPORTING_DATE_VERBS = {"say", "tell", "report", "add", "state", "announce", "confirm", "note", "explain", "write",
                        "quote", "accord"}
ANCHOR_POS = ("VERB", "NOUN", "AUX")


def anchor(span):
    """The word a date, place or name (a spaCy Span) hangs on: the nearest verb or noun above
    it outside it ("wrote ... in April": wrote; "a court filing on Thursday": filing;
    "filed legal paperwork Wednesday": filed), None at the top of the parse."""
    inside = range(span.start, span.end)
    tok = span.root
    for _ in range(6):
        if tok.head.i == tok.i:
            return None
        tok = tok.head
        if tok.i not in inside and tok.pos_ in ANCHOR_POS:
            return tok
    return None


def reporting_date(tok) -> bool:
    """A date hung on a verb of saying that has no object of its own: the day a source spoke
    ("said on Tuesday", "reported on Monday"), not the day of what it reports."""
    return tok.lemma_.lower() in REPORTING_DATE_VERBS and not any(c.dep_ in ("dobj", "attr") for c in tok.children)


def same_predicate(a, b) -> bool:
    """Two anchors (anchor) name one predicate: the same lemma, or one a derivation of the
    other ("filing" / "filed", "arrest" / "arrested")."""
    x, y = _stem(a.lemma_), _stem(b.lemma_)
    return _key(a.lemma_.lower()) == _key(b.lemma_.lower()) \
        or (min(len(x), len(y)) >= 3 and (x.startswith(y) or y.startswith(x)))


def frame_words(sent, tok, masked) -> frozenset[str]:
    """The content words (as Meaning keys) of the clause of sentence sent (a Span) that holds
    tok, the tokens of masked (Spans: the value that differs) left out: what the sentence
    says about the predicate besides that value."""
    heads, owner = _clause_heads(sent)
    hidden = {t.i for m in masked for t in m}
    clause = owner.get(tok.i)
    return frozenset(_key(t.lemma_.lower()) for t in sent if owner.get(t.i) == clause and t.i not in hidden
                     and t.pos_ in CONTENT_POS and t.is_alpha and not t.is_stop)


def frames_align(a: frozenset[str], b: frozenset[str], settings: SameFact = SameFact()) -> bool:
    """Two frames (frame_words) say the same but for the masked value: the smaller one's
    words are settings.slot_clause_overlap found in the other, and it has three at least."""
    small = min(len(a), len(b))
    return small >= 3 and len(a & b) >= settings.slot_clause_overlap * small


def sentence_meanings(articles, docs) -> dict[tuple[str, int], Meaning]:
    """{(article id, sentence index): Meaning} of every sentence of the parsed articles."""
    out = {}
    for a, doc in zip(articles, docs):
        for s in a.sentences:
            span = doc.char_span(s.start, s.end, alignment_mode="expand")
            if span is not None:
                out[(a.id, s.index)] = meaning_of(span)
    return out



WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40,
                "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
                "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "dozen": 12, "m": 1e6, "bn": 1e9}
# "hundreds of thousands": plurals are vague multiples of the unit
VAGUE_NUMBERS = {"dozens": 12, "hundreds": 100, "thousands": 1e3, "millions": 1e6, "billions": 1e9}


HEDGE = (0.85, 1.15)  # "about N": N less and more 15%


def parse_figure(phrase: str) -> tuple[float, float] | None:
    """'more than 400,000' -> (400000, inf); 'hundreds of thousands' -> (200000, 999999);
    'about 50' -> (42.5, 57.5); 'nearly 50' -> (42.5, 50); None when the phrase holds no
    single count."""
    low = re.sub(r"(?<=\d),(?=\d{3})", "", fold(phrase))
    words = re.findall(r"\d+(?:\.\d+)?|[a-z]+", low)
    if sum(bool(re.fullmatch(r"\d+(?:\.\d+)?", w)) for w in words) > 1:
        return None  # "3 or 4", "10 to 15": a range, not one figure
    value, vague, found = 1.0, False, False
    for w in words:
        if re.fullmatch(r"\d+(?:\.\d+)?", w):
            value *= float(w)
        elif w in WORD_NUMBERS:
            value *= WORD_NUMBERS[w]
        elif w in VAGUE_NUMBERS:
            value *= VAGUE_NUMBERS[w]
            vague = True
        else:
            continue
        found = True
    if not found:
        return None
    lo, hi = (2 * value, 10 * value - 1) if vague else (value, value)
    if re.search(r"\b(?:more than|over|at least|upwards of)\b", low):
        hi = float("inf")
    elif re.search(r"\b(?:less than|fewer than|under|up to|at most)\b", low):
        lo = 0.0
    elif re.search(r"\b(?:nearly|almost)\b", low):  # below it: "nearly 50" is not 51
        lo = lo * HEDGE[0]
    elif re.search(r"\b(?:about|around|roughly|some|approximately)\b", low):
        lo, hi = lo * HEDGE[0], hi * HEDGE[1]
    return lo, hi

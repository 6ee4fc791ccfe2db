"""Named entities of a story, canonicalised.

spaCy finds the mentions; this module strips honorifics and titles off them
(keeping titles as the entity's role), folds spelling variants to one key
("Vladimir V. Putin" / "Vladimir Putin", "U.S." / "United States") and links
bare surnames ("Mr Trump") to the one full name in the story they can belong
to. Seats of government used as metonyms ("the Kremlin") are organisations
with a `stands_for` attribute.
"""
from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from ..model import Article, Citation, EntityEntry
from ..settings import EntitySettings

KEPT_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "NORP"}
# NORP ("Russian", "Syrian") is kept for look-ups but is not a "who" worth listing.
LISTED_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT"}

HONORIFICS = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "dr": None, "sir": "m", "dame": "f",
              "lord": "m", "lady": "f", "prof": None}
HONORIFIC_RE = r"(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Lady|Prof)\.?"

# Titles that precede a name; longest first so "Vice President" beats "President".
ROLE_WORDS = sorted([
    "President", "Vice President", "President-elect", "Prime Minister", "Deputy Prime Minister", "Chancellor",
    "Secretary of State", "Secretary-General", "Secretary General", "Foreign Minister", "Defence Minister",
    "Defense Minister", "Finance Minister", "Interior Minister", "Minister", "Foreign Secretary",
    "Home Secretary", "Defense Secretary", "Defence Secretary", "Treasury Secretary", "Attorney General",
    "Secretary", "Ambassador", "Senator", "Sen.", "Representative", "Rep.", "Governor", "Gov.", "Mayor",
    "King", "Queen", "Crown Prince", "Prince", "Princess", "Pope", "Premier", "Emir", "Sheikh", "General",
    "Gen.", "Admiral", "Judge", "Chief Justice", "Justice", "Speaker", "Commissioner", "Director",
    "Chairman", "Chairwoman", "Chief Executive", "Spokesman", "Spokeswoman", "Spokesperson", "Leader",
    "Archbishop", "Bishop", "Cardinal", "Colonel", "Lieutenant", "Captain", "Coach", "Foreign Ministry spokesman",
    "Councillor", "Councilor", "Councilman", "Councilwoman", "Sheriff", "Coroner", "Sergeant", "Sgt.", "Detective",
    "Col.", "Lt.", "Capt.", "District Attorney", "Medical Examiner", "Police Chief", "Prosecutor",
], key=len, reverse=True)
_ROLE_ALT = "|".join(re.escape(r) for r in ROLE_WORDS)
# "[Russian] President [Mr] " right before a name; qualifiers are capitalised words.
TITLE_BEFORE = re.compile(
    rf"(?P<qual>(?:(?:[A-Z]\.)+[ ]|[A-Z][\w’'-]*[ ]+){{0,3}})(?P<role>{_ROLE_ALT})[ ]+(?:(?P<hon>{HONORIFIC_RE})[ ]+)?$")
HONORIFIC_BEFORE = re.compile(rf"(?P<hon>{HONORIFIC_RE})\s+$")
# Named weather systems; the small model tags "Storm Hester" a person.
WEATHER_SYSTEM = re.compile(r"^(?:(?:Tropical|Winter|Subtropical)\s+)?(?:Storm|Hurricane|Typhoon|Cyclone|Depression)\s+[A-Z]")
# A one-word name followed by a landform ("the Brenn coast") names a place.
PLACE_NOUN_AFTER = re.compile(r"[ ]+(?:coast|coastline|valley|region|river|sea|islands?|peninsula|mountains|highlands"
                              r"|lowlands|basin|delta|bay|plains?|desert|gulf|straits?)\b")
# A place's police force written with a lower-case noun ("Fairfax County police"): not when
# a longer name follows ("Police Department", tagged on its own).
POLICE_AFTER = re.compile(r"\s+[Pp]olice\b(?!\s+[A-Z])")
OF_PLACE_AFTER = re.compile(r"^\s+of\s+(?P<place>(?:the\s+)?[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,3})")
# Capitalised words that open a sentence or clause, not part of a title qualifier.
NOT_QUALIFIERS = {"The", "A", "An", "But", "And", "Yet", "So", "Then", "When", "After", "Before", "While",
                  "As", "In", "On", "At", "Former", "Also", "If", "Of", "For", "With", "By", "To", "Under"}

CORPORATE_SUFFIXES = "inc|corp|co|ltd|llc|plc|sa|spa|ag|nv|gmbh|s\\.a|s\\.p\\.a"
# A clock time run into a name: "12:55 A.M. Hamas says" tags "A.M. Hamas".
TIME_PREFIX = re.compile(r"^(?:[AaPp]\.\s?[Mm]\.?|[AaPp][Mm])\s+(?=[A-Z])")
MAX_NAME_CHARS = 120  # no name is longer: bounds the look-up of the mention at an offset
PARTICLES = ("al-", "el-", " al ", "el ")

# Spelling variants of well-known places and bodies -> (key, display name). Data, not special cases.
NAME_ALIASES = {
    "us": "United States", "usa": "United States", "united states": "United States",
    "united states of america": "United States", "america": "United States",
    "uk": "United Kingdom", "united kingdom": "United Kingdom", "britain": "United Kingdom",
    "great britain": "United Kingdom", "un": "United Nations", "united nations": "United Nations",
    "eu": "European Union", "european union": "European Union", "uae": "United Arab Emirates",
    "united arab emirates": "United Arab Emirates", "ussr": "Soviet Union", "soviet union": "Soviet Union",
}

# Seats of government and institutions named for the power they stand for.
METONYMS = {
    "white house": "US administration", "kremlin": "Russian government", "downing street": "UK government",
    "number 10": "UK government", "elysee": "French presidency", "elysee palace": "French presidency",
    "pentagon": "US Department of Defense", "capitol hill": "US Congress", "zhongnanhai": "Chinese leadership",
    "blue house": "South Korean presidency", "quai d'orsay": "French foreign ministry",
    "foggy bottom": "US State Department", "whitehall": "UK civil service", "bankova": "Ukrainian presidency",
    "kantei": "Japanese prime minister's office", "holy see": "Vatican", "westminster": "UK Parliament",
}
_METONYM_RE = re.compile(
    r"\b(?:the\s+)?(White House|Kremlin|Downing Street|Number 10|Elysee Palace|Élysée Palace|Elysee|Élysée|"
    r"Pentagon|Capitol Hill|Zhongnanhai|Blue House|Quai d'Orsay|Foggy Bottom|Whitehall|Bankova|Kantei|"
    r"Holy See)\b")


@dataclass
class Mention:
    """One occurrence of a name in an article."""

    article_id: str
    start: int  # char offsets of the name itself (titles excluded)
    end: int
    text: str  # the name as written, possessive and titles stripped
    label: str
    sentence: int
    surface: str  # as written with its title: "Mr Trump", "Russian President Vladimir Putin"
    role: str | None = None
    gender: str | None = None  # "m"/"f" from an honorific
    untagged: bool = False  # a person's surname or first name the tagger missed: kept only if it links


@dataclass
class Entity:
    key: str
    name: str
    type: str
    role: str | None
    stands_for: str | None
    gender: str | None
    mentions: list[Mention] = field(default_factory=list)
    ambiguous: bool = False  # a bare surname several people of the story share: nobody in particular
    # how the story describes a person in apposition ("Chuck Schumer, the most senior Democrat in
    # the Senate"): (head noun, the description's words), lower case, articles and punctuation left out
    descriptions: list[tuple[str, frozenset[str]]] = field(default_factory=list)

    @property
    def roles(self) -> set[str]:
        """Every title the story gives the entity ("Russian President", "President")."""
        return {m.role for m in self.mentions if m.role}

    @property
    def article_ids(self) -> list[str]:
        return list(dict.fromkeys(m.article_id for m in self.mentions))

    def aliases(self) -> list[str]:
        return [s for s, _ in Counter(m.surface for m in self.mentions).most_common()]

    def entry(self, articles: dict[str, Article]) -> EntityEntry:
        """The brief's entry: one citation per article, the sentence of its first mention there."""
        cites = []
        for aid in self.article_ids:
            first = min((m for m in self.mentions if m.article_id == aid), key=lambda m: m.start)
            s = articles[aid].sentences[first.sentence] if aid in articles and articles[aid].sentences else None
            cites.append(Citation(aid, first.sentence, s.start if s else first.start, s.end if s else first.end))
        return EntityEntry(name=self.name, type=self.type, role=self.role, stands_for=self.stands_for,
                           aliases=self.aliases(), mentions=len(self.mentions), citations=cites)


@dataclass
class StoryEntities:
    """The canonical entities of one story and a look-up from text offsets to them."""

    entities: list[Entity]
    by_article: dict[str, list[tuple[Mention, Entity]]]
    _start_index: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def at(self, article_id: str, start: int, end: int) -> Entity | None:
        """The entity whose mention overlaps the char span [start, end)."""
        mentions = self.by_article.get(article_id, [])
        k = bisect.bisect_left(self._starts(article_id), end) - 1
        while k >= 0 and mentions[k][0].start > start - MAX_NAME_CHARS:
            m, e = mentions[k]
            if m.start < end and start < m.end:
                return e
            k -= 1
        return None

    def _starts(self, article_id: str) -> list[int]:
        if article_id not in self._start_index:
            self._start_index[article_id] = [m.start for m, _ in self.by_article.get(article_id, [])]
        return self._start_index[article_id]

    def before(self, article_id: str, pos: int, lo: int = 0) -> list[tuple[Mention, Entity]]:
        """Mentions in [lo, pos), nearest first."""
        return [(m, e) for m, e in reversed(self.by_article.get(article_id, [])) if lo <= m.start and m.end <= pos]

    def listed(self, settings: EntitySettings = EntitySettings()) -> list[Entity]:
        """Entities worth a line in a brief, most mentioned (across sources) first. A one-off
        single-word name is more often a tagging slip than a person the story is about; a
        surname several people share is none of them in particular."""
        keep = [e for e in self.entities if e.type in LISTED_LABELS and not e.ambiguous
                and (len(e.mentions) >= settings.min_mentions or e.role or e.stands_for
                     or len(e.name.split()) > 1)]
        return sorted(keep, key=lambda e: (-len(e.article_ids), -len(e.mentions), e.name))


def fold(text: str) -> str:
    """Lower-case ASCII with curly quotes and accents folded."""
    text = text.replace("’", "'").replace("‘", "'")
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    # only a non-ASCII character can be a combining one: the rest of a long text is kept whole
    return NON_ASCII.sub(_uncombined, text).lower()


NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _uncombined(m: re.Match) -> str:
    return "".join(c for c in m.group(0) if not unicodedata.combining(c))


def strip_possessive(text: str) -> str:
    return re.sub(r"(?:['’]s|['’])$", "", text.strip())


def canonical_key(name: str, label: str | None = None) -> str:
    """Spelling-independent key for a name, usable across the store:
    titles, honorifics, middle initials, possessives and particles removed."""
    text = strip_possessive(name)
    while True:  # leading titles/honorifics: "President Donald Trump" -> "Donald Trump"
        m = re.match(rf"^(?:the\s+)?(?:(?:[A-Z][\w.-]*\s+){{0,2}}(?:{_ROLE_ALT})|{HONORIFIC_RE})\s+(?=[A-Z])", text)
        if not m or label not in (None, "PERSON"):
            break
        text = text[m.end():]
    key = fold(text)
    key = re.sub(r"^the\s+", "", key)
    if label not in (None, "PERSON"):  # "Amazon.com Inc." is Amazon, "Nestle SA" Nestle
        key = re.sub(r"\.com\b", "", key)
        key = re.sub(rf"(?:,?\s+(?:{CORPORATE_SUFFIXES})\.?)+$", "", key)
    if label in (None, "PERSON"):
        key = re.sub(r"\b[a-z]\.(?=\s)", " ", key)  # middle initials "V."
        key = re.sub(r",?\s+(?:jr|sr|ii|iii|iv)\.?$", "", key)  # "Leslie Merritt Jr." is a Merritt
    for p in PARTICLES:
        key = key.replace(" " + p, " ")
        if key.startswith(p):
            key = key[len(p):]
    key = re.sub(r"[.]", "", key)
    key = re.sub(r"[^\w&' -]+", " ", key)
    key = re.sub(r"\s+", " ", key).strip()
    if label != "PERSON" and key in NAME_ALIASES:
        key = fold(NAME_ALIASES[key])
    return key


def find_mentions(article: Article, doc) -> list[Mention]:
    """Entity mentions of one article from its spaCy Doc (parsed from article.text)."""
    text = article.text
    starts = [s.start for s in article.sentences]
    mentions: list[Mention] = []
    title_spans: list[tuple[int, int]] = []
    for ent in doc.ents:
        if ent.label_ not in KEPT_LABELS:
            continue
        start, end = ent.start_char, ent.end_char
        name = text[start:end]
        lead = re.match(r"^(?:the|The)\s+", name) or TIME_PREFIX.match(name)
        if lead:
            start += lead.end()
        name = strip_possessive(text[start:end])
        end = start + len(name)
        if not name or not any(c.isalpha() for c in name):
            continue
        label = ent.label_
        role = hon = None
        if label == "ORG" and len(name.split()) >= 3 and fold(name.split()[-1]).rstrip(".") in TITLE_WORDS:
            name = name[:name.rfind(" ")]  # "San Diego Police Sgt. Tom Sullivan": the rank is his
            end = start + len(name)
        police = POLICE_AFTER.match(text, end) if label == "GPE" else None
        if police:  # "San Diego police said": the force, not the city
            label, end = "ORG", police.end()
            name = text[start:end]
        # titles written inside the entity span ("President Trump")
        if label == "PERSON":
            while True:
                m = re.match(rf"^(?:(?P<role>{_ROLE_ALT})|(?P<hon>{HONORIFIC_RE}))\s+(?=[A-Z])", name)
                if not m:
                    break
                role = role or m.group("role")
                hon = hon or m.group("hon")
                start += m.end()
                name = name[m.end():]
        sent_start = article.sentences[_sentence_of(starts, start)].start if article.sentences else 0
        prefix = text[max(0, sent_start, start - 80):start]
        surface_start = start
        tm = TITLE_BEFORE.search(prefix)
        if tm and label in ("PERSON",):
            qual = [w for w in tm.group("qual").split()]
            while qual and qual[0] in NOT_QUALIFIERS:
                qual.pop(0)
            role = " ".join(qual + [tm.group("role")])
            hon = hon or tm.group("hon")
            surface_start = start - len(prefix) + tm.start() + tm.group("qual").find(qual[0]) if qual \
                else start - len(prefix) + tm.start("role")
            title_spans.append((surface_start, start))
        elif label == "PERSON" or " " not in name:
            hm = HONORIFIC_BEFORE.search(prefix)
            if hm:  # "Mr Costa" is a person whatever the tagger thought
                label = "PERSON"
                hon = hm.group("hon")
                surface_start = start - len(prefix) + hm.start()
        if label in ("PERSON", "ORG") and " " not in name and PLACE_NOUN_AFTER.match(text, end):
            label = "LOC"  # "the Brenn coast": a name that qualifies a landform is a place
        if WEATHER_SYSTEM.match(name):
            label = "EVENT"  # "Storm Hester" is no person, whatever the tagger thought
        if role and label == "PERSON":
            om = OF_PLACE_AFTER.match(text[end:end + 60])
            if om and not role.endswith(" of State"):
                role = f"{role} of {re.sub(r'^the ', '', om.group('place'))}"
        gender = HONORIFICS.get(fold(hon).rstrip(".")) if hon else None
        mentions.append(Mention(article.id, start, end, name, label, _sentence_of(starts, start),
                                text[surface_start:end], role, gender))
    # A name inside a title ("State" in "Secretary of State") is not a mention.
    mentions = [m for m in mentions if not any(s <= m.start and m.end <= e for s, e in title_spans)]
    taken = [(m.start, m.end) for m in mentions]
    for m in _METONYM_RE.finditer(text):
        s, e = m.start(1), m.end(1)
        if not any(a < e and s < b for a, b in taken):
            mentions.append(Mention(article.id, s, e, m.group(1), "ORG", _sentence_of(starts, s), m.group(1)))
    return sorted(mentions, key=lambda m: m.start)


def _sentence_of(starts: list[int], pos: int) -> int:
    return max(0, bisect.bisect_right(starts, pos) - 1)


def canonicalise(mentions: list[Mention], texts: tuple[str, ...] = (),
                 settings: EntitySettings = EntitySettings(),
                 texts_by_article: dict[str, str] | None = None) -> StoryEntities:
    """Group the mentions of a story into entities. texts (the articles' texts) let a bare
    surname check that no other first name goes with it anywhere in the story, named
    entity or not ("Eden Sassoon" missed by the tagger, "Vidal Sassoon" found); a surname
    several people share is read in its article's context (PersonNames.in_context), for
    which texts_by_article ({article id: text}) shows what stands around it."""
    mentions = [m for m in mentions if not _title_only(m.text)]
    keys = {id(m): canonical_key(m.text, "PERSON" if m.label == "PERSON" else m.label) for m in mentions}
    _relabel_family_names(mentions, keys)
    for m in mentions:  # "Mom Kateri", "Sgt Tom Sullivan": the title is no part of the name
        toks = keys[id(m)].split()
        if m.label == "PERSON" and len(toks) >= 2 and toks[0] in TITLE_WORDS:
            keys[id(m)] = " ".join(toks[1:])
    persons = [m for m in mentions if m.label == "PERSON"]
    # Full names cluster on (first, last); a middle name or initial does not split them, nor a
    # word before a name the story also gives alone ("Golfer Tiger Woods" is "Tiger Woods").
    two_word = {keys[id(m)] for m in persons if len(keys[id(m)].split()) == 2}
    full: dict[tuple[str, str], list[Mention]] = {}
    for m in persons:
        toks = keys[id(m)].split()
        if len(toks) >= 3 and " ".join(toks[-2:]) in two_word:
            toks = toks[-2:]
        if len(toks) >= 2:
            full.setdefault((toks[0], toks[-1]), []).append(m)
    _merge_spellings(full, settings.spelling_min_letters)
    groups: dict[str, list[Mention]] = {" ".join(fl): list(ms) for fl, ms in full.items()}
    names = PersonNames(full, {fl: {t for m in ms for t in keys[id(m)].split()} for fl, ms in full.items()}, texts,
                        settings.surname_dominance)
    ambiguous: set[str] = set()
    shared: list[Mention] = []
    for m in mentions:
        k = keys[id(m)]
        if m.label == "PERSON" and len(k.split()) >= 2:
            continue
        target = names.person_of(k, m) if " " not in k and m.label in NAME_LABELS else None
        if target is not None:
            groups[" ".join(target)].append(m)
            continue
        if " " not in k and m.label in NAME_LABELS and k in names.by_surname:
            shared.append(m)
            continue
        if not m.untagged:
            groups.setdefault(k, []).append(m)
    for m, target in zip(shared, names.in_context(shared, keys, texts_by_article)):
        if target is not None:
            groups[" ".join(target)].append(m)
        elif not m.untagged:  # the surname of two people of the story (or of someone untagged): whose?
            ambiguous.add(keys[id(m)])
            groups.setdefault(keys[id(m)], []).append(m)
    _merge_acronyms(groups)
    _merge_organisation_variants(groups, set(names.by_surname))
    entities = [_make_entity(k, ms) for k, ms in groups.items()]
    for e in entities:
        e.ambiguous = e.key in ambiguous
    by_article: dict[str, list[tuple[Mention, Entity]]] = {}
    for e in entities:
        for m in e.mentions:
            by_article.setdefault(m.article_id, []).append((m, e))
    for v in by_article.values():
        v.sort(key=lambda me: me[0].start)
    entities.sort(key=lambda e: (-len(e.article_ids), -len(e.mentions), e.name))
    return StoryEntities(entities, by_article)


def _one_edit(a: str, b: str) -> bool:
    """a and b differ by one letter changed, added or dropped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:k] + long_[k + 1:] == short for k in range(len(long_)))


def _transliterated(word: str) -> str:
    """A spelling-blind form of a romanised name: "Mohammed"/"Muhammad", "Barack"/"Barak"."""
    w = re.sub(r"(.)\1", r"\1", word)
    for a, b in (("ck", "k"), ("kh", "h"), ("ph", "f"), ("ou", "u"), ("y", "i"), ("c", "k"), ("q", "k")):
        w = w.replace(a, b)
    return re.sub(r"(?<=.)[aeiou]", "", w)


def _variant(a: str, b: str, min_len: int = 5) -> bool:
    """Two spellings of one name: a letter apart (both at least min_len long) or the same
    once romanisation's vowels and doubled letters are folded."""
    if a == b:
        return True
    if a[0] != b[0] or min(len(a), len(b)) < 4:
        return False
    return (_one_edit(a, b) and min(len(a), len(b)) >= min_len) or _transliterated(a) == _transliterated(b)


def _merge_spellings(full: dict[tuple[str, str], list[Mention]], min_letters: int = 5) -> None:
    """Spelling variants of one person's name in one story, merged into the more frequent
    form only where that is safe: the same first name and a surname a letter (or a
    romanisation) apart ("Mohamed Salah"/"Mohamed Saleh"), or the same surname, a first name
    a letter apart and the same title ("President Barak Obama" beside "President Barack Obama")."""
    def roles(ms: list[Mention]) -> set[str]:  # the titles' heads: "U.S. President" is a president
        return {fold(m.role.split(" of ")[0]).replace(".", "").split()[-1] for m in ms if m.role}

    for a in sorted(full, key=lambda fl: len(full[fl])):
        for b in sorted(full, key=lambda fl: -len(full[fl])):
            if a == b or a not in full or b not in full or len(full[b]) < len(full[a]):
                continue
            same_first = a[0] == b[0] and a[1] != b[1] and _variant(a[1], b[1], min_letters)
            same_last = a[1] == b[1] and a[0] != b[0] and _variant(a[0], b[0], min_letters - 1) \
                and roles(full[a]) & roles(full[b])
            if same_first or same_last:
                full[b].extend(full.pop(a))
                break


# Labels a one-word name may carry and still be a person's surname or first name: the small
# model tags "Watts" a place and "Elon" an organisation.
NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC"}


@dataclass
class PersonNames:
    """The full names of a story's people, for linking one-word names to them."""

    full: dict[tuple[str, str], list[Mention]]
    tokens: dict[tuple[str, str], set[str]]  # every word of each person's written names
    texts: tuple[str, ...]
    dominance: float = 3.0  # EntitySettings.surname_dominance
    by_surname: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    by_first: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def __post_init__(self):
        for fl in self.full:
            self.by_surname.setdefault(fl[1], []).append(fl)
            self.by_first.setdefault(fl[0], []).append(fl)

    def dominant(self, surname: str, cands: list[tuple[str, str]]) -> tuple[str, str] | None:
        """Among people sharing a surname (named entities or not: "Rota Sementilli" untagged),
        the one whose first name the texts put before it `dominance` times as often as all
        the others' together (and at least that often): the story's Fabio Sementilli. None
        when no one stands out (Jimmy, Molly and William John Kimmel once each)."""
        if not self.texts:
            return None
        counts = _first_words(surname, self.texts)
        total = sum(counts.values())
        own = {c: sum(n for w, n in counts.items() if any(difflib.SequenceMatcher(None, w, t).ratio() >= 0.8
                                                           for t in self.tokens[c] - {surname})) for c in cands}
        best = max(cands, key=lambda c: own[c])
        stands_out = own[best] >= self.dominance and own[best] >= self.dominance * (total - own[best])
        return best if stands_out and list(own.values()).count(own[best]) == 1 else None

    def in_context(self, shared: list[Mention], keys: dict[int, str],
                   texts: dict[str, str] | None) -> list[tuple[str, str] | None]:
        """Whom each bare surname several people of the story share stands for, read in its
        article: the one of them the article has named in full before it, or, once two have
        been, the one the article's bare surname stood for when only one had been (the
        newspaper convention: the surname alone stays with the person it was first given to;
        "Kimmel said" after "Jimmy Kimmel ... a tearful Kimmel ... Molly Kimmel" is Jimmy).
        None when the article names none of them before, when the surname qualifies a noun
        ("the Schwandt family"), or when an honorific's gender rules the person out."""
        out: list[tuple[str, str] | None] = [None] * len(shared)
        given: dict[tuple[str, str], tuple[str, str]] = {}  # (article, surname) -> person
        order = sorted(range(len(shared)), key=lambda i: (shared[i].article_id, shared[i].start))
        for i in order:
            m, word = shared[i], keys[id(shared[i])]
            text = (texts or {}).get(m.article_id, "")
            if text and (FAMILY_AFTER.match(text, m.end) or re.search(r"\bthe\s+$", text[max(0, m.start - 5):m.start])):
                continue
            cands = [c for c in self.by_surname[word] if m.gender is None or _gender(self.full[c]) in (m.gender, None)]
            before = [c for c in cands if any(f.article_id == m.article_id and f.end <= m.start for f in self.full[c])]
            if (m.article_id, word) in given and given[m.article_id, word] in cands:
                out[i] = given[m.article_id, word]
            elif len(before) == 1:
                out[i] = given[m.article_id, word] = before[0]
        return out

    def person_of(self, word: str, m: Mention) -> tuple[str, str] | None:
        """The one person a one-word name stands for: the person with that surname (an
        honorific's gender may pick among several), or else the one with that first name,
        if nobody else of the story goes by it. A word tagged a place or an organisation
        is taken as a name only when it is nobody else's in the texts."""
        cands = self.by_surname.get(word, [])
        if len(cands) > 1 and m.gender:
            cands = [c for c in cands if _gender(self.full[c]) in (m.gender, None)]
        if len(cands) == 1 and not (self.texts and _other_first_names(word, self.tokens[cands[0]], self.texts)):
            return cands[0]
        if cands:
            return self.dominant(word, cands)
        if m.label not in ("PERSON", "ORG"):
            return None
        firsts = self.by_first.get(word, [])
        if len(firsts) == 1 and not (self.texts and _other_surnames(word, self.tokens[firsts[0]], self.texts)):
            return firsts[0]
        return None


NOT_FIRST_NAMES = {fold(w) for w in NOT_QUALIFIERS} | {fold(w) for r in ROLE_WORDS for w in r.split()} \
    | set(HONORIFICS)
# A surname before these nouns names a family, not one of its members: "the Schwandt family".
FAMILY_AFTER = re.compile(r"(?:['’]s)?\s+(?:family|families|household|couple|brothers|sisters|siblings|children|clan"
                          r"|parents|twins)\b")
# Ranks and titles abbreviated before a name; alone they are no one's name.
TITLE_WORDS = {fold(r).rstrip(".") for r in ROLE_WORDS} | set(HONORIFICS) | {
    "sgt", "sergeant", "col", "lt", "capt", "det", "detective", "officer", "sheriff", "coroner", "cpl", "maj",
    "insp", "supt", "mom", "dad"}
# The head noun of an organisation's name: "Palm Beach County Sheriff's Office" is no place.
ORG_HEAD = re.compile(r"\b(?:Office|Department|Dept|Police|Agency|Ministry|Committee|Council|University|College|"
                      r"School|Association|Bureau|Service|Authority|Center|Centre|Court|Party|Company|Corporation|"
                      r"Commission|Institute|Foundation|Board|Administration|Network|News|Inc|Corp|Ltd|Group)\b\.?$")


@lru_cache(maxsize=4096)
def _first_words(surname: str, texts: tuple[str, ...]) -> Counter:
    """How often each capitalised word (not a title, honorific or clause opener) stands right
    before the surname in the texts. Do not change the Counter: it is cached."""
    from spacy.lang.en.stop_words import STOP_WORDS  # "Should Pao decide": a clause opener

    pattern = re.compile(rf"\b([A-Z][a-z]+)\s+(?i:{re.escape(surname)})\b")
    words = Counter(fold(m.group(1)) for text in texts for m in pattern.finditer(text))
    return Counter({w: n for w, n in words.items() if w not in NOT_FIRST_NAMES and w not in STOP_WORDS})


@lru_cache(maxsize=4096)
def _words_after(first: str, texts: tuple[str, ...]) -> frozenset[str]:
    pattern = re.compile(rf"\b(?i:{re.escape(first)})\s+([A-Z][a-z][\w-]*)")
    return frozenset(fold(m.group(1)) for text in texts for m in pattern.finditer(text))


def _other_first_names(surname: str, own: set[str], texts: tuple[str, ...]) -> bool:
    """Whether the texts pair the surname with a capitalised word that is not one of the
    person's own names (first or middle: "Anne Marie Schubert") and is not a title,
    honorific or clause opener ("Mohammed" for "Mohamed" is a spelling, not another person)."""
    return any(all(difflib.SequenceMatcher(None, w, o).ratio() < 0.8 for o in own)
               for w in _first_words(surname, texts))


def _other_surnames(first: str, own: set[str], texts: tuple[str, ...]) -> bool:
    """Whether the texts follow the first name with a capitalised word that is not one of the
    person's own names: "Jay Leno" in a story of Jay Schwandt makes a bare "Jay" anyone's."""
    return any(w not in own for w in _words_after(first, texts))


def _title_only(name: str) -> bool:
    """A mention that is nothing but a title or rank ("Sgt", "Col."): the sentence splitter cut
    the name off after it; or ranks in the plural ("Detectives said"), who are nobody named."""
    word = fold(name).rstrip(".")
    return word in TITLE_WORDS or (word.endswith("s") and word[:-1] in TITLE_WORDS)  # "Detectives said"


def _relabel_family_names(mentions: list[Mention], keys: dict[int, str]) -> None:
    """A two- or three-word name tagged an organisation or place whose last word is the surname
    of a person of the story ("Elizabeth Ailes" beside "Roger Ailes") is a person too."""
    surnames = {keys[id(m)].split()[-1] for m in mentions if m.label == "PERSON" and len(keys[id(m)].split()) >= 2}
    for m in mentions:
        words = m.text.split()
        if m.label in ("ORG", "GPE", "LOC") and 2 <= len(words) <= 3 and keys[id(m)].split()[-1] in surnames \
                and all(w[:1].isupper() for w in words) and not ORG_HEAD.search(m.text):
            m.label = "PERSON"


def _gender(ms: list[Mention]) -> str | None:
    g = Counter(m.gender for m in ms if m.gender).most_common(1)
    return g[0][0] if g else None


def _merge_acronyms(groups: dict[str, list[Mention]]) -> None:
    """"FBI" joins "Federal Bureau of Investigation" when both occur in the story."""
    initials = {}
    for k, ms in groups.items():
        words = [w for w in k.split() if w not in ("of", "the", "and", "for", "&")]
        if len(words) >= 2 and ms[0].label != "PERSON":
            initials.setdefault("".join(w[0] for w in words), []).append(k)
    for k in list(groups):
        ms = groups[k]
        if " " in k or ms[0].label == "PERSON" or not ms[0].text.replace(".", "").isupper():
            continue
        target = initials.get(k, [])
        if len(target) == 1 and target[0] in groups and target[0] != k:
            groups[target[0]].extend(groups.pop(k))


def _label(ms: list[Mention]) -> str:
    return Counter(m.label for m in ms).most_common(1)[0][0]


def _merge_organisation_variants(groups: dict[str, list[Mention]], surnames: set[str]) -> None:
    """"Whole Foods" joins "Whole Foods Market", "Department of Public Safety" the "Arizona
    Department of Public Safety" and "the Bee" the "Sacramento Bee": a name that begins or
    ends the name of exactly one longer organisation of the story is that organisation. A
    one-word name tagged a person only ends one (it is the paper's short name), and never
    when a person of the story has it as a surname."""
    def label(ms: list[Mention]) -> str:
        return "ORG" if any(ORG_HEAD.search(m.text) for m in ms) else _label(ms)

    orgs = [k for k, ms in groups.items() if " " in k and label(ms) == "ORG"]
    for k in sorted(groups, key=len):
        label_k = label(groups[k])
        if label_k == "ORG":
            longer = [o for o in orgs if o != k and (o.startswith(k + " ") or o.endswith(" " + k))]
        elif label_k == "PERSON" and " " not in k and k not in surnames:
            longer = [o for o in orgs if o.endswith(" " + k)]
        elif label_k == "PERSON" and not any(m.role or m.gender for m in groups[k]):
            # "Kleiner Perkins" tagged a person is the partners' firm "Kleiner Perkins Caufield & Byers"
            longer = [o for o in orgs if o.startswith(k + " ") and " & " in f" {o} "]
        else:
            continue
        if len(longer) == 1 and longer[0] in groups:
            groups[longer[0]].extend(groups.pop(k))


def _make_entity(key: str, ms: list[Mention]) -> Entity:
    ms.sort(key=lambda m: (m.article_id, m.start))
    labels = Counter(m.label for m in ms)
    etype = "PERSON" if any(m.label == "PERSON" and len(m.text.split()) > 1 and not ORG_HEAD.search(m.text)
                            for m in ms) else labels.most_common(1)[0][0]
    if any(ORG_HEAD.search(m.text) or " & " in m.text for m in ms) and not any(m.role or m.gender for m in ms):
        etype = "ORG"  # "Palm Beach County Sheriff's Office", "Kleiner Perkins Caufield & Byers", whatever the tagger thought
    if any(WEATHER_SYSTEM.match(m.text) for m in ms):
        etype = "EVENT"
    stands_for = METONYMS.get(key) or METONYMS.get(fold(key))
    if stands_for:
        etype = "ORG"
    forms = Counter(m.text for m in ms if etype != "PERSON" or len(m.text.split()) > 1) \
        or Counter(m.text for m in ms)
    if etype != "PERSON":  # an organisation's short names count for its full one: "Bee" for "Sacramento Bee"
        forms = Counter({f: sum(n for g, n in forms.items() if f" {g} " in f" {f} ") for f in forms})
    name = sorted(forms.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0][0]
    if etype != "PERSON" and key in {fold(v) for v in NAME_ALIASES.values()}:
        name = next(v for v in NAME_ALIASES.values() if fold(v) == key)
    if stands_for and name.islower():
        name = name.title()
    roles = Counter(m.role for m in ms if m.role)
    role = sorted(roles.items(), key=lambda kv: (-kv[1], -len(kv[0])))[0][0] if roles else None
    return Entity(key, name, etype, role, stands_for, _gender(ms), ms)


def story_entities(articles: list[Article], docs: list, settings: EntitySettings = EntitySettings()) -> StoryEntities:
    """Canonical entities over the articles of one story (docs[i] parses articles[i].text)."""
    mentions = [m for a, d in zip(articles, docs) for m in find_mentions(a, d)]
    mentions += untagged_mentions(articles, docs, mentions)
    ents = canonicalise(mentions, tuple(a.text for a in articles), settings, {a.id: a.text for a in articles})
    for a, d in zip(articles, docs):
        _describe(ents, a.id, d)
    return ents


def untagged_mentions(articles: list[Article], docs: list, mentions: list[Mention]) -> list[Mention]:
    """The first names and surnames of the story's people (from names of two words or more
    tagged a person) where the tagger missed them: a proper noun written just so, standing
    alone ("Hawking was known for ...", "Musk said"), not inside a tagged name and not part of
    a longer proper name ("Musk Foundation"). Marked untagged: canonicalise keeps one only if
    it links to a person."""
    words = {w for m in mentions if m.label == "PERSON" and len(m.text.split()) >= 2 and not ORG_HEAD.search(m.text)
             for w in (m.text.split()[0], m.text.split()[-1]) if len(w) >= 3 and w[:1].isupper() and w.isalpha()
             and fold(w) not in NOT_FIRST_NAMES}
    out = []
    for a, doc in zip(articles, docs):
        taken = [(m.start, m.end) for m in mentions if m.article_id == a.id]
        starts = [x.start for x in a.sentences]
        for tok in doc:
            if tok.text not in words or tok.pos_ != "PROPN" or any(s <= tok.idx < e for s, e in taken):
                continue
            prev, nxt = (doc[tok.i - 1] if tok.i > 0 else None), (doc[tok.i + 1] if tok.i + 1 < len(doc) else None)
            if any(t is not None and t.pos_ == "PROPN" and t.text[:1].isupper() and not t.is_sent_start
                   for t in (prev, nxt)) or (prev is not None and tok.whitespace_ == "" and nxt is not None
                                             and nxt.text == "-"):
                continue
            out.append(Mention(a.id, tok.idx, tok.idx + len(tok), tok.text, "PERSON", _sentence_of(starts, tok.idx),
                               tok.text, untagged=True))
    return out


def description_words(tok, leave_out=frozenset()) -> frozenset[str]:
    """The words of the noun phrase headed by tok (its subtree but the token indices in
    leave_out), lower case, without articles and punctuation."""
    return frozenset(t.lower_ for t in tok.subtree if t.i not in leave_out and not t.is_punct
                     and t.lower_ not in ("the", "a", "an"))


def _describe(ents: StoryEntities, article_id: str, doc) -> None:
    """Give each person the descriptions the article sets beside their name in apposition:
    "Chuck Schumer, the most senior Democrat in the Senate," and "the most senior Democrat in
    the Senate, Chuck Schumer,"."""
    for m, e in ents.by_article.get(article_id, []):
        if e.type != "PERSON":
            continue
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            continue
        root = span.root
        found = [(c, frozenset()) for c in root.children if c.dep_ == "appos"]
        if root.dep_ == "appos" and root.head.i < root.i:
            found.append((root.head, frozenset(t.i for t in root.subtree)))
        for tok, leave_out in found:
            named = ents.at(article_id, tok.idx, tok.idx + len(tok))  # a noun, or "Democrat", not a name
            if tok.pos_ in ("NOUN", "PROPN") and (named is None or named.type == "NORP"):
                e.descriptions.append((tok.lower_, description_words(tok, leave_out)))


def parse_articles(articles: list[Article], nlp=None, processes: int = 1) -> list:
    """spaCy Docs of the articles' texts, parsed once, with the articles' own sentence
    (and so paragraph) boundaries fixed before parsing: otherwise the parser may hang a
    quote of one paragraph on the "said" of the next. processes > 1 parses in that many
    worker processes (worth it from a few dozen articles on)."""
    if nlp is None:
        from .nlp import load_spacy

        nlp = load_spacy()

    def prepared(a: Article):
        doc = nlp.make_doc(a.text)
        starts = {s.start for s in a.sentences}
        for tok in doc:
            if tok.idx in starts:
                tok.is_sent_start = True
        return doc

    workers = processes if len(articles) >= 8 * processes else 1
    return list(nlp.pipe((prepared(a) for a in articles), batch_size=8, n_process=workers))
"""Who said what: direct quotes and reported statements with their speakers.

Quote marks are found by a scanner (curly, straight, single curly; a quote
left open at a paragraph's end runs to that end, the newspaper convention for
multi-paragraph quotes). The speaker comes from the dependency parse: the
speech verb outside the quote marks and its subject, resolved to a canonical
entity of the story; pronouns and "the president" point back to a named
person. A quote sentence with no attribution continues the quote before it.
The same quote carried by several outlets (whole, partial, with ellipses or
other punctuation) is merged into one quote with several citations.
"""
from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

from scipy.cluster.hierarchy import DisjointSet

from ..model import Article, Citation, QuoteEntry
from ..settings import QuoteSettings
from .entities import Entity, StoryEntities, description_words, fold

# Verbs that attribute a direct quote (lemmas as the en_core_web_sm lemmatizer gives them).
QUOTE_VERBS = {
    "say", "tell", "write", "tweet", "post", "add", "describe", "call", "deny", "insist", "warn", "claim",
    "announce", "declare", "state", "explain", "argue", "ask", "reply", "respond", "answer", "note", "stress",
    "emphasize", "emphasise", "urge", "acknowledge", "admit", "suggest", "predict", "promise", "vow", "pledge",
    "dismiss", "reject", "accuse", "charge", "complain", "concede", "conclude", "continue", "recall", "report",
    "quip", "joke", "shout", "scream", "testify", "assert", "maintain", "agree", "confirm", "brand", "label",
    "term", "praise", "criticize", "criticise", "condemn", "hail", "thank", "yell", "exclaim", "cry", "chant",
    "whisper", "mutter", "plead", "recount", "remark", "observe",
}
# Verbs that introduce a reported statement ("X said that ...", "X denied that ...").
REPORT_VERBS = {
    "say", "tell", "announce", "deny", "describe", "claim", "insist", "warn", "add", "state", "confirm",
    "dismiss", "reject", "accuse", "emphasize", "emphasise", "stress", "argue", "acknowledge", "admit", "vow",
    "pledge", "promise", "predict", "declare", "write", "tweet", "report", "assert", "maintain", "caution",
}
SUBJECT_DEPS = {"nsubj", "nsubjpass"}
# The speaker of a speech verb is its active subject; "X was accused of ..." names who was spoken of.
SPEAKER_DEPS = {"nsubj"}
# Nouns that stand for the body they speak for: "a Kremlin spokesman".
SPOKES_NOUNS = {"spokesman", "spokeswoman", "spokesperson", "official", "officials", "statement", "readout",
                "secretary", "ministry", "office", "aide", "aides", "source", "sources", "representative"}
# Who can speak: a person, an organisation, or a country or city for its government ("Russia
# said"); not a party or nationality noun ("Democrat"), a place or an event.
SPEAKER_TYPES = {"PERSON", "ORG", "GPE"}
PRONOUN_GENDER = {"he": "m", "him": "m", "she": "f", "her": "f"}
OPENERS = {"“": "”", '"': '"', "‘": "’"}


@dataclass
class Quote:
    """A quote or reported statement in one article."""

    article_id: str
    kind: str  # "direct" | "reported"
    fragments: list[str]  # the quoted words; several for split or partial quotes
    spans: list[tuple[int, int]]  # char spans of the fragments (quote marks excluded)
    sentences: list[int]
    paragraph: int
    verb: str | None = None
    speaker: Entity | None = None
    speaker_text: str | None = None
    inherited: bool = False  # speaker taken from the quote before (no attribution of its own)
    frag_sentences: list[int] = field(default_factory=list)  # sentence of each fragment
    norm_pieces: list[list[str]] | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        """Fragments of one sentence are a partial quote ("a" … "b"); a quote that goes on in
        the next sentence after "he said" reads as one."""
        if self.kind != "direct":
            return self.fragments[0]
        out = self.fragments[0]
        for k in range(1, len(self.fragments)):
            if self.frag_sentences[k] == self.frag_sentences[k - 1]:
                out += " … " + self.fragments[k]
            else:  # "“A,” he said. “B.”" reads "A. B."
                out += ("" if out[-1:] in ".!?" else ".") + " " + self.fragments[k]
        return out


@dataclass
class _Mark:
    start: int  # inner span, quote marks excluded
    end: int
    paragraph: int
    closed: bool


def find_quote_spans(article: Article) -> list[_Mark]:
    """Inner spans of quoted text, paragraph by paragraph."""
    marks: list[_Mark] = []
    text = article.text
    for p, (ps, pe) in _paragraph_bounds(article).items():
        i = ps
        while i < pe:
            ch = text[i]
            if ch in OPENERS and _opens(text, i, ps):
                close = _find_close(text, i + 1, pe, OPENERS[ch])
                inner_end = close if close is not None else pe
                if any(c.isalpha() for c in text[i + 1:inner_end]):
                    marks.append(_Mark(i + 1, inner_end, p, close is not None))
                i = (close if close is not None else pe) + 1
            else:
                i += 1
    return marks


def _opens(text: str, i: int, ps: int) -> bool:
    ch = text[i]
    prev = text[i - 1] if i > ps else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    if ch == "“":
        return True
    # straight and single quotes open only at a word start ("rock 'n' roll", "Trump’s" don't)
    return (prev.isspace() or prev in "([—–-:") and not nxt.isspace()


def _find_close(text: str, j: int, pe: int, closer: str) -> int | None:
    while j < pe:
        if text[j] == closer:
            if closer == "’":  # an apostrophe inside a word is not a closing quote
                nxt = text[j + 1] if j + 1 < len(text) else " "
                if text[j - 1].isalpha() and nxt.isalpha():
                    j += 1
                    continue
            return j
        j += 1
    return None


def _paragraph_bounds(article: Article) -> dict[int, tuple[int, int]]:
    bounds: dict[int, tuple[int, int]] = {}
    for s in article.sentences:
        lo, hi = bounds.get(s.paragraph, (s.start, s.end))
        bounds[s.paragraph] = (min(lo, s.start), max(hi, s.end))
    return bounds


def extract_quotes(article: Article, doc, ents: StoryEntities,
                   settings: QuoteSettings = QuoteSettings()) -> list[Quote]:
    """Direct quotes and reported statements of one article (doc parses article.text)."""
    marks = find_quote_spans(article)
    inside = [(m.start - 1, m.end + 1) for m in marks]
    ctx = Context(inside=inside, settings=settings)
    sent_of = _sentence_index(article)
    direct: list[Quote] = []
    for m in marks:
        sents = sorted({sent_of(m.start), sent_of(max(m.start, m.end - 1))})
        verb_tok = _attribution_verb(article, doc, m, sents, inside)
        q = Quote(article.id, "direct", [article.text[m.start:m.end].strip().rstrip(",")], [(m.start, m.end)],
                  list(range(sents[0], sents[-1] + 1)), m.paragraph, frag_sentences=[sents[0]])
        if verb_tok is not None:
            q.verb = verb_tok.text.lower()
            q.speaker, q.speaker_text = _speaker(article, doc, verb_tok, ents, ctx)
        prev = direct[-1] if direct else None
        if verb_tok is None and prev is not None and _continues(article, prev, q, inside):
            if prev.paragraph == q.paragraph or _same_verb_sentence(prev, q):
                _extend(prev, q)
                continue
            q.verb, q.speaker, q.speaker_text, q.inherited = prev.verb, prev.speaker, prev.speaker_text, True
        elif verb_tok is not None and prev is not None and prev.sentences[-1] == q.sentences[0] \
                and prev.verb == q.verb and prev.speaker is q.speaker and prev.speaker_text == q.speaker_text:
            _extend(prev, q)  # two partial quotes hung on one verb: "as “a” and “b”"
            continue
        direct.append(q)
        if q.speaker is not None:
            ctx.said_by.update({k: q.speaker for k in q.sentences})
    # Short fragments with nobody saying them are scare quotes or titles, not quotes.
    direct = [q for q in direct if q.speaker or sum(len(f.split()) for f in q.fragments) >= 4]
    return direct + _reported(article, doc, ents, ctx)


def _extend(prev: Quote, q: Quote) -> None:
    prev.fragments += q.fragments
    prev.spans += q.spans
    prev.frag_sentences += q.frag_sentences
    prev.sentences = sorted(set(prev.sentences) | set(q.sentences))


def _same_verb_sentence(prev: Quote, q: Quote) -> bool:
    return prev.sentences[-1] == q.sentences[0]


def _continues(article: Article, prev: Quote, q: Quote, inside) -> bool:
    """q has no attribution: it continues prev when nothing but quoted text lies between them
    and q fills its sentence(s), or both sit in one sentence."""
    if prev.sentences[-1] == q.sentences[0]:
        return True
    first = article.sentences[q.sentences[0]]
    last = article.sentences[q.sentences[-1]]
    outside = _outside_text(article.text, first.start, last.end, inside)
    if any(c.isalpha() for c in outside):
        return False
    if q.paragraph == prev.paragraph:
        return True
    # the previous paragraph must end with prev's sentence
    prev_last = article.sentences[prev.sentences[-1]]
    nxt = article.sentences[prev_last.index + 1] if prev_last.index + 1 < len(article.sentences) else None
    return q.paragraph == prev.paragraph + 1 and nxt is not None and nxt.paragraph == q.paragraph \
        and nxt.index == q.sentences[0] and prev.speaker is not None


def _outside_text(text: str, lo: int, hi: int, inside: list[tuple[int, int]]) -> str:
    chars = list(text[lo:hi])
    for a, b in inside:
        for k in range(max(a, lo), min(b, hi)):
            chars[k - lo] = " "
    return "".join(chars)


def _sentence_index(article: Article):
    import bisect

    starts = [s.start for s in article.sentences]
    return lambda pos: max(0, bisect.bisect_right(starts, pos) - 1)


def _in_any(pos: int, spans) -> bool:
    return any(a <= pos < b for a, b in spans)


def _attribution_verb(article: Article, doc, m: _Mark, sents: list[int], inside):
    """The speech verb outside quote marks that governs this quote, if any."""
    lo = article.sentences[sents[0]].start
    hi = article.sentences[sents[-1]].end
    cands = []
    for tok in doc.char_span(lo, hi, alignment_mode="expand") or []:
        if tok.lemma_.lower() not in QUOTE_VERBS or tok.pos_ not in ("VERB", "AUX") or _in_any(tok.idx, inside):
            continue
        left, right = tok.left_edge.idx, tok.right_edge.idx + len(tok.right_edge)
        governs = left <= m.start and m.end <= right
        dist = min(abs(tok.idx - m.start), abs(tok.idx - m.end))
        cands.append((not governs, dist, tok))
    if cands:
        cands.sort(key=lambda c: (c[0], c[1]))
        not_governs, _, tok = cands[0]
        if not not_governs or _subject(tok) is not None:
            return _nested_attribution(tok, m) or tok
    # "“...!” / Trump said to cheers." where the sentence splitter cut before the attribution
    last = article.sentences[sents[-1]]
    if sents[-1] + 1 < len(article.sentences) and not any(c.isalpha() for c in
                                                          _outside_text(article.text, last.start, last.end, inside)):
        nxt = article.sentences[sents[-1] + 1]
        span = doc.char_span(nxt.start, nxt.end, alignment_mode="expand")
        if nxt.paragraph == last.paragraph and span is not None and len(span) <= 15 \
                and not any(_in_any(t.idx, inside) for t in span):
            root = span.root
            if root.lemma_.lower() in QUOTE_VERBS and any(c.dep_ in SPEAKER_DEPS and c.i < root.i for c in root.children) \
                    and not any(c.dep_ in ("ccomp", "dobj") for c in root.children):
                return root
    # "X said:" at the end of the sentence before
    if sents[0] > 0:
        prev = article.sentences[sents[0] - 1]
        if prev.text.rstrip().endswith(":"):
            for tok in reversed(list(doc.char_span(prev.start, prev.end, alignment_mode="expand") or [])):
                if tok.lemma_.lower() in QUOTE_VERBS and tok.pos_ == "VERB" and not _in_any(tok.idx, inside):
                    return tok
    return None


def _nested_attribution(verb, m: _Mark):
    """"“...,” Elizabeth Ailes said, Fox News reported.": the speech verb with its own subject
    that the chosen verb governs between the quote and itself is the quote's attribution; the
    outer one names who reported it."""
    for c in verb.children:
        if c.dep_ in ("ccomp", "parataxis") and m.end <= c.idx < verb.idx and c.lemma_.lower() in QUOTE_VERBS \
                and any(g.dep_ in SPEAKER_DEPS for g in c.children):
            return c
    return None


def _subjects(verb):
    """Candidate subjects of a speech verb with the number of clause levels climbed
    ("to say" / "calling" take the subject of the clause they hang on)."""
    tok, depth = verb, 0
    for _ in range(3):
        for c in tok.children:
            if c.dep_ in SPEAKER_DEPS:
                yield c, depth
            elif c.dep_ == "nsubjpass":
                return
            if c.dep_ == "agent":
                for g in c.children:
                    if g.dep_ == "pobj":
                        yield g, depth
        # "to say" / "saying" / "and said" share the subject of the clause they hang on;
        # "as reported in X" (a participle) does not
        if tok.head.i != tok.i and (tok.dep_ == "conj" or tok.dep_ in ("xcomp", "advcl", "acl")
                                    and tok.tag_ in ("VB", "VBG")):
            tok, depth = tok.head, depth + 1
        else:
            break
    for c in verb.children:  # "according to X"
        if c.lower_ == "according":
            for p in c.children:
                for g in p.children:
                    if g.dep_ == "pobj":
                        yield g, 0


def _subject(verb):
    return next(iter(_subjects(verb)), (None, 0))[0]


def _speaker(article: Article, doc, verb, ents: StoryEntities,
             ctx: Context) -> tuple[Entity | None, str | None]:
    """The speaking entity and the subject phrase as written. A clause with several subjects is
    a misparse and gives nobody. Past the verb's own clause only a person or an organisation is
    taken: a place there is more likely a misparsed noun than a speaker."""
    levels: dict[int, list] = {}
    for subj, depth in _subjects(verb):
        levels.setdefault(depth, []).append(subj)
    for depth in sorted(levels):
        subjects = levels[depth]
        if len(subjects) > 1:
            return None, None
        e = resolve_mention(article, doc, subjects[0], ents, ctx)
        if e is None or e.type not in SPEAKER_TYPES:  # "the most senior Democrat" is no "Democrat"
            return None, _phrase(subjects[0])
        if depth == 0 or e.type in ("PERSON", "ORG"):
            return e, _phrase(subjects[0])
    return None, None


def _phrase(tok) -> str:
    keep = {tok.i} | {c.i for c in tok.children if c.dep_ in ("compound", "flat", "det", "amod", "poss")}
    return " ".join(t.text for t in tok.doc[min(keep):max(keep) + 1])


@dataclass
class Context:
    """What is known of an article while its quotes are read in order: the speaker found
    for each sentence so far, and the quoted spans (their words are not the narrator's);
    with the settings its speakers are resolved by."""

    said_by: dict[int, Entity] = field(default_factory=dict)
    inside: list[tuple[int, int]] = field(default_factory=list)
    settings: QuoteSettings = field(default_factory=QuoteSettings)


def resolve_mention(article: Article, doc, tok, ents: StoryEntities, ctx: Context | None = None) -> Entity | None:
    """The entity a subject token stands for: a name, a pronoun, "who" of a relative
    clause, "a Kremlin spokesman" or "the <role>"."""
    e = ents.at(article.id, tok.idx, tok.idx + len(tok))
    definite = any(c.lower_ == "the" and c.dep_ == "det" for c in tok.children)
    if e is not None and e.type not in SPEAKER_TYPES and definite:
        return _described(tok, ents)  # "the most senior Democrat in the Senate" is no "Democrat"
    if e is not None:  # a surname several people share names none of them
        return None if e.ambiguous else e
    low = tok.lower_
    if low in ("who", "which", "that") and tok.head.dep_ == "relcl":
        target = tok.head.head
        e = ents.at(article.id, target.idx, target.idx + len(target))
        if e is None and target.dep_ == "appos":  # "Clark Davis, an organiser, who said"
            e = ents.at(article.id, target.head.idx, target.head.idx + len(target.head))
        return e
    if tok.pos_ == "PRON":
        return _antecedent(article, doc, tok, ents, ctx or Context())
    if low in SPOKES_NOUNS:
        for c in tok.children:
            if c.dep_ == "compound":
                e = ents.at(article.id, c.idx, c.idx + len(c))
                if e is not None and e.type in ("ORG", "GPE"):
                    return e
        return None
    if definite:
        return _described(tok, ents)
    if tok.pos_ == "PROPN" and tok.text[:1].isupper():
        # a surname the tagger missed here but found elsewhere: "Rogovinhart said"
        same = [e for e in ents.entities if e.type == "PERSON" and e.name.split()[-1] == tok.text]
        return same[0] if len(same) == 1 else None
    return None


def _sentence_subject_entity(article: Article, doc, sent_index: int, ents: StoryEntities) -> Entity | None:
    """The named (or role-named) subject of a sentence's main clause."""
    s = article.sentences[sent_index]
    span = doc.char_span(s.start, s.end, alignment_mode="expand")
    if span is None:
        return None
    for tok in span:
        if tok.dep_ in SUBJECT_DEPS and tok.pos_ != "PRON" and (tok.head.dep_ == "ROOT" or tok.head.head.dep_ == "ROOT"):
            e = resolve_mention(article, doc, tok, ents)
            if e is not None:
                return e
    return None


def _antecedent(article: Article, doc, tok, ents: StoryEntities, ctx: Context) -> Entity | None:
    """He/she -> the named person the text is about just before; it/they -> a body.
    Sentences that are all quotation are skipped; a sentence naming two candidates
    makes the pronoun ambiguous and nothing is returned."""
    low = tok.lower_
    gender = PRONOUN_GENDER.get(low)
    want = ("PERSON",) if low in ("he", "she", "him", "her") else ("ORG", "GPE") if low in ("it", "they") else ()
    if not want:
        return None

    def fits(e: Entity | None) -> bool:
        return e is not None and e.type in want and not e.ambiguous and _gender_ok(e, gender)

    s_idx = _sentence_index(article)(tok.idx)
    s = article.sentences[s_idx]
    # a name earlier in the same sentence, as the subject of a clause
    for m, e in ents.before(article.id, tok.idx, s.start):
        mt = doc.char_span(m.start, m.end, alignment_mode="expand")
        if fits(e) and mt is not None and mt.root.dep_ in SUBJECT_DEPS and not _in_any(m.start, ctx.inside):
            return e
    looked = 0
    for k in range(s_idx - 1, -1, -1):
        if looked == ctx.settings.look_back_sentences:
            break
        sent = article.sentences[k]
        if fits(ctx.said_by.get(k)):
            return ctx.said_by[k]
        if not any(c.isalpha() for c in _outside_text(article.text, sent.start, sent.end, ctx.inside)):
            continue  # all quotation: not the narrator naming anyone
        looked += 1
        e = _sentence_subject_entity(article, doc, k, ents)
        if fits(e):
            return e
        named = {e.key: e for m, e in ents.before(article.id, sent.end, sent.start)
                 if not _in_any(m.start, ctx.inside) and fits(e)}
        if len(named) == 1:
            return next(iter(named.values()))
        if named or any(e.type in want for m, e in ents.before(article.id, sent.end, sent.start)):
            return None
    return None


def _gender_ok(e: Entity, gender: str | None) -> bool:
    return gender is None or e.gender is None or e.gender == gender


# Words before a title that make it another one: a vice president is not "the president".
OTHER_RANK = {"vice", "deputy", "assistant", "associate", "lieutenant", "former", "acting", "interim", "under"}


def _described(tok, ents: StoryEntities) -> Entity | None:
    """"the president", "the district attorney", "the most senior Democrat in the Senate":
    the one person of the story with that title, or whom the story describes so in
    apposition; None when nobody or several fit."""
    words = description_words(tok)
    head = tok.lower_

    def fits(e: Entity) -> bool:
        for role in e.roles:  # "President of Ostria": the title is "President"
            rw = fold(role).replace(".", "").split()
            title = fold(role.split(" of ")[0]).replace(".", "").split()
            if title and title[-1] == head and words <= set(rw) and not (set(rw) - words) & OTHER_RANK:
                return True
        return any(h == head and words <= dw for h, dw in e.descriptions)

    fit = [e for e in ents.entities if e.type == "PERSON" and not e.ambiguous and fits(e)]
    return fit[0] if len(fit) == 1 else None


def _reported(article: Article, doc, ents: StoryEntities, ctx: Context) -> list[Quote]:
    """"X said (that) ...", "X denied that ...", "X described Y as Z": statements whose
    content is not in quote marks, with a named (or resolved) speaker."""
    out: list[Quote] = []
    inside = ctx.inside
    sent_of = _sentence_index(article)
    for tok in doc:
        if tok.lemma_.lower() not in REPORT_VERBS or tok.pos_ != "VERB" or _in_any(tok.idx, inside):
            continue
        if any(c.dep_ == "neg" for c in tok.children):
            continue
        content = _content(tok)
        sent = article.sentences[sent_of(tok.idx)]
        if content is None or not all(sent.start <= t.idx < sent.end for t in content):
            continue
        lo, hi = content[0].idx, content[-1].idx + len(content[-1])
        if any(a < hi and lo < b for a, b in inside):
            continue  # carries a direct quote; that is reported as the quote
        subj = _subject(tok)
        if subj is None or subj.i > tok.i and tok.lemma_ != "say":
            continue
        speaker, phrase = _speaker(article, doc, tok, ents, ctx)
        if speaker is None:
            continue
        text = re.sub(r"^that\s+", "", article.text[lo:hi].strip().rstrip(",;"))
        if len(text.split()) < 3:
            continue
        s = sent_of(tok.idx)
        if speaker.type == "PERSON":  # "he says Frances wants ...": a later "he" is the speaker, not Frances
            ctx.said_by.setdefault(s, speaker)
        out.append(Quote(article.id, "reported", [text], [(lo, hi)], sorted({s, sent_of(hi - 1)}),
                         article.sentences[s].paragraph, tok.text.lower(), speaker, phrase))
    return out


def _content(verb):
    """Tokens of what was said: the that-clause, or "Y as Z" after describe, or the object of deny."""
    for c in verb.children:
        if c.dep_ == "ccomp" or (c.dep_ == "parataxis" and verb.lemma_ == "say"):
            return list(c.subtree) if c.i > verb.i else _clause_before(verb, c)
    lemma = verb.lemma_.lower()
    if lemma in ("describe", "deny", "dismiss", "reject", "accuse", "announce", "confirm", "warn", "acknowledge"):
        obj = [c for c in verb.children if c.dep_ in ("dobj", "prep", "advcl", "xcomp") and c.i > verb.i]
        if obj and any(c.dep_ == "dobj" for c in obj):
            toks = sorted({t for c in obj for t in c.subtree}, key=lambda t: t.i)
            return toks
    return None


def _clause_before(verb, clause):
    """"A cease-fire is the main priority, Mr. Putin said." -> the clause before the comma;
    only when the attribution closes the sentence (otherwise the parse hung the clause the
    wrong way round: "so sensitive, that X says the device can ...")."""
    speaker = {t.i for c in verb.children if c.dep_ in SPEAKER_DEPS for t in c.subtree}
    after = [t for t in verb.sent if t.i > verb.i and not t.is_punct and t.i not in speaker]
    if len(after) > 5:
        return None
    toks = [t for t in clause.subtree if t.i < verb.i]
    while toks and toks[-1].is_punct:
        toks.pop()
    return toks or None


# ---- merging one quote carried by several outlets ----

def norm_words(text: str) -> list[str]:
    t = fold(text).replace("&", " and ")
    t = re.sub(r"(?<=\w)\.(?=\w)", "", t)  # U.S.A. -> usa
    return re.findall(r"[a-z0-9]+", t)


def _pieces(q: Quote) -> list[list[str]]:
    """Word lists of the quote's fragments, split again at ellipses (computed once per quote:
    merging compares every pair)."""
    if q.norm_pieces is None:
        q.norm_pieces = [w for f in q.fragments for piece in re.split(r"\.\.\.|…", f)
                         if (w := norm_words(piece))]
    return q.norm_pieces


def same_quote(a: Quote, b: Quote) -> bool:
    """Same words: one quote's fragments all appear, in the other's text, or the
    two differ only by a few words (punctuation, a dropped word)."""
    if a.kind != b.kind:
        return False
    if a.speaker is not None and b.speaker is not None and a.speaker.key != b.speaker.key:
        return False
    pa, pb = _pieces(a), _pieces(b)
    wa, wb = sum(len(p) for p in pa), sum(len(p) for p in pb)
    if not wa or not wb:
        return False
    if pa == pb and a.speaker is not None and b.speaker is not None:
        return True  # the same short quote ("unaffordable") from the same speaker
    short, long_ = (pa, pb) if wa <= wb else (pb, pa)
    long_text = " " + " ".join(" ".join(p) for p in long_) + " "
    matched = sum(len(p) for p in short)
    if matched >= 4 and all(f" {' '.join(p)} " in long_text for p in short):
        # a lone short partial quote needs the same speaker to count
        return matched >= 6 or (a.speaker is not None and b.speaker is not None)
    if min(wa, wb) < 6 or min(wa, wb) < 0.7 * max(wa, wb):
        return False
    va, vb = {w for p in pa for w in p}, {w for p in pb for w in p}
    if len(va & vb) < 0.7 * len(va | vb):  # cheap bound before the alignment
        return False
    sa, sb = " ".join(" ".join(p) for p in pa), " ".join(" ".join(p) for p in pb)
    return difflib.SequenceMatcher(None, sa, sb).ratio() >= 0.85


def merge_quotes(quotes: list[Quote], articles: dict[str, Article],
                 copies: dict[str, str] | None = None) -> list[tuple[QuoteEntry, list[Quote]]]:
    """One QuoteEntry per distinct quote, citing every article that carries it, each with
    the quotes it merges. copies ({copy id: original id}) count as their original's source."""
    copies = copies or {}
    same = DisjointSet(range(len(quotes)))
    for i in range(len(quotes)):
        for j in range(i + 1, len(quotes)):
            if not same.connected(i, j) and same_quote(quotes[i], quotes[j]):
                same.merge(i, j)
    out = []
    for group in sorted(same.subsets(), key=min):
        members = [quotes[k] for k in sorted(group)]
        best = max(members, key=lambda q: (sum(len(f) for f in q.fragments), q.speaker is not None))
        speakers = Counter(q.speaker.key for q in members if q.speaker is not None)
        speaker = next((q.speaker for q in members if speakers and q.speaker is not None
                        and q.speaker.key == speakers.most_common(1)[0][0]), None)
        verbs = Counter(q.verb for q in members if q.verb)
        entry = QuoteEntry(
            speaker=speaker.name if speaker else None,
            speaker_type=speaker.type if speaker else None,
            speaker_text=best.speaker_text,
            verb=best.verb or (verbs.most_common(1)[0][0] if verbs else None),
            text=best.text, kind=best.kind,
            independent_sources=len({copies.get(q.article_id, q.article_id) for q in members}),
            citations=[quote_citation(articles[q.article_id], q) for q in members])
        out.append((entry, members))
    return out


def sentence_speakers(quotes: list[Quote]) -> dict[tuple[str, int], str]:
    """Who says the direct quotation each sentence carries, by (article id,
    sentence index): the canonical name of its resolved speaker. A "he" or "she"
    resolved to anything but a person is left out: the resolution went wrong."""
    return {(q.article_id, i): q.speaker.name for q in quotes
            if q.kind == "direct" and q.speaker is not None
            and (q.speaker.type == "PERSON" or (q.speaker_text or "").lower() not in PRONOUN_GENDER)
            for i in q.sentences}


def quote_citation(article: Article, q: Quote) -> Citation:
    first, last = article.sentences[q.sentences[0]], article.sentences[q.sentences[-1]]
    return Citation(article.id, first.index, first.start, last.end)

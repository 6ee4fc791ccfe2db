"""Items that read alone. A key point, an agreement or a single-source fact is shown
without the sentences around it, so one that leans on them ("He was released ...",
"It was discovered ...", half a quotation) misleads or says nothing. One function decides
whether a text stands alone (`standalone`, the summary's rule too); the stage
`standalone_items` applies it to the brief's typed items: a leading "he"/"she" is
resolved to the one person it can name (the quote analysis's speaker of the sentence,
else the only person the sentence before names), a quotation is balanced, a leading
connective dropped, and an item that still leans on its context is replaced by another
of its cited sentences that reads alone, or left out."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from ..ingest.furniture import reporting
from ..model import Article, Citation, EntityEntry
from ..settings import IngestSettings

# Sentences that make no sense alone: they lean on something said before. An existential
# "there" ("There has been a surge of interest in the case") does not.
DANGLING = re.compile(
    r"^(?:he|she|it|they|this|that|these|those|his|her|its|their|such|the two|both|"
    r"there(?!\s+(?:is|are|was|were|has|have|had|will|would|could|may|might|seems?|appears?)\b)|"
    r"but|and|yet|so|also|however|still|meanwhile|instead|then|later|moreover|"
    r"in addition|as a result|that's|it's|he's|she's|they're)\b",
    re.IGNORECASE,
)
# The same after a short opening phrase: "If confirmed, that will make this the first ...",
# "On Monday, he said ...".
DANGLING_AFTER_OPENER = re.compile(r"^(?:[\w'’-]+\s+){0,3}[\w'’-]+,\s+(?:he|she|it|they|this|that|these|those)\b",
                                   re.IGNORECASE)
# A quote whose only speaker is a pronoun ('"...," she said.') leans on the sentence before.
PRONOUN_SPEAKER = re.compile(
    r"([”\"],?\s+)(he|she|they)(\s+(?:\w+\s+)?(?:said|says|added|adds|told|wrote|explained|noted|argued|warned)\b)",
    re.IGNORECASE)
QUOTED = re.compile(r"“[^“”]*”|\"[^\"]*\"")
# A leading connective dropped from a sentence; "So", "Still" and "Also" only before a
# comma ("So far, ..." needs its "So").
CONNECTIVE = re.compile(r"^(?:(?:But|And|Yet|However|Meanwhile),?|(?:So|Still|Also),)\s+(?=\w)")
# A sentence opening with a personal pronoun as its subject ("He was released ...", not
# "He's", whose verb a name would have to be written out for).
LEADING_PERSON = re.compile(r"^(?:He|She)(?=\s)")
# "He said ..." / "She told ...": the pronoun is the speaker of the sentence's statement.
SPEAKER_OPENING = re.compile(
    r"^(?:He|She)\s+(?:\w+\s+)?(?:said|says|added|adds|told|tells|wrote|explained|noted|argued|warned)\b")
LOOK_BACK = 2  # sentences before an item searched for the person its "he"/"she" names
# Fewest words of an item that reads alone. Below IngestSettings.reporting_min_words (the
# summary's fragment bar): a fact is a whole statement the analysis found, and a short one
# ('"They were very lucky," Dunn said.', "Investors rewarded Amazon for the deal.") reads alone.
ITEM_MIN_WORDS = 4


def standalone(text: str, speaker: str | None = None, max_words: int | None = None,
               ingest: IngestSettings = IngestSettings(), referent: str | None = None) -> str | None:
    """The sentence as an item that reads alone would give it, or None if it cannot stand
    alone. A quotation the sentence splits off ("...it said: “We will. | We can.”") is
    closed. speaker: who says the quotation in it (the quote analysis), if known: a pronoun
    speaker is named and a sentence that is all quotation is given its speaker
    ("Okafor: “...”"). referent: the person a leading "he"/"she" names, if known.
    max_words: the longest sentence accepted (None: any length)."""
    text = reporting(text, max_words, ingest)
    if text is None:
        return None
    stripped = CONNECTIVE.sub("", text)
    if referent:
        stripped = LEADING_PERSON.sub(referent, stripped, count=1)
    if DANGLING.match(stripped) or DANGLING_AFTER_OPENER.match(stripped):
        return None
    stripped = close_quotation(stripped)
    if speaker:
        stripped = PRONOUN_SPEAKER.sub(lambda m: m.group(1) + speaker + m.group(3), stripped)
        if unattributed_quote(stripped):
            stripped = f"{speaker}: {stripped}"
    if unattributed_quote(stripped) or unbalanced_quotes(stripped) or PRONOUN_SPEAKER.search(stripped):
        return None
    if stripped != text:
        stripped = stripped[0].upper() + stripped[1:]
    return stripped


def close_quotation(text: str) -> str:
    """Close a quotation left open at the sentence's end, or open one closed in it."""
    opening, closing = text.count("“"), text.count("”")
    if opening != closing:
        return text + "”" if opening > closing else "“" + text
    if text.count('"') % 2:
        i = text.index('"')
        opens = i == 0 or text[i - 1].isspace() or text[i - 1] in ":(—–-"
        return text + '"' if opens else '"' + text
    return text


def unattributed_quote(text: str) -> bool:
    """A sentence that is all quotation: without its speaker it misleads."""
    return text.startswith(("“", '"')) and not re.search(r"\w", QUOTED.sub("", text))


def unbalanced_quotes(text: str) -> bool:
    opening, closing = text.count("“"), text.count("”")
    return opening != closing or text.count('"') % 2 == 1


class Context:
    """What resolves an item's pronoun: the articles' sentences, who is quoted in which
    sentence (StoryAnalysis.speakers) and the story's people (its PERSON entities)."""

    def __init__(self, articles: list[Article], speakers: Mapping[tuple[str, int], str],
                 entities: list[EntityEntry], ingest: IngestSettings = IngestSettings()):
        self.by_id = {a.id: a for a in articles}
        self.speakers = speakers
        self.ingest = replace(ingest, reporting_min_words=min(ingest.reporting_min_words, ITEM_MIN_WORDS))
        self.people = {e.name: _name_pattern(e) for e in entities if e.type == "PERSON"}

    def text_of(self, cite: Citation) -> str | None:
        """The sentence a citation points at, as an item that reads alone gives it."""
        article = self.by_id.get(cite.article_id)
        if article is None or not 0 <= cite.sentence < len(article.sentences):
            return None
        sentence = article.sentences[cite.sentence].text
        speaker = self.speakers.get((cite.article_id, cite.sentence))
        return standalone(sentence, speaker, None, self.ingest, self.referent(article, cite.sentence, speaker))

    def referent(self, article: Article, index: int, speaker: str | None) -> str | None:
        """The person a leading "he"/"she" of the sentence names: the quote analysis's
        speaker of a "he said" sentence, else the only person the nearest sentence before
        it that names one names (two people there: nobody, rather than a guess)."""
        text = CONNECTIVE.sub("", article.sentences[index].text.strip())
        if not LEADING_PERSON.match(text):
            return None
        if speaker and SPEAKER_OPENING.match(text) and speaker in self.people:
            return speaker
        for before in article.sentences[max(0, index - LOOK_BACK):index][::-1]:
            named = [name for name, pattern in self.people.items() if pattern.search(before.text)]
            if named:
                return named[0] if len(named) == 1 else None
        return None


def _name_pattern(entity: EntityEntry) -> re.Pattern:
    names = sorted({entity.name, *entity.aliases}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names if n) + r")\b")


def readable(item, context: Context):
    """The item with a text that reads alone (its own, made so, else one of its other cited
    sentences that does), or None. The citations stay: each states the item's fact."""
    own = item.citations[0] if item.citations else None
    if own is not None and _is_sentence_of(item.text, own, context):
        text = context.text_of(own)
    else:  # a text the stage before made (a key point given its speaker): its own rules
        text = standalone(item.text, None, None, context.ingest)
    for cite in item.citations[1:]:
        if text is not None:
            break
        text = context.text_of(cite)
    return replace(item, text=text) if text is not None else None


def _is_sentence_of(text: str, cite: Citation, context: Context) -> bool:
    article = context.by_id.get(cite.article_id)
    return article is not None and 0 <= cite.sentence < len(article.sentences) and \
        article.sentences[cite.sentence].text.strip() == text.strip()


def standalone_items(items: list, context: Context) -> list:
    """The items that read alone (made so where they can be), the first of equal texts."""
    out, seen = [], set()
    for item in items:
        made = readable(item, context)
        if made is not None and made.text.lower() not in seen:
            seen.add(made.text.lower())
            out.append(made)
    return out

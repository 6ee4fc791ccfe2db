"""Paragraphs -> clean text and sentences with character offsets.

Uses spaCy's tokenizer with the rule-based sentencizer: fast enough for
ingest (no statistical model), and the tokenizer's exceptions keep
"Mr." / "U.S." / "St." from ending a sentence.
"""
from __future__ import annotations

from functools import lru_cache

from ..model import Sentence

PARAGRAPH_SEP = "\n\n"


@lru_cache(maxsize=1)
def _sentencizer():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def segment(paragraphs: list[str]) -> tuple[str, list[Sentence]]:
    """Join paragraphs with blank lines and split each into sentences.

    Invariant: for every sentence s, text[s.start:s.end] == s.text.
    """
    nlp = _sentencizer()
    text = PARAGRAPH_SEP.join(paragraphs)
    sentences: list[Sentence] = []
    offset = 0
    for p_index, doc in enumerate(nlp.pipe(paragraphs, batch_size=256)):
        for start, end in _sentence_bounds(doc):
            sentences.append(Sentence(len(sentences), offset + start, offset + end,
                                      doc.text[start:end], p_index))
        offset += len(doc.text) + len(PARAGRAPH_SEP)
    return text, sentences


OPENING_QUOTES = ("“", "‘", '"', "'")


def _sentence_bounds(doc) -> list[tuple[int, int]]:
    """Character spans of the sentences, with an opening quote that the
    sentencizer left at the end of one sentence moved to the next."""
    bounds = [[s.start_char, s.end_char] for s in doc.sents]
    for i in range(len(bounds) - 1):
        chunk = doc.text[bounds[i][0]:bounds[i][1]].rstrip()
        if chunk.endswith(OPENING_QUOTES) and (len(chunk) < 2 or chunk[-2].isspace()):
            quote_at = bounds[i][0] + len(chunk) - 1
            bounds[i][1] = quote_at
            bounds[i + 1][0] = quote_at
    spans = []
    for start, end in bounds:
        piece = doc.text[start:end]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if end - trail > start + lead:
            spans.append((start + lead, end - trail))
    return spans

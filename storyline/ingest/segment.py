"""Paragraphs -> clean text and sentences with character offsets.

Uses spaCy's tokenizer with the rule-based sentencizer: fast enough for
ingest (no statistical model), and the tokenizer's exceptions keep
"Mr." / "U.S." / "St." from ending a sentence.

Hostile input (a one-million-character line, a text without any full stop)
must not blow up: paragraphs are fed to spaCy in bounded chunks and no
sentence is longer than MAX_SENTENCE_CHARS, so later steps that parse or
embed sentences one by one stay bounded too.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..model import Sentence

PARAGRAPH_SEP = "\n\n"
# spaCy refuses texts over nlp.max_length (1,000,000) and its cost grows with
# the text, so longer paragraphs are cut, preferably after a sentence end.
CHUNK_CHARS = 100_000
# Real sentences are far shorter; longer runs are cut at a space.
MAX_SENTENCE_CHARS = 2_000


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
    # (paragraph index, offset of the chunk in text, chunk)
    pieces: list[tuple[int, int, str]] = []
    offset = 0
    for p_index, para in enumerate(paragraphs):
        for start, chunk in _chunks(para, CHUNK_CHARS):
            pieces.append((p_index, offset + start, chunk))
        offset += len(para) + len(PARAGRAPH_SEP)
    sentences: list[Sentence] = []
    docs = nlp.pipe((chunk for _, _, chunk in pieces), batch_size=256)
    for (p_index, chunk_offset, chunk), doc in zip(pieces, docs):
        for start, end in _sentence_bounds(doc):
            for s, e in _cut_long(chunk, start, end, MAX_SENTENCE_CHARS):
                sentences.append(Sentence(len(sentences), chunk_offset + s, chunk_offset + e,
                                          chunk[s:e], p_index))
    return text, sentences


SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*\s")


def _chunks(para: str, limit: int) -> list[tuple[int, str]]:
    """(offset, piece) cuts of para of at most limit characters, cut after the
    last sentence end in a piece, else at its last space, else hard."""
    out: list[tuple[int, str]] = []
    start = 0
    while len(para) - start > limit:
        window = para[start:start + limit]
        cut = 0
        for m in SENTENCE_END.finditer(window, limit // 2):
            cut = m.end()
        if not cut:
            cut = window.rfind(" ", limit // 2) + 1 or limit
        out.append((start, para[start:start + cut]))
        start += cut
    out.append((start, para[start:]))
    return out


def _cut_long(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Split text[start:end] into spans of at most limit characters at spaces."""
    spans = []
    while end - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        cut = cut if cut > start else start + limit
        spans.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        spans.append((start, end))
    return spans


OPENING_QUOTES = ("“", "‘", '"', "'")


def _sentence_bounds(doc) -> list[tuple[int, int]]:
    """Character spans of the sentences, with an opening quote that the
    sentencizer left at the end of one sentence moved to the next."""
    text = doc.text  # rebuilt from the tokens on every access: read it once
    bounds = [[s.start_char, s.end_char] for s in doc.sents]
    for i in range(len(bounds) - 1):
        chunk = text[bounds[i][0]:bounds[i][1]].rstrip()
        if chunk.endswith(OPENING_QUOTES) and (len(chunk) < 2 or chunk[-2].isspace()):
            quote_at = bounds[i][0] + len(chunk) - 1
            bounds[i][1] = quote_at
            bounds[i + 1][0] = quote_at
    spans = []
    for start, end in bounds:
        piece = text[start:end]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if end - trail > start + lead:
            spans.append((start + lead, end - trail))
    return spans

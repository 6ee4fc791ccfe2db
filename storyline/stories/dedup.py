"""Syndicated and near-duplicate copies: the same wire story reprinted by
several outlets (whole, partial or lightly edited).

Word 5-gram shingles, MinHash signatures and an LSH index find candidate
pairs fast; a candidate is a copy when the shingles of the shorter text are
mostly contained in the longer one (containment, not Jaccard, so a partial
reprint of the first half of a wire story still counts).

A near-copy whose facts differ is a rewrite, not a copy: where the two texts give a
figure or a day in the same words around it ("rose to $4m a year" / "rose to $5m a
year", "on Tuesday, the company said" / "on Wednesday, ..."), but not the same figure or
day, the later one is its own source, so its differences reach the brief.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from hashlib import blake2b

import numpy as np

from ..model import Article
from ..settings import DedupSettings


def shingles(text: str, k: int) -> set[str]:
    """The text's runs of k words (lower case); a shorter text is one shingle."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}


def containment(a: set[str], b: set[str]) -> float:
    """Share of the smaller set that lies in the other."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small)


def shingle_hashes(sh: set[str]) -> np.ndarray:
    """Sorted 64-bit hashes of the shingles: ~8 bytes a shingle instead of a
    Python string each, so a long stream's index stays small."""
    return np.unique(np.fromiter((int.from_bytes(blake2b(s.encode("utf-8"), digest_size=8).digest(), "little",
                                                signed=True) for s in sh), dtype=np.int64, count=len(sh)))


def hashed_containment(a: np.ndarray, b: np.ndarray) -> float:
    """containment() on shingle_hashes() arrays."""
    if not len(a) or not len(b):
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(np.intersect1d(small, large, assume_unique=True)) / len(small)


@dataclass
class CopyIndex:
    """Streaming index: add articles one by one, learn which earlier article
    each is a copy of. The first-seen article of a group is its original.
    remove() drops an article that can no longer be copied (e.g. its story
    closed), which keeps a long-running index bounded."""

    settings: DedupSettings = DedupSettings()
    _lsh: object = None
    _shingles: dict[str, np.ndarray] = field(default_factory=dict)
    _facts: dict[str, dict[int, int]] = field(default_factory=dict)  # fact_slots() of each indexed article
    original_of: dict[str, str] = field(default_factory=dict)
    signatures: dict[str, "CopySignature"] | None = None  # a dict: add() keeps each signature it makes there

    def __post_init__(self) -> None:
        from datasketch import MinHashLSH

        num_perm = self.settings.num_perm
        self._lsh = MinHashLSH(num_perm=num_perm, params=_lsh_params(self.settings.lsh_threshold, num_perm))

    def add(self, article_id: str, text: str) -> str | None:
        """Index the article; return the id of the original it copies, if any."""
        if article_id in self._shingles:
            return self.original_of.get(article_id)
        signature = copy_signature(text, self.settings)
        if self.signatures is not None:
            self.signatures[article_id] = signature
        return self.add_signature(article_id, signature)

    def add_signature(self, article_id: str, signature: "CopySignature") -> str | None:
        """add() of an article whose signature (copy_signature) was made elsewhere: a backfill's
        window computes them where it places its articles, the stitching indexes them again."""
        if article_id in self._shingles:
            return self.original_of.get(article_id)
        best, best_score = None, self.settings.copy_containment
        for other in sorted(self._lsh.query(signature.minhash)):
            score = hashed_containment(signature.hashes, self._shingles[other])
            if score >= best_score and not changed_facts(signature.facts, self._facts[other]):
                best, best_score = other, score
        self._shingles[article_id] = signature.hashes
        self._facts[article_id] = signature.facts
        self._lsh.insert(article_id, signature.minhash)
        if best is not None:
            self.original_of[article_id] = self.original_of.get(best, best)
        return self.original_of.get(article_id)

    def remove(self, article_id: str) -> None:
        """Forget the article (its copy link, if any, is kept)."""
        if self._shingles.pop(article_id, None) is not None:
            self._facts.pop(article_id, None)
            self._lsh.remove(article_id)


@dataclass(frozen=True)
class CopySignature:
    """What CopyIndex keeps of an article's text: its MinHash (for the LSH), the hashes of its
    shingles (containment) and its fact slots (a rewrite is not a copy)."""

    minhash: object  # datasketch LeanMinHash
    hashes: np.ndarray
    facts: dict[int, int]


def copy_signature(text: str, settings: DedupSettings) -> CopySignature:
    from datasketch import LeanMinHash

    sh = shingles(text, settings.shingle_words)
    return CopySignature(LeanMinHash(_minhash(sh, settings.num_perm)), shingle_hashes(sh),
                         fact_slots(text, settings.fact_context_words))


# a figure ("$4m", "5,000", "12.5") or a day or month name: what a rewrite changes that a copy keeps
FACT_TOKEN = re.compile(r"^(?:\$?\d[\d,.]*(?:m|bn|k|%)?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
                        r"january|february|march|april|june|july|august|september|october|november|december)$")
TOKEN = re.compile(r"\$?\d[\d,.]*\d(?:m|bn|k|%)?|\$?\d(?:m|bn|k|%)?|\w+")


def fact_slots(text: str, context: int) -> dict[int, int]:
    """{hash of the `context` words either side: hash of the figure or day between} for every
    figure and day name of the text whose surroundings are words (not other figures)."""
    tokens = [t.rstrip(".,") for t in TOKEN.findall(text.lower())]
    out: dict[int, int] = {}
    for i, t in enumerate(tokens):
        if not FACT_TOKEN.match(t) or i < context or i + context >= len(tokens):
            continue
        around = tokens[i - context:i] + ["_"] + tokens[i + 1:i + 1 + context]
        if any(FACT_TOKEN.match(w) for w in around if w != "_"):
            continue
        out[zlib.crc32(" ".join(around).encode("utf-8"))] = zlib.crc32(t.encode("utf-8"))
    return out


def changed_facts(a: dict[int, int], b: dict[int, int]) -> int:
    """How many figures or days the two texts give differently in the same words."""
    return sum(1 for k, v in a.items() if k in b and b[k] != v)


def find_copies(articles: list[Article], settings: DedupSettings = DedupSettings()) -> dict[str, str]:
    """{copy id: original id} over the articles, earliest published first."""
    index = CopyIndex(settings)
    for a in sorted(articles, key=lambda a: (a.published.sort_key(), a.id)):
        index.add(a.id, a.text)
    return dict(index.original_of)


@lru_cache(maxsize=8)
def _lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) for the LSH threshold: datasketch finds them by numeric integration,
    ~0.1 s, too slow to repeat for every story's index."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def _minhash(sh: set[str], num_perm: int):
    from datasketch import MinHash

    mh = MinHash(num_perm=num_perm, hashfunc=_hash32)
    mh.update_batch([s.encode("utf-8") for s in sh])
    return mh


def _hash32(data: bytes) -> int:
    """CRC-32: several times faster than datasketch's default SHA-1, and the same in
    every process (Python's hash() is salted per process, which made copy links vary
    from run to run)."""
    return zlib.crc32(data)

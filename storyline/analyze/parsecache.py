"""Each article's spaCy parse, kept in the store so that a story that grows re-parses only
its new articles.

Parsing is the largest cost of a brief that no other cache covers (sentence vectors are
cached by text, analyze/embedcache.py): a story of ten articles that gains one would
otherwise parse all eleven again. A parse is a function of the article's text, the
sentence boundaries fixed before parsing (entities.parse_articles: they come from the
segmentation, which the ingest settings shape), the spaCy model and its pipes, the installed
NLP packages (cache.model_versions) and the code of the parse stage (cache.parse_code_version);
its key (cache.parse_key) hashes all of them, so a cached parse can never be stale: change
any and the lookup misses. No setting is read by the parse itself.

The value is a spaCy DocBin of the one Doc (zlib-compressed, about 18 bytes a token) with
every attribute the later stages read (text and whitespace, tags, POS, morphology, lemmas,
dependencies, entities, sentence starts); the tok2vec tensor is not kept (nothing reads it).
The rows are owned by their article (Store.cache_put): a newer key replaces the article's
older row, so the cache holds one parse per article.
"""
from __future__ import annotations

from collections.abc import Callable

from ..model import Article

counts = {"parsed": 0, "reused": 0}  # articles parsed vs read back from the store (for benchmarks)


def parsed(articles: list[Article], parse: Callable[[list[Article]], list], store=None, nlp=None) -> list:
    """The spaCy Doc of each article, in order: read from the store where it holds one,
    parse(the others) otherwise, and those stored for next time. Without a store, parse(all)."""
    from .. import cache

    if store is None or not articles:
        counts["parsed"] += len(articles)
        return list(parse(articles))
    if nlp is None:
        from .nlp import load_spacy

        nlp = load_spacy()
    kind = cache.parse_kind(nlp)
    keys = [cache.parse_key(a, nlp) for a in articles]
    blobs = store.cache_get_many(kind, keys)
    docs: list = [None] * len(articles)
    for k, key in enumerate(keys):
        if key in blobs:
            docs[k] = from_bytes(blobs[key], nlp.vocab)
    todo = [k for k, doc in enumerate(docs) if doc is None]
    counts["parsed"] += len(todo)
    counts["reused"] += len(articles) - len(todo)
    if todo:
        fresh = list(parse([articles[k] for k in todo]))
        with store.transaction():
            for k, doc in zip(todo, fresh):
                docs[k] = doc
                store.cache_put(kind, keys[k], to_bytes(doc), owner=articles[k].id)
    return docs


def to_bytes(doc) -> bytes:
    from spacy.tokens import DocBin

    return DocBin(docs=[doc]).to_bytes()


def from_bytes(blob: bytes, vocab):
    from spacy.tokens import DocBin

    return next(iter(DocBin().from_bytes(blob).get_docs(vocab)))

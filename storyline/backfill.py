"""Backfill: a large archive through the pipeline's own stages, in bulk, on one machine or a Ray cluster.

    report = backfill(["archive/"], store, engine="local")            # in-process, no Ray needed
    report = backfill(["archive/"], store, engine="ray", address="auto", briefs=True)

The stages are the streaming path's own functions, run over many articles at once:

    read      files -> Articles: the ingest readers (read_file: read, clean, segment); a bad
              file or record is an InputError naming it (file:line) and the rest goes on
    embed     the MiniLM lead embedding the clusterer uses (features.lead_text, embed_leads),
              with each article's terms for the document frequencies
    place     articles grouped by time window (window_days); each window streamed through
              its own StoryStream (the online clusterer), windows independent of each other
    stitch    the stories of each window offered, in time order, to the stories of the
              windows before it that are still open, by the clusterer's own similarity,
              join threshold and merge rule (OnlineClusterer.scores / merge_neighbours)
    write     one writer (the driver): articles and placements to the store, one
              transaction per window; then the thread links (Pipeline.rethread)
    briefs    with briefs=True, the brief of every story (Pipeline.briefs), cached in the
              store as `storyline show` would find it

engine "local" runs each stage in this process; engine "ray" runs read and embed as Ray Data
operations (stateless read tasks; an actor pool whose actors load MiniLM once), each window's
placement as a Ray task, and briefs in actors that hold spaCy and MiniLM. Ray is imported only
by the ray engine (pip install storyline[ray]).

Resumable: an article already stored is skipped (its story stands); the stories of a new run
are stitched onto the stored stories still open, as the next ingest would continue them.
"""
from __future__ import annotations

import json
import os
import pickle
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import InputError, StorylineError
from .model import Article, PartialDate
from .settings import DEFAULT_SETTINGS, ClusterConfig, DedupSettings, IngestSettings, Settings

ENGINES = ("local", "ray")
STAGES = ("read", "embed", "place", "stitch", "write", "briefs")
READ_FILES = 16  # files per read task
EMBED_BATCH = 128  # leads per embedding call
BRIEF_BATCH = 8  # stories analysed side by side per brief call
ACTOR_CPUS = 0.75  # of an embedding actor (see _RayEngine.read_and_embed)
UNDATED = float("inf")  # the window key of undated articles: after every dated window


@dataclass
class BackfillReport:
    added: list[str] = field(default_factory=list)  # article ids stored by this run
    known: list[str] = field(default_factory=list)  # already stored: skipped
    errors: list[InputError] = field(default_factory=list)
    story_ids: list[str] = field(default_factory=list)  # stories of the articles read (added and known)
    windows: int = 0
    briefs: int = 0  # briefs made (not found cached)
    seconds: dict[str, float] = field(default_factory=dict)  # wall seconds per stage


class Progress:
    """Progress per stage: start(stage, total or None), advance(stage, n), done(stage)."""

    def start(self, stage: str, total: int | None = None) -> None: ...

    def advance(self, stage: str, n: int = 1) -> None: ...

    def done(self, stage: str) -> None: ...


class RichProgress(Progress):
    """A rich progress bar per stage on stderr (the local engine's view)."""

    def __init__(self):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bars, TextColumn, TimeElapsedColumn

        self.bars = Bars(TextColumn("{task.description:>7}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                         console=Console(stderr=True))
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        self.bars.start()
        return self

    def __exit__(self, *exc):
        self.bars.stop()

    def start(self, stage: str, total: int | None = None) -> None:
        self.tasks[stage] = self.bars.add_task(stage, total=total)

    def advance(self, stage: str, n: int = 1) -> None:
        self.bars.advance(self.tasks[stage], n)

    def done(self, stage: str) -> None:
        task = self.tasks[stage]
        self.bars.update(task, total=self.bars.tasks[task].completed)


# -- the stages (both engines run these) ---------------------------------------------

def read_stage(sources: list[str], published: PartialDate | None, settings: IngestSettings,
               skip: frozenset[str] | set[str] = frozenset()) -> list[Article | InputError | str]:
    """The articles of the files (the ingest readers: read, clean, segment) and their errors;
    an article whose id is in skip (stored already) comes back as its id only."""
    from .ingest import read_file

    out: list[Article | InputError | str] = []
    for source in sources:
        for item in read_file(source, published, settings):
            out.append(item.id if isinstance(item, Article) and item.id in skip else item)
    return out


def embed_stage(articles: list[Article], config: ClusterConfig) -> list[tuple[np.ndarray, list[str]]]:
    """Per article: the lead embedding the clusterer uses (raw_features' lead, embed_leads) and
    the terms and names it adds to the document frequencies (TermStats)."""
    from .stories.features import embed_leads, entity_counts, lead_text, word_counts

    vectors = embed_leads([lead_text(a, config.lead_chars) for a in articles])
    out = []
    for a, v in zip(articles, vectors):
        text = f"{a.title}\n{a.text}" if a.title else a.text
        out.append((v, sorted(set(word_counts(text, a.language)) | set(entity_counts(text)))))
    return out


@dataclass
class Window:
    """One time window's articles (publication order), their times and lead embeddings,
    and the document frequencies of every earlier window (what a stream would have seen)."""

    key: float
    articles: list[Article]
    times: dict[str, float | None]
    vectors: dict[str, np.ndarray]
    df: dict[str, int]
    docs: int


@dataclass
class Placed:
    """A window's placements (stories/cluster.Placement) and the times kept with them."""

    key: float
    placements: list
    times: dict[str, float | None]


def place_stage(window: Window, config: ClusterConfig, dedup: DedupSettings) -> Placed:
    """Stream the window's articles through a StoryStream of its own (the online clusterer)."""
    from .stories.cluster import StoryStream, kept_times
    from .stories.features import TermStats

    stream = StoryStream(config, TermStats(window.df, window.docs, config.idf_prior_docs), dedup)
    placements = stream.place(window.articles, [window.times[a.id] for a in window.articles],
                              embeddings=window.vectors)
    return Placed(window.key, placements, kept_times(stream, placements, window.times))


def stitch_stage(placed: list[Placed], config: ClusterConfig, base=None) -> dict[str, str]:
    """{story id of a window: its story after stitching}. The windows' stories go, by the time
    of their first article, into one OnlineClusterer holding the stories of the earlier windows
    (and base's: the stored stories still open, a StoryStream): each story's first article is
    scored against the earlier windows' stories as the stream would have scored it, joins the
    best at the join threshold, and the merge rule (merge_neighbours) runs as after a join; the
    clusterer's clock closes stories that fell out of its window. Stories of one window are
    never compared with each other (their window's stream kept them apart)."""
    from .stories.cluster import new_story_id
    from .stories.online import OnlineClusterer, best_candidate

    clusterer = base.clusterer if base is not None else OnlineClusterer(config, new_story_id)
    clusterer.merged.clear()
    window_of: dict[str, float] = {sid: -np.inf for sid in clusterer.stories}  # stored: before every window
    stored = set(clusterer.stories)
    parent: dict[str, str] = {}

    def root(s: str) -> str:
        while parent.get(s, s) != s:
            s = parent[s]
        return s

    def union(absorbed: str, into: str) -> None:
        a, b = root(absorbed), root(into)
        if a == b or (a in stored and b in stored):  # two stored stories stay as stored
            return
        first, second = sorted((a, b), key=lambda s: (s not in stored, rank[s]))
        parent[second] = first  # the earlier story's id stays (stored ids are never renamed)

    rank: dict[str, tuple] = {sid: (-np.inf, sid) for sid in stored}
    for w in sorted(placed, key=lambda p: p.key):
        members: dict[str, list] = {}
        for p in w.placements:
            members.setdefault(p.story_id, []).append(p)
        def first_time(ps) -> float:
            return min((t for p in ps if (t := w.times.get(p.article_id)) is not None), default=np.inf)

        for sid, ps in sorted(members.items(), key=lambda kv: (first_time(kv[1]), kv[0])):
            rank[sid] = (w.key, first_time(ps), sid)
            shaped = [p for p in ps if p.features is not None]
            if not shaped:
                continue
            head = min(shaped, key=lambda p: (np.inf if p.features.time is None else p.features.time))
            clusterer.advance(head.features.time)
            scores = {s: v for s, v in clusterer.scores(head.features).items() if window_of.get(s) != w.key}
            for p in sorted(ps, key=lambda p: np.inf if w.times.get(p.article_id) is None else w.times[p.article_id]):
                if p.features is not None:
                    clusterer.add(p.features, sid)
                else:
                    clusterer.add_member(sid, p.article_id, w.times.get(p.article_id))
            window_of[sid] = w.key
            best, score = best_candidate(scores)
            if best is not None and score >= config.threshold:
                clusterer.merge(sid, best)  # its first article would have joined that story
                clusterer.merge_neighbours(best, scores)
            else:
                clusterer.merge_neighbours(sid, scores)
            for absorbed, into in clusterer.merged:
                window_of[into] = min(window_of.get(into, np.inf), window_of.pop(absorbed, np.inf))
                union(absorbed, into)
            clusterer.merged.clear()
        clusterer.closed.clear()
    return {p.story_id: root(p.story_id) for w in placed for p in w.placements}


def brief_stage(stories: list, settings: Settings, words: int, processes: int) -> list[dict]:
    """The briefs (as JSON) of stories (pipeline.Story), made by the Pipeline without a store."""
    from .pipeline import Pipeline

    return [b.to_json() for b in Pipeline(settings, processes=processes).briefs(stories, words)]


# -- the driver ---------------------------------------------------------------------------

def backfill(paths: list[str], store, engine: str = "local", address: str | None = None,
             window_days: float = 7.0, briefs: bool = False, words: int = 100, output: str | None = None,
             published: PartialDate | None = None, settings: Settings = DEFAULT_SETTINGS,
             workers: int | None = None, progress: Progress | None = None,
             on_error: Callable[[InputError], None] | None = None,
             after_window: Callable[[int], None] | None = None) -> BackfillReport:
    """Read, place and store every article under paths (and with briefs, brief every story of
    them); see the module's doc. after_window(n) is called once the n-th window is written."""
    if engine not in ENGINES:
        raise StorylineError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    if window_days <= 0:
        raise StorylineError("--window-days must be more than 0")
    progress = progress or Progress()
    runner = _RayEngine(address, workers) if engine == "ray" else _LocalEngine()
    report = BackfillReport()
    try:
        _run(runner, paths, store, window_days, briefs, words, published, settings, progress, on_error,
             after_window, report)
    finally:
        runner.close()
    if output:
        write_parquet(output, store, report, words, settings)
    return report


def _run(runner, paths, store, window_days, briefs, words, published, settings, progress, on_error,
         after_window, report: BackfillReport) -> None:
    from .ingest.files import walk
    from .pipeline import Pipeline
    from .stories.cluster import stored_stream

    pipeline = Pipeline(settings, store=store)
    pipeline.place([])  # articles an interrupted ingest left without a story: the streaming path places them
    started = time.perf_counter()
    skip = _stored_ids(store)
    articles, vectors, terms = _read(runner, [str(s) for s in walk(paths)], published, settings, skip, progress,
                                     on_error, report)
    report.seconds["read+embed"] = time.perf_counter() - started
    windows = _windows(articles, vectors, terms, window_days)
    report.windows = len(windows)

    started = time.perf_counter()
    progress.start("place", len(windows))
    placed = runner.place(windows, settings, progress)
    progress.done("place")
    report.seconds["place"] = time.perf_counter() - started

    started = time.perf_counter()
    progress.start("stitch", 1)
    base = stored_stream(store, settings.cluster, settings.dedup) if skip else None
    existing = set(base.clusterer.stories) if base is not None else set()  # stored stories it may extend
    final = stitch_stage(placed, settings.cluster, base)
    progress.advance("stitch")
    report.seconds["stitch"] = time.perf_counter() - started

    started = time.perf_counter()
    touched = _write(store, windows, placed, final, existing, progress, after_window, report)
    pipeline.rethread(sorted(set(touched)))
    report.seconds["write"] = time.perf_counter() - started
    report.story_ids = sorted(set(store.stories_of(report.added + report.known).values()))

    if briefs:
        started = time.perf_counter()
        report.briefs = _briefs(runner, pipeline, report.story_ids, words, progress)
        report.seconds["briefs"] = time.perf_counter() - started


def _read(runner, sources, published, settings, skip, progress, on_error, report: BackfillReport):
    """The read and embed stages: the new articles (input order), their lead embeddings and terms."""
    articles: list[Article] = []
    vectors: dict[str, np.ndarray] = {}
    terms: dict[str, list[str]] = {}
    progress.start("read", len(sources))
    progress.start("embed")
    for item, extra in runner.read_and_embed(sources, published, settings, skip, progress):
        if isinstance(item, InputError):
            report.errors.append(item)
            if on_error:
                on_error(item)
        elif isinstance(item, str):
            report.known.append(item)
        elif item.id in vectors:
            report.known.append(item.id)  # the same text twice in the input
        else:
            articles.append(item)
            vectors[item.id], terms[item.id] = extra
    progress.done("read")
    progress.done("embed")
    return articles, vectors, terms


def _windows(articles: list[Article], vectors, terms, window_days: float) -> list[Window]:
    """Dated articles by window_days of publication, in publication order, the undated after
    them; each window with the document frequencies of the windows before it."""
    from .stories.features import article_days, newest_day

    newest = newest_day(articles)
    times = {a.id: article_days(a.published, newest) for a in articles}
    origin = min((t for t in times.values() if t is not None), default=0.0)
    groups: dict[float, list[Article]] = {}
    for a in articles:
        t = times[a.id]
        groups.setdefault(UNDATED if t is None else float((t - origin) // window_days), []).append(a)
    df: Counter = Counter()
    docs = 0
    windows = []
    for key in sorted(groups):
        group = sorted(groups[key], key=lambda a: (times[a.id] is None, times[a.id] or 0.0))  # stable
        windows.append(Window(key, group, {a.id: times[a.id] for a in group}, {a.id: vectors[a.id] for a in group},
                              dict(df), docs))
        for a in group:
            df.update(terms[a.id])
        docs += len(group)
    return windows


def _write(store, windows: list[Window], placed: list[Placed], final: dict[str, str], existing: set[str],
           progress, after_window, report: BackfillReport) -> list[str]:
    """The one writer: each window's articles and placements (stitched story ids) in one
    transaction; the story ids written."""
    from .stories.cluster import save_placed

    progress.start("write", len(placed))
    by_key = {w.key: w for w in windows}
    opened: set[str] = set(existing)
    touched: list[str] = []
    for n, w in enumerate(sorted(placed, key=lambda p: p.key), 1):
        for p in w.placements:
            p.story_id = final[p.story_id]
            p.new_story = p.story_id not in opened
            opened.add(p.story_id)
        with store.transaction():
            added = store.add_articles(by_key[w.key].articles)
            added_ids = {a.id for a in added}
            save_placed(store, [p for p in w.placements if p.article_id in added_ids], added,
                        {aid: t for aid, t in w.times.items() if aid in added_ids})
        report.added += [a.id for a in added]
        touched += [p.story_id for p in w.placements]
        progress.advance("write")
        if after_window:
            after_window(n)
    progress.done("write")
    return touched


def _stored_ids(store) -> set[str]:
    ids: set[str] = set()
    page = 10_000
    while True:
        batch = store.article_ids_page(page, len(ids))
        ids.update(batch)
        if len(batch) < page:
            return ids


def _briefs(runner, pipeline, story_ids: list[str], words: int, progress: Progress) -> int:
    """Brief every story that has no cached brief; the writer caches each (as Pipeline.briefs)."""
    from . import cache

    settings, store = pipeline.settings, pipeline.store
    stories = [pipeline.story(sid) for sid in story_ids]
    keys = {s.id: cache.brief_key(s, words, settings) for s in stories}
    todo = [s for s in stories if store.cache_get(cache.BRIEF, keys[s.id]) is None]
    todo.sort(key=lambda s: -len(s.articles))  # the big ones first: workers finish together
    progress.start("briefs", len(todo))
    by_id = {s.id: s for s in todo}
    for made in runner.briefs(todo, settings, words, progress):
        with store.transaction():
            for sid, brief in made:
                store.cache_put(cache.BRIEF, keys[sid], json.dumps(brief, ensure_ascii=False).encode(), owner=sid,
                                meta=cache.brief_meta(by_id[sid], words, settings))
    progress.done("briefs")
    return len(todo)


# -- engines --------------------------------------------------------------------------------

class _LocalEngine:
    """The stages in this process, batch after batch."""

    def read_and_embed(self, sources, published, settings: Settings, skip, progress) -> Iterator[tuple]:
        pending: list[Article] = []

        def flush():
            for a, extra in zip(pending, embed_stage(pending, settings.cluster)):
                yield a, extra
            progress.advance("embed", len(pending))
            pending.clear()

        for k in range(0, len(sources), READ_FILES):
            chunk = sources[k:k + READ_FILES]
            for item in read_stage(chunk, published, settings.ingest, skip):
                if isinstance(item, Article):
                    pending.append(item)
                    if len(pending) >= EMBED_BATCH:
                        yield from flush()
                else:
                    yield item, None
            progress.advance("read", len(chunk))
        yield from flush()

    def place(self, windows: list[Window], settings: Settings, progress) -> list[Placed]:
        out = []
        for w in windows:
            out.append(place_stage(w, settings.cluster, settings.dedup))
            progress.advance("place")
        return out

    def briefs(self, stories, settings: Settings, words: int, progress) -> Iterator[list[tuple[str, dict]]]:
        from .pipeline import PARSE_PROCESSES

        for k in range(0, len(stories), BRIEF_BATCH):
            chunk = stories[k:k + BRIEF_BATCH]
            yield [(s.id, b) for s, b in zip(chunk, brief_stage(chunk, settings, words, PARSE_PROCESSES))]
            progress.advance("briefs", len(chunk))

    def close(self) -> None:
        pass


def _dumps(obj) -> bytes:
    if isinstance(obj, InputError):  # its __init__ takes two arguments: pickled as them
        obj = ("InputError", obj.source, obj.problem)
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def _loads(blob: bytes):
    obj = pickle.loads(blob)
    return InputError(obj[1], obj[2]) if isinstance(obj, tuple) and obj and obj[0] == "InputError" else obj


def _read_rows(batch: dict, published, settings: IngestSettings, skip) -> Iterator[dict]:
    """Ray Data: a batch of file names -> rows (kind, blob) of articles, errors, skipped ids; in
    blocks of EMBED_BATCH rows, so that the articles of one big file spread over the actors."""
    items = read_stage([str(s) for s in batch["source"]], published, settings, skip)
    for k in range(0, len(items), EMBED_BATCH):
        part = items[k:k + EMBED_BATCH]
        yield {"kind": [("error" if isinstance(i, InputError) else "known" if isinstance(i, str) else "article")
                        for i in part],
               "blob": [_dumps(i) for i in part], "extra": [b""] * len(part)}


class _EmbedActor:
    """Ray Data actor: loads MiniLM once, then embeds the articles of each batch it gets."""

    def __init__(self, config: ClusterConfig):
        from .analyze.nlp import load_embedder

        self.config = config
        load_embedder()

    def __call__(self, batch: dict) -> dict:
        kinds, blobs = list(batch["kind"]), list(batch["blob"])
        where = [k for k, kind in enumerate(kinds) if kind == "article"]
        articles = [pickle.loads(blobs[k]) for k in where]
        extra = [b""] * len(kinds)
        for k, e in zip(where, embed_stage(articles, self.config)):
            extra[k] = _dumps(e)
        return {"kind": kinds, "blob": blobs, "extra": extra}


class _BriefActor:
    """Ray Data actor: holds spaCy and MiniLM, briefs the stories of each batch it gets."""

    def __init__(self, settings: Settings, words: int):
        from .analyze.nlp import load_embedder, load_spacy

        self.settings, self.words = settings, words
        load_spacy()
        load_embedder(settings.embed)

    def __call__(self, batch: dict) -> dict:
        stories = [pickle.loads(b) for b in batch["story"]]
        made = brief_stage(stories, self.settings, self.words, processes=1)
        return {"id": [s.id for s in stories], "brief": [json.dumps(b, ensure_ascii=False) for b in made]}


class _RayEngine:
    """The stages as Ray Data operations and tasks, on the cluster at address (None: a local
    Ray with every core of this machine; an already started Ray is used as it is)."""

    def __init__(self, address: str | None, workers: int | None):
        try:
            import ray
        except ImportError as e:
            raise StorylineError("the ray engine needs Ray: pip install 'storyline[ray]'") from e
        self.ray = ray
        self.started = False
        if not ray.is_initialized():
            kwargs = {"address": address} if address else {"num_cpus": workers or os.cpu_count(),
                                                            "include_dashboard": False}
            ray.init(log_to_driver=False, **kwargs)
            self.started = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, min(workers or cpus, cpus))

    def _pool(self):
        from ray.data import ActorPoolStrategy

        return ActorPoolStrategy(size=self.workers)

    def read_and_embed(self, sources, published, settings: Settings, skip, progress) -> Iterator[tuple]:
        ray = self.ray
        ds = ray.data.from_items([{"source": s} for s in sources])
        # a worker is one CPU: its embedding actor holds 3/4 of it, the read tasks that feed it the rest
        # (an actor holding all of it would leave the read tasks waiting for ever)
        ds = ds.map_batches(_read_rows, batch_size=READ_FILES, num_cpus=1 - ACTOR_CPUS,
                            fn_kwargs={"published": published, "settings": settings.ingest, "skip": frozenset(skip)})
        ds = ds.map_batches(_EmbedActor, batch_size=EMBED_BATCH, compute=self._pool(), num_cpus=ACTOR_CPUS,
                            fn_constructor_kwargs={"config": settings.cluster})
        for batch in ds.iter_batches(batch_size=None):
            for kind, blob, extra in zip(batch["kind"], batch["blob"], batch["extra"]):
                item = _loads(blob)
                if kind == "article":
                    progress.advance("embed")
                yield item, (pickle.loads(extra) if kind == "article" else None)
        progress.advance("read", len(sources))

    def place(self, windows: list[Window], settings: Settings, progress) -> list[Placed]:
        ray = self.ray
        task = ray.remote(num_cpus=1)(place_stage)
        refs = [task.remote(w, settings.cluster, settings.dedup) for w in windows]
        out = []
        for ref in refs:
            out.append(ray.get(ref))
            progress.advance("place")
        return out

    def briefs(self, stories, settings: Settings, words: int, progress) -> Iterator[list[tuple[str, dict]]]:
        if not stories:
            return
        ray = self.ray
        ds = ray.data.from_items([{"story": _dumps(s)} for s in stories])
        ds = ds.map_batches(_BriefActor, batch_size=BRIEF_BATCH, compute=self._pool(), num_cpus=1,
                            fn_constructor_kwargs={"settings": settings, "words": words})
        for batch in ds.iter_batches(batch_size=None):
            made = [(str(sid), json.loads(b)) for sid, b in zip(batch["id"], batch["brief"])]
            yield made
            progress.advance("briefs", len(made))

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()


# -- Parquet --------------------------------------------------------------------------------

def write_parquet(output: str, store, report: BackfillReport, words: int, settings: Settings) -> Path:
    """DIR.parquet/{articles,stories,briefs}.parquet of the run's articles and their stories
    (briefs: those cached for the stories)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:
        raise StorylineError("--output needs pyarrow: pip install 'storyline[ray]'") from e
    from . import cache
    from .pipeline import Pipeline
    from .stories.cluster import story_meta

    out = Path(output)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StorylineError(f"{output}: cannot write ({e.strerror})") from e
    ids = list(dict.fromkeys(report.added + report.known))
    story_of = store.stories_of(ids)
    rows = [{"id": a.id, "story_id": story_of.get(a.id), "title": a.title, "outlet": a.outlet, "url": a.url,
             "author": a.author, "published": a.published.iso(), "language": a.language, "source": a.source,
             "text": a.text} for a in store.articles(ids)]
    pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema(
        [(k, pa.string()) for k in ("id", "story_id", "title", "outlet", "url", "author", "published", "language",
                                    "source", "text")])), out / "articles.parquet")
    metas = [story_meta(store, sid) for sid in report.story_ids]
    pq.write_table(pa.Table.from_pylist(
        [{k: m[k] for k in ("id", "headline", "first_date", "last_date", "articles", "outlets",
                            "independent_sources")} for m in metas],
        schema=pa.schema([("id", pa.string()), ("headline", pa.string()), ("first_date", pa.string()),
                          ("last_date", pa.string()), ("articles", pa.int64()), ("outlets", pa.int64()),
                          ("independent_sources", pa.int64())])), out / "stories.parquet")
    pipeline = Pipeline(settings, store=store)
    briefs = []
    for sid in report.story_ids:
        blob = store.cache_get(cache.BRIEF, cache.brief_key(pipeline.story(sid), words, settings))
        if blob is not None:
            briefs.append({"story_id": sid, "words": words, "brief": blob.decode()})
    pq.write_table(pa.Table.from_pylist(briefs, schema=pa.schema(
        [("story_id", pa.string()), ("words", pa.int64()), ("brief", pa.string())])), out / "briefs.parquet")
    return out

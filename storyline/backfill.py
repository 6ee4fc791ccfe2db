"""Backfill: a large archive through the pipeline's own stages, in bulk, on one machine or a Ray cluster.

    report = backfill(["archive/"], store, engine="local")            # in-process, no Ray needed
    report = backfill(["archive/"], store, engine="ray", address="auto", briefs=True)

The stages are the streaming path's own functions, run over many articles at once:

    read      files -> Articles: the ingest readers (read_file: read, clean, segment); a bad
              file or record is an InputError naming it (file:line) and the rest goes on
    embed     the MiniLM lead embedding the clusterer uses (features.lead_text, embed_leads),
              with each article's terms for the document frequencies; each article is then
              spilled to a temporary file of its time window (window_days since 1970)
    place     window after window, loaded from its file: streamed through its own StoryStream
              (the online clusterer), seeded with the document frequencies of the stored
              articles and of the windows before it; a few windows in flight at once
    stitch    each placed window, in time order, onto the open stories of the windows before it
              (Stitcher): the clusterer's own copy rule (an article that copies an earlier
              window's article follows it as a copy), similarity, join threshold
              (best_candidate) and merge rule (merge_neighbours, which may merge stored stories)
    write     one writer (the driver): the window's articles and placements in one transaction
              (and the merges of stored stories, as assign_stories makes them); then the window
              is dropped; at the end the thread links (Pipeline.rethread)
    briefs    with briefs=True, the brief of every story (Pipeline.briefs), in balanced batches
              (brief_batches), cached in the store as `storyline show` would find it

The driver holds the windows in flight and the open stories, never the whole run: its memory
does not grow with the archive (the ids of the articles read do: a set of them).

engine "local" runs each stage in this process; engine "ray" runs read and embed as Ray Data
operations (stateless read tasks; an actor pool whose actors load MiniLM once), each window's
placement as a Ray task (two per worker in flight), and briefs in actors that hold spaCy and
MiniLM, each taking the next batch when it finishes one. Ray is imported only by the ray
engine (pip install storyline[ray]). report.cpu gives the CPU seconds of the driver and of the
place and brief tasks per stage: the serial share of a run (docs/scaling.md).

Resumable: an article already stored is skipped (its story stands); the stories of a new run
are stitched onto the stored stories still open, as the next ingest would continue them.
"""
from __future__ import annotations

import itertools
import os
import pickle
import tempfile
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
    # CPU seconds per stage: "driver" (this process, time.process_time: every thread, Ray's own
    # runtime threads too), "driver thread" (the thread that runs the stages, time.thread_time:
    # the driver's own work) and "tasks" (the place and brief stage functions, measured where
    # they ran: Ray workers, or this process)
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)


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
               skip: frozenset[str] | set[str] = frozenset()) -> Iterator[Article | InputError | str]:
    """The articles of the files (the ingest readers: read, clean, segment) and their errors,
    as they are read; an article whose id is in skip (stored already) comes back as its id only."""
    from .ingest import read_file

    for source in sources:
        for item in read_file(source, published, settings):
            yield item.id if isinstance(item, Article) and item.id in skip else item


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
    """A window's placements (stories/cluster.Placement), the times kept with them, the copy
    signatures (dedup.copy_signature) of its articles that copy none of the window, and the CPU
    seconds the placement took where it ran."""

    key: float
    placements: list
    times: dict[str, float | None]
    signatures: dict = field(default_factory=dict)
    cpu: float = 0.0


def place_stage(window: Window, config: ClusterConfig, dedup: DedupSettings) -> Placed:
    """Stream the window's articles through a StoryStream of its own (the online clusterer)."""
    from .stories.cluster import StoryStream, kept_times
    from .stories.features import TermStats

    cpu = time.process_time()
    stream = StoryStream(config, TermStats(window.df, window.docs, config.idf_prior_docs), dedup)
    stream.copies.signatures = {}  # kept for the stitching: copies across the window's boundary
    placements = stream.place(window.articles, [window.times[a.id] for a in window.articles],
                              embeddings=window.vectors)
    copies = {p.article_id for p in placements if p.copy_of}
    signatures = {aid: sig for aid, sig in stream.copies.signatures.items() if aid not in copies}
    return Placed(window.key, placements, kept_times(stream, placements, window.times), signatures,
                  time.process_time() - cpu)


def _time_key(t: float | None) -> float:
    return np.inf if t is None else t


class Stitcher:
    """Stitching across window boundaries, one window after another (time order), onto the
    stories of the windows before it that are still open (and the stored stories still open:
    base, a StoryStream from cluster.stored_stream), in one OnlineClusterer and CopyIndex, as a
    stream would have seen them:

    - an article that copies an article of an earlier window whose story is open follows it
      into its story as a copy (its copies in the window with it), as StoryStream.place does;
    - each other story of the window, by the time of its first article, is offered to the
      earlier windows' stories as its first article would have been (OnlineClusterer.scores):
      it joins the best at the join threshold (best_candidate), and the merge rule
      (merge_neighbours) runs as after a join, also between stories already written (a merge
      of stored stories, as assign_stories makes them);
    - the clusterer's clock closes stories that fell out of its window (their articles leave
      the copy index), so the state stays bounded however long the archive.

    Stories of one window are never compared with each other (their window's stream kept them
    apart)."""

    def __init__(self, config: ClusterConfig, dedup: DedupSettings, base=None):
        from .stories.cluster import StoryStream

        stream = base if base is not None else StoryStream(config, dedup=dedup)
        self.config = config
        self.clusterer, self.copies = stream.clusterer, stream.copies
        self.clusterer.merged.clear()
        self.stored: set[str] = set(self.clusterer.stories)  # open stories that are in the store
        self.window_of: dict[str, float] = {sid: -np.inf for sid in self.stored}  # stored: before every window

    def add(self, w: Placed) -> dict[str, str]:
        """Stitch window w: its placements get the story ids to store (story_id, new_story;
        copy_of and features for an article that follows an earlier window's article); returns
        {stored story: the story it merged into} (absorbed stories to merge in the store)."""
        from .stories.cluster import merge_map
        from .stories.online import best_candidate

        c, config = self.clusterer, self.config
        order = sorted(w.placements, key=lambda p: _time_key(w.times.get(p.article_id)))
        # the clock first moves to the window's oldest article, closing the stories a stream
        # would have closed by then (as a batch loaded from the store opens only the stories
        # open at its oldest article): else a copy, in a story's return weeks later, of an
        # article of its last run would follow it into that closed story
        c.advance(w.times.get(order[0].article_id) if order else None)
        self._forget_closed()
        in_window = {p.article_id for p in order}
        followed: dict[str, str] = {}  # article id -> the earlier window's article it copies
        for p in order:
            signature = w.signatures.get(p.article_id)
            if signature is not None:
                original = self.copies.add_signature(p.article_id, signature)
                if original is not None and original not in in_window and original in c.story_of:
                    followed[p.article_id] = original
            elif p.copy_of in followed:  # a copy, in the window, of an article that follows
                followed[p.article_id] = followed[p.copy_of]
        members: dict[str, list] = {}
        for p in order:
            if p.article_id in followed:
                p.copy_of, p.features, p.story_id = followed[p.article_id], None, c.story_of[followed[p.article_id]]
                c.add_member(p.story_id, p.article_id, w.times.get(p.article_id))
            else:
                members.setdefault(p.story_id, []).append(p)

        def first_time(ps) -> float:
            return min((t for p in ps if (t := w.times.get(p.article_id)) is not None), default=np.inf)

        merged_from = len(c.merged)
        for sid, ps in sorted(members.items(), key=lambda kv: (first_time(kv[1]), kv[0])):
            shaped = [p for p in ps if p.features is not None]
            if not shaped:
                continue
            head = min(shaped, key=lambda p: _time_key(p.features.time))
            c.advance(head.features.time)
            scores = {s: v for s, v in c.scores(head.features).items() if self.window_of.get(s) != w.key}
            for p in ps:
                if p.features is not None:
                    c.add(p.features, sid)
                else:
                    c.add_member(sid, p.article_id, w.times.get(p.article_id))
            self.window_of[sid] = w.key
            done = len(c.merged)
            best, score = best_candidate(scores)
            if best is not None and score >= config.threshold:
                c.merge(sid, best)  # its first article would have joined that story
                c.merge_neighbours(best, scores)
            else:
                c.merge_neighbours(sid, scores)
            for absorbed, into in c.merged[done:]:
                self.window_of[into] = min(self.window_of.get(into, np.inf), self.window_of.pop(absorbed, np.inf))
        final = merge_map(c.merged[merged_from:])
        c.merged.clear()
        merged = {absorbed: into for absorbed, into in final.items() if absorbed in self.stored}
        self.stored -= merged.keys()
        for p in w.placements:
            p.story_id = final.get(p.story_id, p.story_id)
            p.new_story = p.story_id not in self.stored
            self.stored.add(p.story_id)
        self._forget_closed()
        self.stored &= c.stories.keys()  # a closed story takes no more articles
        self.window_of = {sid: k for sid, k in self.window_of.items() if sid in c.stories}
        return merged

    def _forget_closed(self) -> None:
        """The articles of the stories the clock closed leave the copy index (StoryStream.place)."""
        for closed in self.clusterer.closed:
            for aid in closed:
                self.copies.remove(aid)
        self.clusterer.closed.clear()


def brief_stage(stories: list, settings: Settings, words: int, processes: int) -> list[bytes]:
    """The briefs of stories (pipeline.Story), made by the Pipeline without a store, each
    encoded as the brief cache holds it (cache.encode_brief): where it is made, so that the writer
    stores the bytes as they come instead of decoding and encoding each again."""
    from .cache import encode_brief
    from .pipeline import Pipeline

    return [encode_brief(b) for b in Pipeline(settings, processes=processes).briefs(stories, words)]


def brief_batches(sizes: dict[str, int], workers: int) -> list[list[str]]:
    """Story ids in batches for the brief workers, balanced: the largest stories first (longest
    processing time first), each batch up to BRIEF_BATCH stories and about a quarter of one
    worker's share of the articles (a story bigger than that is a batch alone), so that workers
    that take the next batch when free finish together."""
    target = max(sum(sizes.values()) / (4 * max(workers, 1)), 1.0)
    batches: list[list[str]] = []
    cost = 0.0
    for sid in sorted(sizes, key=lambda s: (-sizes[s], s)):
        if not batches or len(batches[-1]) >= BRIEF_BATCH or cost + sizes[sid] > target:
            batches.append([])
            cost = 0.0
        batches[-1].append(sid)
        cost += sizes[sid]
    return batches


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


class _Clock:
    """Wall and driver CPU seconds per stage (report.seconds, report.cpu['driver'])."""

    def __init__(self, report: BackfillReport):
        self.report = report

    def __call__(self, stage: str):
        return _Timing(self.report, stage)

    def tasks(self, stage: str, cpu: float) -> None:
        tasks = self.report.cpu.setdefault("tasks", {})
        tasks[stage] = tasks.get(stage, 0.0) + cpu

    def iterate(self, stage: str, items: Iterator) -> Iterator:
        """items, with the time spent making each counted to stage."""
        while True:
            with self(stage):
                item = next(items, _END)
            if item is _END:
                return
            yield item


_END = object()


class _Timing:
    def __init__(self, report: BackfillReport, stage: str):
        self.report, self.stage = report, stage

    def __enter__(self):
        self.wall, self.cpu, self.thread = time.perf_counter(), time.process_time(), time.thread_time()

    def __exit__(self, *exc):
        seconds, cpu = self.report.seconds, self.report.cpu
        seconds[self.stage] = seconds.get(self.stage, 0.0) + time.perf_counter() - self.wall
        for where, spent in (("driver", time.process_time() - self.cpu), ("driver thread", time.thread_time() - self.thread)):
            cpu.setdefault(where, {})[self.stage] = cpu.get(where, {}).get(self.stage, 0.0) + spent


def _run(runner, paths, store, window_days, briefs, words, published, settings, progress, on_error,
         after_window, report: BackfillReport) -> None:
    """Read and embed every file, spilling the articles to temporary files by time window; then
    window by window (a few in flight): place, stitch, write, and drop it. The driver holds the
    windows in flight and the open stories, never the whole run."""
    from .ingest.files import walk
    from .pipeline import Pipeline
    from .stories.cluster import save_placed, stored_stream

    pipeline = Pipeline(settings, store=store)
    pipeline.place([])  # articles an interrupted ingest left without a story: the streaming path places them
    clock = _Clock(report)
    with tempfile.TemporaryDirectory(prefix="storyline-backfill-") as tmp:
        spill = _Spill(Path(tmp))
        with clock("read+embed"):
            skip = _stored_ids(store)
            _read(runner, [str(s) for s in walk(paths)], published, settings, skip, progress, on_error, report,
                  spill, window_days)
            spill.flush()
        report.windows = len(spill.keys)
        with clock("stitch"):
            base = stored_stream(store, settings.cluster, settings.dedup) if skip else None
            stitcher = Stitcher(settings.cluster, settings.dedup, base)
        progress.start("place", report.windows)
        progress.start("write", report.windows)
        touched: set[str] = set()
        df, docs = (base.stats.df, base.stats.docs) if base is not None else ({}, 0)  # as the next ingest's
        for n, (window, placed) in enumerate(clock.iterate("place", runner.place(
                _windows(spill, df, docs), settings, progress)), 1):
            clock.tasks("place", placed.cpu)
            with clock("stitch"):
                merged = stitcher.add(placed)
            with clock("write"):
                with store.transaction():
                    added = store.add_articles(window.articles)
                    added_ids = {a.id for a in added}
                    save_placed(store, [p for p in placed.placements if p.article_id in added_ids], added,
                                {aid: t for aid, t in placed.times.items() if aid in added_ids}, merged)
                report.added += [a.id for a in added]
                touched.update(p.story_id for p in placed.placements)
                touched.difference_update(merged)
                touched.update(merged.values())
            progress.advance("write")
            if after_window:
                after_window(n)
        progress.done("place")
        progress.done("write")
    with clock("write"):
        story_of = store.stories_of(report.added + report.known)
        report.story_ids = sorted(set(story_of.values()))
        pipeline.rethread(sorted(touched))
    if briefs:
        with clock("briefs"):
            sizes = Counter(story_of.values())
            report.briefs = _briefs(runner, pipeline, brief_batches(dict(sizes), runner.workers), words, progress,
                                    clock)


class _Spill:
    """The articles read, by time window, in temporary files (one per window: pickled records
    of article, lead embedding and terms), so that the driver holds none of them between the
    read stage and their window's placement."""

    BUFFER = 256  # records held before they are appended to their files

    def __init__(self, folder: Path):
        self.folder = folder
        self.keys: dict[float, Path] = {}
        self.buffers: dict[float, list] = {}
        self.held = 0
        self.count = 0

    def add(self, key: float, record: tuple) -> None:
        self.buffers.setdefault(key, []).append(record)
        self.count += 1
        self.held += 1
        if self.held >= self.BUFFER:
            self.flush()

    def flush(self) -> None:
        for key, records in self.buffers.items():
            path = self.keys.setdefault(key, self.folder / f"window{len(self.keys)}.pickle")
            with open(path, "ab") as fh:
                for record in records:
                    pickle.dump(record, fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.buffers.clear()
        self.held = 0

    def load(self, key: float) -> list[tuple]:
        out = []
        with open(self.keys[key], "rb") as fh:
            while True:
                try:
                    out.append(pickle.load(fh))
                except EOFError:
                    return out


def _read(runner, sources, published, settings, skip, progress, on_error, report: BackfillReport, spill: _Spill,
          window_days: float) -> None:
    """The read and embed stages: each new article, its lead embedding and terms, spilled to
    its window: the days of window_days since 1970 its publication falls in (undated ones after
    every dated window; a date without a year, once the newest dated article is known)."""
    from .stories.features import article_days

    seen: set[str] = set()
    yearless: list[tuple] = []
    newest: float | None = None
    progress.start("read", len(sources))
    progress.start("embed")
    for item, extra in runner.read_and_embed(sources, published, settings, skip, progress):
        if isinstance(item, InputError):
            report.errors.append(item)
            if on_error:
                on_error(item)
        elif isinstance(item, str):
            report.known.append(item)
        elif item.id in seen:
            report.known.append(item.id)  # the same text twice in the input
        else:
            seen.add(item.id)
            t = article_days(item.published)
            if t is None and item.published.month is not None:
                yearless.append((item, *extra))
                continue
            newest = t if newest is None or (t is not None and t > newest) else newest
            spill.add(_window_key(t, window_days), (item, *extra))
    for record in yearless:
        spill.add(_window_key(article_days(record[0].published, newest), window_days), record)
    progress.done("read")
    progress.done("embed")


def _window_key(t: float | None, window_days: float) -> float:
    return UNDATED if t is None else float(t // window_days)


def _windows(spill: _Spill, stored_df: dict[str, int], stored_docs: int) -> Iterator[Window]:
    """The spilled windows in time order, loaded one at a time: articles in publication order
    (same-day ones as read), each window with the document frequencies of the stored articles
    and of the windows before it."""
    from .stories.features import article_days, newest_day

    df: Counter = Counter(stored_df)
    docs = stored_docs
    for key in sorted(spill.keys):
        records = spill.load(key)
        newest = newest_day([r[0] for r in records])
        times = {a.id: article_days(a.published, newest) for a, _, _ in records}
        records.sort(key=lambda r: (times[r[0].id] is None, times[r[0].id] or 0.0))  # stable
        yield Window(key, [r[0] for r in records], times, {a.id: v for a, v, _ in records}, dict(df), docs)
        for _, _, terms in records:
            df.update(terms)
        docs += len(records)


def _stored_ids(store) -> set[str]:
    ids: set[str] = set()
    page = 10_000
    while True:
        batch = store.article_ids_page(page, len(ids))
        ids.update(batch)
        if len(batch) < page:
            return ids


def _briefs(runner, pipeline, batches: list[list[str]], words: int, progress: Progress, clock: _Clock) -> int:
    """Brief every story that has no cached brief, batch by batch (brief_batches), loading each
    batch's stories only as it is handed out; the writer caches each brief (as Pipeline.briefs)."""
    from . import cache

    settings, store = pipeline.settings, pipeline.store
    progress.start("briefs", sum(len(b) for b in batches))
    todo: dict[str, tuple] = {}  # story id -> (story, cache key), while its batch is out

    def load() -> Iterator[list]:
        for ids in batches:
            stories = [pipeline.story(sid) for sid in ids]
            keys = {s.id: cache.brief_key(s, words, settings) for s in stories}
            fresh = [s for s in stories if store.cache_get(cache.BRIEF, keys[s.id]) is None]
            progress.advance("briefs", len(stories) - len(fresh))
            if fresh:
                todo.update((s.id, (s, keys[s.id])) for s in fresh)
                yield fresh

    made_count = 0
    for made, cpu in runner.briefs(load(), settings, words):
        clock.tasks("briefs", cpu)
        with store.transaction():
            for sid, brief in made:
                story, key = todo.pop(sid)
                store.cache_put(cache.BRIEF, key, brief, owner=sid,
                                meta=cache.brief_meta(story, words, settings))
        made_count += len(made)
        progress.advance("briefs", len(made))
    progress.done("briefs")
    return made_count


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

    workers = 1

    def place(self, windows: Iterator[Window], settings: Settings, progress) -> Iterator[tuple[Window, Placed]]:
        for w in windows:
            yield w, place_stage(w, settings.cluster, settings.dedup)
            progress.advance("place")

    def briefs(self, batches: Iterator[list], settings: Settings, words: int) -> Iterator[tuple[list, float]]:
        """Per batch of stories: [(story id, encoded brief)] and the CPU seconds it took here."""
        from .pipeline import PARSE_PROCESSES

        for chunk in batches:
            cpu = time.process_time()
            made = brief_stage(chunk, settings, words, PARSE_PROCESSES)
            yield [(s.id, b) for s, b in zip(chunk, made)], time.process_time() - cpu

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
    while part := list(itertools.islice(items, EMBED_BATCH)):
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


class _BriefWorker:
    """Ray actor: holds spaCy and MiniLM, briefs each batch of stories it is given."""

    def __init__(self, settings: Settings, words: int):
        from .analyze.nlp import load_embedder, load_spacy

        self.settings, self.words = settings, words
        load_spacy()
        load_embedder(settings.embed)

    def brief(self, blob: bytes) -> tuple[list[tuple[str, bytes]], float]:
        """[(story id, encoded brief)] of the pickled stories, and the CPU seconds taken."""
        cpu = time.process_time()
        stories = pickle.loads(blob)
        made = brief_stage(stories, self.settings, self.words, processes=1)
        return [(s.id, b) for s, b in zip(stories, made)], time.process_time() - cpu


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

    def place(self, windows: Iterator[Window], settings: Settings, progress) -> Iterator[tuple[Window, Placed]]:
        """One task per window, 2 per worker in flight; the placements in time order."""
        from collections import deque

        ray = self.ray
        task = ray.remote(num_cpus=1)(place_stage)
        config, dedup = ray.put(settings.cluster), ray.put(settings.dedup)
        flight: deque = deque()
        for w in windows:
            flight.append((w, task.remote(w, config, dedup)))
            if len(flight) >= 2 * self.workers:
                yield self._placed(flight.popleft(), progress)
        while flight:
            yield self._placed(flight.popleft(), progress)

    def _placed(self, pair, progress) -> tuple[Window, Placed]:
        w, ref = pair
        placed = self.ray.get(ref)
        progress.advance("place")
        return w, placed

    def briefs(self, batches: Iterator[list], settings: Settings, words: int) -> Iterator[tuple[list, float]]:
        """One actor per worker; each takes the next batch as it finishes one (one more queued on
        it), so the workers finish together when the batches come largest first."""
        ray = self.ray
        actors = [ray.remote(num_cpus=1)(_BriefWorker).remote(settings, words) for _ in range(self.workers)]
        flight: dict = {}

        def submit(actor) -> None:
            batch = next(batches, None)
            if batch is not None:
                flight[actor.brief.remote(_dumps(batch))] = actor

        for actor in actors + actors:
            submit(actor)
        try:
            while flight:
                (ready,), _ = ray.wait(list(flight), num_returns=1)
                actor = flight.pop(ready)
                made, cpu = ray.get(ready)
                submit(actor)
                yield made, cpu
        finally:
            for actor in actors:
                ray.kill(actor)

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

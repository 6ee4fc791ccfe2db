"""The storyline command line: one entry point, subcommands over one store.

    storyline ingest PATH...          read articles into the store
    storyline brief PATH|STORY...     the cited brief of a story (md, json, html)
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import InputError, StorylineError
from .model import Article, PartialDate


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return args.run(args) or 0
    except StorylineError as e:
        print(f"storyline: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="storyline", description="Many news reports about the same events -> one cited, trustworthy picture.")
    parser.add_argument("--version", action="version", version=f"storyline {_version()}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser("ingest", help="read articles (txt, html, json/jsonl, RSS/Atom, folders, - for stdin) into the store")
    p.add_argument("paths", nargs="+", metavar="PATH")
    _db_option(p)
    _published_option(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("brief", help="the cited brief of the story in the given files/folders, or of a stored story")
    p.add_argument("sources", nargs="+", metavar="PATH|STORY")
    _brief_options(p)
    p.add_argument("--no-store", action="store_true", help="read the files without storing them")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    _db_option(p)
    _published_option(p)
    p.set_defaults(run=cmd_brief)

    p = sub.add_parser("stories", help="list stored stories, largest first")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _db_option(p)
    p.set_defaults(run=cmd_stories)

    p = sub.add_parser("show", help="print the brief of a stored story")
    p.add_argument("story", metavar="STORY")
    _brief_options(p)
    _db_option(p)
    p.set_defaults(run=cmd_show)

    p = sub.add_parser("timeline", help="the timeline of a stored story (or of files/folders)")
    p.add_argument("sources", nargs="+", metavar="STORY|PATH")
    p.add_argument("--format", "-f", choices=["text", "json"], default="text")
    p.add_argument("--no-store", action="store_true", help="read the files without storing them")
    _db_option(p)
    _published_option(p)
    p.set_defaults(run=cmd_timeline)

    p = sub.add_parser("merge", help="merge stories into the first one given (kept in later ingests)")
    p.add_argument("stories", nargs="+", metavar="STORY")
    _db_option(p)
    p.set_defaults(run=cmd_merge)

    p = sub.add_parser("split", help="move articles out of a story into a new one (kept in later ingests)")
    p.add_argument("story", metavar="STORY")
    p.add_argument("articles", nargs="+", metavar="ARTICLE")
    _db_option(p)
    p.set_defaults(run=cmd_split)

    p = sub.add_parser("recluster", help="rebuild all stories from scratch (corrections kept)")
    _db_option(p)
    p.set_defaults(run=cmd_recluster)

    p = sub.add_parser("eval", help="evaluate against labelled data")
    ev = p.add_subparsers(title="what", metavar="WHAT")
    e = ev.add_parser("clusters", help="B-cubed and pairwise scores of story clustering on a labelled JSONL")
    e.add_argument("file", metavar="FILE.jsonl")
    e.add_argument("--json", action="store_true")
    e.set_defaults(run=cmd_eval_clusters)
    e = ev.add_parser("summaries", help="ROUGE of storyline's summary vs lead, LexRank and TextRank")
    e.add_argument("file", metavar="FILE.jsonl")
    e.add_argument("--words", type=int, help="word budget (default: each reference's length)")
    e.add_argument("--limit", type=int, help="only the first N stories")
    e.add_argument("--cache", metavar="FILE.db",
                   help="SQLite file that keeps sentence embeddings between runs (created if missing)")
    e.add_argument("--json", action="store_true")
    e.set_defaults(run=cmd_eval_summaries)

    p = sub.add_parser("serve", help="local web app and HTTP API over the store")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--max-upload-mb", type=float, default=20, help="upload size limit per request (default 20)")
    _db_option(p)
    p.set_defaults(run=cmd_serve)
    return parser


def _brief_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", "-f", choices=["md", "json", "html"], default="md")
    p.add_argument("--words", type=int, default=100, help="summary length in words (default 100)")


def _db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="database file (default $STORYLINE_DB or ~/.local/share/storyline/storyline.db)")


def _published_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--published", type=_date, metavar="YYYY-MM-DD",
                   help="publication date for articles that state none (a date in the article wins)")


def _date(text: str) -> PartialDate:
    try:
        d = PartialDate.parse(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from e
    if d.year is None:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (expected YYYY-MM-DD)")
    return d


def _version() -> str:
    from . import __version__

    return __version__


def _store(args):
    from .store import Store

    return Store(args.db)


def _report_error(e: InputError) -> None:
    print(f"storyline: {e}", file=sys.stderr)


# -- ingest ------------------------------------------------------------------
def cmd_ingest(args) -> int:
    from .ingest import ingest
    from .stories.cluster import assign_stories

    with _store(args) as store, _progress(args.quiet) as tick:
        def on_item(item):
            if isinstance(item, InputError):
                _report_error(item)
            tick(item)

        report = ingest(args.paths, store, published=args.published, on_article=on_item,
                        after_batch=lambda added: assign_stories(store, added))
    print(f"{len(report.added)} added, {len(report.known)} already stored, {len(report.errors)} errors")
    return 1 if report.errors else 0


class _progress:
    """A rich progress line on a terminal; nothing when piped or quiet."""

    def __init__(self, quiet: bool):
        self.enabled = not quiet and sys.stderr.isatty()

    def __enter__(self):
        if not self.enabled:
            return lambda item: None
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                 transient=True)
        self.progress.start()
        task = self.progress.add_task("reading")
        count = [0]

        def tick(item):
            count[0] += 1
            label = item.source if isinstance(item, Article) else "error"
            self.progress.update(task, description=f"{count[0]} read · {label[-60:]}")

        return tick

    def __exit__(self, *exc):
        if self.enabled:
            self.progress.stop()


# -- brief -------------------------------------------------------------------
def cmd_brief(args) -> int:
    from .report.build import make_briefs
    from .report.render import render_many

    articles, errors = _articles_for(args)
    for e in errors:
        _report_error(e)
    if not articles:
        raise StorylineError("no readable articles in " + ", ".join(args.sources))
    stories = _stories_of(args, articles)
    briefs = make_briefs([group for _, group in stories], words=args.words, story_ids=[sid for sid, _ in stories])
    text = render_many(briefs, args.format)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 1 if errors else 0


def _stories_of(args, articles: list[Article]) -> list[tuple[str | None, list[Article]]]:
    """Group the articles into stories, largest first: by the store's stories,
    or (with --no-store) by clustering them on the spot."""
    from .stories.cluster import cluster_articles

    if args.no_store:
        return [(None, group) for group in cluster_articles(articles)]
    with _store(args) as store:
        story_of = store.stories_of([a.id for a in articles])
    groups: dict[str | None, list[Article]] = {}
    for a in articles:
        groups.setdefault(story_of.get(a.id), []).append(a)
    return sorted(groups.items(), key=lambda kv: -len(kv[1]))


def _articles_for(args) -> tuple[list[Article], list[InputError]]:
    """Articles named by paths (read, and stored unless --no-store) or by stored story/article ids."""
    from .ingest import ingest, read_paths

    paths = [s for s in args.sources if s == "-" or Path(s).exists()]
    ids = [s for s in args.sources if s not in paths]
    if args.no_store:
        if ids:
            raise StorylineError(f"{ids[0]}: no such file or directory")
        items = list(read_paths(paths, args.published))
        return [a for a in items if isinstance(a, Article)], [e for e in items if isinstance(e, InputError)]
    with _store(args) as store:
        articles: list[Article] = []
        errors: list[InputError] = []
        if paths:
            from .stories.cluster import assign_stories

            report = ingest(paths, store, published=args.published,
                            after_batch=lambda added: assign_stories(store, added))
            articles += report.articles
            errors += report.errors
        for ident in ids:
            articles.append(store.get_article(ident))
        return articles, errors


# -- stories -----------------------------------------------------------------
def cmd_stories(args) -> int:
    import json

    from .stories.cluster import list_stories

    with _store(args) as store:
        stories = list_stories(store)
    if args.json:
        print(json.dumps(stories, ensure_ascii=False, indent=2))
        return 0
    if not stories:
        print("no stories yet: storyline ingest PATH...")
        return 0
    print(f"{'story':<10} {'dates':<23} {'arts':>4} {'outl':>4} {'indep':>5}  headline")
    for s in stories:
        span = _span(s["first_date"], s["last_date"])
        print(f"{s['id'][:8]:<10} {span:<23} {s['articles']:>4} {s['outlets']:>4} {s['independent_sources']:>5}  {s['headline'][:80]}")
    return 0


def _span(first: str | None, last: str | None) -> str:
    if not first and not last:
        return "undated"
    return first if first == last or not last else f"{first or '?'} to {last}"


def cmd_show(args) -> int:
    from .report.build import cached_brief
    from .report.render import render
    from .stories.cluster import resolve_story, story_articles

    with _store(args) as store:
        story_id = resolve_story(store, args.story)
        brief = cached_brief(store, story_articles(store, story_id), words=args.words, story_id=story_id)
    sys.stdout.write(render(brief, args.format).rstrip("\n") + "\n")
    return 0


def cmd_timeline(args) -> int:
    import json

    from .analyze.timeline import build_timeline, format_timeline_text

    paths = [s for s in args.sources if s == "-" or Path(s).exists()]
    if paths:
        articles, errors = _articles_for(args)
        for e in errors:
            _report_error(e)
    else:
        from .stories.cluster import story_articles

        with _store(args) as store:
            articles = [a for sid in args.sources for a in story_articles(store, sid)]
    timeline = build_timeline([a for a in articles if a.language == "en"])
    if args.format == "json":
        from dataclasses import asdict

        print(json.dumps({"entries": timeline.entries, "development": timeline.development,
                          "notes": timeline.notes}, default=lambda o: asdict(o), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(format_timeline_text(timeline).rstrip("\n") + "\n")
    return 0


def cmd_merge(args) -> int:
    from .stories.cluster import merge_stories

    with _store(args) as store:
        print(merge_stories(store, args.stories))
    return 0


def cmd_split(args) -> int:
    from .stories.cluster import split_story

    with _store(args) as store:
        print(split_story(store, args.story, args.articles))
    return 0


def cmd_recluster(args) -> int:
    from .stories.cluster import recluster

    with _store(args) as store:
        print(f"{recluster(store)} stories")
    return 0


# -- evaluation and serving ------------------------------------------------------
def cmd_eval_clusters(args) -> int:
    import json

    from .evaluate.clusters import evaluate_file, format_cluster_report

    result = evaluate_file(_existing(args.file))
    print(json.dumps(result, indent=2) if args.json else format_cluster_report(result))
    return 0


def cmd_eval_summaries(args) -> int:
    import json

    from .evaluate.summaries import evaluate_file, format_summary_report

    path = _existing(args.file)
    if args.cache:
        from .store import Store

        with Store(args.cache) as store:
            result = evaluate_file(path, words=args.words, limit=args.limit, store=store)
    else:
        result = evaluate_file(path, words=args.words, limit=args.limit)
    print(json.dumps(result, indent=2) if args.json else format_summary_report(result))
    return 0


def _existing(path: str) -> str:
    if not Path(path).is_file():
        raise StorylineError(f"{path}: no such file")
    return path


def cmd_serve(args) -> int:
    from .web.app import serve

    serve(host=args.host, port=args.port, db=args.db, max_upload_mb=args.max_upload_mb)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

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
    p.add_argument("--format", "-f", choices=["md", "json", "html"], default="md")
    p.add_argument("--words", type=int, default=100, help="summary length in words (default 100)")
    p.add_argument("--no-store", action="store_true", help="read the files without storing them")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    _db_option(p)
    _published_option(p)
    p.set_defaults(run=cmd_brief)
    return parser


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

    with _store(args) as store, _progress(args.quiet) as tick:
        def on_item(item):
            if isinstance(item, InputError):
                _report_error(item)
            tick(item)

        report = ingest(args.paths, store, published=args.published, on_article=on_item)
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
    from .report.build import make_brief
    from .report.render import render_many

    articles, errors = _articles_for(args)
    for e in errors:
        _report_error(e)
    if not articles:
        raise StorylineError("no readable articles in " + ", ".join(args.sources))
    groups = [articles]
    briefs = [make_brief(g, words=args.words) for g in groups]
    text = render_many(briefs, args.format)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 1 if errors else 0


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
            report = ingest(paths, store, published=args.published)
            articles += report.articles
            errors += report.errors
        for ident in ids:
            articles.append(store.get_article(ident))
        return articles, errors


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

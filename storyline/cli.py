"""The storyline command line: one entry point, subcommands over one store, one grammar.

    storyline ingest PATH...              read articles into the store, grouped into stories
    storyline fetch URL...                the same for pages fetched over HTTP(S)
    storyline feeds [add|remove|import|export]  the followed feeds (storyline/feeds.py)
    storyline watch [--once]              poll them, ingesting new entries (storyline/watch.py)
    storyline brief PATH|STORY|ARTICLE... the cited brief of each story (md, json, html)
    storyline timeline PATH|STORY|ARTICLE...
    storyline digest [--since 24h]        the stories new or grown in a period, with their briefs (md, html, atom)

Every command that prints a result takes --format (md, json, and html where a page makes
sense; --json is short for --format json) and -o FILE; --db goes before or after the command;
a stored story is named by its id or a unique prefix, or by one of its articles' ids.
Everything goes through storyline.pipeline.Pipeline.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .errors import InputError, StorylineError
from .model import Article, PartialDate

DB_HELP = "database file (default $STORYLINE_DB or ~/.local/share/storyline/storyline.db)"


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        status = args.run(args) or 0
        sys.stdout.flush()  # a closed pipe (| head) shows here, inside the handler below
        return status
    except StorylineError as e:
        print(f"storyline: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (storyline ... | head): stop quietly, as cat does.
        # stdout is pointed at devnull so that the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="storyline", description="Many news reports about the same events -> one cited, trustworthy picture.")
    parser.add_argument("--version", action="version", version=f"storyline {_version()}")
    parser.add_argument("--db", help=DB_HELP)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = _command(sub, "ingest", cmd_ingest,
                 "read articles (txt, html, json/jsonl(.gz), RSS/Atom, WARC(.gz), folders, - for stdin) into the store")
    p.add_argument("paths", nargs="+", metavar="PATH")
    _published_option(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    _fetch_command(sub)
    _feed_commands(sub)
    p = _command(sub, "brief", cmd_brief, "the cited brief of each story of the given files/folders or stored ids")
    p.add_argument("sources", nargs="+", metavar="PATH|STORY|ARTICLE")
    _output_options(p, ("md", "json", "html"), "md")
    _words_option(p)
    _no_store_option(p)
    _published_option(p)

    p = _command(sub, "show", cmd_show, "the brief of a stored story (brief STORY, for one story)")
    p.add_argument("story", metavar="STORY|ARTICLE")
    _output_options(p, ("md", "json", "html"), "md")
    _words_option(p)

    p = _command(sub, "timeline", cmd_timeline, "the timeline of each story of the given files/folders or stored ids")
    p.add_argument("sources", nargs="+", metavar="PATH|STORY|ARTICLE")
    _output_options(p, ("md", "json"), "md")
    _no_store_option(p)
    _published_option(p)

    _digest_command(sub)

    p = _command(sub, "stories", cmd_stories, "list stored stories, largest first")
    _output_options(p, ("md", "json"), "md")
    p.add_argument("--threads", action="store_true", help="only stories in a thread, grouped by thread")

    p = _command(sub, "merge", cmd_merge, "merge stories into the first one given (kept in later ingests)")
    p.add_argument("stories", nargs="+", metavar="STORY")
    p = _command(sub, "split", cmd_split, "move articles out of a story into a new one (kept in later ingests)")
    p.add_argument("story", metavar="STORY")
    p.add_argument("articles", nargs="+", metavar="ARTICLE")
    _command(sub, "recluster", cmd_recluster, "rebuild all stories from scratch (corrections kept)")
    _backfill_command(sub)

    p = sub.add_parser("eval", help="evaluate against labelled data")
    ev = p.add_subparsers(title="what", metavar="WHAT")
    e = _command(ev, "clusters", cmd_eval_clusters, "B-cubed and pairwise scores of story clustering on a labelled JSONL",
                 db=False)
    e.add_argument("file", metavar="FILE.jsonl")
    _output_options(e, ("md", "json"), "md")
    e = _command(ev, "summaries", cmd_eval_summaries, "ROUGE of storyline's summary vs lead, LexRank and TextRank",
                 db=False)
    e.add_argument("file", metavar="FILE.jsonl")
    e.add_argument("--words", type=_positive, help="word budget (default: each reference's length)")
    e.add_argument("--limit", type=_positive, help="only the first N stories")
    e.add_argument("--cache", metavar="FILE.db",
                   help="SQLite file that keeps sentence embeddings and briefs between runs (created if missing)")
    _output_options(e, ("md", "json"), "md")
    e = _command(ev, "trust", cmd_eval_trust, "precision of the briefs' citations against gold judgments",
                 db=False)
    e.add_argument("file", metavar="FILE.jsonl")
    e.add_argument("--gold", metavar="DIR", help="folder of gold judgment files (default bench/gold/trust)")
    e.add_argument("--limit", type=_positive, help="only the first N stories")
    _words_option(e)
    e.add_argument("--cache", metavar="FILE.db",
                   help="SQLite file that keeps sentence embeddings and briefs between runs (created if missing)")
    e.add_argument("--todo", metavar="FILE.json",
                   help="also write the unjudged citations as gold rows to fill in (digests only, states null)")
    _output_options(e, ("md", "json"), "md")

    _extraction_command(ev)

    _serve_command(sub)
    return parser


def _serve_command(sub) -> None:
    p = _command(sub, "serve", cmd_serve, "local web app and HTTP API over the store")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=_port, default=8000)
    p.add_argument("--max-upload-mb", type=float, default=20, help="upload size limit per request (default 20)")
    p.add_argument("--watch", action="store_true",
                   help="also poll the followed feeds (as storyline watch) and keep their stories' briefs current")
    p.add_argument("--interval", type=float, metavar="MIN", help="with --watch: minutes between polls of a feed "
                   "(default 60, min 5)")
    p.add_argument("--allow-private", action="store_true",
                   help="with --watch: allow feeds on private, loopback or link-local addresses (refused by default)")


def _fetch_command(sub) -> None:
    p = _command(sub, "fetch", cmd_fetch, "fetch article pages over HTTP(S) and ingest them like files")
    p.add_argument("urls", nargs="+", metavar="URL")
    _published_option(p)
    p.add_argument("--allow-private", action="store_true",
                   help="allow hosts on private, loopback or link-local addresses (refused by default)")
    p.add_argument("--contact", metavar="URL", default=os.environ.get("STORYLINE_CONTACT"),
                   help="contact URL put in the User-Agent (default $STORYLINE_CONTACT)")
    p.add_argument("--delay", type=float, metavar="SECONDS", help="seconds between requests to one host (default 1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _feed_commands(sub) -> None:
    p = _command(sub, "feeds", cmd_feeds, "list the followed feeds (add, remove, import, export: see feeds -h)")
    _output_options(p, ("md", "json"), "md")
    fs = p.add_subparsers(title="feed commands", metavar="WHAT")
    a = _command(fs, "add", cmd_feeds_add, "follow feeds (RSS/Atom URLs)")
    a.add_argument("urls", nargs="+", metavar="URL")
    a.add_argument("--category", help="the category the feeds are filed under (OPML export)")
    a = _command(fs, "remove", cmd_feeds_remove, "stop following a feed (its stored articles stay)")
    a.add_argument("url", metavar="URL")
    a = _command(fs, "import", cmd_feeds_import, "follow every feed of an OPML file")
    a.add_argument("file", metavar="FILE.opml")
    a = _command(fs, "export", cmd_feeds_export, "the followed feeds as OPML, with their categories")
    a.add_argument("-o", "--output", metavar="FILE", help="write to this file instead of stdout")

    p = _command(sub, "watch", cmd_watch, "poll the followed feeds and ingest new entries, until SIGINT/SIGTERM")
    p.add_argument("--once", action="store_true", help="poll each due feed once, then exit (cron)")
    p.add_argument("--interval", type=float, metavar="MIN", help="minutes between polls of a feed (default 60, min 5)")
    p.add_argument("--allow-private", action="store_true",
                   help="allow hosts on private, loopback or link-local addresses (refused by default)")
    p.add_argument("--contact", metavar="URL", default=os.environ.get("STORYLINE_CONTACT"),
                   help="contact URL put in the User-Agent (default $STORYLINE_CONTACT)")
    p.add_argument("-q", "--quiet", action="store_true", help="no line per poll")


def _digest_command(sub) -> None:
    p = _command(sub, "digest", cmd_digest,
                 "one entry per story new or grown in a period, each with its cited brief (md, html, Atom feed)")
    p.add_argument("--since", metavar="PERIOD|DATE",
                   help="90m, 24h, 7d, 2w back from now, or an ISO date or time such as 2025-03-10 or "
                        "2025-03-10T08:00Z (UTC unless a zone is given; default 24h)")
    p.add_argument("--format", "-f", choices=("md", "html", "atom"), default="md")
    p.add_argument("-o", "--output", metavar="FILE", help="write to this file instead of stdout")
    p.add_argument("--base-url", metavar="URL", default=os.environ.get("STORYLINE_BASE_URL"),
                   help="where the web app is reached, for links to each story's page and the feed's own "
                        "(default $STORYLINE_BASE_URL)")
    p.add_argument("--limit", type=_positive, help="at most N stories, those that grew last (default 50)")
    _words_option(p)


def _extraction_command(ev) -> None:
    e = _command(ev, "extraction", cmd_eval_extraction,
                 "main-text extraction of storyline's page reader and bare trafilatura on the scrapinghub benchmark",
                 db=False)
    e.add_argument("dir", metavar="DIR", help="folder with ground-truth.json and html/ (../shared/corpus/extraction)")
    e.add_argument("--limit", type=int, help="only the first N pages")
    _output_options(e, ("md", "json"), "md")


def _command(sub, name: str, run, help_text: str, db: bool = True) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_text, description=help_text)
    if db:  # also accepted before the command; SUPPRESS keeps a --db given there
        p.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    p.set_defaults(run=run)
    return p


def _output_options(p: argparse.ArgumentParser, formats: tuple[str, ...], default: str) -> None:
    p.add_argument("--format", "-f", choices=formats, default=default)
    p.add_argument("--json", dest="format", action="store_const", const="json", help="same as --format json")
    p.add_argument("-o", "--output", metavar="FILE", help="write to this file instead of stdout")


def _words_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--words", type=_positive, default=100, help="summary length in words (default 100)")


def _positive(text: str) -> int:
    """A count that must be at least 1 (--words, --limit)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _no_store_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-store", action="store_true", help="read the files without storing them")


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
    from .ingest.dates import EARLIEST_YEAR, date_problem

    problem = date_problem(d)
    if problem:
        raise argparse.ArgumentTypeError(f"{problem}: {text!r} (dates run from {EARLIEST_YEAR} to tomorrow)")
    return d


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0 to 65535: {text!r}")
    return value


def _version() -> str:
    from . import __version__

    return __version__


def _store(args, existing: bool = False, asked: str | None = None):
    """The store of --db; existing: a command that only reads (or changes stored stories)
    refuses a database that is not there, rather than create an empty one (a mistyped --db).
    asked: the story, article or path the command was given, named in that error."""
    from .store import Store, default_db_path

    if existing:
        path = Path(args.db) if args.db else default_db_path()
        if str(path) != ":memory:" and not path.is_file():
            problem = f"{path}: no such database (storyline ingest PATH... creates it; check --db)"
            raise StorylineError(f"{asked}: no such file or stored story; {problem}" if asked else problem)
    return Store(args.db)


def _pipeline(store=None):
    from .pipeline import Pipeline

    return Pipeline(store=store)


def _write(args, text: str) -> None:
    text = text if text.endswith("\n") else text + "\n"
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as e:
            raise StorylineError(f"{args.output}: cannot write ({e.strerror})") from e
    else:
        sys.stdout.write(text)


def _report_error(e: InputError) -> None:
    print(f"storyline: {e}", file=sys.stderr)


# -- ingest ------------------------------------------------------------------
def cmd_ingest(args) -> int:
    with _store(args) as store, _progress(args.quiet) as tick:
        def on_item(item):
            _on_error(item)
            tick(item)

        report = _pipeline(store).ingest(args.paths, published=args.published, on_article=on_item)
    print(f"{len(report.added)} added, {len(report.known)} already stored, {len(report.errors)} errors")
    return 1 if report.errors else 0


def cmd_fetch(args) -> int:
    from dataclasses import replace

    from .ingest.fetch import Fetcher
    from .settings import DEFAULT_SETTINGS

    fetch = DEFAULT_SETTINGS.fetch
    fetch = replace(fetch, contact_url=args.contact or fetch.contact_url,
                    delay=fetch.delay if args.delay is None else args.delay)
    with _store(args) as store, Fetcher(fetch, allow_private=args.allow_private) as fetcher, \
            _progress(args.quiet) as tick:
        def on_item(item):
            if isinstance(item, InputError):
                _report_error(item)
            tick(item)

        report = _pipeline(store).fetch(args.urls, fetcher, published=args.published, on_article=on_item)
    print(f"{len(report.added)} added, {len(report.known)} already stored, {len(report.errors)} errors")
    return 1 if report.errors else 0


# -- feeds and the watcher -------------------------------------------------------------
def cmd_feeds(args) -> int:
    from .feeds import feed_rows, feeds_markdown

    with _store(args) as store:
        rows = feed_rows(store)
    _write(args, json.dumps(rows, indent=2, ensure_ascii=False) if args.format == "json" else feeds_markdown(rows))
    return 0


def _feeds_changed(added: list[str], known: list[str], errors: list[InputError]) -> int:
    for e in errors:
        _report_error(e)
    print(f"{len(added)} feeds added, {len(known)} already followed, {len(errors)} errors")
    return 1 if errors else 0


def cmd_feeds_add(args) -> int:
    from .feeds import add_feeds

    with _store(args) as store:
        return _feeds_changed(*add_feeds(store, args.urls, args.category))


def cmd_feeds_remove(args) -> int:
    from .feeds import remove_feed

    with _store(args, existing=True) as store:
        remove_feed(store, args.url)
    print(f"{args.url}: no longer followed")
    return 0


def cmd_feeds_import(args) -> int:
    from .feeds import import_opml

    with _store(args) as store:
        return _feeds_changed(*import_opml(store, args.file))


def cmd_feeds_export(args) -> int:
    from .feeds import export_opml

    with _store(args) as store:
        _write(args, export_opml(store))
    return 0


def cmd_watch(args) -> int:
    from dataclasses import replace

    from .ingest.fetch import Fetcher
    from .settings import DEFAULT_SETTINGS
    from .watch import Watcher

    settings = DEFAULT_SETTINGS
    fetch = replace(settings.fetch, contact_url=args.contact or settings.fetch.contact_url)

    from .watch import BriefRebuilder

    settings = replace(settings, fetch=fetch)
    with _store(args) as store, Fetcher(fetch, allow_private=args.allow_private) as fetcher:
        rebuild = BriefRebuilder(store.path, settings)  # the changed stories' briefs, on a thread
        watcher = Watcher(_pipeline(store), fetcher, settings, interval=args.interval,
                          on_poll=_poll_printer(args.quiet), rebuild=rebuild)
        watcher.stop_on_signals()  # --once too: a cron run stopped finishes the feed in hand
        try:
            results = watcher.run(once=args.once)
        finally:  # --once: every queued brief is built before exit; a signal: the batch in hand
            rebuild.close(drain=args.once and not watcher.stop.is_set())
    return 1 if args.once and any(r.error for r in results) else 0


def _poll_printer(quiet: bool):
    """A line per poll on stdout (errors on stderr), for watch and serve --watch."""
    def on_poll(result) -> None:
        for e in result.entry_errors:
            _report_error(e)
        if result.error:
            print(f"storyline: {result.url}: {result.error}", file=sys.stderr)
        elif not quiet:
            moved = f" (moved from {result.moved_from})" if result.moved_from else ""
            print(f"{result.url}{moved}: HTTP {result.status}, {result.added} added, {result.known} already stored",
                  flush=True)

    return on_poll


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


# -- briefs and their parts -------------------------------------------------------
def cmd_brief(args) -> int:
    from .report.render import render_many

    def run(pipeline, stories) -> str:
        return render_many(pipeline.briefs(stories, words=args.words), args.format)

    return _over_stories(args, run)


def cmd_show(args) -> int:
    from .report.render import render

    with _store(args, existing=True, asked=args.story) as store:
        pipeline = _pipeline(store)
        brief = pipeline.brief(pipeline.story(_story_id(store, args.story)), words=args.words)
    _write(args, render(brief, args.format))
    return 0


def cmd_timeline(args) -> int:
    from .report.render import render_part

    def run(pipeline, stories) -> str:
        parts = [pipeline.part(s, "timeline") for s in stories]
        return render_part(parts, "timeline", args.format)

    return _over_stories(args, run)


def _over_stories(args, run) -> int:
    """Read (and, unless --no-store, store) the given paths, add the stored stories named by
    id, group everything into stories and write run(pipeline, stories)."""
    from .ingest import read_paths

    paths = [s for s in args.sources if s == "-" or Path(s).exists()]
    ids = [s for s in args.sources if s not in paths]
    if args.no_store:
        if ids:
            raise StorylineError(f"{ids[0]}: no such file or directory")
        items = list(read_paths(paths, args.published))
        for e in items:
            if isinstance(e, InputError):
                _report_error(e)
        articles = [a for a in items if isinstance(a, Article)]
        if not articles:
            raise StorylineError("no readable articles in " + ", ".join(args.sources))
        pipeline = _pipeline()
        _write(args, run(pipeline, pipeline.stories_of(articles)))
        return 1 if len(articles) < len(items) else 0
    with _store(args, existing=not paths, asked=ids[0] if ids else None) as store:
        pipeline = _pipeline(store)
        story_ids = [_story_id(store, ident) for ident in ids]  # unknown ids fail before anything is stored
        errors = 0
        stories = []
        if paths:
            report = pipeline.ingest(paths, published=args.published, on_article=_on_error)
            errors = len(report.errors)
            if not report.articles and not story_ids:
                raise StorylineError("no readable articles in " + ", ".join(paths))
            stories = pipeline.stories_of(report.articles)
        known = {s.id for s in stories}
        stories += [pipeline.story(sid) for sid in dict.fromkeys(story_ids) if sid not in known]
        _write(args, run(pipeline, stories))
    return 1 if errors else 0


def _on_error(item) -> None:
    """An input error on stderr; an article's warnings too (a date left out, an encoding guessed)."""
    if isinstance(item, InputError):
        _report_error(item)
    elif isinstance(item, Article):
        for warning in item.metadata.get("warnings", []):
            print(f"storyline: warning: {warning}", file=sys.stderr)


def _story_id(store, ident: str) -> str:
    """The stored story named by a story id (or unique prefix), or the story of an article id."""
    from .stories.cluster import resolve_story

    try:
        return resolve_story(store, ident)
    except StorylineError as not_a_story:
        try:
            article = store.get_article(ident)
        except StorylineError:
            raise StorylineError(f"no story or article with id {ident!r}") from not_a_story
        story = store.stories_of([article.id]).get(article.id)
        if story is None:
            raise StorylineError(f"article {article.id} is in no story (run storyline ingest again)") from None
        return story


def cmd_digest(args) -> int:
    from .report.digest import make_digest, parse_since, render_digest, web_base
    from .settings import DEFAULT_SETTINGS

    settings = DEFAULT_SETTINGS.digests
    period = parse_since(args.since or settings.since)  # a bad period fails before the store is opened
    base = web_base(args.base_url or settings.base_url)
    with _store(args, existing=True) as store:
        digest = make_digest(_pipeline(store), period, words=args.words, limit=args.limit)
    _write(args, render_digest(digest, args.format, base_url=base, self_url=f"{base}feed.atom" if base else None))
    return 0


# -- stories -----------------------------------------------------------------
def cmd_stories(args) -> int:
    from .stories.cluster import list_stories
    from .stories.threads import threads_listing, with_threads

    with _store(args, existing=True) as store:
        stories = with_threads(store, list_stories(store))
    if args.threads:
        return _threads(args, threads_listing(stories))
    if args.format == "json":
        _write(args, json.dumps(stories, ensure_ascii=False, indent=2))
        return 0
    if not stories:
        _write(args, "no stories yet: storyline ingest PATH...")
        return 0
    lines = [f"{'story':<10} {'dates':<23} {'arts':>4} {'outl':>4} {'indep':>5}  headline"]
    lines += [_story_line(s) for s in stories]
    _write(args, "\n".join(lines))
    return 0


def _shorten(text: str, chars: int) -> str:
    """text in at most chars characters, cut at a word with an ellipsis."""
    if len(text) <= chars:
        return text
    cut = text[:chars - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip() + "…"


def _story_line(s: dict, indent: str = "") -> str:
    return (f"{indent}{s['id'][:8]:<10} {_span(s['first_date'], s['last_date']):<23} {s['articles']:>4} "
            f"{s['outlets']:>4} {s['independent_sources']:>5}  {_shorten(s['headline'], 80)}"
            + ("  [roundup]" if s.get("roundup") else "")
            + ("  [thread]" if s.get("thread") and not indent else ""))


def _threads(args, threads: list[dict]) -> int:
    """`stories --threads`: each thread's stories, earliest first."""
    if args.format == "json":
        _write(args, json.dumps(threads, ensure_ascii=False, indent=2))
    elif not threads:
        _write(args, "no threads: no two stored stories are events of one thread")
    else:
        _write(args, "\n\n".join(f"thread {t['thread'][:8]} ({len(t['stories'])} stories)\n"
                                  + "\n".join(_story_line(s, "  ") for s in t["stories"]) for t in threads))
    return 0


def _span(first: str | None, last: str | None) -> str:
    if not first and not last:
        return "undated"
    return first if first == last or not last else f"{first or '?'} to {last}"


def cmd_merge(args) -> int:
    with _store(args, existing=True) as store:
        print(_pipeline(store).merge(args.stories))
    return 0


def cmd_split(args) -> int:
    with _store(args, existing=True) as store:
        print(_pipeline(store).split(args.story, args.articles))
    return 0


def cmd_recluster(args) -> int:
    with _store(args, existing=True) as store:
        print(f"{_pipeline(store).recluster()} stories")
    return 0


# -- backfill (storyline/backfill.py) ----------------------------------------------
def _backfill_command(sub) -> None:
    p = _command(sub, "backfill", cmd_backfill,
                 "read a large archive in bulk: the ingest stages by time window, locally or on a Ray cluster")
    p.add_argument("paths", nargs="+", metavar="INPUT")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local: in this process (default); ray: Ray Data (pip install 'storyline[ray]')")
    p.add_argument("--address", help="Ray cluster to join (auto, or HOST:PORT); default a local Ray on every core")
    p.add_argument("--workers", type=_positive, help="Ray actors per pool (default: the cluster's CPUs)")
    p.add_argument("--window-days", type=float, default=7.0, help="days per placement window (default 7)")
    p.add_argument("--briefs", action="store_true", help="also brief every story (cached, as show finds it)")
    _words_option(p)
    p.add_argument("--output", metavar="DIR.parquet", help="also write articles, stories and briefs as Parquet")
    _published_option(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def cmd_backfill(args) -> int:
    from contextlib import nullcontext

    from .backfill import Progress, RichProgress, backfill

    bars = RichProgress() if not args.quiet and sys.stderr.isatty() and args.engine == "local" else None
    with _store(args) as store, bars or nullcontext():
        report = backfill(args.paths, store, engine=args.engine, address=args.address, window_days=args.window_days,
                          briefs=args.briefs, words=args.words, output=args.output, published=args.published,
                          workers=args.workers, progress=bars or Progress(), on_error=_report_error)
    made = f", {report.briefs} briefs made" if args.briefs else ""
    print(f"{len(report.added)} added, {len(report.known)} already stored, {len(report.errors)} errors;"
          f" {len(report.story_ids)} stories from {report.windows} windows{made}")
    return 1 if report.errors else 0


# -- evaluation and serving ------------------------------------------------------
def cmd_eval_clusters(args) -> int:
    from .evaluate.clusters import evaluate_file, format_cluster_report

    result = evaluate_file(_existing(args.file))
    _write(args, json.dumps(result, indent=2) if args.format == "json" else format_cluster_report(result))
    return 0


def cmd_eval_summaries(args) -> int:
    from .evaluate.summaries import evaluate_file, format_summary_report

    path = _existing(args.file)
    if args.cache:
        from .store import Store

        with Store(args.cache) as store:
            result = evaluate_file(path, words=args.words, limit=args.limit, store=store)
    else:
        result = evaluate_file(path, words=args.words, limit=args.limit)
    _write(args, json.dumps(result, indent=2) if args.format == "json" else format_summary_report(result))
    return 0


def cmd_eval_trust(args) -> int:
    from .evaluate.trust import DEFAULT_GOLD, evaluate_file, format_trust_report, gold_skeleton

    path, gold = _existing(args.file), args.gold or DEFAULT_GOLD
    if args.cache:
        from .store import Store

        with Store(args.cache) as store:
            result = evaluate_file(path, gold, limit=args.limit, words=args.words, store=store)
    else:
        result = evaluate_file(path, gold, limit=args.limit, words=args.words)
    if args.todo:
        Path(args.todo).write_text(json.dumps(gold_skeleton(result), indent=1) + "\n", encoding="utf-8")
    _write(args, json.dumps(result, indent=2) if args.format == "json" else format_trust_report(result))
    return 0


def cmd_eval_extraction(args) -> int:
    from .evaluate.extraction import evaluate_dir, format_extraction_report

    result = evaluate_dir(args.dir, limit=args.limit)
    _write(args, json.dumps(result, indent=2) if args.format == "json" else format_extraction_report(result))
    return 0


def _existing(path: str) -> str:
    if not Path(path).is_file():
        raise StorylineError(f"{path}: no such file")
    return path


def cmd_serve(args) -> int:
    from .web.app import serve

    watch = None
    if args.watch:
        from dataclasses import replace

        from .settings import DEFAULT_SETTINGS
        from .watch import Service

        settings = DEFAULT_SETTINGS
        contact = os.environ.get("STORYLINE_CONTACT")
        settings = replace(settings, fetch=replace(settings.fetch, contact_url=contact or settings.fetch.contact_url))
        watch = Service(args.db, settings, interval=args.interval, allow_private=args.allow_private,
                        on_poll=_poll_printer(quiet=True))
    elif args.interval is not None or args.allow_private:
        raise StorylineError("--interval and --allow-private go with serve --watch")
    serve(host=args.host, port=args.port, db=args.db, max_upload_mb=args.max_upload_mb, watch=watch)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

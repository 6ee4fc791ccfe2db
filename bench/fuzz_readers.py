"""Fuzz the HTML and feed readers (issue 8): any bytes in, either articles
whose sentence offsets point at their text or an InputError/StorylineError,
never another exception.

    .venv/bin/pip install atheris           # optional, coverage-guided
    python bench/fuzz_readers.py -max_total_time=60                 # both targets
    python bench/fuzz_readers.py --target feed -max_total_time=60 [CORPUS_DIR ...]

With atheris, libFuzzer runs with a small built-in seed corpus and token
dictionary (unless given its own) and writes any crashing input to
crash-* files. Without atheris the same target runs as a plain random-mutation
loop over the seeds for the same time. Either way the script prints the
executions and the findings.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

try:
    import atheris
except ImportError:  # the fallback loop below needs nothing
    atheris = None

if atheris:
    with atheris.instrument_imports(include=["storyline", "feedparser"]):
        from storyline.errors import StorylineError
        from storyline.ingest.build import build_article
        from storyline.ingest.feed import read_feed
        from storyline.ingest.files import decode
        from storyline.ingest.html import read_html
else:
    from storyline.errors import StorylineError
    from storyline.ingest.build import build_article
    from storyline.ingest.feed import read_feed
    from storyline.ingest.files import decode
    from storyline.ingest.html import read_html

BODY = ("<p>The harbour authority said on Monday that the night ferry would stop at midnight.</p>"
        "<p>“We listened to residents,” said Jo Park, a spokeswoman. Mr. Park's U.S. partner agreed.</p>")
SEEDS = {
    "html": [
        f"<!DOCTYPE html><html><head><title>Ferry hours cut</title><meta name='author' content='Jo Park'>"
        f"<meta property='article:published_time' content='2017-05-03'></head><body><article><h1>Ferry hours cut"
        f"</h1>{BODY}<script>alert(1)</script><iframe src='x'>frame</iframe></article></body></html>",
        f"<html><body><div><div><span>{BODY}</span></div></div><style>p{{}}</style></body></html>",
        f"<p>{BODY}",
    ],
    "feed": [
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour News</title><item><title>Ferry'
        f'</title><link>https://news.example/1</link><pubDate>Wed, 03 May 2017 09:00:00 GMT</pubDate>'
        f'<author>desk@news.example (Jo Park)</author><description><![CDATA[{BODY}]]></description></item>'
        f'<item><title>No body</title></item></channel></rss>',
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Port</title>'
        f'<entry><title>Ferry</title><updated>2017-05-03T10:00:00Z</updated><content type="html">'
        f'{BODY.replace("<", "&lt;")}</content></entry></feed>',
    ],
}
TOKENS = ["<p>", "</p>", "<div>", "</div>", "<script>", "</script>", "<style>", "<iframe>", "<![CDATA[", "]]>",
          "&amp;", "&#0;", "&lt;", "<!--", "-->", "<item>", "</item>", "<entry>", "<title>", "</title>",
          "<pubDate>", "<description>", "<content:encoded>", "<body>", "<html>", "<?xml version=\"1.0\"?>",
          "\x00", "\ufeff", "“", "”", "—", ". ", "Mr.", "\n\n", "<br>", "<article>", "</article>"]


def check(target: str, data: bytes) -> int:
    """Run one input through a reader and the article builder; returns the
    number of articles. Raises on anything but a StorylineError."""
    try:
        text = decode("fuzz", data)
        if target == "html":
            raws = read_html("fuzz.html", text)
        else:
            raws, errors = read_feed("fuzz.rss", text)
            assert all(e.source.startswith("fuzz.rss#") for e in errors)
    except StorylineError:
        return 0
    built = 0
    for raw in raws:
        try:
            article = build_article(raw)
        except StorylineError:
            continue
        for s in article.sentences:
            assert article.text[s.start:s.end] == s.text, (s, article.text[s.start:s.end])
        built += 1
    return built


def mutate(rng: random.Random, data: bytes) -> bytes:
    """One to four random edits: flip, delete, duplicate, insert a token, splice."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        at = rng.randrange(len(data) + 1)
        if op == 0 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif op == 1:
            del data[at:at + rng.randint(1, 64)]
        elif op == 2:
            data[at:at] = data[at:at + rng.randint(1, 256)] * rng.randint(1, 8)
        elif op == 3:
            data[at:at] = rng.choice(TOKENS).encode() * rng.randint(1, 50)
        else:
            other = rng.choice([s for seeds in SEEDS.values() for s in seeds]).encode()
            data[at:at] = other[rng.randrange(len(other)):][: rng.randint(1, 400)]
    return bytes(data[:200_000])


def random_loop(target: str, seconds: float, seed: int) -> tuple[int, list[str]]:
    rng = random.Random(seed)
    pool = [s.encode() for s in SEEDS[target]]
    runs, findings = 0, []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        data = mutate(rng, rng.choice(pool))
        runs += 1
        try:
            if check(target, data) and len(pool) < 500:
                pool.append(data)  # inputs that still make articles are worth mutating further
        except Exception as e:  # a finding: keep the input
            path = Path(f"crash-{target}-{runs}.bin")
            path.write_bytes(data)
            findings.append(f"{type(e).__name__}: {e} (input saved to {path})")
            traceback.print_exc()
    return runs, findings


def run_atheris(target: str, libfuzzer_args: list[str]) -> None:
    corpus_given = any(not a.startswith("-") for a in libfuzzer_args)
    args = list(libfuzzer_args)
    if not corpus_given:
        corpus = Path(tempfile.mkdtemp(prefix=f"fuzz-{target}-"))
        for i, s in enumerate(SEEDS[target]):
            (corpus / f"seed{i}").write_bytes(s.encode())
        args.append(str(corpus))
    if not any(a.startswith("-dict=") for a in args):
        tokens = Path(tempfile.mkdtemp()) / "tokens.dict"
        tokens.write_text("".join(f'"{_dict_escape(t)}"\n' for t in TOKENS))
        args.append(f"-dict={tokens}")
    check(target, SEEDS[target][0].encode())  # load spaCy now, not inside the first timed unit
    atheris.Setup([sys.argv[0], *args], lambda data: check(target, data))
    atheris.Fuzz()


def _dict_escape(token: str) -> str:
    """A libFuzzer dictionary entry: printable ASCII as is, other bytes as \\xNN."""
    return "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\x{b:02x}" for b in token.encode())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=["html", "feed", "all"], default="all")
    parser.add_argument("--no-atheris", action="store_true", help="use the random-mutation loop")
    parser.add_argument("--seed", type=int, default=8)
    args, libfuzzer_args = parser.parse_known_args()
    seconds = next((float(a.split("=", 1)[1]) for a in libfuzzer_args if a.startswith("-max_total_time=")), 60.0)
    targets = ["html", "feed"] if args.target == "all" else [args.target]
    if atheris and not args.no_atheris:
        if len(targets) > 1:  # libFuzzer exits the process when done: one child per target
            import subprocess

            codes = [subprocess.call([sys.executable, __file__, "--target", t, *libfuzzer_args]) for t in targets]
            return max(codes)
        print(f"fuzz {targets[0]}: atheris (libFuzzer), {seconds:.0f} s", flush=True)
        run_atheris(targets[0], libfuzzer_args)
        return 0
    failed = 0
    for target in targets:
        runs, findings = random_loop(target, seconds / len(targets), args.seed)
        print(f"fuzz {target}: random-mutation loop, {runs} executions in {seconds / len(targets):.0f} s, "
              f"{len(findings)} findings")
        for f in findings:
            print("  ", f)
        failed += bool(findings)
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    warnings.simplefilter("ignore")  # decode warnings on every mutated input drown the report
    sys.exit(main())

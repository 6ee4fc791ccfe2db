"""`storyline eval extraction DIR`: the page reader's main text against the gold article
bodies of the scrapinghub article-extraction benchmark (../shared/corpus/extraction).

Layout of DIR: ``ground-truth.json`` (``{"<id>": {"articleBody": ..., "url": ...}}``) and
``html/<id>.html.gz`` (or ``html/<id>.html``).

Scored as the benchmark's own ``evaluate.py`` does: the texts are cut into word tokens
(``\\w+``, case kept), each text into its 4-word shingles (overlapping, counted); per page
true/false positives and false negatives are counted over the shingles and normalised by
their sum, so that a long page weighs no more than a short one; precision is the mean over
the pages that predicted something, recall the mean over the pages with a gold body, and F1
the harmonic mean of the two means.

Two systems read every page from the same decoded text:

- storyline: the reader path every file and fetched page takes (ingest.read_decoded: the
  HTML reader, then cleaning, then the article checks); a page it refuses predicts nothing
  (recall 0 for that page, no precision);
- trafilatura: bare ``trafilatura.extract`` with its default options.
"""
from __future__ import annotations

import gzip
import json
import re
import statistics
import time
from collections import Counter
from pathlib import Path

from ..errors import InputError, StorylineError

SHINGLE_WORDS = 4
SYSTEMS = ("storyline", "trafilatura")
TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = SHINGLE_WORDS) -> Counter:
    tokens = TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def match(true: str, pred: str) -> tuple[float, float, float]:
    """(tp, fp, fn) over the shingles of one page, normalised to sum 1 (all 0 when both are empty)."""
    t, p = shingles(true), shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def scores(counts: list[tuple[float, float, float]]) -> dict[str, float]:
    """Mean precision (pages that predicted text), mean recall (pages with a gold body), F1 of the means."""
    p = statistics.mean([precision(*c) for c in counts if c[0] + c[1] > 0] or [0.0])
    r = statistics.mean([recall(*c) for c in counts if c[0] + c[2] > 0] or [0.0])
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def load_benchmark(root: str | Path) -> list[dict]:
    """[{id, url, gold, html}] of the benchmark folder, in id order; html is the decoded page."""
    from ..ingest.files import decode

    root = Path(root)
    truth_path = root / "ground-truth.json"
    if not truth_path.is_file():
        raise StorylineError(f"{root}: no ground-truth.json (not the extraction benchmark's layout)")
    try:
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise StorylineError(f"{truth_path}: cannot read ({e})") from e
    pages = []
    for key in sorted(truth):
        path = next((p for p in (root / "html" / f"{key}.html.gz", root / "html" / f"{key}.html") if p.is_file()),
                    None)
        if path is None:
            raise StorylineError(f"{root / 'html'}: no page for {key}")
        data = path.read_bytes()
        data = gzip.decompress(data) if path.suffix == ".gz" else data
        pages.append({"id": key, "url": truth[key].get("url"), "gold": truth[key].get("articleBody") or "",
                      "html": decode(str(path), data)})
    return pages


def read_storyline(page: dict) -> tuple[str, str | None]:
    """(main text, why refused) of one page by storyline's reader."""
    from ..ingest import read_decoded

    for item in read_decoded(page["id"], page["html"], "html", url=page["url"]):
        if isinstance(item, InputError):
            return "", item.problem
        return item.text, None
    return "", "no article"


def read_trafilatura(page: dict) -> tuple[str, str | None]:
    import trafilatura

    text = trafilatura.extract(page["html"], url=page["url"])
    return (text, None) if text else ("", "no text extracted")


READERS = {"storyline": read_storyline, "trafilatura": read_trafilatura}


def evaluate_dir(root: str | Path, limit: int | None = None) -> dict:
    """Scores of each system over the benchmark's pages, with every page's precision and recall."""
    pages = load_benchmark(root)[:limit]
    result: dict = {"dir": str(root), "pages": len(pages), "systems": {}, "per_page": []}
    counts: dict[str, list] = {name: [] for name in SYSTEMS}
    seconds = dict.fromkeys(SYSTEMS, 0.0)
    for page in pages:
        row: dict = {"id": page["id"]}
        for name in SYSTEMS:
            started = time.perf_counter()
            text, refused = READERS[name](page)
            seconds[name] += time.perf_counter() - started
            c = match(page["gold"], text)
            counts[name].append(c)
            row[name] = {"precision": round(precision(*c), 4), "recall": round(recall(*c), 4),
                         **({"refused": refused} if refused else {})}
        result["per_page"].append(row)
    for name in SYSTEMS:
        refused = [r["id"] for r in result["per_page"] if "refused" in r[name]]
        result["systems"][name] = {**scores(counts[name]), "refused": refused, "seconds": round(seconds[name], 1)}
    return result


def format_extraction_report(result: dict) -> str:
    lines = [f"{result['dir']}: {result['pages']} pages, 4-word shingles, per-page normalised (the benchmark's "
             f"evaluate.py)", f"  {'system':<12} {'P':>6} {'R':>6} {'F1':>6}  refused  seconds"]
    for name, s in result["systems"].items():
        lines.append(f"  {name:<12} {s['precision']:.3f}  {s['recall']:.3f}  {s['f1']:.3f}  {len(s['refused']):>7}  "
                     f"{s['seconds']:>7.1f}")
    for name, s in result["systems"].items():
        for key in s["refused"]:
            why = next(r[name]["refused"] for r in result["per_page"] if r["id"] == key)
            lines.append(f"  {name} refused {key[:12]}: {why}")
    return "\n".join(lines)

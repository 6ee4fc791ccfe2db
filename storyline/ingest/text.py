"""Plain-text articles: first non-empty line is the headline; an optional
sidecar NAME.meta.json supplies metadata the text lacks."""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from .files import check_article_size
from .raw import RawArticle
from .record import apply_fields


def read_text(name: str, text: str, path: Path | None = None) -> list[RawArticle]:
    check_article_size(name, text)
    raw = RawArticle(source=name, text=text, headline_in_text=True)
    if path is not None:
        sidecar = path.with_name(path.stem + ".meta.json")
        if sidecar.exists():
            try:
                meta = json.loads(sidecar.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError) as e:
                raise InputError(str(sidecar), f"unreadable metadata sidecar ({e})") from e
            if not isinstance(meta, dict):
                raise InputError(str(sidecar), "metadata sidecar must be a JSON object")
            apply_fields(raw, meta, str(sidecar), keep_text=True)
    return [raw]

"""Cold-start and warm time to brief the seeds and an example story.

Cold: a fresh `storyline brief --no-store` process (imports + model loading
included). Warm: the same brief again in one process, models loaded.
Run: .venv/bin/python bench/brief.py
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CASES = [("seeds", REPO.parent / "shared" / "corpus" / "seeds", "2017-05-03"),
         ("examples/bridge", REPO / "examples" / "bridge", None)]


def main() -> None:
    import storyline

    exe = shutil.which("storyline", path=str(REPO / ".venv" / "bin")) or "storyline"
    print(f"{'case':<18}{'articles':>9}{'cold s':>9}{'warm s':>9}")
    for name, path, published in CASES:
        if not path.exists():
            print(f"{name:<18} (missing: {path})")
            continue
        args = [exe, "brief", str(path), "--no-store"] + (["--published", published] if published else [])
        t = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        cold = time.perf_counter() - t
        articles = storyline.read(str(path), published=published)
        storyline.brief(articles)  # load models in this process
        t = time.perf_counter()
        for brief in storyline.brief(articles):
            storyline.render(brief, "md")
        warm = time.perf_counter() - t
        print(f"{name:<18}{len(articles):>9}{cold:>9.2f}{warm:>9.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

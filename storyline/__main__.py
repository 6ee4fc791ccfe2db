"""python -m storyline: the storyline command."""
from .cli import main

raise SystemExit(main())

"""The code's layout rules, read from the source with ast: SQL lives in
storyline/store.py and storyline/stories/storage.py only, and no function is
longer than 80 lines."""
from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "storyline"
SQL_MODULES = {PACKAGE / "store.py", PACKAGE / "stories" / "storage.py"}
MAX_FUNCTION_LINES = 80

# What a statement starts like; case-sensitive, since prose says "select" and "update".
SQL = re.compile(r"\b(SELECT\b.*\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
                 r"|CREATE\s+(TABLE|INDEX|VIRTUAL|TRIGGER)|DROP\s+(TABLE|INDEX)|ALTER\s+TABLE"
                 r"|PRAGMA\s+\w+|BEGIN\s+IMMEDIATE|ROLLBACK|COMMIT)\b", re.S)
RUNS_SQL = {"execute", "executemany", "executescript"}


def modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
            for path in sorted(PACKAGE.rglob("*.py"))]


def sql_uses(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, what) of each call that runs SQL and each string literal that holds SQL."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in RUNS_SQL:
            found.append((node.lineno, f".{node.func.attr}("))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append((node.lineno, node.value.strip().splitlines()[0][:60]))
    return found


def test_sql_only_in_the_store_and_the_stories_storage():
    outside = [f"{path.relative_to(PACKAGE.parent)}:{line}: {what}"
               for path, tree in modules() if path not in SQL_MODULES
               for line, what in sql_uses(tree)]
    assert outside == [], "SQL outside store.py and stories/storage.py:\n" + "\n".join(outside)


def test_the_sql_check_sees_the_sql_modules_statements():
    # Every statement the two SQL modules run is recognised, so the check above can fail.
    for path in SQL_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and isinstance(node.func, ast.Attribute) and node.func.attr in RUNS_SQL]
        assert len(calls) > 10
        for call in calls:
            first = call.args[0]
            texts = [n.value for n in ast.walk(first) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            assert any(SQL.search(t) for t in texts) or not texts, ast.unparse(first)


def test_no_function_is_longer_than_80_lines():
    long = [f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for path, tree in modules() for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == [], "functions over 80 lines:\n" + "\n".join(long)

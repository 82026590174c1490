"""Limits on nesting for text the app parses from outside (archives, agenda files).

Python's ``json`` and ``tomllib`` recurse once per level of nesting, so a few thousand
``[`` in a hostile file end in ``RecursionError``. ``nesting_depth`` counts the deepest
bracket nesting in one linear pass (brackets inside quoted strings do not count), so the
file can be refused with a clear message before the parser sees it.
"""

from __future__ import annotations

MAX_NESTING = 32


def nesting_depth(text: str, *, toml: bool = False) -> int:
    """The deepest ``[``/``{`` nesting outside quoted strings (JSON, or TOML with ``toml``:
    single-quoted literal strings and ``#`` comments too)."""
    depth = deepest = 0
    quote = ""
    escaped = False
    comment = False
    for ch in text:
        if comment:
            comment = ch != "\n"
            continue
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch == '"' or (toml and ch == "'"):
            quote = ch
        elif toml and ch == "#":
            comment = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
    return deepest


def too_deep(text: str, *, toml: bool = False, limit: int = MAX_NESTING) -> str | None:
    """A message if ``text`` nests deeper than ``limit``; None otherwise."""
    depth = nesting_depth(text, toml=toml)
    if depth > limit:
        return (f"it nests lists or tables {depth} levels deep; at most {limit} are accepted")
    return None

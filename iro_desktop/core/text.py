"""Text as the app stores it: what is trimmed, how a one-line field is collapsed, and the
refusal of a field too long to keep. Every service that saves what the IRO typed uses these.

Qt-free and storage-free.
"""

from __future__ import annotations

import re

from iro_desktop.core.errors import VaultError
from iro_desktop.core.reviews import MAX_TEXT


class TextTooLongError(VaultError):
    code = "text.too_long"


# Only these are trimmed from the ends of a field or collapsed inside a one-line field.
# Python's str.strip() and str.split() would also drop VT, FF and U+001C-U+001F, which
# are kept as typed (exports show them as a visible mark: export/sanitize.py).
TRIM = " \t\r\n"
_RUNS = re.compile("[ \t\r\n]+")


def trim(value: str) -> str:
    return value.strip(TRIM)


def one_line(value: str) -> str:
    """Runs of spaces, tabs and line breaks become one space; nothing else is removed."""
    return _RUNS.sub(" ", value).strip(" ")


def clean_text(value: str, limit: int = MAX_TEXT, what: str = "That text") -> str:
    """Text as stored: any characters, no NUL (SQLite would cut the string there), and
    never longer than ``limit``: longer text is refused with a message, never cut short."""
    if len(value) > limit:
        raise TextTooLongError(
            f"{what} is {len(value):,} characters long; one field holds at most {limit:,}. "
            "Nothing was saved; shorten it and save again. Nothing you typed before was lost.")
    return value.replace("\x00", "\ufffd")


def slug(text: str, limit: int = 40) -> str:
    """Letters, digits and hyphens only, at most ``limit`` characters: a part of a file
    name (a council code, a child reference, a variant), never empty."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:limit].strip("-") or "x"

"""Text made safe for a Word document, and typed text split into paragraphs.

Word documents are XML 1.0, which cannot hold some characters at all: the C0 control
characters other than tab, line feed and carriage return (NUL, bell, escape, form
feed, ...), the non-characters U+FFFE and U+FFFF, and lone (unpaired) surrogates.
:func:`docx_safe` replaces each of them with the visible mark ``"\\u2370"``
(APL FUNCTIONAL SYMBOL QUAD QUESTION, shown as ``⍰``), so the reader can see that
something was there instead of it vanishing silently. Everything else is kept as
typed: emoji, right-to-left text, combining marks, zero-width joiners, non-breaking
spaces, soft hyphens.

Qt-free and python-docx-free: plain strings in, plain strings out.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

REPLACEMENT = "\u2370"  # the visible mark for a character Word cannot hold

# Not allowed in XML 1.0: C0 controls except \t \n \r, lone surrogates, U+FFFE, U+FFFF.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

BULLET_PREFIXES = ("- ", "* ", "\u2022 ")

Kind = Literal["paragraph", "bullet"]


def docx_safe(text: str) -> str:
    """``text`` with every character Word/XML cannot hold replaced by :data:`REPLACEMENT`."""
    if not text:
        return ""
    return _ILLEGAL.sub(REPLACEMENT, text)


def paragraphs(text: str) -> list[tuple[Kind, str]]:
    """Split typed text into ``("paragraph", text)`` and ``("bullet", text)`` pieces.

    Blank lines separate paragraphs; a single newline inside a paragraph stays in its
    text (the document shows a line break there). A line starting with ``"- "``,
    ``"* "`` or ``"\\u2022 "`` is a bullet of its own, its prefix removed. Windows and old
    Mac line endings count as newlines. Whitespace-only text gives an empty list.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[tuple[Kind, str]] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            out.append(("paragraph", "\n".join(current)))
            current.clear()

    for line in lines:
        stripped = line.lstrip()
        if not stripped.strip():
            flush()
            continue
        prefix = next((p for p in BULLET_PREFIXES if stripped.startswith(p)), None)
        if prefix is not None:
            flush()
            out.append(("bullet", stripped[len(prefix):].strip()))
            continue
        current.append(line.rstrip())
    flush()
    return out


def fold(text: str) -> str:
    """Text as compared: NFKC, no format characters, case-folded, white space as one space."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.casefold().split())

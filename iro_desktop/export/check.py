"""The last look at a copy before it leaves the vault: is anything withheld still in it?

A copy is built by leaving out what its recipient may not read
(:class:`iro_desktop.export.variants.View`). This module does not trust that: it opens
the finished .docx and reads every part of it (the body, headers, footers, footnotes,
comments, core, app and custom properties, relationships, and any other text part),
the text of every element and every attribute value, and looks for each thing on the
copy's forbidden list (withheld lines and fields, withheld decisions, the names of
withheld people, addresses the copy does not show). One hit refuses the whole copy.

Matching is forgiving of how Word stores text, not of what it says: compatibility
forms, zero-width characters, case and runs of white space are folded on both sides,
and a match must start and end on a word boundary. Text with fewer than
:data:`MIN_CHECKED` letters or digits ("No.", "-") cannot be told apart from ordinary
words, so it is not searched for; it was still left out by the builder.

python-docx-free (zipfile and lxml, which python-docx already brings).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from iro_desktop.export.sanitize import BULLET_PREFIXES, docx_safe, fold
from iro_desktop.export.variants import Forbidden

MIN_CHECKED = 4
MAX_PART_BYTES = 64 * 1024 * 1024  # a produced part is never near this; refuse beyond it

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_JOIN = {_W + "t", _W + "delText", _W + "instrText"}  # runs of one paragraph: joined
_SPACE = {_W + "tab", _W + "br", _W + "cr", _W + "noBreakHyphen"}
_BREAK = {_W + "p", _W + "tc", _W + "tr"}


class LeakError(ValueError):
    """A produced copy holds something its recipient may not read."""

    user_facing = True

    def __init__(self, message: str, found: list[Forbidden]) -> None:
        super().__init__(message)
        self.found = found


@dataclass(frozen=True, slots=True)
class CheckResult:
    found: list[Forbidden]  # forbidden material present in the copy
    unchecked: int  # forbidden items too short to search for


def _pattern(text: str) -> re.Pattern[str] | None:
    stripped = text.strip()
    for prefix in BULLET_PREFIXES:
        if stripped.startswith(prefix):
            stripped = stripped[len(prefix):]
            break
    words = fold(docx_safe(stripped)).split(" ")
    if sum(ch.isalnum() for ch in "".join(words)) < MIN_CHECKED:
        return None
    body = r"\s*".join(re.escape(w) for w in words if w)
    return re.compile(r"(?<!\w)" + body + r"(?!\w)")


def _part_text(data: bytes) -> str:
    """Every text node and attribute value of one XML part, paragraph by paragraph."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             recover=False, remove_comments=False)
    root = etree.fromstring(data, parser)
    out: list[str] = []
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _BREAK:
            out.append("\n")
        if tag in _JOIN:
            out.append(el.text or "")
        elif tag in _SPACE:
            out.append(" ")
        elif el.text and el.text.strip():
            out.append("\n" + el.text + "\n")
        for value in el.attrib.values():
            if len(value) >= MIN_CHECKED:
                out.append("\n" + value + "\n")
        if el.tail and el.tail.strip() and tag not in _JOIN:
            out.append("\n" + el.tail + "\n")
    return "".join(out)


def document_text(docx: bytes) -> str:
    """All the text a .docx holds, from every part, folded for comparison."""
    pieces: list[str] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(docx))
    except zipfile.BadZipFile:
        raise LeakError("The copy could not be read back to check it, so it was not "
                        "made.", []) from None
    with archive:
        for info in archive.infolist():
            if info.file_size > MAX_PART_BYTES:
                raise LeakError("The copy has a part too large to check, so it was not "
                                "made.", [])
            data = archive.read(info)
            name = info.filename.lower()
            if name.endswith((".xml", ".rels", ".vml")) or data[:5] == b"<?xml":
                try:
                    pieces.append(_part_text(data))
                    continue
                except etree.XMLSyntaxError:
                    pass  # read below as plain text
            try:
                pieces.append(data.decode("utf-8"))
            except UnicodeDecodeError:
                pieces.append(data.decode("utf-16", errors="ignore")
                              if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "")
    return "\n".join(fold(line) for piece in pieces for line in piece.split("\n"))


def check_copy(docx: bytes, forbidden: Iterable[Forbidden]) -> CheckResult:
    """What of ``forbidden`` the finished copy ``docx`` still holds."""
    items = list(forbidden)
    if not items:
        return CheckResult([], 0)
    text = document_text(docx)
    # the document's lines joined with a space, so text split over lines is found too
    joined = " ".join(text.split("\n"))
    found: list[Forbidden] = []
    unchecked = 0
    for item in items:
        pattern = _pattern(item.text)
        if pattern is None:
            unchecked += 1
            continue
        if pattern.search(joined):
            found.append(item)
    return CheckResult(found, unchecked)


def refuse_if_leaking(docx: bytes, forbidden: Iterable[Forbidden], copy_name: str) -> None:
    """Raise :class:`LeakError` naming what was found (never quoting it) if the copy holds
    anything on its forbidden list."""
    result = check_copy(docx, forbidden)
    if not result.found:
        return
    places = list(dict.fromkeys(item.what for item in result.found))
    shown = "; ".join(places[:5]) + (f"; and {len(places) - 5} more" if len(places) > 5 else "")
    raise LeakError(
        f"The {copy_name} was not made: it would contain material withheld from its "
        f"recipient ({shown}). Nothing was saved or put in the outbox. Check that the "
        "same words are not also typed in a part that is not withheld, or withhold "
        "that part too.", result.found)

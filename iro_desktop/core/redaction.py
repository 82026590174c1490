"""Who may read what: recipient groups, the "withhold from" marks, the letter mark.

A review's text can be withheld from a recipient group in two ways:

* a whole field: the field carries the mark ``withhold:<group>`` (kept in the
  ``text_mark`` table, set from the field's menu in the window);
* one paragraph or bullet: the paragraph starts with a visible tag, for example
  ``[withhold from parents]`` or ``[withhold from parents, carers]``. The tag is part
  of the text, so it moves with the paragraph as the IRO edits and is saved by
  autosave like any other keystroke; it can be typed by hand or inserted with the
  window's "Withhold paragraph from..." command.

A group's copy leaves out exactly the fields and paragraphs withheld from it; every
other copy prints the text without the tag. Qt-free and python-docx-free.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Recipient groups of a review record (domain.md section 6), in the order menus show them.
GROUPS: dict[str, str] = {
    "parents": "Parents",
    "child": "The child",
    "carers": "Carers",
    "professionals": "Professionals",
}
# People in the child's network, by role, and the group their copy is for.
ROLE_GROUPS: dict[str, str] = {
    "Parent": "parents",
    "Carer": "carers",
    "Social worker": "professionals",
    "Teacher": "professionals",
    "Health": "professionals",
    "Advocate": "professionals",
    "Personal adviser": "professionals",
}
# Roles whose address is the child's placement: withheld from parents by default when
# the placement address is confidential.
CARER_ROLES = frozenset({"Carer"})

LETTER_MARK = "letter"
WITHHOLD_PREFIX = "withhold:"

_TAG = re.compile(r"\[\s*withhold\s+from\s+([^\]\n]*)\]\s*", re.IGNORECASE)
_BULLET = re.compile(r"^(\s*(?:[-*\u2022]\s+)?)")


class RedactionError(ValueError):
    user_facing = True  # the window shows the message as it is


def group_key(text: str) -> str:
    """A group as typed ("Parents", "parent", "the child") -> its key ("parents")."""
    word = " ".join(text.strip().lower().split())
    word = word.removeprefix("the ")
    for key, label in GROUPS.items():
        if word in (key, key.rstrip("s"), label.lower(), label.lower().removeprefix("the ")):
            return key
    raise RedactionError(f"unknown recipient group {text.strip()!r}: use one of "
                         f"{', '.join(GROUPS)}")


def withhold_mark(group: str) -> str:
    return WITHHOLD_PREFIX + group_key(group)


def marked_groups(marks: Iterable[str]) -> set[str]:
    return {m.removeprefix(WITHHOLD_PREFIX) for m in marks if m.startswith(WITHHOLD_PREFIX)}


def tag(groups: Iterable[str]) -> str:
    keys = sorted({group_key(g) for g in groups}, key=list(GROUPS).index)
    return f"[withhold from {', '.join(keys)}] "


def _split_tag(line: str) -> tuple[str, set[str], str] | None:
    """``(bullet prefix, groups, rest)`` when ``line`` starts (after any bullet) with a tag."""
    prefix = _BULLET.match(line).group(1)  # type: ignore[union-attr]
    match = _TAG.match(line, len(prefix))
    if match is None:
        return None
    groups: set[str] = set()
    for part in re.split(r",|\band\b|&", match.group(1)):
        if part.strip():
            try:
                groups.add(group_key(part))
            except RedactionError:
                groups.add(part.strip().lower())  # unknown: withheld from that name only
    return prefix, groups, line[match.end():]


def _blocks(text: str) -> list[list[str]]:
    """Lines grouped as :func:`iro_desktop.export.sanitize.paragraphs` groups them:
    blank lines separate, and a bullet line is a block of its own (blank lines kept as
    one-line blocks so the text can be rebuilt)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        stripped = line.strip()
        is_bullet = bool(re.match(r"^\s*[-*\u2022]\s+", line))
        if not stripped or is_bullet:
            if current:
                blocks.append(current)
                current = []
            blocks.append([line])
            continue
        current.append(line)
    if current:
        blocks.append(current)
    return blocks


def paragraph_groups(text: str) -> list[tuple[str, set[str]]]:
    """Each paragraph's first line and the groups it is withheld from (tagged ones only)."""
    out = []
    for block in _blocks(text):
        found = _split_tag(block[0])
        if found is not None:
            out.append((found[2], found[1]))
    return out


def for_group(text: str, group: str | None) -> str:
    """``text`` as ``group``'s copy shows it: paragraphs withheld from the group left out,
    every other tag removed. ``group=None`` (the council's full record) keeps every
    paragraph and removes the tags."""
    key = group_key(group) if group else None
    kept: list[str] = []
    for block in _blocks(text):
        found = _split_tag(block[0])
        if found is not None:
            prefix, groups, rest = found
            if key is not None and key in groups:
                continue
            block = [prefix + rest, *block[1:]]
        kept.extend(block)
    return "\n".join(kept)


def withheld_from(text: str) -> set[str]:
    """Every group some paragraph of ``text`` is withheld from."""
    out: set[str] = set()
    for _first, groups in paragraph_groups(text):
        out |= groups
    return out


def toggle_paragraph_tag(text: str, position: int, group: str) -> tuple[str, int]:
    """Add ``group`` to (or remove it from) the tag of the paragraph holding character
    ``position``; returns the new text and the cursor position moved with the edit."""
    key = group_key(group)
    lines = text.split("\n")
    # the line holding the position, then back to the first line of its paragraph
    start, offset = len(lines) - 1, 0
    for number, line in enumerate(lines):
        if position <= offset + len(line):
            start = number
            break
        offset += len(line) + 1
    while (start > 0 and lines[start].strip() and lines[start - 1].strip()
           and not re.match(r"^\s*[-*\u2022]\s+", lines[start])):
        start -= 1
    line = lines[start]
    found = _split_tag(line)
    if found is None:
        prefix = _BULLET.match(line).group(1)  # type: ignore[union-attr]
        groups, rest = set(), line[len(prefix):]
    else:
        prefix, groups, rest = found
    groups = set(groups) ^ {key}
    new_line = prefix + (tag(g for g in groups if g in GROUPS) if groups else "") + rest
    lines[start] = new_line
    new_text = "\n".join(lines)
    line_start = sum(len(x) + 1 for x in lines[:start])
    delta = len(new_line) - len(line)
    moved = position + delta if position >= line_start else position
    return new_text, max(0, min(moved, len(new_text)))

"""Who may read what: recipients, the "withhold from" marks, the letter mark.

Withholding is data kept beside the text, never text parsed out of it:

* **a line** of a text field (what the IRO sees between two Enters) carries the set of
  recipients it is withheld from (:data:`LineMarks`, stored with the text in the same
  row, so a line and its marks are always written together);
* **a whole field** carries ``withhold:<recipient>`` marks (``text_mark`` table);
* **a decision or a person** carries recipients in the child's own ``withholding``
  table, so a mark follows the decision or person into every later review, the letter,
  the decisions-only copy and the updates of earlier decisions.

A recipient is a group key (:data:`GROUPS`) or one person of the child's network,
``person:<id>``. A copy made for one person leaves out what is withheld from them and
from their group; a person whose role belongs to no group gets what is withheld from
*any* group left out too (when unsure, withhold).

Text that looks like the old typed tags (``[withhold from parents]``, misspelt, in
full-width brackets, after a zero-width space, ...) is no longer read as a mark: it
stops an export with a message naming the field and line (:func:`tag_like_lines`), so a
tag the IRO believes works can never be printed instead of withheld.

Qt-free and python-docx-free.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Recipient groups of a review record (domain.md section 6), in the order menus show them.
GROUPS: dict[str, str] = {
    "parents": "Parents",
    "child": "The child",
    "carers": "Carers",
    "professionals": "Professionals",
}
# People in the child's network, by role, and the group their copy is for.
ROLE_GROUPS: dict[str, str] = {
    "Child": "child",  # the child in their own network: their copy is the letter
    "Parent": "parents",
    "Carer": "carers",
    "Social worker": "professionals",
    "Teacher": "professionals",
    "Health": "professionals",
    "Advocate": "professionals",
    "Personal adviser": "professionals",
}
# Roles whose address is the child's placement: withheld from parents when the
# placement address is confidential, even where the IRO shares the address otherwise.
CARER_ROLES = frozenset({"Carer"})

LETTER_MARK = "letter"
WITHHOLD_PREFIX = "withhold:"
PERSON_PREFIX = "person:"

# A line's marks: line index (0-based, lines split on "\n") -> recipients.
LineMarks = dict[int, frozenset[str]]

# Bounds on what a stored marks value may hold (a tampered or hostile value is refused).
MAX_MARKED_LINES = 100_000
MAX_RECIPIENTS_PER_LINE = 64


class RedactionError(ValueError):
    user_facing = True  # the window shows the message as it is


# ---- recipients --------------------------------------------------------------------


def group_key(text: str) -> str:
    """A group as typed ("Parents", "parent", "the child") -> its key ("parents")."""
    word = " ".join(str(text).strip().lower().split())
    word = word.removeprefix("the ")
    for key, label in GROUPS.items():
        if word in (key, key.rstrip("s"), label.lower(), label.lower().removeprefix("the ")):
            return key
    raise RedactionError(f"unknown recipient group {str(text).strip()!r}: use one of "
                         f"{', '.join(GROUPS)}, or person:<id> for one person")


def person_recipient(person_id: int) -> str:
    return f"{PERSON_PREFIX}{int(person_id)}"


def person_id_of(recipient: str) -> int | None:
    """``"person:12"`` -> 12; ``None`` for a group."""
    if recipient.startswith(PERSON_PREFIX):
        digits = recipient[len(PERSON_PREFIX):]
        if digits.isascii() and digits.isdigit():
            return int(digits)
    return None


def recipient_key(text: str) -> str:
    """A recipient as typed: a group ("Parents") or one person ("person:12")."""
    raw = " ".join(str(text).strip().lower().split())
    if raw.startswith(PERSON_PREFIX):
        pid = person_id_of(raw.replace(" ", ""))
        if pid is None:
            raise RedactionError(f"{text!r} is not a person: use person:<id>, the id shown "
                                 "in the review's network")
        return person_recipient(pid)
    return group_key(raw)


def withhold_mark(recipient: str) -> str:
    return WITHHOLD_PREFIX + recipient_key(recipient)


def marked_groups(marks: Iterable[str]) -> set[str]:
    """The recipients named by ``withhold:<recipient>`` marks (groups and people)."""
    return {m.removeprefix(WITHHOLD_PREFIX) for m in marks if m.startswith(WITHHOLD_PREFIX)}


@dataclass(frozen=True, slots=True)
class Recipient:
    """Whom one copy is for: the council (everything), a group, or one person."""

    group: str | None  # None: the council's own record
    person_id: int | None = None
    # a person whose role is in no group: what is withheld from any group is left out
    all_groups: bool = False

    @property
    def is_council(self) -> bool:
        return self.group is None and self.person_id is None

    @property
    def key(self) -> str | None:
        """How variants name it: "parents", "person:12"; None for the council."""
        if self.person_id is not None:
            return person_recipient(self.person_id)
        return self.group

    def excluded_by(self, recipients: Iterable[str]) -> bool:
        """Whether something withheld from ``recipients`` is left out of this copy."""
        if self.is_council:
            return False
        marks = set(recipients)
        if not marks:
            return False
        if self.person_id is not None and person_recipient(self.person_id) in marks:
            return True
        if self.group is not None and self.group in marks:
            return True
        if self.all_groups and marks & set(GROUPS):
            return True
        return False


def recipient_for(key: str | None, roles: Mapping[int, str] | None = None) -> Recipient:
    """The :class:`Recipient` of a copy named ``key`` ("parents", "person:12", None).

    ``roles`` maps person ids of the child's network to their roles; a person not in it
    is refused (a copy is never made for someone the record does not know)."""
    if key is None:
        return Recipient(None)
    pid = person_id_of(key)
    if pid is None:
        return Recipient(group_key(key))
    if roles is None or pid not in roles:
        raise RedactionError(f"person {pid} is not in this child's network")
    group = ROLE_GROUPS.get(roles[pid])
    return Recipient(group, pid, all_groups=group is None)


# ---- line marks: stored beside the text ---------------------------------------------


def clean_line_marks(marks: Mapping[int, Iterable[str]] | None, text: str) -> LineMarks:
    """Marks checked against ``text``: recipients normalised, empty sets dropped.

    A mark on a line the text does not have is refused (the text and its marks are
    always saved together, so a mismatch means a bug or a damaged value)."""
    if not marks:
        return {}
    lines = text.count("\n") + 1
    if len(marks) > MAX_MARKED_LINES:
        raise RedactionError("too many marked lines")
    out: LineMarks = {}
    for index, recipients in marks.items():
        if not isinstance(index, int) or isinstance(index, bool):
            raise RedactionError(f"line {index!r} is not a line number")
        if not 0 <= index < lines:
            raise RedactionError(f"a mark names line {index + 1}, but the text has "
                                 f"{lines} line{'s' if lines != 1 else ''}")
        names = [recipients] if isinstance(recipients, str) else list(recipients)
        if len(names) > MAX_RECIPIENTS_PER_LINE:
            raise RedactionError("too many recipients on one line")
        keys = frozenset(recipient_key(r) for r in names)
        if keys:
            out[index] = keys
    return out


def encode_line_marks(marks: Mapping[int, Iterable[str]]) -> str:
    """Marks as stored: '' when there are none, else JSON ``{"3": ["parents"]}``."""
    items = {str(i): sorted(r) for i, r in sorted(marks.items()) if r}
    return json.dumps(items, separators=(",", ":"), sort_keys=True) if items else ""


def decode_line_marks(value: str | None, text: str) -> LineMarks:
    """Stored marks back; a damaged value raises :class:`RedactionError` (never ignored)."""
    if not value:
        return {}
    try:
        raw = json.loads(value)
    except (ValueError, RecursionError):
        raise RedactionError("the withholding marks of a field cannot be read") from None
    if not isinstance(raw, dict):
        raise RedactionError("the withholding marks of a field cannot be read")
    try:
        parsed = {int(k): v for k, v in raw.items()}
    except (TypeError, ValueError):
        raise RedactionError("the withholding marks of a field cannot be read") from None
    for v in parsed.values():
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise RedactionError("the withholding marks of a field cannot be read")
    return clean_line_marks(parsed, text)


@dataclass(frozen=True, slots=True)
class MarkedText:
    """A text field's value with its line marks: what the editor hands to autosave."""

    text: str
    marks: Mapping[int, frozenset[str]] = field(default_factory=dict)


def lines_of(text: str) -> list[str]:
    """The lines the IRO sees (split on "\\n" only: the editor's own line breaks)."""
    return text.split("\n")


# ---- old typed tags ---------------------------------------------------------------

# Brackets of every width and style folded to "[" / "]" before looking for a tag.
_BRACKETS = str.maketrans({c: "[" for c in "([{<\uff08\uff3b\uff5b\uff1c\u3010\u3014\u3008"
                           "\u300a\u300c\u300e\u2329\u27e8\u2039\u00ab\ufe59\ufe5b\ufe5d"}
                          | {c: "]" for c in ")]}>\uff09\uff3d\uff5d\uff1e\u3011\u3015\u3009"
                             "\u300b\u300d\u300f\u232a\u27e9\u203a\u00bb\ufe5a\ufe5c\ufe5e"})
_WORD = re.compile(r"[a-z]+")
# The stems a typed tag starts with; a word within two edits of one counts ("withold").
_TAG_WORDS = ("withhold", "withheld", "redact", "redacted", "withholding")
# Exactly the tag the first release read, for migrating stored text to marks.
_OLD_TAG = re.compile(r"\[\s*withhold\s+from\s+([^\]\n]*)\]\s*", re.IGNORECASE)
_BULLET = re.compile(r"^(\s*(?:[-*\u2022]\s+)?)")


def _fold(text: str) -> str:
    """Compatibility-folded, lower case, without zero-width and other format characters,
    brackets of every kind as ASCII square brackets."""
    if not text.isascii():  # ASCII is its own NFKC form and holds no format character
        text = unicodedata.normalize("NFKC", text)
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.translate(_BRACKETS).casefold()


def _edits(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein distance of two short words, capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)


def _tag_word(word: str) -> bool:
    if len(word) < 5:
        return False
    return any(word.startswith(stem) or _edits(word[:len(stem)], stem) <= 2
               for stem in _TAG_WORDS)


def tag_like(line: str) -> bool:
    """Whether ``line`` holds text that looks like a typed withholding tag.

    A bracket of any kind followed by a word like "withhold", "withheld" or "redact"
    (two typing mistakes allowed), or a line starting with such a word and "from"."""
    folded = _fold(line)
    for match in re.finditer(r"\[", folded):
        words = _WORD.findall(folded[match.end():match.end() + 40])[:3]
        head = folded[match.end():].lstrip(" \t:-*.")
        if not words or not head.startswith(words[0]):
            continue
        # "withhold", and the same typed with spaces inside ("with hold", "w/hold")
        if any(_tag_word("".join(words[:n])) for n in (1, 2, 3)):
            return True
    start = re.match(r"^[\s\-*\u2022]*([a-z]+)\s*:?\s*(from|frm|fom|form)\b", folded)
    return bool(start and _tag_word(start.group(1)))


def tag_like_lines(text: str) -> list[int]:
    """The (0-based) lines of ``text`` holding tag-like text."""
    return [i for i, line in enumerate(lines_of(text)) if tag_like(line)]


def _old_tag_groups(body: str) -> set[str] | None:
    """The groups of an old tag's body, or None when any part names no known group."""
    groups: set[str] = set()
    for part in re.split(r",|\band\b|&", body):
        if part.strip():
            try:
                groups.add(group_key(part))
            except RedactionError:
                return None
    return groups or None


def migrate_tags(text: str) -> tuple[str, LineMarks]:
    """Old typed tags turned into line marks (migration 0005).

    A tag at the start of a line (after any bullet) marks that line and the rest of its
    paragraph (up to the next blank line or bullet) and is removed. A tag naming anything
    that is not a group, or standing mid-line, is left in the text, so the export stops
    at it and says where."""
    lines = lines_of(text)
    marks: dict[int, set[str]] = {}
    block: list[int] = []
    blocks: list[list[int]] = []
    for number, line in enumerate(lines):
        if not line.strip() or re.match(r"^\s*[-*\u2022]\s+", line):
            if block:
                blocks.append(block)
            block = []
            if line.strip():
                blocks.append([number])
            continue
        block.append(number)
    if block:
        blocks.append(block)
    for block in blocks:
        # A tag at the start of a line (after any bullet) withholds that line and the
        # rest of its paragraph: the first release read it only on a paragraph's first
        # line and printed it elsewhere, so where it stood the IRO meant to withhold.
        withheld: set[str] = set()
        for number in block:
            line = lines[number]
            prefix = _BULLET.match(line).group(1)  # type: ignore[union-attr]
            match = _OLD_TAG.match(line, len(prefix))
            if match is not None:
                groups = _old_tag_groups(match.group(1))
                if groups is not None:
                    lines[number] = prefix + line[match.end():]
                    withheld |= groups
            if withheld:
                marks.setdefault(number, set()).update(withheld)
    return "\n".join(lines), {k: frozenset(v) for k, v in marks.items()}

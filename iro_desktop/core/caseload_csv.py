"""Parse and validate a council's caseload CSV, all or nothing.

``parse_caseload`` never raises for bad content: every problem becomes an
:class:`ImportIssue` (physical line, CSV column, plain-English message) in
``CaseloadFile.errors``. When there is any error, ``rows`` and ``councils`` are
left empty so a caller cannot import part of a file by mistake.

The format is documented for councils in ``docs/caseload-csv.md``. Qt-free, no storage.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from iro_desktop.core.codes import GENDER, LEGAL_STATUS, PLACEMENT_TYPE, CodeTable, codes_text
from iro_desktop.core.models import ChildRecord, Nation, carer_list
from iro_desktop.core.records import RELATIONSHIP_MAX

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_ISSUES = 500  # errors (and, separately, warnings) listed before "... and N more"
MAX_REVIEWS = 200
ADULT_AGE = 18

REQUIRED_COLUMNS: tuple[str, ...] = (
    "council_code", "council_name", "child_ref", "first_name", "last_name", "date_of_birth",
    "gender", "legal_status", "placement_type", "date_became_looked_after", "reviews_held",
)
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "preferred_name", "last_review_date", "social_worker", "notes", "nation", "end_date",
    "carers",
)
MAX_LENGTH: dict[str, int] = {
    "council_name": 200, "child_ref": 40, "first_name": 100, "last_name": 100,
    "preferred_name": 100, "social_worker": 100, "notes": 4000, "carers": 1000,
}

_SAVE_AS = 'save it from your spreadsheet as "CSV UTF-8 (Comma delimited)"'
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_SHORT_YEAR = re.compile(r"\d{1,2}/\d{1,2}/\d{2}", re.ASCII)
_WHOLE = re.compile(r"[+-]?\d+", re.ASCII)
_COUNCIL_CODE = re.compile(r"[A-Za-z0-9]{2,10}", re.ASCII)
# Surrounding whitespace we trim: ordinary and no-break spaces, tabs, line breaks.
_TRIM = " \t\r\n\u00a0\u2007\u202f\u3000"


@dataclass(frozen=True, slots=True)
class ImportIssue:
    """One problem in the file. ``line`` 0 means the file as a whole."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line else []
        if self.column:
            where.append(self.column)
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class ParsedCouncil:
    code: str
    name: str
    nation: Nation | None  # None when the file has no nation for it


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int
    council_code: str
    record: ChildRecord
    ended: date | None = None  # the child left the IRO's caseload on this day (end_date)


@dataclass
class CaseloadFile:
    rows: list[ParsedRow] = field(default_factory=list)
    councils: dict[str, ParsedCouncil] = field(default_factory=dict)
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    columns: frozenset[str] = frozenset()  # the known columns the file has

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_caseload_file(path: str | os.PathLike[str], *, today: date | None = None) -> CaseloadFile:
    """Read and parse ``path``, refusing files over the size cap before reading them.

    OSError (missing file, no permission) propagates: it is not about the content.
    """
    path = Path(path)
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        return CaseloadFile(errors=[ImportIssue(0, None, "this is not an ordinary file")])
    if info.st_size > MAX_FILE_BYTES:
        return CaseloadFile(errors=[_too_big(info.st_size)])
    with path.open("rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    return parse_caseload(data, today=today or date.today())


def parse_caseload(data: bytes, *, today: date) -> CaseloadFile:
    """Parse a caseload CSV; see ``CaseloadFile.ok`` / ``errors`` for the verdict."""
    result = CaseloadFile()
    text = _decode(data, result.errors)
    if text is not None:
        records = _read_records(text, result.errors)
        if records is not None:
            _Validator(result, today).run(records)
    result.errors = _capped(sorted(result.errors, key=lambda i: i.line), "errors")
    result.warnings = _capped(sorted(result.warnings, key=lambda i: i.line), "warnings")
    if result.errors:
        result.rows, result.councils = [], {}
    return result


MAX_PATTERN_LENGTH = 200
# A reference pattern is the IRO's own regular expression, matched with the ``regex``
# module's time limit: a pattern with nested repeats (``(a+)+``) can otherwise backtrack
# for minutes while the import holds the vault.
PATTERN_TIME_LIMIT = 0.05  # seconds per reference
_SLOW_PROBES = tuple(ch * 40 + "!" for ch in "aA0-") + ("A1" * 20 + "!",)


def _slow_pattern_message(pattern: str) -> str:
    return (f"the council's reference pattern {pattern!r} takes too long to check (nested "
            "repeats such as (a+)+ can run for minutes); write it without a repeat inside a "
            "repeat, e.g. [A-Z]{2}[0-9]{6}")


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used as a reference pattern (invalid, too long, or so slow
    on a few short probes that real references could hang an import); None if usable."""
    import regex

    if not pattern:
        return None
    if len(pattern) > MAX_PATTERN_LENGTH:
        return (f"the reference pattern is {len(pattern)} characters long; at most "
                f"{MAX_PATTERN_LENGTH} are accepted")
    try:
        compiled = regex.compile(pattern, regex.VERSION0)
    except (regex.error, RecursionError, OverflowError) as exc:
        return f"the council's reference pattern {pattern!r} is not valid ({exc})"
    for probe in _SLOW_PROBES:
        try:
            compiled.fullmatch(probe, timeout=PATTERN_TIME_LIMIT)
        except TimeoutError:
            return _slow_pattern_message(pattern)
    return None


class ReferenceCheck:
    """One council's pattern, compiled once; ``problem(ref)`` for each reference. After one
    reference takes too long, or if the pattern is unusable, ``too_slow`` is set and the
    caller tries no more, so a whole file costs at most one time limit."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.invalid = pattern_problem(pattern) if pattern else None
        self.too_slow = False
        self._compiled = None
        if pattern and self.invalid is None:
            import regex

            self._compiled = regex.compile(pattern, regex.VERSION0)

    def problem(self, ref: str) -> str | None:
        if not self.pattern:
            return None
        if self.invalid is not None:
            self.too_slow = True  # the pattern cannot be used: said once, not per row
            return self.invalid
        if self.too_slow:
            return _slow_pattern_message(self.pattern)
        assert self._compiled is not None
        try:
            if self._compiled.fullmatch(ref, timeout=PATTERN_TIME_LIMIT):
                return None
        except TimeoutError:
            self.too_slow = True
            return _slow_pattern_message(self.pattern)
        return (f"child_ref {_show(ref)} does not match this council's reference pattern "
                f"{self.pattern!r}")


def reference_problem(ref: str, pattern: str) -> str | None:
    """Why ``ref`` does not fit the council's reference ``pattern`` (a regular expression the
    whole reference must match, checked with a time limit), or None when it fits or there
    is no pattern."""
    return ReferenceCheck(pattern).problem(ref) if pattern else None


# --- bytes -> text -> records -------------------------------------------------------

def _too_big(size: int) -> ImportIssue:
    return ImportIssue(0, None, f"the file is {size / 1024 / 1024:.1f} MB; the largest caseload "
                                f"file accepted is {MAX_FILE_BYTES // 1024 // 1024} MB")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode(data: bytes, errors: list[ImportIssue]) -> str | None:
    if len(data) > MAX_FILE_BYTES:
        errors.append(_too_big(len(data)))
        return None
    not_utf8 = f"the file is not UTF-8 text; {_SAVE_AS} and try again"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        errors.append(ImportIssue(0, None, not_utf8))
        return None
    nul = data.find(b"\x00")
    if nul >= 0:
        errors.append(ImportIssue(_line_of(data, nul), None,
                                  "the file contains a NUL (zero) byte, so it is not a text CSV "
                                  f"file; {_SAVE_AS}"))
        return None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        errors.append(ImportIssue(_line_of(data, exc.start), None, not_utf8))
        return None


def _read_records(text: str, errors: list[ImportIssue]) -> list[tuple[int, list[str]]] | None:
    """(first physical line, fields) for each non-blank record, header included."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    end = 0
    try:
        for fields in reader:
            start, end = end + 1, reader.line_num
            if not fields:
                continue
            records.append((start, fields))
            if len(records) > MAX_ROWS + 1:
                errors.append(ImportIssue(start, None, f"the file has more than {MAX_ROWS:,} "
                                          "rows; split it into smaller files"))
                return None
    except csv.Error as exc:
        errors.append(_csv_issue(str(exc), end + 1, reader.line_num))
        return None
    return records


def _csv_issue(reason: str, start: int, current: int) -> ImportIssue:
    if "unexpected end of data" in reason:
        return ImportIssue(start, None, "a quoted value starting on this line is never closed: "
                                        'a closing " (double quote) is missing')
    if "field limit" in reason:
        return ImportIssue(start, None, f"a value is longer than {csv.field_size_limit():,} "
                                        "characters, far beyond any field's limit")
    if "expected after" in reason:
        return ImportIssue(current, None, 'a quoted value has text after its closing " - a " '
                                          'inside a quoted value must be written twice ("")')
    return ImportIssue(current, None, f"the file could not be read as CSV ({reason})")


# --- field helpers -----------------------------------------------------------------

def _show(value: str, limit: int = 40) -> str:
    """A value safe to echo in a message: quoted, short, invisible characters escaped."""
    shown = value if len(value) <= limit else value[:limit] + "..."
    return "'" + "".join(ch if ch.isprintable() else f"\\u{ord(ch):04X}" for ch in shown) + "'"


def _bad_character(value: str, *, multiline: bool) -> str | None:
    """Why ``value`` is unacceptable because of one character, or None."""
    for pos, ch in enumerate(value, start=1):
        o = ord(ch)
        if ch in "\n\r\t":
            if multiline:
                continue
            what = "a tab" if ch == "\t" else "a line break"
            return f"contains {what} (character {pos}); only notes may contain tabs or line breaks"
        if ch in "\u2028\u2029":
            return (f"contains a Unicode line separator (U+{o:04X}, character {pos}); "
                    "use an ordinary line break in notes, and none elsewhere")
        if o < 0x20 or 0x7F <= o <= 0x9F:
            return f"contains an invisible control character (U+{o:04X}, character {pos})"
        if 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069:
            return (f"contains an invisible text-direction character (U+{o:04X}, character {pos}) "
                    "that can make text display misleadingly; remove it")
        if 0xFDD0 <= o <= 0xFDEF or (o & 0xFFFE) == 0xFFFE or 0xD800 <= o <= 0xDFFF:
            return f"contains U+{o:04X} (character {pos}), which is not a valid character"
    return None


def _format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _parse_date(value: str) -> tuple[date | None, str | None]:
    """(date, None) or (None, reason)."""
    match = _DMY.fullmatch(value)
    parts = (match.group(3), match.group(2), match.group(1)) if match else None
    if parts is None and (match := _ISO.fullmatch(value)):
        parts = (match.group(1), match.group(2), match.group(3))
    if parts is None:
        if _SHORT_YEAR.fullmatch(value):
            return None, f"{_show(value)} has a two-digit year; write the year in full (dd/mm/yyyy)"
        return None, f"{_show(value)} is not a date; write dates as dd/mm/yyyy (e.g. 24/11/2026)"
    try:
        parsed = date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None, f"{value} is not a real date"
    if parsed.year < 1900:
        return None, f"{value} is before 1900; check the year"
    return parsed, None


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _norm_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def _capped(issues: list[ImportIssue], noun: str) -> list[ImportIssue]:
    if len(issues) <= MAX_ISSUES:
        return issues
    extra = len(issues) - MAX_ISSUES
    return issues[:MAX_ISSUES] + [ImportIssue(0, None, f"... and {extra:,} more {noun}")]


# --- validation --------------------------------------------------------------------

class _Validator:
    def __init__(self, result: CaseloadFile, today: date) -> None:
        self.result = result
        self.today = today
        self.columns: dict[str, int] = {}
        self.width = 0
        self.seen_refs: dict[tuple[str, str], int] = {}
        self.council_names: dict[str, tuple[str, int]] = {}
        self.nations: dict[str, tuple[Nation, int]] = {}
        self.codes_by_name: dict[str, dict[str, int]] = {}
        # per-row state
        self.line = 0
        self.fields: list[str] = []
        self.row_ok = True

    # -- issue helpers
    def error(self, column: str | None, message: str) -> None:
        self.result.errors.append(ImportIssue(self.line, column, message))
        self.row_ok = False

    def warn(self, column: str | None, message: str) -> None:
        self.result.warnings.append(ImportIssue(self.line, column, message))

    # -- file structure
    def run(self, records: list[tuple[int, list[str]]]) -> None:
        if not records:
            self.result.errors.append(ImportIssue(1, None, "the file has no children in it"))
            return
        if not self._header(*records[0]):
            return
        for line, fields in records[1:]:
            self.line, self.fields, self.row_ok = line, fields, True
            self._row()
        if not self.result.rows and not self.result.errors:
            self.line = records[0][0]
            self.error(None, "the file has no children in it")
        self.result.councils = self._councils()
        self.result.columns = frozenset(self.columns) & (
            set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS))

    def _header(self, line: int, header: list[str]) -> bool:
        self.line, self.width = line, len(header)
        known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
        for position, raw in enumerate(header, start=1):
            name = raw.replace("\ufeff", "").strip(_TRIM).lower()
            if not name:
                self.warn(None, f"column {position} has no heading; it is ignored")
            elif name in self.columns:
                self.error(name, f"the column {name} appears twice (columns "
                                 f"{self.columns[name] + 1} and {position})")
            else:
                self.columns[name] = position - 1
                if name not in known:
                    self.warn(name, f"unknown column {_show(name)} is ignored")
        missing = [c for c in REQUIRED_COLUMNS if c not in self.columns]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            message = f"missing required column{plural}: {', '.join(missing)}"
            if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
                message += f" (the values seem to be separated by semicolons or tabs; {_SAVE_AS})"
            self.error(None, message)
        return self.row_ok

    def _row(self) -> None:
        if all(not f.strip(_TRIM) for f in self.fields):
            self.warn(None, "empty row ignored")
            return
        if len(self.fields) != self.width:
            self.error(None, f"this row has {len(self.fields)} values but the header has "
                             f"{self.width} columns; check for a stray comma or a missing quote")
            return
        code = self._council_code()
        council_name = self.text_field("council_name", required=True)
        ref = self.text_field("child_ref", required=True)
        first = self.text_field("first_name", required=True)
        last = self.text_field("last_name", required=True)
        preferred = self.text_field("preferred_name")
        born = self.date_field("date_of_birth", required=True)
        gender = self.code_field("gender", GENDER)
        legal = self.code_field("legal_status", LEGAL_STATUS)
        placement = self.code_field("placement_type", PLACEMENT_TYPE)
        started = self.date_field("date_became_looked_after", required=True)
        last_review = self.date_field("last_review_date")
        reviews = self._reviews_held()
        worker = self.text_field("social_worker")
        notes = self.text_field("notes", multiline=True)
        carers = self._carers()
        nation = self._nation()
        ended = self.date_field("end_date")
        self._cross_field(born, started, last_review, reviews)
        self._end_date(ended, started)
        self._cross_row(code, council_name, ref, nation)
        if not self.row_ok or code is None:
            return
        assert born and started and reviews is not None and gender and legal and placement
        record = ChildRecord(
            child_ref=ref, first_name=first, last_name=last, preferred_name=preferred,
            date_of_birth=born, gender=gender, legal_status=legal, placement_type=placement,
            date_became_looked_after=started, reviews_held=reviews,
            last_review_date=last_review, social_worker=worker, notes=notes, carers=carers)
        self.result.rows.append(ParsedRow(self.line, code, record, ended))

    def _carers(self) -> str:
        """``Name (relationship); ...``, kept in that form with the spacing tidied."""
        value = self.text_field("carers")
        try:
            carers = carer_list(value)
        except ValueError as error:
            self.error("carers", str(error))
            return ""
        for name, relationship in carers:
            if len(name) > 200 or len(relationship) > RELATIONSHIP_MAX:
                self.error("carers", "a carer's name is at most 200 characters and the "
                                     f"relationship at most {RELATIONSHIP_MAX}")
                return ""
        return "; ".join(f"{n} ({r})" if r else n for n, r in carers)

    # -- single fields
    def raw(self, column: str) -> str:
        index = self.columns.get(column)
        return "" if index is None else self.fields[index].strip(_TRIM)

    def text_field(self, column: str, *, required: bool = False, multiline: bool = False) -> str:
        value = self.raw(column)
        if not value:
            if required:
                self.error(column, f"{column} is required but empty")
            return ""
        limit = MAX_LENGTH.get(column, 200)
        problem = _bad_character(value, multiline=multiline)
        if not problem and len(value) > limit:
            problem = f"{column} is {len(value):,} characters long; the most allowed is {limit:,}"
        if problem:
            self.error(column, problem)
            return ""  # so that cross-row checks skip it
        return value

    def date_field(self, column: str, *, required: bool = False) -> date | None:
        value = self.raw(column)
        if not value:
            if required:
                self.error(column, f"{column} is required but empty")
            return None
        parsed, problem = _parse_date(value)
        if problem:
            self.error(column, problem)
        return parsed

    def code_field(self, column: str, table: CodeTable) -> str | None:
        value = self.raw(column)
        if not value:
            self.error(column, f"{column} is required but empty")
            return None
        if value.upper() not in table:
            self.error(column, f"unknown {table.name} code {_show(value)} "
                               f"(expected one of {codes_text(table)})")
            return None
        return value.upper()

    def _council_code(self) -> str | None:
        value = self.raw("council_code")
        if value and _COUNCIL_CODE.fullmatch(value):
            return value.upper()
        self.error("council_code", "council_code is required but empty" if not value else
                   f"council code {_show(value)} must be 2 to 10 letters or digits (e.g. NBK)")
        return None

    def _reviews_held(self) -> int | None:
        value = self.raw("reviews_held")
        if value and _WHOLE.fullmatch(value) and 0 <= int(value) <= MAX_REVIEWS:
            return int(value)
        if not value:
            problem = "reviews_held is required but empty (use 0 if none yet)"
        elif not _WHOLE.fullmatch(value):
            problem = f"{_show(value)} is not a whole number"
        else:
            problem = f"reviews held must be from 0 to {MAX_REVIEWS}, not {int(value)}"
        self.error("reviews_held", problem)
        return None

    def _nation(self) -> Nation | None:
        value = self.raw("nation")
        if not value:
            return None
        try:
            return Nation.parse(value)
        except ValueError:
            self.error("nation", f"unknown nation {_show(value)}: use England or Wales")
            return None

    # -- rules across fields and rows
    def _cross_field(self, born: date | None, started: date | None,
                     last_review: date | None, reviews: int | None) -> None:
        today = _format_date(self.today)
        if born and born > self.today:
            self.error("date_of_birth", f"date of birth {_format_date(born)} is in the future "
                                        f"(today is {today})")
        if born and started and born > started:
            self.error("date_of_birth", f"date of birth {_format_date(born)} is after the date "
                                        f"became looked after {_format_date(started)}")
        if started and started > self.today:
            self.error("date_became_looked_after", f"date became looked after "
                       f"{_format_date(started)} is in the future (today is {today})")
        if last_review and started and last_review < started:
            self.error("last_review_date", f"last review date {_format_date(last_review)} is "
                       f"before the date became looked after {_format_date(started)}")
        if last_review and last_review > self.today:
            self.error("last_review_date", f"last review date {_format_date(last_review)} is in "
                                           f"the future (today is {today})")
        last_review_given = bool(self.raw("last_review_date"))
        if reviews and not last_review_given:
            self.error("last_review_date", f"reviews held is {reviews} but there is no last "
                                           "review date")
        if reviews == 0 and last_review_given:
            self.error("reviews_held", "reviews held is 0 but a last review date is given")
        if born and born <= self.today and _age_on(born, self.today) >= ADULT_AGE:
            self.warn("date_of_birth", f"child is aged {_age_on(born, self.today)} (born "
                      f"{_format_date(born)}); care normally ends at {ADULT_AGE}")

    def _end_date(self, ended: date | None, started: date | None) -> None:
        if ended and ended > self.today:
            self.error("end_date", f"end date {_format_date(ended)} is in the future (today is "
                                   f"{_format_date(self.today)}); send the child without an end "
                                   "date until then")
        if ended and started and ended < started:
            self.error("end_date", f"end date {_format_date(ended)} is before the date became "
                                   f"looked after {_format_date(started)}")

    def _cross_row(self, code: str | None, name: str, ref: str, nation: Nation | None) -> None:
        if code is None:
            return
        if name:
            known, known_line = self.council_names.setdefault(code, (name, self.line))
            if _norm_name(known) != _norm_name(name):
                self.error("council_name", f"council {code} is called {_show(name, 60)} here "
                                           f"but {_show(known, 60)} on line {known_line}")
            by_code = self.codes_by_name.setdefault(_norm_name(name), {})
            if by_code and code not in by_code:
                other, other_line = next(iter(by_code.items()))
                self.warn("council_code", f"council name {_show(name, 60)} is also used with code "
                          f"{other} on line {other_line}; check these are different councils")
            by_code.setdefault(code, self.line)
        if nation is not None:
            earlier, earlier_line = self.nations.setdefault(code, (nation, self.line))
            if earlier is not nation:
                self.error("nation", f"council {code} is {nation.label} here but "
                                     f"{earlier.label} on line {earlier_line}")
        if ref:
            ref_line = self.seen_refs.setdefault((code, ref.casefold()), self.line)
            if ref_line != self.line:
                self.error("child_ref", f"child_ref {_show(ref)} for council {code} also "
                                        f"appears on line {ref_line}")

    def _councils(self) -> dict[str, ParsedCouncil]:
        found = {row.council_code for row in self.result.rows}
        return {code: ParsedCouncil(code, self.council_names[code][0],
                                    self.nations[code][0] if code in self.nations else None)
                for code in self.council_names if code in found}

"""The councils an IRO works for: list, add, edit, their agenda and rules, and erase.

Each council is its own encrypted database and key (``storage/vault.py``); this service
is what the window's council settings and ``iro-desktop council ...`` both call. The
profile settings (marking, delivery folder, retention ...) and files (Word template,
logo) are kept by :class:`CouncilProfileService`; here are the parts with rules of their
own: the code, name and nation, the review-clock periods (a council may follow a local
variant), the agenda template (a TOML file, checked, with the nation's built-in agenda as
the fallback), the child reference pattern, and erasing a council when a contract ends.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from iro_desktop import paths
from iro_desktop.core.agenda import AgendaTemplate, AgendaTemplateError, parse_agenda
from iro_desktop.core.caseload_csv import reference_problem
from iro_desktop.core.models import Council, Nation
from iro_desktop.core.review_clock import RuleSet, default_rules
from iro_desktop.security.errors import VaultError
from iro_desktop.services.caseload import ACTIVE, ENDED
from iro_desktop.services.council_profile import Asset, CouncilProfileService
from iro_desktop.services.retention import RetentionService
from iro_desktop.storage.models import AuditEvent, ChildRow, OutboxItemRow, ReviewRow
from iro_desktop.storage.vault import Vault

log = logging.getLogger(__name__)

CODE_PATTERN = re.compile(r"[A-Za-z0-9]{2,10}")  # as in a caseload file's council_code
MAX_NAME = 200
ARCHIVED_EVENT = "archive.exported"


class CouncilError(VaultError):
    code = "council.error"


@dataclass(frozen=True, slots=True)
class CouncilSummary:
    """One line of the council list: counts only, never child data."""

    council: Council
    active_children: int
    ended_children: int
    flagged_children: int  # off the caseload and past the retention period
    reviews: int
    outbox_items: int
    contract_start: str
    contract_end: str
    rules: RuleSet
    agenda_name: str


@dataclass(frozen=True, slots=True)
class EraseReport:
    """What erasing a council destroyed: file names and counts, no names of people."""

    code: str
    name: str
    files: tuple[str, ...]
    children: int
    reviews: int
    outbox_items: int
    archived: bool  # a hand-over archive had been made from this vault first

    def summary(self) -> str:
        files = ", ".join(self.files) or "no files"
        return (f"Erased {self.code} ({self.name}): its key slots in keystore.json (passphrase "
                f"and recovery), and {files}. It held {self.children} child record(s), "
                f"{self.reviews} review(s) and {self.outbox_items} outbox document(s).")


def _clean_name(name: str) -> str:
    text = " ".join(str(name).split())
    if not text:
        raise CouncilError("A council needs a name (for example Northbrook Council).")
    if len(text) > MAX_NAME:
        raise CouncilError(f"A council name is at most {MAX_NAME} characters.")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        raise CouncilError("The council name contains an invisible control character; "
                           "type it again.")
    return text


def clean_code(code: str) -> str:
    text = str(code).strip()
    if not CODE_PATTERN.fullmatch(text):
        raise CouncilError(f"A council code is 2 to 10 letters or digits (for example NBK), "
                           f"not {text!r}.")
    return text.upper()


def _iso_day(value: str, which: str) -> str:
    text = str(value).strip()
    if not text:
        return ""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise CouncilError(f"The contract {which} date must be written YYYY-MM-DD, "
                           f"not {text!r}.") from None


def check_rules(rules: RuleSet | dict[str, object]) -> RuleSet:
    """A rule set from the window or a file, or CouncilError naming what is wrong."""
    if isinstance(rules, RuleSet):
        return rules
    try:
        return RuleSet.from_dict(rules)
    except ValueError as exc:
        raise CouncilError(f"The review-clock rules were not changed: {exc}.") from None


def default_agenda(nation: Nation) -> AgendaTemplate:
    name = "england.toml" if nation is Nation.ENGLAND else "wales.toml"
    return parse_agenda(paths.resource_path("agendas", name).read_bytes())


class CouncilService:
    def __init__(self, vault: Vault, today: Callable[[], date] = date.today) -> None:
        self.vault = vault
        self.today = today
        self.profiles = CouncilProfileService(vault)

    # ---- listing -------------------------------------------------------------------

    def councils(self) -> list[Council]:
        """The councils open now (a damaged one is left out: see :meth:`damaged`)."""
        return self.vault.councils()

    def council(self, council_id: str) -> Council:
        return self.vault.council(council_id)

    def damaged(self) -> list[Council]:
        """The councils found damaged this session whose name is still known (a damaged
        council can be erased too)."""
        out = []
        for council_id in self.vault.damaged:
            try:
                out.append(self.vault.council(council_id))
            except KeyError:
                continue
        return out

    def list(self) -> list[CouncilSummary]:
        """Every usable council with its counts (damaged ones are in ``vault.damaged``)."""
        flagged: dict[str, int] = {}
        for entry in RetentionService(self.vault, self.today).flagged():
            flagged[entry.council.id] = flagged.get(entry.council.id, 0) + 1
        out: list[CouncilSummary] = []
        for council in self.vault.councils():
            with self.vault.session(council.id) as s:
                by_status = dict(s.execute(select(ChildRow.status, func.count())
                                           .group_by(ChildRow.status)).all())
                reviews = s.scalar(select(func.count()).select_from(ReviewRow)) or 0
                outbox = s.scalar(select(func.count()).select_from(OutboxItemRow)) or 0
            values = self.profiles.values(council.id)
            out.append(CouncilSummary(
                council, int(by_status.get(ACTIVE, 0)), int(by_status.get(ENDED, 0)),
                flagged.get(council.id, 0), int(reviews), int(outbox),
                values["contract_start"], values["contract_end"], self.rules(council.id),
                self.agenda(council.id).name))
        return out

    def by_code(self, code: str) -> Council:
        council = self.vault.council_by_code(str(code).strip())
        if council is None or council.id in self.vault.damaged:
            known = ", ".join(c.code for c in self.vault.councils()) or "none yet"
            raise CouncilError(f"There is no council {str(code).strip().upper()!r} in this "
                               f"vault (councils: {known}).")
        return council

    # ---- adding and editing ----------------------------------------------------------

    def add(self, code: str, name: str, nation: Nation,
            rules: RuleSet | dict[str, object] | None = None) -> Council:
        """A new council with its own encrypted database and data key."""
        code, name = clean_code(code), _clean_name(name)
        ruleset = check_rules(rules) if rules is not None else default_rules(Nation(nation))
        if self.vault.council_by_code(code) is not None:
            raise CouncilError(f"Council {code} is already in this vault.")
        return self.vault.add_council(code, name, Nation(nation), ruleset.to_dict())

    def edit(self, council_id: str, *, code: str | None = None, name: str | None = None,
             nation: Nation | None = None) -> Council:
        """Change the code, name or nation. A change of nation also puts the new nation's
        review-clock rules in place (a local variant is then set again with set_rules)."""
        current = self.vault.council(council_id)
        new_code = clean_code(code) if code is not None else None
        new_name = _clean_name(name) if name is not None else None
        rules = None
        if nation is not None and Nation(nation) is not current.nation:
            rules = default_rules(Nation(nation)).to_dict()
        return self.vault.update_council(council_id, code=new_code, name=new_name,
                                         nation=Nation(nation) if nation else None, rules=rules)

    # ---- the review clock --------------------------------------------------------------

    def rules(self, council_id: str) -> RuleSet:
        return RuleSet.from_dict(self.vault.council_rules(council_id))

    def set_rules(self, council_id: str, rules: RuleSet | dict[str, object]) -> RuleSet:
        """Store a local variant of the review periods (checked first; on a problem the
        council keeps its rules)."""
        ruleset = check_rules(rules)
        self.vault.update_council(council_id, rules=ruleset.to_dict())
        return ruleset

    def reset_rules(self, council_id: str) -> RuleSet:
        """Back to the built-in rules of the council's nation."""
        return self.set_rules(council_id, default_rules(self.vault.council(council_id).nation))

    # ---- agenda, Word template and logo --------------------------------------------------

    def agenda(self, council_id: str) -> AgendaTemplate:
        """The council's own agenda, or its nation's built-in one. Pass this method as
        ``ReviewService(agenda_for=...)`` so new reviews follow the council's agenda."""
        asset = self.profiles.asset(council_id, "agenda")
        if asset is not None:
            try:
                return parse_agenda(asset.content)
            except AgendaTemplateError:  # stored by an older version with looser checks
                log.warning("councils.agenda_unreadable council=%s", council_id)
        return default_agenda(self.vault.council(council_id).nation)

    def set_agenda(self, council_id: str, filename: str, data: bytes) -> AgendaTemplate:
        """Use a council's agenda file (TOML, docs/agenda-templates.md). A file that does
        not pass is refused with the problem named, and the previous agenda stays."""
        council = self.vault.council(council_id)
        previous = self.agenda(council_id).name
        try:
            template = parse_agenda(data)
        except AgendaTemplateError as exc:
            raise CouncilError(f"The agenda file {filename!r} was not used: {exc}. "
                               f"{council.code} keeps its agenda \"{previous}\".") from None
        if template.nation is not council.nation:
            raise CouncilError(
                f"The agenda file {filename!r} was not used: it is for "
                f"{template.nation.label} but {council.code} follows "
                f"{council.nation.label}'s rules. {council.code} keeps its agenda "
                f"\"{previous}\".")
        self.profiles.set_asset(council_id, "agenda", filename, data)
        return template

    def use_default_agenda(self, council_id: str) -> AgendaTemplate:
        self.profiles.clear_asset(council_id, "agenda")
        return self.agenda(council_id)

    def set_template(self, council_id: str, filename: str, data: bytes) -> Asset:
        """Use a council's Word template (checked by export/template.py first)."""
        from iro_desktop.export.template import validate_template

        return self._checked_asset(council_id, "template", "Word template", filename, data,
                                   validate_template)

    def set_logo(self, council_id: str, filename: str, data: bytes) -> Asset:
        from iro_desktop.export.template import validate_logo

        return self._checked_asset(council_id, "logo", "logo", filename, data, validate_logo)

    def _checked_asset(self, council_id: str, name: str, label: str, filename: str,
                       data: bytes, check: Callable[[bytes], object]) -> Asset:
        code = self.vault.council(council_id).code
        try:
            return self.profiles.set_asset(council_id, name, filename, data, check=check)
        except ValueError as exc:  # the validators' TemplateError is a ValueError
            raise CouncilError(f"The {label} {filename!r} was not used: {exc} "
                               f"{code} keeps its previous {label}.") from None

    # ---- child references ----------------------------------------------------------------

    def set_reference_pattern(self, council_id: str, pattern: str) -> int:
        """Store the pattern every child reference must match (a regular expression; empty
        for none). Returns how many children already held do not match it."""
        stored = self.profiles.set(council_id, "reference_pattern", pattern)
        if not stored:
            return 0
        with self.vault.session(council_id) as s:
            refs = list(s.scalars(select(ChildRow.child_ref)))
        return sum(1 for ref in refs if reference_problem(ref, stored))

    def check_reference(self, council_id: str, ref: str) -> None:
        """Raise CouncilError if ``ref`` does not fit the council's pattern (on entry; the
        caseload import checks every row the same way)."""
        pattern = self.profiles.values(council_id)["reference_pattern"]
        problem = reference_problem(str(ref).strip(), pattern)
        if problem:
            raise CouncilError(problem[0].upper() + problem[1:] + ".")

    def set_contract(self, council_id: str, start: str, end: str) -> tuple[str, str]:
        """The dates of the IRO's contract with the council (YYYY-MM-DD or empty)."""
        first, last = _iso_day(start, "start"), _iso_day(end, "end")
        if first and last and last < first:
            raise CouncilError(f"The contract cannot end ({last}) before it starts ({first}).")
        self.profiles.set(council_id, "contract_start", first)
        self.profiles.set(council_id, "contract_end", last)
        return first, last

    # ---- erasing -----------------------------------------------------------------------

    def erase(self, council_id: str, confirm_code: str) -> EraseReport:
        """Destroy the council's key and database. ``confirm_code`` must be the council's
        code as typed by the IRO; the other councils are not touched."""
        council = self.vault.council(council_id)
        if str(confirm_code).strip().upper() != council.code:
            raise CouncilError(f"To erase {council.code}, type its code ({council.code}) to "
                               "confirm. Nothing was erased.")
        children = reviews = outbox = 0
        archived = False
        if council_id not in self.vault.damaged:
            with self.vault.session(council_id) as s:
                children = s.scalar(select(func.count()).select_from(ChildRow)) or 0
                reviews = s.scalar(select(func.count()).select_from(ReviewRow)) or 0
                outbox = s.scalar(select(func.count()).select_from(OutboxItemRow)) or 0
                archived = s.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.code == ARCHIVED_EVENT)) != 0
        files = self.vault.erase_council(council_id, confirm_code)
        return EraseReport(council.code, council.name, tuple(files), int(children),
                           int(reviews), int(outbox), archived)

"""A council's profile: the settings that make its exports its own.

Kept inside that council's encrypted database (``council_setting`` and
``council_asset``), so a handover or an erase takes them with the council's records.
Each setting is declared once below with its default and its check; the window and
the CLI both go through :class:`CouncilProfileService`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select

from iro_desktop.core.models import Council
from iro_desktop.security.errors import VaultError
from iro_desktop.storage.models import CouncilAssetRow, CouncilSettingRow
from iro_desktop.storage.repositories import audit
from iro_desktop.storage.vault import Vault

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
DEFAULT_RETENTION_DAYS = 30
MAX_ASSET_BYTES = 10 * 1024 * 1024
ASSETS = {"template": "Word template", "logo": "logo", "agenda": "agenda template"}


class ProfileError(VaultError):
    code = "profile.error"


def _marking(value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise ProfileError("The protective marking cannot be empty "
                           f"(the usual one is {DEFAULT_MARKING}).")
    if len(text) > 80:
        raise ProfileError("The protective marking is at most 80 characters.")
    return text


def _folder(value: str) -> str:
    text = value.strip()
    if text and not Path(text).expanduser().is_absolute():
        raise ProfileError(f"The delivery folder must be a full path, not {text!r}.")
    return text


def _days(value: str) -> str:
    try:
        days = int(str(value).strip())
    except ValueError:
        raise ProfileError(f"Retention must be a whole number of days, not {value!r}.") from None
    if not 0 <= days <= 3650:
        raise ProfileError("Retention must be between 0 and 3650 days.")
    return str(days)


def _working_days(value: str) -> str:
    try:
        days = int(str(value).strip())
    except ValueError:
        raise ProfileError(f"Expected a whole number of working days, not {value!r}.") from None
    if not 1 <= days <= 100:
        raise ProfileError("Working days must be between 1 and 100.")
    return str(days)


def _iso_date(value: str) -> str:
    from datetime import date

    text = str(value).strip()
    if not text:
        return ""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ProfileError(f"Expected a date as YYYY-MM-DD, not {text!r}.") from None


def _pattern(value: str) -> str:
    from iro_desktop.core.caseload_csv import pattern_problem

    text = str(value).strip()
    problem = pattern_problem(text)
    if problem:
        raise ProfileError(problem[0].upper() + problem[1:] + ".")
    return text


def _groups(value: str) -> str:
    from iro_desktop.core.redaction import group_key

    keys = [group_key(part) for part in str(value).replace(";", ",").split(",") if part.strip()]
    return ",".join(dict.fromkeys(keys))


def _flag(value: str) -> str:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return "1"
    if text in ("0", "false", "no", "off", ""):
        return "0"
    raise ProfileError(f"Expected yes or no, not {value!r}.")


def _line(value: str) -> str:
    text = " ".join(str(value).split())
    if len(text) > 300:
        raise ProfileError("At most 300 characters, on one line.")
    return text


@dataclass(frozen=True, slots=True)
class ProfileSetting:
    key: str
    label: str
    default: str
    check: Callable[[str], str]


PROFILE_SETTINGS: tuple[ProfileSetting, ...] = (
    ProfileSetting("marking", "Protective marking", DEFAULT_MARKING, _marking),
    ProfileSetting("delivery_folder", "Delivery folder", "", _folder),
    ProfileSetting("retention_days", "Keep delivered items in the outbox for (days)",
                   str(DEFAULT_RETENTION_DAYS), _days),
    ProfileSetting("auto_send", "Send when the delivery folder is reachable", "0", _flag),
    # distribution deadlines after the review (dashboard)
    ProfileSetting("decisions_within_working_days",
                   "Send the decisions within (working days of the review)", "5", _working_days),
    ProfileSetting("record_within_working_days",
                   "Send the full record within (working days of the review)", "20",
                   _working_days),
    # the IRO's contract with this council and its conventions
    ProfileSetting("contract_start", "Contract starts (YYYY-MM-DD)", "", _iso_date),
    ProfileSetting("contract_end", "Contract ends (YYYY-MM-DD)", "", _iso_date),
    ProfileSetting("reference_pattern", "Child reference pattern (regular expression)", "",
                   _pattern),
    ProfileSetting("distribution_groups", "Copies sent by default (recipient groups)",
                   "parents,child,carers,professionals", _groups),
    # told to the child in their letter
    ProfileSetting("advocacy", "Advocacy service for children (name and how to reach it)", "",
                   _line),
    ProfileSetting("complaints", "How a child complains (the council's complaints contact)", "",
                   _line),
    # minimisation: children no longer on the caseload (services/retention.py)
    ProfileSetting("ended_retention_days",
                   "Flag records of children no longer on the caseload after (days)", "90",
                   _days),
)
_BY_KEY = {s.key: s for s in PROFILE_SETTINGS}


@dataclass(frozen=True, slots=True)
class Asset:
    name: str
    filename: str
    content: bytes
    sha256: str


@dataclass(frozen=True, slots=True)
class CouncilProfile:
    council: Council
    marking: str
    delivery_folder: str
    retention_days: int
    auto_send: bool
    template: Asset | None
    logo: Asset | None
    advocacy: str = ""
    complaints: str = ""


class CouncilProfileService:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    def values(self, council_id: str) -> dict[str, str]:
        with self.vault.session(council_id) as s:
            stored = dict(s.execute(select(CouncilSettingRow.key, CouncilSettingRow.value)).all())
        return {k: stored.get(k, spec.default) for k, spec in _BY_KEY.items()}

    def profile(self, council_id: str) -> CouncilProfile:
        values = self.values(council_id)
        return CouncilProfile(
            council=self.vault.council(council_id),
            marking=values["marking"],
            delivery_folder=values["delivery_folder"],
            retention_days=int(values["retention_days"]),
            auto_send=values["auto_send"] == "1",
            template=self.asset(council_id, "template"),
            logo=self.asset(council_id, "logo"),
            advocacy=values["advocacy"],
            complaints=values["complaints"],
        )

    def set(self, council_id: str, key: str, value: str) -> str:
        """Check and store one setting; returns the value as stored."""
        spec = _BY_KEY.get(key)
        if spec is None:
            raise ProfileError(f"unknown council setting {key!r}: use one of "
                               f"{', '.join(_BY_KEY)}")
        clean = spec.check(str(value))
        with self.vault.session(council_id) as s:
            row = s.get(CouncilSettingRow, key)
            if row is None:
                s.add(CouncilSettingRow(key=key, value=clean))
            else:
                row.value = clean
            audit(s, "profile.set", key=key)
        return clean

    def asset(self, council_id: str, name: str) -> Asset | None:
        with self.vault.session(council_id) as s:
            row = s.get(CouncilAssetRow, name)
            return None if row is None else Asset(row.name, row.filename, row.content, row.sha256)

    def set_asset(self, council_id: str, name: str, filename: str, content: bytes,
                  check: Callable[[bytes], object] | None = None) -> Asset:
        """Store the council's template or logo. ``check`` (for example the template
        validator) raises on a bad file; then nothing changes and the previous one stays."""
        if name not in ASSETS:
            raise ProfileError(f"unknown council file {name!r}")
        if not content:
            raise ProfileError(f"The {ASSETS[name]} file {filename!r} is empty.")
        if len(content) > MAX_ASSET_BYTES:
            raise ProfileError(f"The {ASSETS[name]} file {filename!r} is "
                               f"{len(content) / 1048576:.1f} MB; the limit is "
                               f"{MAX_ASSET_BYTES // 1048576} MB.")
        if check is not None:
            check(content)
        digest = hashlib.sha256(content).hexdigest()
        short = Path(filename).name[:200]
        with self.vault.session(council_id) as s:
            row = s.get(CouncilAssetRow, name)
            if row is None:
                s.add(CouncilAssetRow(name=name, filename=short, content=content, sha256=digest,
                                      updated_at=datetime.now()))
            else:
                row.filename, row.content, row.sha256 = short, content, digest
                row.updated_at = datetime.now()
            audit(s, "profile.asset", name=name, size=len(content))
        return Asset(name, short, content, digest)

    def clear_asset(self, council_id: str, name: str) -> None:
        with self.vault.session(council_id) as s:
            s.execute(delete(CouncilAssetRow).where(CouncilAssetRow.name == name))
            audit(s, "profile.asset_cleared", name=name)

"""Who chaired the review, as the record's sign-off and the child's letter print it.

The chair's name, role and work contact details are the app's settings (asked at first
run and in Council settings); they are the IRO's own details, never a child's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_ROLE = "Independent Reviewing Officer"


@dataclass(frozen=True, slots=True)
class Chair:
    name: str = ""
    role: str = DEFAULT_ROLE
    phone: str = ""
    email: str = ""

    @classmethod
    def of(cls, value: str | Chair | None) -> Chair:
        """A Chair from a name alone (older callers) or as it is."""
        if isinstance(value, Chair):
            return value
        return cls(name=" ".join((value or "").split()))

    @classmethod
    def from_settings(cls, settings: Any) -> Chair:
        """From :class:`iro_desktop.settings.Settings` (or anything with ``get``)."""
        def get(key: str) -> str:
            return " ".join(str(settings.get(key) or "").split())

        return cls(get("chair_name"), get("chair_role") or DEFAULT_ROLE, get("chair_phone"),
                   get("chair_email"))

    @property
    def contact(self) -> str:
        """'phone 01632 960 123, email a.morgan@example.gov.uk', or ''."""
        parts = [f"phone {self.phone}" if self.phone else "",
                 f"email {self.email}" if self.email else ""]
        return ", ".join(p for p in parts if p)

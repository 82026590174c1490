"""The chair's name, role and work contact details, as a form block used by the first-run
dialog and Council settings. They are printed in every record's sign-off and in the
letter to the child."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

from iro_desktop.core.chair import DEFAULT_ROLE, Chair
from iro_desktop.settings import Settings
from iro_desktop.ui.widgets.controls import buddy

FIELDS = (  # settings key, label with mnemonic, accessible name, placeholder
    ("chair_name", "Your &name as chair:", "Your name, as chair of the reviews",
     "as it should appear on records and letters"),
    ("chair_role", "Your role as pr&inted:", "Your role, as printed", DEFAULT_ROLE),
    ("chair_phone", "Wor&k phone:", "Your work phone number", "for the child and the network"),
    ("chair_email", "&Work email:", "Your work email address", "name@council.gov.uk"),
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9 +()\-]{6,30}$")


def problems(values: dict[str, str]) -> list[str]:
    """What is wrong with the typed details (empty fields are allowed)."""
    out = []
    email, phone = values.get("chair_email", ""), values.get("chair_phone", "")
    if email and not _EMAIL.match(email):
        out.append(f"Your work email {email!r} does not look like an email address.")
    if phone and not _PHONE.match(phone):
        out.append(f"Your work phone {phone!r} can hold only digits, spaces, +, ( ) and -.")
    return out


class ChairFields:
    """Adds the four rows to a form; ``values()`` gives them by settings key."""

    def __init__(self, form: QFormLayout, settings: Settings | None = None,
                 labels: dict[str, str] | None = None) -> None:
        self.edits: dict[str, QLineEdit] = {}
        for key, label, accessible, placeholder in FIELDS:
            edit = QLineEdit(str(settings.get(key) or "") if settings is not None else "")
            edit.setObjectName(f"{key}_edit")
            edit.setAccessibleName(accessible)
            edit.setPlaceholderText(placeholder)
            edit.setMaxLength(100)
            form.addRow(buddy((labels or {}).get(key, label), edit), edit)
            self.edits[key] = edit
        keys = list(self.edits.values())
        for first, second in zip(keys, keys[1:]):
            QWidget.setTabOrder(first, second)

    def values(self) -> dict[str, str]:
        out = {key: " ".join(edit.text().split()) for key, edit in self.edits.items()}
        out["chair_role"] = out["chair_role"] or DEFAULT_ROLE
        return out

    def chair(self) -> Chair:
        v = self.values()
        return Chair(v["chair_name"], v["chair_role"], v["chair_phone"], v["chair_email"])

    def save(self, settings: object) -> list[str]:
        """Store the details that changed; returns problems (nothing bad is stored)."""
        values = self.values()
        found = problems(values)
        if found:
            return found
        out = []
        for key, value in values.items():
            if value != settings.get(key):  # type: ignore[attr-defined]
                try:
                    settings.set(key, value)  # type: ignore[attr-defined]
                except (OSError, ValueError) as exc:
                    out.append(f"{key.replace('_', ' ').capitalize()}: {exc}")
        return out

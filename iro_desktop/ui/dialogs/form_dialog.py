"""A small form dialog that collects input for the caller's service call.

:meth:`FormDialog.run` shows the dialog until the call succeeds or the IRO cancels. A
failed call (a service's message: which field, what is wrong) is shown inside the dialog,
which stays open with everything typed still in it. Whatever happens, the dialog is wiped
and deleted afterwards, as the main window does with its own dialogs, so no child data
stays in a hidden widget. Locking the vault while it is open closes it the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.ui.dialogs.dispose import run_until_done
from iro_desktop.ui.widgets.date_edit import DateEdit

if TYPE_CHECKING:
    from iro_desktop.services.reviews import ReviewService

T = TypeVar("T")
ERROR_STYLE = "color: #b00020;"  # 6.9:1 on white; the text says what is wrong too


def plain_text_edit(accessible_name: str, object_name: str, lines: int = 4) -> QPlainTextEdit:
    """A multi-line field where Tab moves on (Ctrl+Tab is not needed to leave it)."""
    edit = QPlainTextEdit()
    edit.setObjectName(object_name)
    edit.setAccessibleName(accessible_name)
    edit.setTabChangesFocus(True)
    edit.setMinimumHeight(edit.fontMetrics().lineSpacing() * lines + 12)
    return edit


def date_field(accessible_name: str, object_name: str, value: date,
               latest: date | None = None) -> DateEdit:
    """A date field starting on ``value``. ``latest`` is not enforced by the field: a maximum
    made Qt change a later date as it was typed (10/12/2026 became 01/12/2026 with no word);
    the service refuses a date that is too late, with a message that says why."""
    edit = DateEdit(accessible_name)
    edit.setObjectName(object_name)
    edit.set_py_date(value)
    if latest is not None:
        edit.setToolTip(f"At the latest {latest:%d/%m/%Y}")
    return edit


def offer_names(edit: QLineEdit, names: list[str]) -> None:
    """Let ``edit`` complete from ``names`` (the child's network): a few letters of any part
    of a name or role, Down and Enter, instead of typing it again. Any other text is kept."""
    if not names:
        return
    from PySide6.QtWidgets import QCompleter

    completer = QCompleter(names, edit)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    edit.setCompleter(completer)


def network_names(reviews: ReviewService, council_id: str, child_id: int) -> list[str]:
    """'Name (role)' of everyone in the child's network (``reviews``: the window's
    ReviewService); [] if it cannot be read."""
    try:
        return [f"{p.name} ({p.role})" for p in reviews.network(council_id, child_id)]
    except Exception:  # noqa: BLE001 - only a convenience; typing still works
        return []


class FormDialog(QDialog):
    """A titled form with OK (named for what it does) and Cancel, and a problem line."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.error = QLabel("")
        self.error.setObjectName("form_error")
        self.error.setAccessibleName("Problem")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setAccessibleName(ok_text.replace("&", ""))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("Cancel")  # Escape; no Alt+letter to clash with the form's
        cancel.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)

    def add_row(self, label: str, field: QWidget) -> None:
        """A labelled row; the label's Alt+letter moves to ``field``. The first row's field
        has the keyboard focus when the dialog opens."""
        caption = QLabel(label)
        caption.setBuddy(field)
        self.form.addRow(caption, field)
        if getattr(self, "_first_field", None) is None:
            self._first_field = field

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        # With no field focused the typing was lost and Space pressed the OK button.
        first = getattr(self, "_first_field", None)
        focus = self.focusWidget()
        if first is not None and first.isEnabled() and (
                focus is None or focus is self.ok_button or isinstance(focus, QPushButton)):
            first.setFocus()
        super().showEvent(event)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def run(self, action: Callable[[], T]) -> T | None:
        """Show the dialog until ``action`` succeeds (its result) or the IRO cancels (None)."""
        results: list[T] = []
        return results[0] if run_until_done(self, lambda: results.append(action())) else None

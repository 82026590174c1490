"""Closing a dialog that showed child data or a secret: hide it, empty every widget that
could hold them, delete it. And :func:`run_until_done`, which shows a form until its action
succeeds or the IRO cancels, and disposes of it either way.

Kept apart from the main window so that the dialogs, the views and the council actions can
import it at the top without importing the window.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QTableWidget,
    QTextEdit,
    QTreeWidget,
)

from iro_desktop.ui.workers import user_message


def dispose_dialog(dialog: QDialog) -> None:
    """Close a dialog, empty every field that could hold a secret or child data, delete it.

    Every dialog of the window goes through here once it is done with (the main window's,
    :class:`~iro_desktop.ui.dialogs.form_dialog.FormDialog`'s and the council actions'), so
    a widget kind added to one dialog is cleared in all of them."""
    dialog.hide()
    for edit in dialog.findChildren(QLineEdit):
        edit.clear()
    for text in dialog.findChildren(QPlainTextEdit):
        text.clear()
    for rich in dialog.findChildren(QTextEdit):
        rich.clear()
    for label in dialog.findChildren(QLabel):
        label.clear()
    for table in dialog.findChildren(QTableWidget):
        table.setRowCount(0)
    for tree in dialog.findChildren(QTreeWidget):  # search results
        tree.clear()
    for items in dialog.findChildren(QListWidget):
        items.clear()
    if isinstance(dialog, QMessageBox):
        dialog.setText("")
        dialog.setInformativeText("")
        dialog.setDetailedText("")
    dialog.deleteLater()


def run_until_done(dialog: QDialog, action) -> bool:  # type: ignore[no-untyped-def]
    """Show ``dialog`` until ``action`` succeeds (True) or the user cancels (False). A failure
    is shown in the dialog (``show_error``), which stays open; it is disposed either way."""
    try:
        while dialog.exec():
            try:
                action()
            except Exception as exc:  # noqa: BLE001 - shown in the dialog, which stays open
                dialog.show_error(user_message(exc))  # type: ignore[attr-defined]
                continue
            return True
        return False
    finally:
        dispose_dialog(dialog)

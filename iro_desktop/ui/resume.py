"""Where the IRO was when the vault locked, so unlocking returns there.

``capture`` notes the page of the window (dashboard, caseload with its filters, a child and
its tab, or a review with its section), the field that had the keyboard focus and the text
cursor in it. ``restore`` reopens the same place after unlocking, reading everything again
from the vault. The place is held in memory only, never written anywhere; it names records
by id, apart from the caseload filter text the IRO typed, which the lock clears from the
widget and the unlock puts back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

log = logging.getLogger(__name__)


@dataclass
class Focus:
    """The focused widget, named by type, object name and accessible name (the cell widgets
    of a table are rebuilt: "Attendance of <name>" finds the same row again)."""

    kind: str
    object_name: str
    accessible_name: str
    cursor: int = -1  # text cursor, or -1
    cell: tuple[int, int] = (-1, -1)  # a table's current cell


@dataclass
class Place:
    view: str  # "dashboard", "caseload", "child" or "review"
    council_id: str = ""
    child_id: int = 0
    review_id: int = 0
    nav_row: int = 0
    child_tab: int = 0
    child_origin: str = "caseload"
    filters: dict[str, object] = field(default_factory=dict)
    focus: Focus | None = None


def _focus_of(widget: QWidget | None, root: QWidget) -> Focus | None:
    if widget is None or not root.isAncestorOf(widget):
        return None
    owner = widget.parentWidget()
    # The line edit inside an editable combo or a spin box stands for its owner.
    if isinstance(widget, QLineEdit) and owner is not None and not widget.accessibleName():
        widget = owner
    cursor = -1
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        cursor = widget.textCursor().position()
    elif isinstance(widget, QLineEdit):
        cursor = widget.cursorPosition()
    cell = (-1, -1)
    if isinstance(widget, QAbstractItemView) and widget.currentIndex().isValid():
        cell = (widget.currentIndex().row(), widget.currentIndex().column())
    return Focus(type(widget).__name__, widget.objectName(), widget.accessibleName(), cursor,
                 cell)


def _find(root: QWidget, focus: Focus) -> QWidget | None:
    for widget in root.findChildren(QWidget):
        if (type(widget).__name__ == focus.kind and widget.objectName() == focus.object_name
                and widget.accessibleName() == focus.accessible_name
                and widget.isVisibleTo(root)):
            return widget
    return None


def _put_focus(root: QWidget, focus: Focus | None) -> bool:
    if focus is None:
        return False
    widget = _find(root, focus)
    if widget is None or not widget.isEnabled():
        return False
    if isinstance(widget, QAbstractItemView) and focus.cell[0] >= 0:
        model = widget.model()
        if focus.cell[0] < model.rowCount() and focus.cell[1] < model.columnCount():
            widget.setCurrentIndex(model.index(*focus.cell))
    widget.setFocus()
    if focus.cursor >= 0:
        if isinstance(widget, (QPlainTextEdit, QTextEdit)):
            cursor = widget.textCursor()
            cursor.setPosition(min(focus.cursor, len(widget.toPlainText())))
            widget.setTextCursor(cursor)
            widget.ensureCursorVisible()
        elif isinstance(widget, QLineEdit):
            widget.setCursorPosition(focus.cursor)
    return True


def capture(window) -> Place | None:  # type: ignore[no-untyped-def]
    """The place shown by ``window`` (a MainWindow), or None on the locked face."""
    current = window.stack.currentWidget()
    workspace, between = window._workspace, window._between
    focus_widget = window.focusWidget()
    if current is None or current is window.unlock_view:
        return None
    if current is between.get("dashboard_view"):
        return Place("dashboard", focus=_focus_of(focus_widget, current))
    if current is workspace.get("caseload_view"):
        view = current
        return Place("caseload", filters={
            "council": view.council_combo.currentData(),
            "status": view.status_combo.currentIndex(),
            "text": view.search.text(),
        }, focus=_focus_of(focus_widget, current))
    entry = getattr(window, "_current_entry", None)
    if entry is None:
        return Place("dashboard")
    if current is workspace.get("child_view"):
        return Place("child", entry.council.id, entry.child.id,
                     child_tab=current.tabs.currentIndex(), child_origin=window._child_origin,
                     focus=_focus_of(focus_widget, current))
    if current is workspace.get("review_view"):
        controller = window.review_controller
        if not controller.review_id:
            return Place("child", entry.council.id, entry.child.id,
                         child_origin=window._child_origin)
        return Place("review", controller.council_id, entry.child.id, controller.review_id,
                     nav_row=max(current.nav.currentRow(), 0),
                     child_origin=window._child_origin,
                     focus=_focus_of(focus_widget, current))
    return Place("dashboard")


def restore(window, place: Place | None) -> bool:  # type: ignore[no-untyped-def]
    """Show ``place`` again in the unlocked ``window``; False (nothing shown) if it is gone."""
    if place is None:
        return False
    try:
        return _restore(window, place)
    except Exception as exc:  # noqa: BLE001 - the dashboard is shown instead
        log.info("resume.failed view=%s kind=%s", place.view, type(exc).__name__)
        return False


def _restore(window, place: Place) -> bool:  # type: ignore[no-untyped-def]
    if place.view == "dashboard":
        window.show_dashboard()
        _put_focus(window.dashboard_view, place.focus)
        return True
    if place.view == "caseload":
        view = window.caseload_view
        window.show_caseload()
        council = place.filters.get("council")
        if council is not None and view.council_combo.findData(council) >= 0:
            view.council_combo.setCurrentIndex(view.council_combo.findData(council))
        status = place.filters.get("status", 0)
        view.status_combo.setCurrentIndex(status if isinstance(status, int) else 0)
        view.search.setText(str(place.filters.get("text", "")))
        if not _put_focus(view, place.focus):
            view.focus_table()
        return True
    entry = next((e for e in window.caseload_service.entries(place.council_id)
                  if e.child.id == place.child_id), None)
    if entry is None:  # no longer on the caseload
        return False
    window._child_origin = place.child_origin
    window.open_child(entry)
    if window.stack.currentWidget() is not window.child_view:
        return False
    if place.view == "child":
        window.child_view.tabs.setCurrentIndex(place.child_tab)
        _put_focus(window.child_view, place.focus)
        return True
    window.open_review(place.review_id)
    review_view = window.review_view
    if window.stack.currentWidget() is not review_view:
        return False
    if 0 <= place.nav_row < review_view.nav.count():
        review_view.nav.setCurrentRow(place.nav_row)
    if not _put_focus(review_view, place.focus):
        review_view.nav.setFocus()
    return True

"""Every Alt+letter does what its label says, in every view a review day goes through.

Found chairing through the real window: Alt+L, Alt+A, Alt+S and Alt+P did other things
than their labels said (a letter owned twice only moves the focus between its owners, and
the menu bar's "Counci&ls" and "V&ault" own L and A in every view). Here each view and
page is shown in turn; every underlined letter visible in it (menu bar titles, labels,
buttons, tabs, group titles) has one owner, and each label's letter puts the focus in the
field it names."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QGroupBox, QLabel, QTabWidget, QWidget
from tests.ui.test_chair_review_keyboard import _pick_child, _review_day

from iro_desktop.ui.views.review_view import NAV_ROLE

pytestmark = pytest.mark.filterwarnings(r"ignore:.*invalidateFilter.*:DeprecationWarning")


def _letter(text: str) -> str | None:
    match = re.search(r"&([^&\s])", text.replace("&&", ""))
    return match.group(1).upper() if match else None


def _owners(window, root: QWidget) -> dict[str, list[tuple[str, QWidget | None]]]:  # type: ignore[no-untyped-def]
    """Alt+letter -> (text, widget) of everything visible that underlines it."""
    found: dict[str, list[tuple[str, QWidget | None]]] = {}

    def add(text: str, widget: QWidget | None) -> None:
        if (letter := _letter(text)) is not None:
            found.setdefault(letter, []).append((text, widget))

    for action in window.menuBar().actions():
        if action.isVisible():
            add(action.text(), None)
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(window):
            continue
        if isinstance(widget, (QLabel, QAbstractButton)):
            add(widget.text(), widget)
        elif isinstance(widget, QGroupBox):
            add(widget.title(), widget)
        if isinstance(widget, QTabWidget):
            for i in range(widget.count()):
                add(widget.tabText(i), widget)
    return found


def _views(window):  # type: ignore[no-untyped-def]
    """Shows each view (and each tab or page of it) in turn; yields its name and root."""
    window.show_dashboard()
    yield "dashboard", window.dashboard_view
    window.show_caseload()
    yield "caseload", window.caseload_view
    day = _review_day(window.caseload_service.today())
    entry = _pick_child(window, day)
    review_id = window.review_service.plan_review(entry.council.id, entry.child.id, day)
    window.open_child(entry)
    tabs = window.child_view.tabs
    for i in range(tabs.count()):
        tabs.setCurrentIndex(i)
        yield f"child: {tabs.tabText(i)}", window.child_view
    window.open_review(review_id)
    nav = window.review_view.nav
    for row in range(nav.count()):
        nav.setCurrentRow(row)
        yield f"review: {nav.item(row).data(NAV_ROLE)[0]} {row}", window.review_view


def test_every_alt_letter_has_one_owner_and_a_label_moves_to_its_field(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    clashes, wrong, labels = {}, {}, 0
    for where, root in _views(window):
        owners = _owners(window, root)
        for letter, texts in owners.items():
            if len(texts) > 1:
                clashes[(where, letter)] = [t for t, _w in texts]
                continue
            (text, widget), = texts
            if not isinstance(widget, QLabel) or widget.buddy() is None \
                    or not widget.buddy().isEnabled():
                continue
            labels += 1
            root.setFocus()
            qtbot.keyClick(QApplication.focusWidget() or window, getattr(Qt.Key, f"Key_{letter}"),
                           Qt.KeyboardModifier.AltModifier)
            focus = QApplication.focusWidget()
            buddy = widget.buddy()
            if focus is None or not (focus is buddy or buddy.isAncestorOf(focus)
                                     or focus is buddy.focusProxy()):
                wrong[(where, letter)] = (text, type(focus).__name__ if focus else None)
    assert not clashes, clashes
    assert not wrong, wrong
    assert labels >= 20  # the walk met the pages' labelled fields, not an empty window

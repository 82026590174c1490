"""Search across every council from the window, keyboard first: Ctrl+K, type, Down to the
results (grouped by child, then review), Enter opens; matched words in bold; locking while
the dialog is open empties it and the results; Ctrl+F stays the caseload filter."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QTreeWidgetItem, QWidget
from tests.ui.ui_helpers import child_data_in

from iro_desktop.core.monitoring import EntryKind

pytestmark = pytest.mark.filterwarnings(r"ignore:.*invalidateFilter.*:DeprecationWarning")
CTRL = Qt.KeyboardModifier.ControlModifier


def with_search_dialog(qtbot, window, act: Callable[[QWidget], None]) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+K on the window; ``act`` runs on the dialog once it is up (it must close it)."""
    errors: list[BaseException] = []

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog.objectName() != "search_dialog":
            QTimer.singleShot(20, run)
            return
        try:
            act(dialog)
        except BaseException as exc:  # noqa: BLE001 - re-raised after exec returns
            errors.append(exc)
            dialog.reject()

    QTimer.singleShot(0, run)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_K, CTRL)
    if errors:
        raise errors[0]


def tree_texts(item: QTreeWidgetItem) -> list[str]:
    return [item.child(i).text(0) for i in range(item.childCount())]


def test_ctrl_k_finds_a_surname_and_enter_opens_the_child(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    entries = [e for e in window.caseload_service.entries()
               if e.child.record.last_name == "Llewellyn"]
    assert entries
    seen: dict[str, object] = {}

    def act(dialog) -> None:  # type: ignore[no-untyped-def]
        assert dialog.focusWidget() is dialog.query  # typing goes to the field
        qtbot.keyClicks(dialog.query, "llewel")
        qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() > 0, timeout=3000)
        top = [dialog.tree.topLevelItem(i) for i in range(dialog.tree.topLevelItemCount())]
        seen["children"] = [t.text(0) for t in top]
        seen["groups"] = tree_texts(top[0])
        seen["hits"] = tree_texts(top[0].child(0))
        seen["status"] = dialog.status.text()
        qtbot.keyClick(dialog.query, Qt.Key.Key_Down)  # to the results: the first child
        assert dialog.focusWidget() is dialog.tree
        assert dialog.tree.currentItem() is top[0]
        qtbot.keyClick(dialog.tree, Qt.Key.Key_Return)

    with_search_dialog(qtbot, window, act)
    assert len(seen["children"]) == len(entries)  # type: ignore[arg-type]
    assert all("Llewellyn" in t for t in seen["children"])  # type: ignore[union-attr]
    assert seen["groups"] == ["Child's record"]
    assert seen["hits"][0].startswith("Name: ")  # type: ignore[index]
    assert seen["status"] == f"{len(entries)} matches for {len(entries)} children." \
        if len(entries) > 1 else "1 match for 1 child."
    assert window.stack.currentWidget() is window.child_view
    assert window.child_view.entry.child.record.last_name == "Llewellyn"
    # The dialog is gone, and nothing it showed stays behind.
    assert not [d for d in window.findChildren(QWidget, "search_dialog") if d.isVisible()]


def test_a_decision_hit_opens_its_review_and_a_monitoring_hit_its_tab(  # type: ignore[no-untyped-def]
        qtbot, demo_vault_with_reviews, settings) -> None:
    from iro_desktop.app import build_services
    from iro_desktop.ui.main_window import MainWindow

    window = MainWindow(build_services(demo_vault_with_reviews, settings), settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.show_unlocked()
    chosen: dict[str, object] = {}

    def tutoring(dialog) -> None:  # type: ignore[no-untyped-def]
        qtbot.keyClicks(dialog.query, "maths tutor")
        qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() > 0, timeout=3000)
        qtbot.keyClick(dialog.query, Qt.Key.Key_Down)  # to the results
        assert dialog.focusWidget() is dialog.tree and dialog.isVisible()
        top = dialog.tree.topLevelItem(0)
        review = top.child(0)
        hit = review.child(0)
        chosen["review"] = review.text(0)
        chosen["hit"] = hit.text(0)
        chosen["html"] = hit.data(0, Qt.ItemDataRole.UserRole + 2)
        dialog.tree.setCurrentItem(hit)
        qtbot.keyClick(dialog.tree, Qt.Key.Key_Return)

    with_search_dialog(qtbot, window, tutoring)
    assert str(chosen["review"]).startswith("Review ")
    assert chosen["hit"] == "Decision: Refer for one-to-one maths tutoring"
    assert "<b>maths</b>" in str(chosen["html"]) and "<b>tutoring</b>" in str(chosen["html"])
    assert window.stack.currentWidget() is window.review_view
    assert f"Review {window.review_controller.record.number}" == chosen["review"]

    entry = window.child_view.entry
    window.services.monitoring.add_entry(
        entry.council.id, entry.child.id, EntryKind.VISIT, window.caseload_service.today(),
        with_whom="Carer", checked="Bedroom redecorated with a trampoline")
    window.dashboard_action.trigger()

    def trampoline(dialog) -> None:  # type: ignore[no-untyped-def]
        qtbot.keyClicks(dialog.query, "trampol")
        qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 1, timeout=3000)
        hit = dialog.tree.topLevelItem(0).child(0).child(0)
        chosen["monitoring"] = hit.text(0)
        dialog.tree.setCurrentItem(hit)
        qtbot.keyClick(dialog.tree, Qt.Key.Key_Return)

    with_search_dialog(qtbot, window, trampoline)
    assert chosen["monitoring"] == "Monitoring: what was checked: Bedroom redecorated with a " \
                                   "trampoline"
    assert window.stack.currentWidget() is window.child_view
    assert window.child_view.tabs.currentWidget() is window.child_view.monitoring
    window.lock()


def test_enter_in_the_field_opens_the_only_child_found(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Return in Find did not open the only match: it only moved to the list."""
    entry = window.caseload_service.entries()[0]
    ref = entry.child.record.child_ref

    def act(dialog) -> None:  # type: ignore[no-untyped-def]
        qtbot.keyClicks(dialog.query, ref)
        qtbot.keyClick(dialog.query, Qt.Key.Key_Return)  # the search runs on a worker
        try:
            qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
        except Exception:  # noqa: BLE001 - Enter did not open it: close, so the test says so
            dialog.reject()

    with_search_dialog(qtbot, window, act)
    assert window.stack.currentWidget() is window.child_view
    assert window.child_view.entry.child.record.child_ref == ref


def test_no_match_says_so(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    said: list[str] = []

    def act(dialog) -> None:  # type: ignore[no-untyped-def]
        qtbot.keyClicks(dialog.query, "zzqxv")
        qtbot.waitUntil(lambda: dialog.status.text() != "", timeout=3000)
        said.append(dialog.status.text())
        qtbot.keyClick(dialog.query, Qt.Key.Key_Escape)

    with_search_dialog(qtbot, window, act)
    assert said == ["No record matches \u201czzqxv\u201d."]
    assert window.stack.currentWidget() is window.dashboard_view


def test_locking_clears_the_results(qtbot, window, demo_vault) -> None:  # type: ignore[no-untyped-def]
    kept: dict[str, object] = {}

    def act(dialog) -> None:  # type: ignore[no-untyped-def]
        qtbot.keyClicks(dialog.query, "llewel")
        qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() > 0, timeout=3000)
        kept["results"] = dialog.results
        assert child_data_in(dialog)
        assert dialog.results.count > 0
        window.lock()  # as auto-lock would, with the dialog open

    with_search_dialog(qtbot, window, act)
    assert not demo_vault.is_unlocked
    assert window.stack.currentWidget() is window.unlock_view
    results = kept["results"]
    assert results.groups == [] and results.query == ""  # type: ignore[attr-defined]
    leaks = child_data_in(window)
    assert not leaks, "child data still held after locking:\n" + "\n".join(leaks)
    assert not window.search_action.isEnabled()


def test_a_slow_search_never_holds_up_the_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The search runs on a worker thread: the window keeps answering while it waits (for
    instance for the background indexer's write), and only the latest query's answer is
    shown."""
    import time
    from types import SimpleNamespace

    from iro_desktop.services.search import SearchResults
    from iro_desktop.ui.dialogs.search_dialog import SearchDialog

    def slow_search(query: str) -> SearchResults:
        time.sleep(0.4)
        return SearchResults(query)

    service = SimpleNamespace(search=slow_search, is_unlocked=True)
    dialog = SearchDialog(service)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.query.setText("first")
    started = time.perf_counter()
    dialog.search()
    dialog.query.setText("second")
    dialog.search()
    assert time.perf_counter() - started < 0.2  # both sent, neither waited for
    qtbot.waitUntil(lambda: dialog.status.text() != "", timeout=5000)
    assert dialog.status.text() == "No record matches \u201csecond\u201d."
    qtbot.wait(500)  # the first answer came back too, and was dropped
    assert dialog.results is not None and dialog.results.query == "second"

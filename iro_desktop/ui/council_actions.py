"""The Councils menu's actions: add a council, hand one over, import a hand-over archive,
erase a council, purge records past retention, and restore a damaged council from its
newest snapshot.

``council_actions(window)`` makes the actions for the main window (which puts them in its
Councils menu and disables them while the vault is locked). Each opens a dialog from
``ui/dialogs/council_manage_dialogs.py`` or ``ui/dialogs/archive_dialogs.py`` over
``window.vault``. After a change :func:`refresh_window` keeps every page true: the
caseload and its council filter are read again, and the dashboard when it is showing; a
child or review of an erased council is closed (back to the caseload) and emptied, and
the dashboard is read again even if hidden; a child or review of another council that is
showing is read again, so a renamed council's code shows in its header.

It also hooks the window's "Council settings" action, when there is one, so the window is
refreshed after that dialog closes (a council's code, name, nation or review periods may
have changed, and with them every due date on the caseload).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

from iro_desktop.ui.dialogs.dispose import dispose_dialog, run_until_done
from iro_desktop.ui.workers import user_message

log = logging.getLogger(__name__)


def council_actions(window: Any) -> list[QAction]:
    """The actions, parented to ``window`` and added to it (so their shortcuts work)."""
    specs = (
        ("&Add a council...", "add_council_action", add_council,
         "Add a council with its own encrypted database and key"),
        ("&Hand over a council (encrypted archive)...", "handover_archive_action", hand_over,
         "Write one encrypted archive of everything held for a council"),
        ("I&mport a hand-over archive...", "import_archive_action", import_archive,
         "Add a council from a hand-over archive"),
        ("&Erase a council...", "erase_council_action", erase_council,
         "Destroy a council's key and database when a contract ends"),
        ("&Records to purge...", "retention_action", review_retention,
         "Records of children who left a caseload, past the council's retention period"),
        ("Re&store a damaged council...", "restore_council_action", restore_councils,
         "Bring a damaged council back from its newest encrypted snapshot"),
    )
    actions = []
    for text, name, slot, tip in specs:
        action = QAction(text, window)
        action.setObjectName(name)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False, s=slot: s(window))
        window.addAction(action)
        actions.append(action)
    settings_action = getattr(window, "council_settings_action", None)
    if settings_action is not None:  # connected after the window's own slot: runs after it
        settings_action.triggered.connect(lambda _checked=False: refresh_window(window))
    return actions


def _today(window: Any):  # type: ignore[no-untyped-def]
    return window.caseload_service.today


# ---- the actions -------------------------------------------------------------------------


def add_council(window: Any) -> None:
    from iro_desktop.services.councils import CouncilService
    from iro_desktop.ui.dialogs.council_manage_dialogs import AddCouncilDialog

    service = CouncilService(window.vault, _today(window))
    dialog = AddCouncilDialog(window)
    added: list[Any] = []
    if not run_until_done(dialog, lambda: added.append(service.add(
            dialog.code.text(), dialog.name.text(), dialog.chosen_nation))):
        return
    council = added[0]
    refresh_window(window)
    window.statusBar().showMessage(f"Added {council.code} ({council.name})", 10_000)
    QMessageBox.information(
        window, "Council added",
        f"{council.code} ({council.name}) is added with its own encrypted database and key, "
        f"following {council.nation.label}'s review periods. Import its caseload with File "
        "\u25b8 Import caseload, and set its marking, templates and delivery folder in "
        "Council settings (Ctrl+,).")


def hand_over(window: Any, council_id: str = "", *, kdf: Any = None) -> None:
    """The archive dialog; from its result the IRO may go straight on to erasing."""
    from iro_desktop.ui.dialogs.archive_dialogs import HandoverDialog

    dialog = HandoverDialog(window.vault, council_id or _current_council(window), kdf=kdf,
                            parent=window)
    try:
        dialog.exec()
        erase_next = dialog.erase_requested and dialog.written is not None
        chosen = dialog.written.council.id if erase_next else ""
    finally:
        dispose_dialog(dialog)
    if erase_next and window.vault.is_unlocked:
        erase_council(window, chosen)


def import_archive(window: Any) -> None:
    from iro_desktop.ui.dialogs.archive_dialogs import ImportArchiveDialog

    dialog = ImportArchiveDialog(window.vault, window)
    try:
        dialog.exec()
        imported = dialog.imported
    finally:
        dispose_dialog(dialog)
    if imported is not None and window.vault.is_unlocked:
        refresh_window(window)
        window.statusBar().showMessage(f"Imported {imported.summary()}", 10_000)


def erase_council(window: Any, council_id: str = "") -> None:
    from iro_desktop.services.councils import CouncilService
    from iro_desktop.ui.dialogs.council_manage_dialogs import EraseCouncilDialog

    try:
        service = CouncilService(window.vault, _today(window))
        dialog = EraseCouncilDialog(service, council_id or _current_council(window),
                                    lambda cid: _before_erase(window, cid), window)
    except Exception as exc:  # noqa: BLE001 - e.g. a council database found damaged
        QMessageBox.warning(window, "Cannot erase a council", user_message(exc))
        return
    try:
        dialog.exec()
        report, dialog_erased = dialog.report, dialog.erased_id
    finally:
        dispose_dialog(dialog)
    if report is not None and window.vault.is_unlocked:
        refresh_window(window, erased=dialog_erased)
        window.statusBar().showMessage(f"Erased {report.code} ({report.name})", 15_000)


def review_retention(window: Any) -> None:
    from iro_desktop.services.retention import RetentionService
    from iro_desktop.ui.dialogs.council_manage_dialogs import RetentionDialog

    try:
        dialog = RetentionDialog(RetentionService(window.vault, _today(window)), window)
    except Exception as exc:  # noqa: BLE001
        QMessageBox.warning(window, "Cannot list the records to purge", user_message(exc))
        return
    try:
        dialog.exec()
        purged = list(dialog.purged)
    finally:
        dispose_dialog(dialog)
    if purged and window.vault.is_unlocked:
        refresh_window(window)


def restore_councils(window: Any) -> None:
    """Check every council, then offer to put each damaged one back from its newest good
    snapshot (taken at lock); the damaged file is kept beside it."""
    vault = window.vault
    try:
        vault.check()
        resealed = vault.repair_key_slots()
        damaged = vault.damaged_councils()
    except Exception as exc:  # noqa: BLE001
        QMessageBox.warning(window, "Cannot check the councils", user_message(exc))
        return
    if not damaged:
        note = (f"{len(resealed)} recovery slot(s) in the keystore were sealed again. "
                if resealed else "")
        QMessageBox.information(window, "Restore a damaged council",
                                note + "No council needs restoring: every database passed "
                                "its check.")
        return
    names = ", ".join(label for _cid, label in damaged)
    answer = QMessageBox.question(
        window, "Restore a damaged council",
        f"Damaged: {names}.\n\nRestore from the newest good snapshot, taken the last time "
        "the vault was locked after a change? Work saved after that snapshot is not in it. "
        "The damaged file is kept beside the restored one.")
    if answer != QMessageBox.StandardButton.Yes:
        return
    done, failed = [], []
    for council_id, label in damaged:
        try:
            council, _snapshot = vault.restore_council(council_id)
            done.append(council.code)
        except Exception as exc:  # noqa: BLE001 - said per council below
            failed.append(f"{label}: {user_message(exc)}")
    refresh_window(window)
    text = (f"Restored: {', '.join(done)}." if done else "Nothing was restored.") + (
        "\n\n" + "\n".join(failed) if failed else "")
    (QMessageBox.warning if failed else QMessageBox.information)(
        window, "Restore a damaged council", text)


# ---- keeping the window true -------------------------------------------------------------


def _shown_child(window: Any) -> Any:
    """The caseload entry the child page holds (None if it was never built or is empty)."""
    view = window.findChild(QWidget, "child_view")
    return getattr(view, "entry", None) if view is not None else None


def _current_council(window: Any) -> str:
    """The council of the child being looked at, else the one the caseload is filtered to."""
    entry = _shown_child(window)
    current = window.stack.currentWidget()
    if entry is not None and current is not None \
            and current.objectName() in ("child_view", "review_view"):
        return str(entry.council.id)
    caseload = window.findChild(QWidget, "caseload_view")
    return str(caseload.council_combo.currentData() or "") if caseload is not None else ""


def _before_erase(window: Any, council_id: str) -> None:
    """Typed text goes to its database before the key is destroyed; a review of the council
    being erased is closed so nothing writes to it afterwards."""
    if window.findChild(QWidget, "caseload_view") is None:
        return  # no page built yet: nothing open, nothing typed
    if not window.autosave.flush():
        log.warning("erase.unsaved_text")
    if window.review_controller.council_id == council_id:
        window.review_controller.close()


def refresh_window(window: Any, erased: str = "") -> None:
    """Read the caseload (and what else is showing) again after councils changed."""
    if not window.vault.is_unlocked:
        return
    current = window.stack.currentWidget()
    page = current.objectName() if current is not None else ""
    entry = _shown_child(window)
    try:
        shown_again = False
        if entry is not None and erased and entry.council.id == erased:
            if page in ("child_view", "review_view"):
                window.show_caseload()  # also reads the caseload again
                page, shown_again = "caseload_view", True
            window.review_view.clear()
            window.child_view.clear()
            entry = None
        if not shown_again:
            window.refresh_caseload()
        # An erased council's children must not linger in a hidden dashboard either.
        if page == "dashboard_view" or (erased and window.findChild(QWidget, "dashboard_view")):
            window.refresh_dashboard()
        if page == "child_view" and entry is not None:
            fresh = next((e for e in window.caseload_service.entries(entry.council.id)
                          if e.child.id == entry.child.id), None)
            if fresh is None:
                window.show_caseload()
            else:
                window.open_child(fresh)
        elif page == "review_view":
            window.review_controller.reload()
    except Exception as exc:  # noqa: BLE001 - the change is made; only the display lags
        QMessageBox.warning(window, "The window could not be brought up to date",
                            user_message(exc))

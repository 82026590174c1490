"""The Councils menu's actions: add a council, hand one over, import a hand-over archive,
erase a council, purge records past retention, and restore a damaged council from its
newest snapshot.

``council_actions(window)`` makes the actions for the main window (which puts them in its
Councils menu and disables them while the vault is locked). Each opens a dialog from
``ui/dialogs/council_manage_dialogs.py`` or ``ui/dialogs/archive_dialogs.py`` over one of
the window's services (``window.services``: the councils, retention, archive and access
services the composition root made). What the actions need of the window is the small
:class:`CouncilsWindow` interface: after a change ``window.councils_changed()`` keeps
every page true (``MainWindow.councils_changed`` says how), and before an erase
``window.before_council_erased()`` saves what was typed and closes a review of that
council.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

from iro_desktop.ui.dialogs.dispose import dispose_dialog, run_until_done
from iro_desktop.ui.workers import user_message

if TYPE_CHECKING:
    from iro_desktop.core.models import Council
    from iro_desktop.services.app_services import AppServices

log = logging.getLogger(__name__)


class CouncilsWindow(Protocol):
    """What the Councils actions need of the window they belong to (``MainWindow``)."""

    @property
    def services(self) -> AppServices:
        """The window's services, made by the composition root."""
        ...

    def as_widget(self) -> QWidget:
        """The window as the parent of the actions and their dialogs."""
        ...

    def show_status(self, text: str, timeout_ms: int) -> None:
        """A note in the status bar."""
        ...

    def current_council(self) -> str:
        """The council of the child being looked at, else the one the caseload shows
        ("" for none): the one a dialog starts on."""
        ...

    def before_council_erased(self, council_id: str) -> None:
        """Typed text goes to its database, and a review of ``council_id`` is closed."""
        ...

    def councils_changed(self, erased: str = "") -> None:
        """Read every page showing councils again (``erased``: a council just erased)."""
        ...


def council_actions(window: CouncilsWindow) -> list[QAction]:
    """The actions, parented to ``window`` and added to it (so their shortcuts work)."""
    specs: tuple[tuple[str, str, Callable[[CouncilsWindow], None], str], ...] = (
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
    parent = window.as_widget()
    actions = []
    for text, name, slot, tip in specs:
        action = QAction(text, parent)
        action.setObjectName(name)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False, s=slot: s(window))
        parent.addAction(action)
        actions.append(action)
    return actions


# ---- the actions -------------------------------------------------------------------------


def add_council(window: CouncilsWindow) -> None:
    from iro_desktop.ui.dialogs.council_manage_dialogs import AddCouncilDialog

    service = window.services.councils
    parent = window.as_widget()
    dialog = AddCouncilDialog(parent)
    added: list[Council] = []
    if not run_until_done(dialog, lambda: added.append(service.add(
            dialog.code.text(), dialog.name.text(), dialog.chosen_nation))):
        return
    council = added[0]
    window.councils_changed()
    window.show_status(f"Added {council.code} ({council.name})", 10_000)
    QMessageBox.information(
        parent, "Council added",
        f"{council.code} ({council.name}) is added with its own encrypted database and key, "
        f"following {council.nation.label}'s review periods. Import its caseload with File "
        "\u25b8 Import caseload, and set its marking, templates and delivery folder in "
        "Council settings (Ctrl+,).")


def hand_over(window: CouncilsWindow, council_id: str = "", *, kdf: Any = None) -> None:
    """The archive dialog; from its result the IRO may go straight on to erasing.
    ``kdf``: the archive key's Argon2id parameters (tests pass fast ones)."""
    from iro_desktop.ui.dialogs.archive_dialogs import HandoverDialog

    dialog = HandoverDialog(window.services.archive, council_id or window.current_council(),
                            kdf=kdf, parent=window.as_widget())
    try:
        dialog.exec()
        erase_next = dialog.erase_requested and dialog.written is not None
        chosen = dialog.written.council.id if erase_next else ""
    finally:
        dispose_dialog(dialog)
    if erase_next and window.services.access.is_unlocked:
        erase_council(window, chosen)


def import_archive(window: CouncilsWindow) -> None:
    from iro_desktop.ui.dialogs.archive_dialogs import ImportArchiveDialog

    dialog = ImportArchiveDialog(window.services.archive, window.as_widget())
    try:
        dialog.exec()
        imported = dialog.imported
    finally:
        dispose_dialog(dialog)
    if imported is not None and window.services.access.is_unlocked:
        window.councils_changed()
        window.show_status(f"Imported {imported.summary()}", 10_000)


def erase_council(window: CouncilsWindow, council_id: str = "") -> None:
    from iro_desktop.ui.dialogs.council_manage_dialogs import EraseCouncilDialog

    parent = window.as_widget()
    try:
        dialog = EraseCouncilDialog(window.services.councils,
                                    council_id or window.current_council(),
                                    window.before_council_erased, parent)
    except Exception as exc:  # noqa: BLE001 - e.g. a council database found damaged
        QMessageBox.warning(parent, "Cannot erase a council", user_message(exc))
        return
    try:
        dialog.exec()
        report, dialog_erased = dialog.report, dialog.erased_id
    finally:
        dispose_dialog(dialog)
    if report is not None and window.services.access.is_unlocked:
        window.councils_changed(erased=dialog_erased)
        window.show_status(f"Erased {report.code} ({report.name})", 15_000)


def review_retention(window: CouncilsWindow) -> None:
    from iro_desktop.ui.dialogs.council_manage_dialogs import RetentionDialog

    parent = window.as_widget()
    try:
        dialog = RetentionDialog(window.services.retention, parent)
    except Exception as exc:  # noqa: BLE001
        QMessageBox.warning(parent, "Cannot list the records to purge", user_message(exc))
        return
    try:
        dialog.exec()
        purged = list(dialog.purged)
    finally:
        dispose_dialog(dialog)
    if purged and window.services.access.is_unlocked:
        window.councils_changed()


def restore_councils(window: CouncilsWindow) -> None:
    """Check every council, then offer to put each damaged one back from its newest good
    snapshot (taken at lock); the damaged file is kept beside it."""
    access = window.services.access
    parent = window.as_widget()
    try:
        resealed, damaged = access.check_councils()
    except Exception as exc:  # noqa: BLE001
        QMessageBox.warning(parent, "Cannot check the councils", user_message(exc))
        return
    if not damaged:
        note = (f"{len(resealed)} recovery slot(s) in the keystore were sealed again. "
                if resealed else "")
        QMessageBox.information(parent, "Restore a damaged council",
                                note + "No council needs restoring: every database passed "
                                "its check.")
        return
    names = ", ".join(label for _cid, label in damaged)
    answer = QMessageBox.question(
        parent, "Restore a damaged council",
        f"Damaged: {names}.\n\nRestore from the newest good snapshot, taken the last time "
        "the vault was locked after a change? Work saved after that snapshot is not in it. "
        "The damaged file is kept beside the restored one.")
    if answer != QMessageBox.StandardButton.Yes:
        return
    done, failed = [], []
    for council_id, label in damaged:
        try:
            done.append(access.restore_council(council_id).code)
        except Exception as exc:  # noqa: BLE001 - said per council below
            failed.append(f"{label}: {user_message(exc)}")
    window.councils_changed()
    text = (f"Restored: {', '.join(done)}." if done else "Nothing was restored.") + (
        "\n\n" + "\n".join(failed) if failed else "")
    (QMessageBox.warning if failed else QMessageBox.information)(
        parent, "Restore a damaged council", text)

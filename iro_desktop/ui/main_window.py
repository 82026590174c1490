"""The main window: locked face or dashboard and caseload, menus, shortcuts and auto-lock.

It is the one place that connects views to services. It receives the services from the
composition root (``app.py``: :class:`~iro_desktop.services.app_services.AppServices`)
and builds none itself; it never sees the vault. Slow calls (key derivation, imports) run
on the thread pool; the window never shows child data while the vault is locked.
"""

from __future__ import annotations

import logging
import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QCoreApplication, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.settings import Settings

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent

    from iro_desktop.services.app_services import AppServices
    from iro_desktop.services.caseload import CaseloadService
    from iro_desktop.services.dashboard import DashboardService
    from iro_desktop.services.reviews import ReviewService
    from iro_desktop.services.search import SearchService
    from iro_desktop.ui.autosave_bridge import AutosaveBridge
    from iro_desktop.ui.resume import Place
    from iro_desktop.ui.views.caseload_view import CaseloadView
    from iro_desktop.ui.views.child_view import ChildView
    from iro_desktop.ui.views.dashboard_view import DashboardView
    from iro_desktop.ui.views.review_controller import ReviewController
    from iro_desktop.ui.views.review_view import ReviewView
from iro_desktop.ui.auto_lock import AutoLock
from iro_desktop.ui.dialogs.dispose import dispose_dialog, run_until_done
from iro_desktop.ui.views.unlock_view import UnlockView
from iro_desktop.ui.workers import run_in_background, user_message

log = logging.getLogger(__name__)

SEARCH_INDEX_DELAY_MS = 1500  # after unlock, before the search index catches up
SENDING_PRELOAD_DELAY_MS = 1000  # after unlock: the automatic send's imports (warm_up)

SHORTCUTS_HELP = """
<table cellpadding='4'>
<tr><td><b>Ctrl+L</b></td><td>Lock the vault now</td></tr>
<tr><td><b>Ctrl+I</b></td><td>Import a caseload CSV</td></tr>
<tr><td><b>Ctrl+F</b></td><td>Filter the caseload by name or reference</td></tr>
<tr><td><b>Ctrl+0</b></td><td>Go to the dashboard (shown after unlocking); F5 reads it again</td></tr>
<tr><td><b>Ctrl+1</b></td><td>Go to the caseload table</td></tr>
<tr><td><b>Ctrl+K</b></td><td>Search every record of every council; Down to the results, Enter opens</td></tr>
<tr><td><b>Alt+O / Alt+T / Alt+D</b></td><td>Council filter / status filter / find</td></tr>
<tr><td><b>Enter</b></td><td>Open the selected child; in the child view, its review</td></tr>
<tr><td><b>Ctrl+N</b></td><td>Plan the child's next review</td></tr>
<tr><td><b>Alt+R / Alt+M / Alt+E</b></td><td>In the child view: reviews / monitoring log / escalations</td></tr>
<tr><td><b>Alt+I, R</b></td><td>Annual report figures (charts, Word and CSV)</td></tr>
<tr><td><b>Ctrl+Shift+B</b></td><td>The outbox: send copies to the councils</td></tr>
<tr><td><b>Ctrl+,</b></td><td>Council settings (marking, template, delivery folder...)</td></tr>
<tr><td colspan='2'><b>In a review</b></td></tr>
<tr><td><b>Ctrl+PgDown / Ctrl+PgUp</b></td><td>Next / previous section or agenda item</td></tr>
<tr><td><b>Ctrl+D</b></td><td>Mark the agenda item done and go to the next</td></tr>
<tr><td><b>F6</b></td><td>Switch between the navigator and the page</td></tr>
<tr><td><b>Ctrl+Shift+N</b></td><td>Add an ad hoc agenda item</td></tr>
<tr><td><b>Ctrl+Shift+H</b></td><td>Mark the review held</td></tr>
<tr><td><b>Ctrl+Enter</b></td><td>Add the decision being typed</td></tr>
<tr><td><b>A / P / W / I / X</b></td><td>Attendance table: attended / apologies / in writing / invited / excluded</td></tr>
<tr><td><b>D / P / N / X</b></td><td>Previous decisions table: done / in progress / not done / no longer needed</td></tr>
<tr><td><b>Enter, F2 / Delete</b></td><td>Decisions table: correct (amend once finalised) / delete</td></tr>
<tr><td><b>Ctrl+Shift+F</b></td><td>Finalise the record</td></tr>
<tr><td><b>Ctrl+Shift+W</b></td><td>Withhold the line at the cursor from a group or one person</td></tr>
<tr><td><b>Ctrl+Shift+O</b></td><td>Put copies of the record in the outbox</td></tr>
<tr><td><b>Ctrl+Shift+E</b></td><td>Save a Word copy of the record (not encrypted)</td></tr>
<tr><td><b>Escape</b></td><td>Back to the child, then to the caseload</td></tr>
<tr><td><b>F1</b></td><td>This list</td></tr>
<tr><td><b>Ctrl+Q</b></td><td>Quit (locks first)</td></tr>
</table>
"""


def _qt_app() -> QCoreApplication:
    """The application (a window cannot exist without one)."""
    app = QApplication.instance()
    if app is None:
        raise RuntimeError("no QApplication")
    return app


class MainWindow(QMainWindow):
    vault_locked = Signal()
    vault_unlocked = Signal()

    def __init__(self, services: AppServices, settings: Settings, *,
                 demo_note: str | None = None, auto_lock: AutoLock | None = None) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.services = services  # built by app.py; each service is made on first use
        self.access = services.access  # unlocking, locking, the councils open
        self.settings = settings
        self.setWindowTitle("iro-desktop")
        self._clipboard_owned = False
        self._between: dict[str, object] = {}  # the dashboard page, built when first used
        self._child_origin = "caseload"  # where Escape in the child view goes back to
        self._busy = False
        self._resume_place: Place | None = None  # where to return after unlocking (ui/resume.py)
        # "Send when the council's folder is reachable": checked every minute while unlocked.
        self.auto_send_timer = QTimer(self)
        self._auto_sending = False
        self._auto_send_idle = threading.Event()  # no auto-send worker is writing
        self._auto_send_idle.set()
        self.auto_send_timer.setInterval(60_000)
        self.auto_send_timer.timeout.connect(self.auto_send)

        self.unlock_view = UnlockView(f"Vault: {self.access.folder}")
        self.unlock_view.unlock_requested.connect(self._on_unlock_requested)
        self.unlock_view.recovery_requested.connect(self._on_recovery_requested)
        # The caseload and review pages (and the database layer under them) are built at
        # the first unlock: the locked window needs none of it (docs/performance.md).
        self._workspace: dict[str, object] = {}
        self.stack = QStackedWidget()
        self.stack.addWidget(self.unlock_view)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        self.demo_banner: QLabel | None = None
        if demo_note:
            self.demo_banner = QLabel(demo_note)
            self.demo_banner.setObjectName("demo_banner")
            self.demo_banner.setAccessibleName("Demo vault notice")
            self.demo_banner.setWordWrap(True)
            self.demo_banner.setStyleSheet(
                "background: #fff3cd; color: #3d2e00; padding: 6px; border-bottom: 1px solid #c9a227;")
            layout.addWidget(self.demo_banner)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self.auto_lock = auto_lock or AutoLock(settings.get("idle_lock_minutes"), self)
        self.auto_lock.lock_requested.connect(self._on_auto_lock)
        self._os_signals_connected = False
        self.access.add_lock_listener(self._on_vault_locked)
        self._set_locked_ui()
        fm = self.fontMetrics()
        self.resize(fm.averageCharWidth() * 170, fm.height() * 40)

    # ---- the workspace, built at first unlock --------------------------------------------

    def _ensure_workspace(self) -> dict[str, object]:
        """The caseload page and the review controller over the review service; built while
        the passphrase is typed (see warm_up) or at the latest at the first unlock."""
        if self._workspace:
            return self._workspace
        from iro_desktop.ui.autosave_bridge import AutosaveBridge
        from iro_desktop.ui.views.caseload_view import CaseloadView
        from iro_desktop.ui.views.review_controller import ReviewController

        caseload_view = CaseloadView()
        caseload_view.table.activated.connect(self._on_caseload_activated)
        caseload_view.search.returnPressed.connect(self._on_find_return)
        review_service = self.services.reviews
        autosave = AutosaveBridge(review_service, self)
        controller = ReviewController(review_service, autosave, self)
        self.stack.addWidget(caseload_view)
        self._workspace.update(caseload_view=caseload_view, review_service=review_service,
                               autosave=autosave, review_controller=controller)
        return self._workspace

    def _ensure_review_pages(self) -> dict[str, object]:
        """The child and review pages, built when first needed."""
        workspace = self._ensure_workspace()
        if "review_view" in workspace:
            return workspace
        from iro_desktop.ui.views.child_view import ChildView
        from iro_desktop.ui.views.review_view import ReviewView

        today = self.caseload_service.today
        child_view = ChildView(self.services.monitoring, self.services.escalation,
                               self.review_service, today)
        child_view.back_requested.connect(self._on_child_back)
        child_view.due_changed.connect(self._refresh_child)
        child_view.plan_requested.connect(self._on_plan_requested)
        child_view.review_requested.connect(self.open_review)
        review_view = ReviewView(self.review_controller)
        review_view.back_requested.connect(self._on_review_back)
        self.stack.addWidget(child_view)
        self.stack.addWidget(review_view)
        workspace.update(child_view=child_view, review_view=review_view)
        return workspace

    @property
    def caseload_view(self) -> CaseloadView:
        return cast("CaseloadView", self._ensure_workspace()["caseload_view"])

    @property
    def child_view(self) -> ChildView:
        return cast("ChildView", self._ensure_review_pages()["child_view"])

    @property
    def review_view(self) -> ReviewView:
        return cast("ReviewView", self._ensure_review_pages()["review_view"])

    @property
    def review_service(self) -> ReviewService:
        return cast("ReviewService", self._ensure_workspace()["review_service"])

    @property
    def review_controller(self) -> ReviewController:
        return cast("ReviewController", self._ensure_workspace()["review_controller"])

    @property
    def autosave(self) -> AutosaveBridge:
        return cast("AutosaveBridge", self._ensure_workspace()["autosave"])

    def warm_up(self) -> None:
        """Import, on a background thread, what unlocking and the caseload will need, while
        the IRO types the passphrase (keeps both start-up and unlock quick)."""
        import threading

        def work() -> None:
            try:
                from iro_desktop.services.warm_up import preload

                preload()
                import gc

                # Everything imported so far lives as long as the app: keep it out of the
                # garbage collector's full passes, one of which otherwise lands in the
                # first page after unlock (~100 ms at ten years of records).
                gc.freeze()
            except Exception as exc:  # noqa: BLE001 - only a head start; unlock imports anyway
                log.info("warmup.failed kind=%s", type(exc).__name__)

        thread = threading.Thread(target=work, name="iro-warmup", daemon=True)
        thread.start()

        def build_pages() -> None:  # widgets belong to the GUI thread: built here, hidden
            if thread.is_alive():
                QTimer.singleShot(100, build_pages)
                return
            if not self.access.is_unlocked or not self._workspace:
                self._ensure_workspace()
                self.caseload_view.ensurePolished()
                self._ensure_dashboard()

        QTimer.singleShot(100, build_pages)

    # ---- actions and menus -----------------------------------------------------------

    def _action(self, text: str, slot,  # type: ignore[no-untyped-def]
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
                name: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            # setShortcuts: setShortcut's overload resolution costs ~24 ms at start-up in PySide6.
            action.setShortcuts([QKeySequence(shortcut)])  # window-wide (default context)
        action.setObjectName(name)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.import_action = self._action("&Import caseload...", self._on_import_triggered,
                                          "Ctrl+I", "import_action")
        self.lock_action = self._action("&Lock now", self.lock, "Ctrl+L", "lock_action")
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit,
                                        "quit_action")
        self.filter_action = self._action("&Filter caseload", self._on_filter_triggered,
                                          QKeySequence.StandardKey.Find, "filter_action")
        self.table_action = self._action("&Caseload table", self._on_table_triggered, "Ctrl+1",
                                         "table_action")
        self.change_action = self._action("Change &passphrase...", self._on_change_passphrase,
                                          None, "change_passphrase_action")
        self.remember_action = self._action("&Remember on this computer",
                                            self._on_remember_toggled, None, "remember_action")
        self.remember_action.setCheckable(True)
        self.recovery_action = self._action("New recovery &key...", self._on_new_recovery_key,
                                            None, "new_recovery_action")
        self.autolock_action = self._action("&Auto-lock after...", self._on_autolock_settings,
                                            None, "autolock_action")
        self.council_settings_action = self._action(
            "Council &settings...", self._on_council_settings, "Ctrl+,",
            "council_settings_action")
        self.outbox_action = self._action("&Outbox...", self._on_outbox, "Ctrl+Shift+B",
                                          "outbox_action")
        # Between reviews: the dashboard, search and the annual report (issue 6).
        self.dashboard_action = self._action("&Dashboard", self.show_dashboard, "Ctrl+0",
                                             "dashboard_action")
        self.search_action = self._action("&Search all records...", self.open_search,
                                          "Ctrl+K", "search_action")
        self.report_action = self._action("Annual &report figures...", self.open_report,
                                          None, "report_action")
        self.shortcuts_action = self._action("&Keyboard shortcuts", self._on_shortcuts_help,
                                             "F1", "shortcuts_action")
        self.about_action = self._action("&About iro-desktop", self._on_about, None,
                                         "about_action")

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.outbox_action)
        file_menu.addSeparator()
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.quit_action)
        view_menu = bar.addMenu("&View")
        view_menu.addAction(self.dashboard_action)
        view_menu.addAction(self.table_action)
        view_menu.addAction(self.filter_action)
        # Alt+I: the review pages use W, R and S for their own fields.
        work_menu = bar.addMenu("Overs&ight")
        work_menu.addAction(self.search_action)
        work_menu.addAction(self.report_action)
        council_menu = bar.addMenu("Counci&ls")
        council_menu.addAction(self.council_settings_action)
        from iro_desktop.ui.council_actions import council_actions  # dialogs load on use

        self.council_extra_actions = council_actions(self)
        council_menu.addSeparator()
        for action in self.council_extra_actions:
            council_menu.addAction(action)
        vault_menu = bar.addMenu("V&ault")
        vault_menu.addAction(self.change_action)
        vault_menu.addAction(self.recovery_action)
        vault_menu.addAction(self.remember_action)
        vault_menu.addAction(self.autolock_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)
        self._unlocked_only = (self.import_action, self.lock_action, self.filter_action,
                               self.table_action, self.change_action, self.remember_action,
                               self.recovery_action, self.council_settings_action,
                               self.outbox_action, self.dashboard_action, self.search_action,
                               self.report_action, *self.council_extra_actions)

    # ---- lock state ----------------------------------------------------------------

    def _set_locked_ui(self) -> None:
        if self._workspace:
            self.caseload_view.clear()
            self.review_controller.record = None
        if "review_view" in self._workspace:
            self.child_view.clear()
            self.review_view.clear()
        if "dashboard_view" in self._between:
            self.dashboard_view.clear()
        _qt_app().removeEventFilter(self.auto_lock)
        self.stack.setCurrentWidget(self.unlock_view)
        for action in self._unlocked_only:
            action.setEnabled(False)
        self.statusBar().showMessage("Locked")
        self.unlock_view.reset()

    def _set_unlocked_ui(self) -> None:
        for action in self._unlocked_only:
            action.setEnabled(True)
        self.remember_action.setVisible(self.access.keyring_available())
        self.remember_action.setChecked(self.access.remembered)
        from iro_desktop.ui.resume import restore

        # Back where the IRO was before the lock (review, section, cursor; caseload filters);
        # the dashboard at the first unlock. The caseload is read when first shown (Ctrl+1).
        place, self._resume_place = self._resume_place, None
        if not restore(self, place):
            self.show_dashboard()
        _qt_app().installEventFilter(self.auto_lock)
        self.auto_lock.start()
        self.auto_send_timer.start()
        if not self._os_signals_connected:
            self._os_signals_connected = True
            self.auto_lock.connect_os_signals(int(self.winId()))
        self.vault_unlocked.emit()
        self.warn_damaged()
        # the search index catches up in the background, once the first page is shown
        QTimer.singleShot(SEARCH_INDEX_DELAY_MS, self._start_search_indexing)
        # and the automatic send's modules are imported before anyone is typing
        QTimer.singleShot(SENDING_PRELOAD_DELAY_MS, self._preload_sending)

    def _preload_sending(self) -> None:
        if not self.access.is_unlocked:
            return
        from iro_desktop.services.warm_up import preload_sending

        def failed(exc: BaseException) -> None:  # only a head start: the send imports anyway
            log.info("warmup.sending_failed kind=%s", type(exc).__name__)

        run_in_background(preload_sending, lambda _result: None, failed)

    def _start_search_indexing(self) -> None:
        if self.access.is_unlocked:
            self.search_service.start_indexing()

    def warn_damaged(self) -> None:
        """Name any council database that failed its check; the others stay usable."""
        damaged = self.access.damaged_messages()
        if damaged:
            QMessageBox.warning(self, "A council database is damaged",
                                "\n\n".join(damaged)
                                + "\n\nThe other councils are open as usual. Councils > "
                                "Restore a damaged council brings it back from its newest "
                                "snapshot.")

    def show_unlocked(self) -> None:
        """The vault was unlocked elsewhere (creation, keyring, demo): show the dashboard."""
        self._set_unlocked_ui()

    def lock(self) -> None:
        search = self.services.search_if_built()
        if search is not None:
            search.stop_indexing()
        if self.access.is_unlocked:
            from iro_desktop.ui.resume import capture

            self._resume_place = capture(self) or self._resume_place
            focus = self.focusWidget()
            if focus is not None:
                # A one-line field saves when it loses the focus: a venue or an address
                # being typed is saved now, while the vault is still open.
                focus.clearFocus()
            # a send on its worker thread finishes before the databases close
            if not self._auto_send_idle.wait(10):
                log.warning("lock.auto_send_still_running")
            if self._workspace:
                if not self.autosave.flush():  # save what was typed before the keys go
                    log.warning("lock.unsaved_text_discarded")
                self.autosave.saver.discard()
            self.access.lock()  # listeners clear the window
        else:
            self._on_vault_locked()

    def _on_vault_locked(self) -> None:
        from iro_desktop.ui.resume import capture

        if self._resume_place is None:  # locked other than by lock(), which noted it
            self._resume_place = capture(self)  # None on the locked face
        self.auto_lock.stop()
        self.auto_send_timer.stop()
        self._clear_clipboard()
        self._scrub_dialogs()
        self._set_locked_ui()
        self.vault_locked.emit()

    def _on_auto_lock(self, reason: str) -> None:
        self.lock()
        self.unlock_view.reset({"idle": "Locked after a period of inactivity",
                                "resume": "Locked while the computer was asleep",
                                "screen-lock": "Locked with the screen",
                                "suspend": "Locked when the computer went to sleep"}
                               .get(reason, "The vault is locked"))

    def _scrub_dialogs(self) -> None:
        """Close every dialog and wipe what it showed (a closed dialog lives on as a hidden
        child of the window, with its passphrases, keys or problem lists still in it)."""
        for dialog in self.findChildren(QDialog):
            dispose_dialog(dialog)

    def _clear_clipboard(self) -> None:
        if self._clipboard_owned:
            QGuiApplication.clipboard().clear()
            self._clipboard_owned = False

    # ---- unlocking -----------------------------------------------------------------

    def _on_unlock_requested(self, passphrase: str) -> None:
        if self._busy:
            return
        self._busy = True
        self.unlock_view.set_busy(True)
        run_in_background(lambda: self.access.unlock(passphrase),
                          self._on_unlocked,
                          self._on_unlock_failed)

    def _on_unlocked(self, _result: object) -> None:
        self._busy = False
        self.unlock_view.set_busy(False)
        self.unlock_view.passphrase.clear()  # no secret left in a hidden widget
        try:
            self._set_unlocked_ui()
        except Exception as exc:  # noqa: BLE001 - e.g. a damaged page found while loading
            self.access.lock()
            self.unlock_view.show_message(user_message(exc), error=True)

    def _on_unlock_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.unlock_view.set_busy(False)
        self.unlock_view.passphrase.selectAll()
        self.unlock_view.passphrase.setFocus()
        self.unlock_view.show_message(user_message(exc), error=True)

    def _on_recovery_requested(self) -> None:
        from iro_desktop.ui.dialogs.recovery_dialog import RecoveryDialog

        dialog = RecoveryDialog(self)
        if not run_until_done(dialog, lambda: self.access.unlock_with_recovery(
                dialog.key_text, dialog.new_passphrase)):
            return
        self._set_unlocked_ui()
        QMessageBox.information(self, "Vault unlocked",
                                "The vault is open and your new passphrase is set. "
                                "The old passphrase no longer works.")

    # ---- caseload ------------------------------------------------------------------

    @property
    def caseload_service(self) -> CaseloadService:
        return self.services.caseload

    def refresh_caseload(self) -> None:
        service = self.caseload_service
        today: date = service.today()
        self.caseload_view.soon_days = service.soon_days  # its summary's "due within N days"
        self.caseload_view.set_data(self.access.councils(), service.entries(), today)
        self.caseload_view.set_damaged([label for _cid, label in self.access.damaged_councils()])
        self.statusBar().showMessage(
            f"Unlocked \u2022 {len(self.access.councils())} council database(s) open")

    def _on_import_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import caseload CSV", str(Path.home()),
                                              "CSV files (*.csv);;All files (*)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        from iro_desktop.core.caseload_csv import MAX_FILE_BYTES
        from iro_desktop.ui.dialogs.import_dialogs import NewCouncilsDialog

        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise OSError(f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB")
            data = path.read_bytes()
        except OSError as exc:
            QMessageBox.warning(self, "Cannot read the file",
                                f"{path.name} could not be read: {exc.strerror or exc}")
            return
        parsed = self.caseload_service.parse(data)
        if not parsed.ok:
            self._show_problems(path.name, parsed.errors)
            return
        new = [(c.code, c.name, c.nation) for c in parsed.councils.values()
               if self.access.council_by_code(c.code) is None]
        nations = {}
        if new:
            dialog = NewCouncilsDialog(new, self)
            try:
                if not dialog.exec():
                    return
                nations = dialog.nations()
            finally:
                dispose_dialog(dialog)
        try:
            report = self.caseload_service.import_caseload(data, nations=nations)
        except Exception as exc:  # noqa: BLE001
            issues = getattr(exc, "issues", None)
            if issues:
                self._show_problems(path.name, issues)
            else:
                QMessageBox.warning(self, "Caseload not imported", user_message(exc))
            return
        self.refresh_caseload()
        if self.stack.currentWidget() is self._between.get("dashboard_view"):
            self.refresh_dashboard()
        lines = [f"{c.code} {c.name}: {c.added} added, {c.updated} updated, "
                 f"{c.unchanged} unchanged" + (" (new council)" if c.new else "")
                 for c in report.councils]
        warnings = [str(w) for w in report.warnings[:10]]
        QMessageBox.information(self, "Caseload imported",
                                "\n".join([f"Imported {path.name}: {report.summary()}.", "",
                                           *lines, *([""] + warnings if warnings else [])]))

    # ---- child and review --------------------------------------------------------

    def show_caseload(self) -> None:
        self.autosave.flush()
        self.review_controller.close()
        self.refresh_caseload()
        self.stack.setCurrentWidget(self.caseload_view)
        self.caseload_view.focus_table()

    def _on_caseload_activated(self, index) -> None:  # type: ignore[no-untyped-def]
        from iro_desktop.ui.models.caseload_table_model import ENTRY_ROLE

        entry = index.data(ENTRY_ROLE)
        if entry is not None:
            self._child_origin = "caseload"
            self.open_child(entry)

    def _on_find_return(self) -> None:
        """Enter in Find: the only child left opens; with several, the table takes the keys."""
        proxy = self.caseload_view.proxy
        if proxy.rowCount() == 1:
            self._on_caseload_activated(proxy.index(0, 0))
        elif proxy.rowCount():
            self.caseload_view.focus_table()

    def open_child(self, entry) -> None:  # type: ignore[no-untyped-def]
        self._current_entry = entry
        council = self.access.council(entry.council.id)
        try:
            reviews = self.review_service.reviews(council.id, entry.child.id)
            decisions = self.review_service.open_decisions(council.id, entry.child.id)
        except Exception as exc:  # noqa: BLE001
            QMessageBox.warning(self, "Cannot open the child", user_message(exc))
            return
        self.child_view.set_back_target(self._child_origin)
        self.child_view.show_child(entry, council, reviews, decisions,
                                   self.caseload_service.today())
        self.stack.setCurrentWidget(self.child_view)

    def _refresh_child(self) -> None:
        entry = getattr(self, "_current_entry", None)
        if entry is None:
            return
        fresh = next((e for e in self.caseload_service.entries(entry.council.id)
                      if e.child.id == entry.child.id), entry)
        self.open_child(fresh)

    def _on_plan_requested(self) -> None:
        from iro_desktop.ui.views.child_view import PlanReviewDialog

        entry = self.child_view.entry
        if entry is None:
            return
        dialog = PlanReviewDialog(max(entry.due.due, self.caseload_service.today()), self)
        try:  # the venue set for it at the last review, not typed again
            dialog.venue.setText(self.review_service.usual_venue(entry.council.id,
                                                                 entry.child.id))
            dialog.venue.selectAll()
        except Exception as exc:  # noqa: BLE001 - only a suggestion
            log.info("plan.venue_unknown kind=%s", type(exc).__name__)
        try:
            if not dialog.exec():
                return
            when, venue = dialog.date, dialog.venue.text()
        finally:
            dispose_dialog(dialog)
        try:
            review_id = self.review_service.plan_review(entry.council.id, entry.child.id,
                                                        when, venue)
        except Exception as exc:  # noqa: BLE001
            QMessageBox.warning(self, "Review not planned", user_message(exc))
            return
        try:  # the network (child, social worker, last review's people) is invited
            self.review_service.invite_network(entry.council.id, review_id)
        except Exception as exc:  # noqa: BLE001 - the review is planned; people can be added
            log.warning("plan.invite_failed kind=%s", type(exc).__name__)
        self.open_review(review_id)

    def open_review(self, review_id: int) -> None:
        entry = self.child_view.entry
        if entry is None:
            return
        try:
            self.review_view.open(entry.council.id, review_id)
        except Exception as exc:  # noqa: BLE001
            QMessageBox.warning(self, "Cannot open the review", user_message(exc))
            return
        self.stack.setCurrentWidget(self.review_view)
        self.review_view.nav.setFocus()

    def _on_review_back(self) -> None:
        self.autosave.flush()
        self.review_controller.close()
        self._refresh_child()

    def _show_problems(self, file_name: str, issues: list) -> None:
        from iro_desktop.ui.dialogs.import_dialogs import ImportProblemsDialog

        dialog = ImportProblemsDialog(file_name, issues, self)
        try:
            dialog.exec()
        finally:
            dispose_dialog(dialog)

    def _on_filter_triggered(self) -> None:
        if self.stack.currentWidget() is not self.caseload_view:
            self.show_caseload()
        self.caseload_view.search.setFocus()
        self.caseload_view.search.selectAll()

    def _on_table_triggered(self) -> None:
        if self.stack.currentWidget() is not self.caseload_view:
            self.show_caseload()
        self.caseload_view.focus_table()

    # ---- between reviews: dashboard, search, annual report (issue 6) ----------------

    def _ensure_dashboard(self) -> dict[str, object]:
        """The dashboard page, built while the passphrase is typed or at the first unlock."""
        if "dashboard_view" in self._between:
            return self._between
        from iro_desktop.ui.views.dashboard_view import DashboardView

        view = DashboardView()
        view.open_requested.connect(self.open_target)
        view.outbox_requested.connect(self._on_dashboard_outbox)
        view.caseload_requested.connect(self._on_table_triggered)
        view.refresh_requested.connect(self.refresh_dashboard)
        self.stack.addWidget(view)
        self._between["dashboard_view"] = view
        return self._between

    @property
    def dashboard_view(self) -> DashboardView:
        return cast("DashboardView", self._ensure_dashboard()["dashboard_view"])

    @property
    def dashboard_service(self) -> DashboardService:
        return self.services.dashboard

    @property
    def search_service(self) -> SearchService:
        """One per window: it empties every result it gave out when the vault locks."""
        return self.services.search

    def show_dashboard(self) -> None:
        if "review_view" in self._workspace:
            self.autosave.flush()
            self.review_controller.close()
        self.refresh_dashboard()
        self.stack.setCurrentWidget(self.dashboard_view)
        self.dashboard_view.focus_first()

    def refresh_dashboard(self) -> None:
        import time

        started = time.perf_counter()
        try:
            board = self.dashboard_service.dashboard()
        except Exception as exc:  # noqa: BLE001 - the caseload is still one key away
            QMessageBox.warning(self, "Cannot show the dashboard", user_message(exc))
            return
        self.dashboard_view.set_dashboard(board, no_children=not self.access.councils())
        log.info("dashboard.refreshed ms=%d", (time.perf_counter() - started) * 1000)
        self.statusBar().showMessage(
            f"Unlocked \u2022 {len(self.access.councils())} council database(s) open")

    def open_target(self, target) -> None:  # type: ignore[no-untyped-def]
        """Open the child (and the review or tab) a dashboard row or search result names."""
        if "review_view" in self._workspace:
            self.autosave.flush()
            self.review_controller.close()
        try:
            entry = next((e for e in self.caseload_service.entries(target.council_id)
                          if e.child.id == target.child_id), None)
        except Exception as exc:  # noqa: BLE001
            QMessageBox.warning(self, "Cannot open the child", user_message(exc))
            return
        if entry is None:
            QMessageBox.information(self, "Not on the caseload",
                                    "This child is no longer on the caseload, so their page "
                                    "cannot be opened. Their records are kept until the "
                                    "council's retention period ends.")
            return
        if self.stack.currentWidget() in (self._between.get("dashboard_view"),
                                          self._workspace.get("caseload_view")):
            self._child_origin = ("dashboard" if self.stack.currentWidget()
                                  is self._between.get("dashboard_view") else "caseload")
        self.open_child(entry)
        if self.stack.currentWidget() is not self.child_view:
            return  # the child could not be read; open_child said why
        if target.review_id is not None:
            self.open_review(target.review_id)
        elif target.tab:
            self.child_view.show_tab(target.tab)

    def _on_child_back(self) -> None:
        if self._child_origin == "dashboard":
            self.show_dashboard()
        else:
            self.show_caseload()

    def _on_dashboard_outbox(self) -> None:
        self._on_outbox()
        if self.access.is_unlocked:
            self.refresh_dashboard()

    def open_search(self) -> None:
        from iro_desktop.ui.dialogs.search_dialog import SearchDialog

        dialog = SearchDialog(self.search_service, self)
        try:
            if not dialog.exec():
                return
            target = dialog.chosen
        finally:
            dialog.clear_results()
            dispose_dialog(dialog)
        if target is not None and self.access.is_unlocked:
            self.open_target(target)

    def open_report(self) -> None:
        from iro_desktop.ui.dialogs.report_dialog import ReportDialog

        profiles = self.services.profiles
        dialog = ReportDialog(self.services.report,
                              lambda council_id: profiles.values(council_id)["marking"], self)
        try:
            dialog.exec()
        finally:
            dispose_dialog(dialog)

    # ---- vault settings ------------------------------------------------------------

    def _on_change_passphrase(self) -> None:
        from iro_desktop.ui.dialogs.change_passphrase_dialog import ChangePassphraseDialog

        dialog = ChangePassphraseDialog(self)
        if not run_until_done(dialog, lambda: self.access.change_passphrase(
                dialog.current_passphrase, dialog.new_passphrase)):
            return
        QMessageBox.information(self, "Passphrase changed",
                                "Your passphrase is changed. The recovery key still works.")

    def _on_remember_toggled(self, checked: bool) -> None:
        try:
            self.access.set_remembered(checked)
        except Exception as exc:  # noqa: BLE001
            self.remember_action.setChecked(self.access.remembered)
            QMessageBox.warning(self, "Not remembered", user_message(exc))

    def _on_new_recovery_key(self) -> None:
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        passphrase, ok = QInputDialog.getText(
            self, "New recovery key", "Your passphrase (the old recovery key will stop "
            "working):", QLineEdit.EchoMode.Password)
        if not ok:
            return
        try:
            key = self.access.new_recovery_key(passphrase)
        except Exception as exc:  # noqa: BLE001
            QMessageBox.warning(self, "Recovery key not replaced", user_message(exc))
            return
        from iro_desktop.ui.dialogs.create_vault_dialog import print_recovery_key

        box = QMessageBox(self)
        box.setWindowTitle("Your new recovery key")
        box.setText("Print it or write it down now; it is not shown again.\n\n" + key)
        from PySide6.QtCore import Qt

        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        print_button = box.addButton("Print...", QMessageBox.ButtonRole.ActionRole)
        box.addButton("I have kept it", QMessageBox.ButtonRole.AcceptRole)
        try:
            box.exec()
            if box.clickedButton() is print_button:
                print_recovery_key(self, key)
        finally:
            dispose_dialog(box)

    def _on_autolock_settings(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        minutes, ok = QInputDialog.getInt(self, "Auto-lock", "Lock after this many idle minutes:",
                                          self.settings.get("idle_lock_minutes"), 1, 120)
        if ok:
            self.settings.set("idle_lock_minutes", minutes)
            self.auto_lock.set_idle_minutes(minutes)

    def _on_council_settings(self) -> None:
        from iro_desktop.ui.dialogs.council_settings_dialog import CouncilSettingsDialog

        dialog = CouncilSettingsDialog(self.services.profiles, self.services.councils,
                                       self.settings, self)
        try:
            dialog.exec()
        finally:
            dispose_dialog(dialog)
        # a council's code, name, nation or review periods may have changed, and with them
        # every due date on the caseload
        self.councils_changed()

    # ---- councils added, erased, restored (ui/council_actions.py) -------------------------

    def as_widget(self) -> QWidget:
        """The window as the parent of the Councils actions and their dialogs."""
        return self

    def show_status(self, text: str, timeout_ms: int) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def _shown_child(self):  # type: ignore[no-untyped-def]
        """The caseload entry the child page holds (None if it was never built or is empty)."""
        view = self._workspace.get("child_view")
        return getattr(view, "entry", None) if view is not None else None

    def current_council(self) -> str:
        """The council of the child being looked at, else the one the caseload is filtered
        to ("" for none)."""
        entry = self._shown_child()
        current = self.stack.currentWidget()
        if entry is not None and current is not None \
                and current.objectName() in ("child_view", "review_view"):
            return str(entry.council.id)
        if "caseload_view" not in self._workspace:
            return ""
        return str(self.caseload_view.council_combo.currentData() or "")

    def before_council_erased(self, council_id: str) -> None:
        """Typed text goes to its database before the key is destroyed; a review of the
        council being erased is closed so nothing writes to it afterwards."""
        if not self._workspace:
            return  # no page built yet: nothing open, nothing typed
        if not self.autosave.flush():
            log.warning("erase.unsaved_text")
        if self.review_controller.council_id == council_id:
            self.review_controller.close()

    def councils_changed(self, erased: str = "") -> None:
        """Read the caseload (and what else is showing) again after councils changed: the
        caseload and its council filter, and the dashboard when it is showing; a child or
        review of an erased council is closed (back to the caseload) and emptied, and the
        dashboard is read again even if hidden; a child or review of another council that
        is showing is read again, so a renamed council's code shows in its header."""
        if not self.access.is_unlocked:
            return
        current = self.stack.currentWidget()
        page = current.objectName() if current is not None else ""
        entry = self._shown_child()
        try:
            shown_again = False
            if entry is not None and erased and entry.council.id == erased:
                if page in ("child_view", "review_view"):
                    self.show_caseload()  # also reads the caseload again
                    page, shown_again = "caseload_view", True
                self.review_view.clear()
                self.child_view.clear()
                entry = None
            if not shown_again:
                self.refresh_caseload()
            # An erased council's children must not linger in a hidden dashboard either.
            if page == "dashboard_view" or (erased and "dashboard_view" in self._between):
                self.refresh_dashboard()
            if page == "child_view" and entry is not None:
                fresh = next((e for e in self.caseload_service.entries(entry.council.id)
                              if e.child.id == entry.child.id), None)
                if fresh is None:
                    self.show_caseload()
                else:
                    self.open_child(fresh)
            elif page == "review_view":
                self.review_controller.reload()
        except Exception as exc:  # noqa: BLE001 - the change is made; only the display lags
            QMessageBox.warning(self, "The window could not be brought up to date",
                                user_message(exc))

    def auto_send(self) -> None:
        """Send the outbox of each council set to send when its delivery folder can be
        reached (back on the council network); says in the status bar what went where.

        Runs on a worker thread (checking every council and writing the copies took up to
        300 ms, once a minute, in the middle of typing); a check still running when the
        next minute comes is not started twice."""
        if not self.access.is_unlocked or self._busy or self._auto_sending:
            return
        from iro_desktop.core.chair import Chair

        # the chair's details read here, not from the worker thread
        chair = Chair.from_settings(self.settings)
        services = self.services

        idle = self._auto_send_idle

        def send() -> list[str]:
            try:
                service = services.outbox(chair)
                notes = []
                for council_id in service.auto_send_due():
                    for sent in service.send(council_id).councils:
                        notes.append(sent.error or f"sent {len(sent.files)} file(s) of "
                                     f"{sent.council_code} to {sent.folder}")
                return notes
            finally:
                idle.set()

        self._auto_sending = True
        idle.clear()
        run_in_background(send, self._on_auto_sent, self._on_auto_send_failed)

    def _on_auto_sent(self, notes: list[str]) -> None:
        self._auto_sending = False
        if notes and self.access.is_unlocked:
            self.statusBar().showMessage("Outbox: " + "; ".join(notes), 30_000)
            self._refresh_open_review()

    def _on_auto_send_failed(self, exc: BaseException) -> None:
        self._auto_sending = False  # tried again in a minute
        log.warning("outbox.auto_send_failed: %s", type(exc).__name__)

    def _on_outbox(self) -> None:
        from iro_desktop.core.chair import Chair
        from iro_desktop.ui.dialogs.outbox_dialogs import OutboxDialog

        dialog = OutboxDialog(self.services.outbox(Chair.from_settings(self.settings)), self)
        try:
            dialog.exec()
        finally:
            dispose_dialog(dialog)
        self._refresh_open_review()

    def _refresh_open_review(self) -> None:
        """Read the review shown again after the outbox sent copies: its copies page said
        "Ready to send" for copies already delivered."""
        if ("review_view" not in self._workspace or not self.access.is_unlocked
                or self.stack.currentWidget() is not self.review_view
                or not self.review_controller.review_id):
            return
        try:
            self.review_controller.reload()
        except Exception as exc:  # noqa: BLE001 - shown as it was; read again on the next move
            log.info("review.refresh_failed kind=%s", type(exc).__name__)

    def _on_shortcuts_help(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", SHORTCUTS_HELP)

    def _on_about(self) -> None:
        from iro_desktop import __version__

        QMessageBox.about(self, "About iro-desktop",
                          f"iro-desktop {__version__}\nAn offline, encrypted workspace for "
                          "Independent Reviewing Officers. It never uses the network.")

    # ---- closing -------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.auto_lock.stop()
        self.lock()
        if self._workspace:
            self.autosave.close()
        self.services.close()  # the search service stops listening to the vault
        _qt_app().removeEventFilter(self.auto_lock)
        self.access.remove_lock_listener(self._on_vault_locked)
        event.accept()

"""The hand-over archive in the window: make one of a council, or import one.

``services/archive.py`` does the work (docs/councils.md): each dialog is given the
window's ``ArchiveService``. Making or importing an archive
derives a key with Argon2id and copies a whole database, so it runs on the thread pool
while the dialog shows that it is busy (its controls disabled, a moving bar, and no way
to close it half-way). An archive passphrase lives only in its field and the worker's
call: it is never stored, and the field is emptied once it has been used. The dialog
says where the archive was written and that it is encrypted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.ui.dialogs.council_manage_dialogs import (
    DONE,
    ERROR,
    buddy,
    button_of,
    council_combo,
    file_row,
    fit_height,
    message_label,
    tab_chain,
)
from iro_desktop.ui.widgets.passphrase_fields import NewPassphraseFields
from iro_desktop.ui.workers import run_in_background, user_message

if TYPE_CHECKING:
    from iro_desktop.services.archive import ArchiveService

ARCHIVE_FILTER = "iro-desktop council archives (*.iroarchive);;All files (*)"
KEY_FILTER = "Key files (*.pem *.pub *.key);;All files (*)"
MAX_KEY_FILE = 16 * 1024


def read_key_file(path: Path, what: str) -> bytes:
    """A key file's bytes, or an error naming the file and the problem."""
    try:
        with open(path.expanduser(), "rb") as fh:
            data = fh.read(MAX_KEY_FILE + 1)
    except OSError as exc:
        raise _Problem(f"The {what} file {path} could not be read ({exc.strerror}).") from None
    if len(data) > MAX_KEY_FILE:
        raise _Problem(f"{path.name} is far larger than a {what} file; choose the PEM file "
                       "the council gave you.")
    return data


class _Problem(ValueError):
    user_facing = True


# ---- busy dialogs ------------------------------------------------------------------------


class _BusyDialog(QDialog):
    """A dialog that runs one slow call at a time on the thread pool and cannot be closed
    while it runs (the call would finish with nobody to report to)."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.busy = False
        self._worker: object = None
        self.progress = QProgressBar()
        self.progress.setObjectName("busy_progress")
        self.progress.setAccessibleName("Working")
        self.progress.setRange(0, 0)  # moving bar: the length of the work is not known
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.message = message_label("", "message")
        self.inputs: list[QWidget] = []

    def run(self, text: str, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.set_busy(True, text)

        def finished(result: object) -> None:
            self.set_busy(False)
            done(result)

        self._done = finished
        self._worker = run_in_background(work, self._on_finished, self._on_failed)

    def _on_finished(self, result: object) -> None:
        self._done(result)

    def _on_failed(self, exc: BaseException) -> None:
        self.set_busy(False)
        self.failed(exc)

    def failed(self, exc: BaseException) -> None:
        self.show_error(user_message(exc))

    def set_busy(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        for widget in self.inputs:
            widget.setEnabled(not busy)
        self.progress.setVisible(busy)
        if busy:
            self.message.setStyleSheet("")
            self.message.setText(text)
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def show_error(self, text: str) -> None:
        self.message.setStyleSheet(ERROR)
        self.message.setText(text)
        fit_height(self)

    def show_done(self, text: str) -> None:
        self.message.setStyleSheet(DONE)
        self.message.setText(text)
        fit_height(self)

    def finish(self) -> None:
        """The work is done: only Close (and what follows) is left to press."""
        for widget in self.inputs:
            widget.setEnabled(widget is getattr(self, "close_button", None))

    def reject(self) -> None:
        if not self.busy:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.busy:
            event.ignore()
        else:
            super().closeEvent(event)


# ---- hand-over archive ---------------------------------------------------------------


class HandoverDialog(_BusyDialog):
    """One encrypted archive of everything held for a council, under a new passphrase
    (typed twice, checked like the vault's) or sealed to the council's public key."""

    def __init__(self, archive: ArchiveService, council_id: str = "", *, kdf: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("handover_dialog")
        self.setWindowTitle("Hand over a council: encrypted archive")
        self.archive = archive
        self.kdf = kdf
        self.written: Any = None  # services.archive.ArchiveResult once written
        self.erase_requested = False
        self._confirmed_overwrite = ""
        self.council = council_combo(archive.councils(), "handover_council_combo", council_id)
        self.council.currentIndexChanged.connect(self._suggest_name)
        self.by_passphrase = QRadioButton("A ne&w passphrase, given to the receiver separately")
        self.by_key = QRadioButton("The council's public &key file (X25519, PEM)")
        for button, name in ((self.by_passphrase, "Protect the archive with a passphrase"),
                             (self.by_key, "Seal the archive to the council's public key")):
            button.setAccessibleName(name)
        group = QButtonGroup(self)
        group.addButton(self.by_passphrase)
        group.addButton(self.by_key)
        self.by_passphrase.setChecked(True)
        group.buttonToggled.connect(lambda _b, _on: self._update())
        self.fields = NewPassphraseFields(self, label="Archive pass&phrase:")
        self.fields.first.setAccessibleName("Archive passphrase")
        self.fields.second.setAccessibleName("Repeat the archive passphrase")
        self.fields.changed.connect(lambda _ok: self._update())
        self.key_path = QLineEdit()
        self.key_path.setObjectName("public_key_path")
        self.key_path.setAccessibleName("The council's public key file")
        self.key_path.textChanged.connect(self._update)
        self.out_path = QLineEdit()
        self.out_path.setObjectName("archive_path")
        self.out_path.setAccessibleName("Save the archive as")
        self.out_path.textChanged.connect(self._update)
        self.make_button = QPushButton("&Make the archive")
        self.make_button.setObjectName("make_archive_button")
        self.make_button.setAccessibleName("Make the encrypted archive")
        self.make_button.setDefault(True)
        self.make_button.clicked.connect(self.start)
        self.erase_button = QPushButton("&Erase the council now...")
        self.erase_button.setObjectName("erase_after_handover_button")
        self.erase_button.setAccessibleName("Erase the council from this laptop now")
        self.erase_button.hide()
        self.erase_button.clicked.connect(self._on_erase_clicked)
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close")
        self.close_button.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow(buddy("&Council:", self.council), self.council)
        form.addRow("Protect it with:", self.by_passphrase)
        form.addRow("", self.by_key)
        self.key_row = file_row(self.key_path, "C&hoose...", "Choose the public key file",
                                 self._choose_key)
        self.key_label = buddy("Public key file:", self.key_path)
        form.addRow(self.key_label, self.key_row)
        self.out_row = file_row(self.out_path, "&Browse...", "Choose where to save the archive",
                                 self._choose_out)
        form.addRow(buddy("Save &as:", self.out_path), self.out_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(1)
        buttons.addWidget(self.erase_button)
        buttons.addWidget(self.make_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(message_label(
            "Everything held for the council (children, reviews, profile, templates, outbox "
            "and audit log) goes into one encrypted file, to give to the council or to move "
            "to your app on another laptop. Nothing is removed here: erase the council "
            "afterwards when the receiver has it."))
        layout.addLayout(form)
        layout.addWidget(self.fields)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.inputs = [self.council, self.by_passphrase, self.by_key, self.fields,
                       self.key_row, self.out_row, self.make_button, self.close_button]
        tab_chain(self.council, self.by_passphrase, self.by_key, self.key_path,
                  button_of(self.key_row), self.out_path, button_of(self.out_row),
                  self.fields.first, self.fields.second, self.fields.reveal, self.make_button,
                  self.erase_button, self.close_button)
        self._suggest_name()
        self._update()
        self.resize(self.fontMetrics().averageCharWidth() * 100, self.sizeHint().height())

    @property
    def council_id(self) -> str:
        return self.council.currentData() or ""

    def _code(self) -> str:
        return self.archive.council(self.council_id).code if self.council_id else ""

    def _suggest_name(self) -> None:
        if self.council_id and self.written is None:
            folder = Path(self.out_path.text()).parent if self.out_path.text() else Path.home()
            self.out_path.setText(str(folder / f"{self._code()}-handover-"
                                              f"{date.today().isoformat()}.iroarchive"))

    def _update(self) -> None:
        passphrase = self.by_passphrase.isChecked()
        self.fields.setVisible(passphrase)
        self.key_row.setVisible(not passphrase)
        self.key_label.setVisible(not passphrase)
        ready = bool(self.council_id and self.out_path.text().strip()) and (
            self.fields.is_acceptable() if passphrase else bool(self.key_path.text().strip()))
        self.make_button.setEnabled(ready and not self.busy and self.written is None)

    def _choose_key(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The council's public key", "", KEY_FILTER)
        if path:
            self.key_path.setText(path)

    def _choose_out(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the hand-over archive",
                                              self.out_path.text(), ARCHIVE_FILTER)
        if path:
            self._confirmed_overwrite = path if Path(path).exists() else ""
            self.out_path.setText(path)

    def start(self) -> None:
        """Check what can be checked at once, then make the archive on the thread pool."""
        archive = self.archive
        if not self.make_button.isEnabled():
            return
        target = Path(self.out_path.text().strip()).expanduser()
        overwrite = bool(self._confirmed_overwrite) and str(target) == self._confirmed_overwrite
        public_key = passphrase = None
        try:
            if not target.is_absolute():
                raise _Problem(f"Give the full path of the archive file, not {target}.")
            if self.by_key.isChecked():
                key_file = Path(self.key_path.text().strip())
                public_key = archive.load_public_key(read_key_file(key_file, "public key"))
            else:
                passphrase = self.fields.passphrase
        except Exception as exc:  # noqa: BLE001 - named in the dialog
            self.show_error(user_message(exc))
            return
        council_id, kdf = self.council_id, self.kdf
        code = self._code()

        def work() -> object:
            return archive.export_archive(council_id, target, passphrase=passphrase,
                                          public_key=public_key, kdf=kdf, overwrite=overwrite)

        self.run(f"Making the encrypted archive of {code}; this takes a few seconds...",
                 work, self._on_written)

    def _on_written(self, result: Any) -> None:
        self.written = result
        self.fields.clear()  # the passphrase is not kept anywhere
        if result.protection == "passphrase":
            how = ("It is encrypted with the archive passphrase, which is not stored anywhere: "
                   "give it to the receiver by another route than the file (by phone, say).")
        else:
            how = "It is sealed to the council's public key: only their private key opens it."
        self.finish()
        self.show_done(f"The hand-over archive is written to {result.path}\nIt holds "
                       f"{result.summary()}.\n{how}\nWhen the receiver has it, erase "
                       f"{result.council.code} from this laptop.")
        code = result.council.code
        self.erase_button.setText(f"&Erase {code} now...")
        self.erase_button.setAccessibleName(f"Erase {code} from this laptop now")
        self.erase_button.show()
        self.close_button.setText("Close")
        self.close_button.setFocus()
        self._update()

    def _on_erase_clicked(self) -> None:
        self.erase_requested = True
        self.accept()

    def set_busy(self, busy: bool, text: str = "") -> None:
        super().set_busy(busy, text)
        if not busy:
            self._update()


class ImportArchiveDialog(_BusyDialog):
    """Restore a council from a hand-over archive: what it holds is shown first, then the
    passphrase or private key is asked for; every check runs before the vault changes."""

    def __init__(self, archive: ArchiveService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_archive_dialog")
        self.setWindowTitle("Import a hand-over archive")
        self.archive = archive
        self.imported: Any = None  # services.archive.ArchiveResult once imported
        self.protection = ""
        self._read = ""  # the file whose contents are shown
        self.path = QLineEdit()
        self.path.setObjectName("import_archive_path")
        self.path.setAccessibleName("Archive file")
        self.path.editingFinished.connect(self.read_file)
        self.about = message_label("Choose the archive file.", "archive_contents")
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("import_archive_passphrase")
        self.passphrase.setAccessibleName("Archive passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.textChanged.connect(self._update)
        self.key_path = QLineEdit()
        self.key_path.setObjectName("private_key_path")
        self.key_path.setAccessibleName("The council's private key file")
        self.key_path.textChanged.connect(self._update)
        self.import_button = QPushButton("&Import")
        self.import_button.setObjectName("import_archive_button")
        self.import_button.setAccessibleName("Import the archive")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start)
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close")
        self.close_button.clicked.connect(self.reject)
        form = QFormLayout()
        self.path_row = file_row(self.path, "&Browse...", "Choose the archive file",
                                  self._choose_file)
        form.addRow(buddy("&Archive file:", self.path), self.path_row)
        form.addRow("", self.about)
        self.passphrase_label = buddy("Archive &passphrase:", self.passphrase)
        form.addRow(self.passphrase_label, self.passphrase)
        self.key_row = file_row(self.key_path, "C&hoose...", "Choose the private key file",
                                 self._choose_key)
        self.key_label = buddy("Private &key file:", self.key_path)
        form.addRow(self.key_label, self.key_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(message_label(
            "The council is added with its own encrypted database under a new key of this "
            "vault. A council already in this vault is never replaced."))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.inputs = [self.path_row, self.passphrase, self.key_row, self.import_button,
                       self.close_button]
        tab_chain(self.path, button_of(self.path_row), self.passphrase, self.key_path,
                  button_of(self.key_row), self.import_button, self.close_button)
        self._update()
        self.resize(self.fontMetrics().averageCharWidth() * 100, self.sizeHint().height())

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a hand-over archive",
                                              str(Path.home()), ARCHIVE_FILTER)
        if path:
            self.path.setText(path)
            self.read_file()

    def _choose_key(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The council's private key", "", KEY_FILTER)
        if path:
            self.key_path.setText(path)

    def read_file(self) -> None:
        """Show what the archive says it holds (read on the thread pool: it may be large)."""
        archive = self.archive
        text = self.path.text().strip()
        if not text or text == self._read or self.busy or self.imported is not None \
                or not self.isVisible():
            return
        self._read = text
        self.protection = ""
        self._update()
        path = Path(text).expanduser()
        self.run(f"Reading {path.name}...", lambda: archive.read_manifest(path),
                 self._on_manifest)

    def _on_manifest(self, manifest: dict[str, Any]) -> None:
        council, counts = manifest["council"], manifest.get("counts") or {}
        self.protection = str(manifest["protection"]["type"])
        nation = {"england": "England", "wales": "Wales"}.get(str(council.get("nation")), "?")
        how = ("It is protected by a passphrase." if self.protection == "passphrase"
               else "It is sealed to the council's public key: choose their private key file.")
        self.about.setText(
            f"Archive of {council['code']} ({council['name']}, {nation}), made "
            f"{str(manifest.get('created_at', '?'))[:10]}: {counts.get('children', '?')} child "
            f"record(s), {counts.get('reviews', '?')} review(s), "
            f"{counts.get('outbox_items', '?')} outbox document(s). {how}")
        self.message.clear()
        self._update()
        fit_height(self)
        (self.passphrase if self.protection == "passphrase" else self.key_path).setFocus()

    def _update(self) -> None:
        by_passphrase = self.protection != "x25519"
        self.passphrase.setVisible(by_passphrase)
        self.passphrase_label.setVisible(by_passphrase)
        self.key_row.setVisible(not by_passphrase)
        self.key_label.setVisible(not by_passphrase)
        secret = self.passphrase.text() if by_passphrase else self.key_path.text().strip()
        self.import_button.setEnabled(bool(self.protection and secret) and not self.busy
                                      and self.imported is None)

    def start(self) -> None:
        archive = self.archive
        if not self.import_button.isEnabled():
            return
        path = Path(self.path.text().strip()).expanduser()
        passphrase = private_key = None
        try:
            if self.protection == "passphrase":
                passphrase = self.passphrase.text()
            else:
                private_key = read_key_file(Path(self.key_path.text().strip()), "private key")
        except Exception as exc:  # noqa: BLE001
            self.show_error(user_message(exc))
            return
        self.run("Checking and importing the archive; this takes a few seconds...",
                 lambda: archive.import_archive(path, passphrase=passphrase,
                                                private_key=private_key),
                 self._on_imported)

    def failed(self, exc: BaseException) -> None:
        if not self.protection:  # the file could not be read as an archive: choose again
            self._read = ""
            self.about.setText("Choose the archive file.")
        super().failed(exc)

    def _on_imported(self, result: Any) -> None:
        self.imported = result
        self.passphrase.clear()
        self.finish()
        self.show_done(f"Imported {result.summary()} from {result.path}.\n"
                       f"{result.council.code} has its own encrypted database under a new key "
                       "of this vault; the archive's passphrase or key does not open it.")
        self.close_button.setFocus()
        self._update()

    def set_busy(self, busy: bool, text: str = "") -> None:
        super().set_busy(busy, text)
        if not busy:
            self._update()

"""Councils coming and going in the window: adding one, handing one over in an encrypted
archive and importing it on another laptop, erasing one by typing its code, purging the
records of children who left the caseload, and the council shown on every caseload row."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)
from tests.ui.ui_helpers import PASSPHRASE, child_data_in

from iro_desktop.security.kdf import fast_test_params
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.archive import ArchiveService
from iro_desktop.ui.dialogs.archive_dialogs import HandoverDialog, ImportArchiveDialog
from iro_desktop.ui.dialogs.council_manage_dialogs import (
    AddCouncilDialog,
    EraseCouncilDialog,
    RetentionDialog,
)
from iro_desktop.ui.models.caseload_table_model import ENTRY_ROLE, Column

pytestmark = pytest.mark.filterwarnings(r"ignore:.*invalidateFilter.*:DeprecationWarning")

ARCHIVE_PASSPHRASE = "lantern otter quietly juggles marmalade"


@pytest.fixture
def other_vault(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A second, empty vault: the IRO's app on another laptop."""
    from iro_desktop.storage.vault import Vault

    vault, _recovery = Vault.create(tmp_path / "laptop2", "quiet harbour lamps at dusk",
                                    kdf=fast_test_params(), secret_store=MemorySecretStore())
    yield vault
    vault.close()


def _action(window, name: str):  # type: ignore[no-untyped-def]
    from iro_desktop.ui.council_actions import council_actions

    actions = {a.objectName(): a for a in council_actions(window)}
    return actions[name]


def _show(qtbot, dialog: QDialog) -> QDialog:  # type: ignore[no-untyped-def]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _codes(window) -> list[str]:  # type: ignore[no-untyped-def]
    combo = window.caseload_view.council_combo
    return [combo.itemText(i).split(" ")[0] for i in range(1, combo.count())]


def _assert_accessible(dialog: QWidget) -> None:
    from PySide6.QtWidgets import QProgressBar, QSpinBox

    for kind in (QLineEdit, QComboBox, QSpinBox, QProgressBar):
        for widget in dialog.findChildren(kind):
            if isinstance(widget.parent(), (QSpinBox, QComboBox)):
                continue  # the inner line edit of a spin box or combo box
            assert widget.accessibleName(), f"{type(widget).__name__} {widget.objectName()}"
    for button in dialog.findChildren(QAbstractButton):
        if button.objectName().startswith("qt_"):
            continue  # Qt's own parts (a table's corner button)
        assert button.accessibleName() or button.text().replace("&", ""), button.objectName()


# ---- adding a council ------------------------------------------------------------------------

def test_adding_a_council_makes_its_database_and_shows_it_in_the_caseload_filter(
        qtbot, make_window, demo_vault, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.table_action.trigger()
    tries = []

    def user_types(self):  # type: ignore[no-untyped-def]
        tries.append(self.message.text())
        if len(tries) == 1:  # a code that is already in the vault
            self.code.setText("NBK")
        else:
            self.code.setText("wcc")
        self.name.setText("Westcombe City Council")
        self.nation.setCurrentIndex(self.nation.findData("wales"))
        return 1

    monkeypatch.setattr(AddCouncilDialog, "exec", user_types)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    _action(window, "add_council_action").trigger()
    assert tries[1] == "Council NBK is already in this vault."  # shown; the dialog stayed
    council = window.access.council_by_code("WCC")
    assert council is not None and council.nation.value == "wales"
    assert demo_vault.database_path(council.id).is_file()
    assert "WCC" in _codes(window)
    assert "Added WCC" in window.statusBar().currentMessage()


# ---- hand-over and import ---------------------------------------------------------------------

def _make_archive(qtbot, vault, tmp_path: Path, code: str = "VOH") -> HandoverDialog:  # type: ignore[no-untyped-def]
    council = vault.council_by_code(code)
    dialog = _show(qtbot, HandoverDialog(ArchiveService(vault), council.id,
                                         kdf=fast_test_params()))
    assert dialog.out_path.text().endswith(".iroarchive") and code in dialog.out_path.text()
    dialog.out_path.setText(str(tmp_path / f"{code}.iroarchive"))
    qtbot.keyClicks(dialog.fields.first, ARCHIVE_PASSPHRASE)
    assert not dialog.make_button.isEnabled()  # typed once only
    qtbot.keyClicks(dialog.fields.second, ARCHIVE_PASSPHRASE)
    qtbot.waitUntil(dialog.make_button.isEnabled)
    dialog.make_button.click()
    return dialog


def test_a_council_is_handed_over_and_restored_on_another_laptop(
        qtbot, demo_vault, other_vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _make_archive(qtbot, demo_vault, tmp_path)
    assert dialog.busy and dialog.progress.isVisible()
    assert not dialog.council.isEnabled() and not dialog.fields.isEnabled()
    dialog.reject()  # Escape while it works: the dialog stays
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=20_000)
    archive = tmp_path / "VOH.iroarchive"
    text = dialog.message.text()
    assert str(archive) in text and "encrypted with the archive passphrase" in text
    assert "not stored anywhere" in text
    assert dialog.fields.first.text() == "" and dialog.fields.second.text() == ""
    assert dialog.erase_button.isVisible() and dialog.erase_button.text() == "&Erase VOH now..."
    assert not dialog.make_button.isEnabled()
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["council"]["code"] == "VOH" and manifest["counts"]["children"] == 19

    imp = _show(qtbot, ImportArchiveDialog(ArchiveService(other_vault)))
    imp.path.setText(str(archive))
    imp.read_file()
    qtbot.waitUntil(lambda: imp.protection == "passphrase", timeout=10_000)
    assert "Archive of VOH" in imp.about.text() and "19 child record(s)" in imp.about.text()
    assert imp.passphrase.isVisible() and not imp.key_row.isVisible()
    assert not imp.import_button.isEnabled()

    qtbot.keyClicks(imp.passphrase, "not the archive passphrase")
    imp.import_button.click()
    qtbot.waitUntil(lambda: not imp.busy, timeout=10_000)
    assert "That passphrase does not open this archive" in imp.message.text()
    assert other_vault.councils() == []

    imp.passphrase.setText(ARCHIVE_PASSPHRASE)
    imp.import_button.click()
    qtbot.waitUntil(lambda: imp.imported is not None, timeout=20_000)
    assert "Imported VOH" in imp.message.text() and "new key of this vault" in imp.message.text()
    assert imp.passphrase.text() == ""
    from iro_desktop.services.caseload import CaseloadService

    [restored] = other_vault.councils()
    assert restored.code == "VOH"
    assert len(CaseloadService(other_vault).entries(restored.id)) == 19


def test_an_archive_sealed_to_the_councils_public_key_opens_with_its_private_key(
        qtbot, demo_vault, other_vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    private = X25519PrivateKey.generate()
    (tmp_path / "council.key").write_bytes(private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (tmp_path / "council.pub").write_bytes(private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    (tmp_path / "not-a-key.pub").write_text("hello")

    council = demo_vault.council_by_code("EMB")
    dialog = _show(qtbot, HandoverDialog(ArchiveService(demo_vault), council.id))
    dialog.by_key.setChecked(True)
    assert dialog.key_row.isVisible() and not dialog.fields.isVisible()
    dialog.out_path.setText(str(tmp_path / "EMB.iroarchive"))
    dialog.key_path.setText(str(tmp_path / "not-a-key.pub"))
    dialog.make_button.click()
    assert "must be a PEM X25519 public key" in dialog.message.text()
    assert not dialog.busy and not (tmp_path / "EMB.iroarchive").exists()
    dialog.key_path.setText(str(tmp_path / "council.pub"))
    dialog.make_button.click()
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=20_000)
    assert "sealed to the council's public key" in dialog.message.text()

    imp = _show(qtbot, ImportArchiveDialog(ArchiveService(other_vault)))
    imp.path.setText(str(tmp_path / "EMB.iroarchive"))
    imp.read_file()
    qtbot.waitUntil(lambda: imp.protection == "x25519", timeout=10_000)
    assert imp.key_row.isVisible() and not imp.passphrase.isVisible()
    imp.key_path.setText(str(tmp_path / "council.key"))
    imp.import_button.click()
    qtbot.waitUntil(lambda: imp.imported is not None, timeout=20_000)
    assert [c.code for c in other_vault.councils()] == ["EMB"]


def test_bad_archive_choices_are_named_and_nothing_is_written(
        qtbot, demo_vault, other_vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    council = demo_vault.council_by_code("NBK")
    dialog = _show(qtbot, HandoverDialog(ArchiveService(demo_vault), council.id,
                                         kdf=fast_test_params()))
    qtbot.keyClicks(dialog.fields.first, PASSPHRASE)  # the vault's own passphrase
    qtbot.keyClicks(dialog.fields.second, PASSPHRASE)
    dialog.out_path.setText(str(demo_vault.root / "NBK.iroarchive"))
    qtbot.waitUntil(dialog.make_button.isEnabled)
    dialog.make_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
    assert dialog.message.text() == "Save the archive outside the vault folder."
    dialog.out_path.setText(str(tmp_path / "NBK.iroarchive"))
    dialog.make_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
    assert "different passphrase for the archive than for your vault" in dialog.message.text()
    assert dialog.written is None and list(tmp_path.glob("*.iroarchive")) == []

    dialog.fields.clear()
    qtbot.keyClicks(dialog.fields.first, "short")
    qtbot.keyClicks(dialog.fields.second, "short")
    qtbot.wait(200)
    assert not dialog.make_button.isEnabled()  # too weak: the strength check says why
    assert dialog.fields.feedback.text()

    (tmp_path / "notes.txt").write_text("not an archive")
    imp = _show(qtbot, ImportArchiveDialog(ArchiveService(other_vault)))
    imp.path.setText(str(tmp_path / "notes.txt"))
    imp.read_file()
    qtbot.waitUntil(lambda: not imp.busy, timeout=10_000)
    assert "notes.txt is not a complete iro-desktop council archive" in imp.message.text()
    assert not imp.import_button.isEnabled()


# ---- erase ------------------------------------------------------------------------------------

def test_erasing_needs_the_code_typed_and_drops_the_council_from_every_page(
        qtbot, make_window, demo_vault, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.table_action.trigger()
    entries = [window.caseload_view.proxy.index(r, 0).data(ENTRY_ROLE)
               for r in range(window.caseload_view.proxy.rowCount())]
    nbk_child = next(e for e in entries if e.council.code == "NBK")
    window.open_child(nbk_child)
    assert window.stack.currentWidget() is window.child_view
    nbk = window.access.council_by_code("NBK")
    nbk_file = demo_vault.database_path(nbk.id)
    seen: dict[str, str] = {}

    def user_types_the_code(self):  # type: ignore[no-untyped-def]
        assert self.council_id == nbk.id  # the council of the child being looked at
        seen["what"] = self.what.text()
        assert not self.erase_button.isEnabled()
        qtbot.keyClicks(self.confirm, "nbk")  # not exactly the code
        assert not self.erase_button.isEnabled()
        self.confirm.setText("NBK")
        assert self.erase_button.isEnabled()
        self.erase_button.click()
        seen["report"] = self.message.text()
        return 0

    monkeypatch.setattr(EraseCouncilDialog, "exec", user_types_the_code)
    _action(window, "erase_council_action").trigger()
    assert "Erasing NBK (Northbrook" in seen["what"]
    assert "34 child record(s) (34 on the caseload, 0 who have left it), 0 review(s) and " \
           "0 outbox document(s)" in seen["what"]
    assert seen["report"].startswith("Erased NBK")
    assert "34 child record(s)" in seen["report"]
    assert "No hand-over archive of NBK had been made" in seen["report"]
    assert not nbk_file.exists()

    assert window.stack.currentWidget() is window.caseload_view
    assert window.child_view.entry is None
    assert _codes(window) == ["EMB", "VOH"]
    codes = {window.caseload_view.proxy.index(r, Column.COUNCIL).data()
             for r in range(window.caseload_view.proxy.rowCount())}
    assert codes == {"EMB", "VOH"} and window.caseload_view.proxy.rowCount() == 38
    leaks = [t for t in child_data_in(window) if nbk_child.child.record.child_ref in t]
    assert not leaks
    assert "Erased NBK" in window.statusBar().currentMessage()


def test_a_hand_over_can_go_straight_on_to_erase(qtbot, make_window, monkeypatch,
                                                 tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.ui import council_actions

    window = make_window()
    emb = window.access.council_by_code("EMB")
    erased: list[str] = []

    def user_makes_archive(self):  # type: ignore[no-untyped-def]
        self.out_path.setText(str(tmp_path / "EMB.iroarchive"))
        self.fields.first.setText(ARCHIVE_PASSPHRASE)
        self.fields.second.setText(ARCHIVE_PASSPHRASE)
        self.start()
        qtbot.waitUntil(lambda: self.written is not None, timeout=20_000)
        self.erase_button.click()
        return 1

    def user_erases(self):  # type: ignore[no-untyped-def]
        erased.append(self.council_id)
        assert "EMB" in self.erase_button.text()
        return 0

    monkeypatch.setattr(HandoverDialog, "exec", user_makes_archive)
    monkeypatch.setattr(EraseCouncilDialog, "exec", user_erases)
    council_actions.hand_over(window, emb.id, kdf=fast_test_params())
    assert erased == [emb.id]
    assert (tmp_path / "EMB.iroarchive").is_file()


# ---- retention ------------------------------------------------------------------------------

@pytest.fixture
def ended_vault(demo_vault):  # type: ignore[no-untyped-def]
    """Three NBK children off the caseload, NBK keeping records 0 days: all three flagged;
    one EMB child off the caseload within EMB's 90 days."""
    from iro_desktop.services.caseload import CaseloadService
    from iro_desktop.services.council_profile import CouncilProfileService

    caseload = CaseloadService(demo_vault)
    nbk, emb = demo_vault.council_by_code("NBK"), demo_vault.council_by_code("EMB")
    for entry in caseload.entries(nbk.id)[:3]:
        caseload.end_child(nbk.id, entry.child.id)
    caseload.end_child(emb.id, caseload.entries(emb.id)[0].child.id)
    CouncilProfileService(demo_vault).set(nbk.id, "ended_retention_days", "0")
    return demo_vault


def test_flagged_records_are_listed_and_purged_only_when_confirmed(
        qtbot, ended_vault, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.services.retention import RetentionService
    from iro_desktop.storage.models import AuditEvent, ChildRow

    dialog = _show(qtbot, RetentionDialog(RetentionService(ended_vault)))
    assert dialog.table.rowCount() == 3
    assert {dialog.table.item(r, 0).text() for r in range(3)} == {"NBK"}
    assert "NBK: 0 days" in dialog.periods.text() and "EMB: 90 days" in dialog.periods.text()
    assert "1 more child(ren) have left the caseload" in dialog.later.text()
    assert not dialog.purge_button.isEnabled()

    dialog.table.setFocus()
    dialog.table.setCurrentCell(0, 2)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Space)  # keyboard: Space checks the row
    assert dialog.table.item(0, 0).checkState() == Qt.CheckState.Checked
    assert dialog.purge_button.text() == "&Purge 1 checked record(s)..."
    first_ref = dialog.table.item(0, 1).text()

    questions: list[tuple[str, str]] = []
    answer = [QMessageBox.StandardButton.No]

    def user_answers(box):  # type: ignore[no-untyped-def]
        questions.append((box.text(), box.informativeText()))
        return answer[0]

    monkeypatch.setattr(QMessageBox, "exec", user_answers)
    dialog.purge_button.click()
    assert first_ref in questions[0][1]  # the confirmation names the child
    assert dialog.message.text() == "Nothing was purged."
    nbk = ended_vault.council_by_code("NBK")
    with ended_vault.session(nbk.id) as s:
        assert s.query(ChildRow).filter_by(child_ref=first_ref).count() == 1

    answer[0] = QMessageBox.StandardButton.Yes
    dialog.purge_button.click()
    assert dialog.message.text().startswith("NBK: purged 1 child record(s)")
    assert dialog.table.rowCount() == 2
    with ended_vault.session(nbk.id) as s:
        assert s.query(ChildRow).filter_by(child_ref=first_ref).count() == 0
        purges = [e.detail for e in s.query(AuditEvent).filter_by(code="retention.purged")]
    assert len(purges) == 1 and first_ref not in purges[0]


def test_the_retention_list_can_show_one_council(qtbot, ended_vault) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.services.retention import RetentionService

    dialog = _show(qtbot, RetentionDialog(RetentionService(ended_vault)))
    dialog.council.setCurrentIndex(dialog.council.findData(ended_vault.council_by_code("EMB").id))
    assert dialog.table.rowCount() == 0
    assert "No records are due for purging" in dialog.later.text()
    assert "1 more child(ren)" in dialog.later.text()


# ---- every dialog: accessible names ------------------------------------------------------------

def test_every_council_dialog_names_its_controls(qtbot, demo_vault) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.services.councils import CouncilService
    from iro_desktop.services.retention import RetentionService

    for dialog in (AddCouncilDialog(), HandoverDialog(ArchiveService(demo_vault)),
                   ImportArchiveDialog(ArchiveService(demo_vault)),
                   EraseCouncilDialog(CouncilService(demo_vault)),
                   RetentionDialog(RetentionService(demo_vault))):
        qtbot.addWidget(dialog)
        _assert_accessible(dialog)


def test_the_actions_are_named_and_lead_to_their_dialogs(make_window) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.ui.council_actions import council_actions

    window = make_window()
    actions = council_actions(window)
    assert [a.objectName() for a in actions] == [
        "add_council_action", "handover_archive_action", "import_archive_action",
        "erase_council_action", "retention_action", "restore_council_action"]
    assert all(a.text() and a.statusTip() for a in actions)
    assert all(a in window.actions() for a in actions)


# ---- the council on every caseload row ---------------------------------------------------------

def test_every_caseload_row_shows_its_councils_code_on_its_colour_even_when_selected(
        qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.resize(1200, 700)
    window.table_action.trigger()
    view = window.caseload_view
    proxy = view.proxy
    for row in range(proxy.rowCount()):
        entry = proxy.index(row, 0).data(ENTRY_ROLE)
        index = proxy.index(row, Column.COUNCIL)
        assert index.data() == entry.council.code
        assert index.data(Qt.ItemDataRole.BackgroundRole).color() == QColor(entry.council.colour)
        assert index.data(Qt.ItemDataRole.AccessibleTextRole) == \
            f"Council {entry.council.code}, {entry.council.name}"
    combo = view.council_combo
    assert all(not combo.itemIcon(i).isNull() for i in range(1, combo.count()))

    view.table.selectRow(0)
    qtbot.wait(50)
    entry = proxy.index(0, 0).data(ENTRY_ROLE)
    rect = view.table.visualRect(proxy.index(0, Column.COUNCIL))
    image = view.table.viewport().grab().toImage()
    corner = image.pixelColor(rect.right() - 3, rect.top() + 2)
    assert corner == QColor(entry.council.colour), (corner.name(), entry.council.colour)


def test_locking_while_an_archive_is_made_closes_the_dialog_without_an_error(
        qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QThreadPool

    window = make_window()
    voh = window.access.council_by_code("VOH")
    dialog = HandoverDialog(window.services.archive, voh.id, kdf=fast_test_params(),
                            parent=window)
    dialog.show()
    dialog.out_path.setText(str(tmp_path / "VOH.iroarchive"))
    dialog.fields.first.setText(ARCHIVE_PASSPHRASE)
    dialog.fields.second.setText(ARCHIVE_PASSPHRASE)
    dialog.start()
    assert dialog.busy
    window.lock()  # auto-lock, or the IRO pressing Ctrl+L
    assert not window.access.is_unlocked
    QThreadPool.globalInstance().waitForDone(20_000)
    qtbot.wait(100)  # the worker's report reaches a dialog that is gone: nothing happens
    assert window.stack.currentWidget() is window.unlock_view
    assert not [d for d in window.findChildren(HandoverDialog) if d.isVisible()]


def test_a_council_renamed_in_settings_shows_its_new_code_on_every_page(
        qtbot, make_window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.ui.dialogs.council_settings_dialog import CouncilSettingsDialog

    window = make_window()  # the window reads its pages again when Council settings closes
    window.table_action.trigger()
    proxy = window.caseload_view.proxy
    entry = next(proxy.index(r, 0).data(ENTRY_ROLE) for r in range(proxy.rowCount())
                 if proxy.index(r, 0).data(ENTRY_ROLE).council.code == "EMB")
    window.open_child(entry)

    def user_renames(self):  # type: ignore[no-untyped-def]
        self.council.setCurrentIndex(self.council.findData(entry.council.id))
        self.code.setText("EBC")
        assert self.save(), self.message.text()
        return 0

    monkeypatch.setattr(CouncilSettingsDialog, "exec", user_renames)
    window.council_settings_action.trigger()
    assert window.stack.currentWidget() is window.child_view
    assert window.child_view.chip.text().strip() == "EBC"
    assert "EBC" in _codes(window) and "EMB" not in _codes(window)
    codes = {proxy.index(r, Column.COUNCIL).data() for r in range(proxy.rowCount())}
    assert codes == {"NBK", "EBC", "VOH"}


def test_tab_goes_through_the_hand_over_dialog_in_the_order_it_is_read(
        qtbot, demo_vault) -> None:  # type: ignore[no-untyped-def]
    dialog = _show(qtbot, HandoverDialog(ArchiveService(demo_vault)))
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.council.setFocus()
    order = []
    for _ in range(9):
        order.append(dialog.focusWidget())
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    browse = dialog.out_row.findChild(QAbstractButton)
    assert order[:7] == [dialog.council, dialog.by_passphrase, dialog.out_path, browse,
                         dialog.fields.first, dialog.fields.second, dialog.fields.reveal]
    assert order[7] is dialog.make_button or order[7] is dialog.close_button


def test_erasing_the_council_of_the_open_review_saves_typing_first_and_closes_it(
        qtbot, make_window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.table_action.trigger()
    proxy = window.caseload_view.proxy
    entry = next(proxy.index(r, 0).data(ENTRY_ROLE) for r in range(proxy.rowCount())
                 if proxy.index(r, 0).data(ENTRY_ROLE).council.code == "VOH")
    window.open_child(entry)
    review_id = window.review_service.plan_review(entry.council.id, entry.child.id)
    window.open_review(review_id)
    assert window.stack.currentWidget() is window.review_view
    failures: list[str] = []
    window.autosave.failed.connect(failures.append)
    window.autosave.put((entry.council.id, review_id, "voice.views"), "typed just now")
    flushed: list[bool] = []
    real_flush = window.autosave.flush
    monkeypatch.setattr(window.autosave, "flush",
                        lambda: flushed.append(real_flush()) or flushed[-1])

    def user_erases(self):  # type: ignore[no-untyped-def]
        self.confirm.setText("VOH")
        self.erase_button.click()
        assert self.report is not None, self.message.text()
        return 0

    monkeypatch.setattr(EraseCouncilDialog, "exec", user_erases)
    _action(window, "erase_council_action").trigger()
    assert flushed and flushed[0] is True  # the typing was written before the key went
    qtbot.wait(100)
    assert failures == []
    assert window.stack.currentWidget() is window.caseload_view
    assert window.review_view.header.text() == "" and window.review_controller.record is None
    assert "VOH" not in _codes(window)


def _alt_letters(dialog: QWidget) -> dict[str, list[str]]:
    from PySide6.QtWidgets import QLabel, QTabBar

    texts = [w.text() for w in dialog.findChildren(QWidget)
             if isinstance(w, (QLabel, QAbstractButton)) and w.isVisibleTo(dialog)]
    for bar in dialog.findChildren(QTabBar):
        texts += [bar.tabText(i) for i in range(bar.count())]
    found: dict[str, list[str]] = {}
    for text in texts:
        plain = text.replace("&&", "")
        at = plain.find("&")
        if 0 <= at < len(plain) - 1:
            found.setdefault(plain[at + 1].upper(), []).append(text)
    return {letter: owners for letter, owners in found.items() if len(owners) > 1}


def test_alt_letters_are_unique_in_every_council_dialog(qtbot, demo_vault, settings) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.services.council_profile import CouncilProfileService
    from iro_desktop.services.councils import CouncilService
    from iro_desktop.services.retention import RetentionService
    from iro_desktop.ui.dialogs.council_settings_dialog import CouncilSettingsDialog

    handover = HandoverDialog(ArchiveService(demo_vault))
    settings_dialog = CouncilSettingsDialog(CouncilProfileService(demo_vault),
                                            CouncilService(demo_vault), settings)
    dialogs = (AddCouncilDialog(), handover, ImportArchiveDialog(ArchiveService(demo_vault)),
               EraseCouncilDialog(CouncilService(demo_vault)),
               RetentionDialog(RetentionService(demo_vault)), settings_dialog)
    for dialog in dialogs:
        _show(qtbot, dialog)
        assert not _alt_letters(dialog), dialog.objectName()
    handover.by_key.setChecked(True)
    assert not _alt_letters(handover)
    for tab in range(settings_dialog.tabs.count()):
        settings_dialog.tabs.setCurrentIndex(tab)
        assert not _alt_letters(settings_dialog), settings_dialog.tabs.tabText(tab)

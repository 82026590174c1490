"""The create-vault dialog: live passphrase strength, the repeat field, and the recovery key
page that cannot be skipped."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog

from iro_desktop.security.recovery import format_recovery_key
from iro_desktop.ui.dialogs.create_vault_dialog import CreateVaultDialog

STRONG = "marmalade tractor evening quilt"
KEY = format_recovery_key(bytes(range(32)))


@pytest.fixture
def dialog(qtbot) -> CreateVaultDialog:  # type: ignore[no-untyped-def]
    d = CreateVaultDialog("/home/iro/.local/share/iro-desktop/vault", keyring_available=True)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def meter_text(d: CreateVaultDialog) -> str:
    return d.fields.meter_label.text()


def type_pair(qtbot, d: CreateVaultDialog, first: str, second: str | None) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(d.fields.first, first)
    if second is not None:
        qtbot.keyClicks(d.fields.second, second)


def test_starts_on_the_passphrase_page_with_create_disabled(dialog) -> None:  # type: ignore[no-untyped-def]
    assert dialog.pages.currentIndex() == 0
    assert not dialog.create_button.isEnabled()
    assert dialog.fields.first.echoMode() == dialog.fields.first.EchoMode.Password
    assert dialog.fields.second.echoMode() == dialog.fields.second.EchoMode.Password
    assert dialog.remember.isVisibleTo(dialog)
    assert "12 characters" in dialog.fields.feedback.text()


def test_password_is_weak_and_create_stays_disabled(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    type_pair(qtbot, dialog, "password", "password")
    qtbot.waitUntil(lambda: meter_text(dialog) != "", timeout=3000)
    assert "weak" in meter_text(dialog).lower()
    assert dialog.fields.meter.value() <= 1
    assert not dialog.create_button.isEnabled()
    assert dialog.fields.feedback.text()  # advice is shown
    assert not dialog.fields.is_acceptable()
    # Clicking the disabled button (or pressing Enter) does not ask for a vault.
    requested = []
    dialog.create_requested.connect(lambda *a: requested.append(a))
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(dialog.fields.second, Qt.Key.Key_Return)
    assert requested == []
    assert dialog.isVisible()


def test_strong_passphrase_typed_twice_enables_create(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    type_pair(qtbot, dialog, STRONG, None)
    qtbot.waitUntil(lambda: meter_text(dialog) in ("Strong", "Very strong"), timeout=3000)
    assert not dialog.create_button.isEnabled()  # not repeated yet
    qtbot.keyClicks(dialog.fields.second, STRONG)
    qtbot.waitUntil(dialog.create_button.isEnabled, timeout=3000)
    assert dialog.fields.meter.value() >= 3
    assert "Strong enough" in dialog.fields.feedback.text() \
        or "Very strong" in dialog.fields.feedback.text()

    requested = []
    dialog.create_requested.connect(lambda *a: requested.append(a))
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert requested == [(STRONG, False)]
    assert not dialog.create_button.isEnabled()  # no second vault while the first is made
    assert "Creating the vault" in dialog.error.text()
    dialog.show_error("The disk is full.")
    assert dialog.error.text() == "The disk is full."
    assert dialog.create_button.isEnabled()


def test_mismatched_repeat_keeps_create_disabled(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    type_pair(qtbot, dialog, STRONG, STRONG + "s")
    qtbot.waitUntil(lambda: meter_text(dialog) != "", timeout=3000)
    qtbot.wait(200)  # well past the 120 ms debounce
    assert not dialog.create_button.isEnabled()
    assert "not the same" in dialog.fields.feedback.text()
    qtbot.keyClick(dialog.fields.second, Qt.Key.Key_Backspace)
    qtbot.waitUntil(dialog.create_button.isEnabled, timeout=3000)
    # Changing the first one again disables it as soon as the change is assessed.
    qtbot.keyClicks(dialog.fields.first, "x")
    qtbot.waitUntil(lambda: not dialog.create_button.isEnabled(), timeout=3000)


def test_show_checkbox_reveals_both_fields(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    reveal = dialog.fields.reveal
    # On the box itself: the middle of the wide form cell is past the end of the text.
    qtbot.mouseClick(reveal, Qt.MouseButton.LeftButton, pos=QPoint(8, reveal.height() // 2))
    assert reveal.isChecked()
    assert dialog.fields.first.echoMode() == dialog.fields.first.EchoMode.Normal
    assert dialog.fields.second.echoMode() == dialog.fields.second.EchoMode.Normal


def test_recovery_page_needs_the_confirm_box_ticked(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    type_pair(qtbot, dialog, STRONG, STRONG)
    dialog.show_recovery_key(KEY)
    assert dialog.pages.currentIndex() == 1
    assert dialog.recovery_key == KEY
    shown = dialog.key_label.text()
    assert shown.replace("\n", "  ").split("  ") == KEY.split("-")  # every group, in order
    assert dialog.fields.first.text() == "" and dialog.fields.second.text() == ""
    assert not dialog.finish_button.isEnabled()
    assert not dialog.confirm.isChecked()

    qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()

    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    assert dialog.confirm.isChecked()
    assert dialog.finish_button.isEnabled()
    qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not dialog.isVisible()


def test_escape_and_close_do_not_skip_the_recovery_key(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    dialog.show_recovery_key(KEY)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    qtbot.keyClick(dialog.confirm, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    assert dialog.close() is False  # the title bar's close button
    assert dialog.isVisible()
    assert dialog.pages.currentIndex() == 1

    dialog.confirm.setChecked(True)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_escape_cancels_on_the_passphrase_page(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_vault_folder_is_escaped_in_the_intro(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel

    d = CreateVaultDialog("/home/<b>x</b>&y", keyring_available=False)
    qtbot.addWidget(d)
    intro = next(label for label in d.findChildren(QLabel) if "Vault folder" in label.text())
    assert "&lt;b&gt;x&lt;/b&gt;&amp;y" in intro.text()
    assert not d.remember.isVisibleTo(d)


def test_asks_the_chairs_details_and_refuses_a_bad_email(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    edits = dialog.chair_fields.edits
    assert [e.accessibleName() for e in edits.values()] == [
        "Your name, as chair of the reviews", "Your role, as printed",
        "Your work phone number", "Your work email address"]
    # Alt+N reaches the name field from anywhere on the page
    dialog.fields.first.setFocus()
    qtbot.keyClick(dialog, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert edits["chair_name"].hasFocus()
    qtbot.keyClicks(edits["chair_name"], "Alex  Morgan")
    qtbot.keyClicks(edits["chair_email"], "alex.morgan at council")
    type_pair(qtbot, dialog, STRONG, STRONG)
    qtbot.waitUntil(dialog.create_button.isEnabled, timeout=3000)
    requested = []
    dialog.create_requested.connect(lambda *a: requested.append(a))
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert requested == [] and "does not look like an email address" in dialog.error.text()
    edits["chair_email"].setText("alex.morgan@example.gov.uk")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert len(requested) == 1
    chair = dialog.chair_fields.chair()
    assert (chair.name, chair.role, chair.email) == (
        "Alex Morgan", "Independent Reviewing Officer", "alex.morgan@example.gov.uk")

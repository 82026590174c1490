"""Council settings in the window: values saved per council, bad values named while the
rest is saved, and a malformed council file refused with the council keeping its own."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QLineEdit, QSpinBox

from iro_desktop.services.council_profile import CouncilProfileService
from iro_desktop.ui.dialogs.council_settings_dialog import CouncilSettingsDialog

from iro_desktop import paths

GOOD_AGENDA = paths.resource_path("agendas", "england.toml").read_bytes().replace(
    b'name = "England default agenda"', b'name = "Northbrook agenda"')


def _dialog(qtbot, vault, settings, code="NBK"):  # type: ignore[no-untyped-def]
    profiles = CouncilProfileService(vault)
    council = vault.council_by_code(code)
    dialog = CouncilSettingsDialog(profiles, settings, council_id=council.id)
    qtbot.addWidget(dialog)
    return dialog, profiles, council


def test_settings_are_saved_for_the_chosen_council_only(qtbot, demo_vault, settings,
                                                        tmp_path: Path) -> None:
    dialog, profiles, council = _dialog(qtbot, demo_vault, settings)
    dialog.chair.setText("  Alex   Morgan ")
    dialog.findChild(QLineEdit, "setting_marking").setText("OFFICIAL-SENSITIVE PERSONAL")
    dialog.findChild(QLineEdit, "setting_delivery_folder").setText(str(tmp_path))
    dialog.findChild(QSpinBox, "setting_retention_days").setValue(14)
    dialog.findChild(QCheckBox, "setting_auto_send").setChecked(True)
    assert dialog.save()
    assert dialog.message.text() == "Saved."
    profile = profiles.profile(council.id)
    assert profile.marking == "OFFICIAL-SENSITIVE PERSONAL"
    assert profile.delivery_folder == str(tmp_path)
    assert profile.retention_days == 14 and profile.auto_send
    assert settings.get("chair_name") == "Alex Morgan"
    other = demo_vault.council_by_code("EMB")
    assert profiles.profile(other.id).marking == "OFFICIAL-SENSITIVE"
    assert profiles.profile(other.id).retention_days == 30


def test_a_bad_value_is_named_and_the_others_are_still_saved(qtbot, demo_vault,
                                                             settings) -> None:
    dialog, profiles, council = _dialog(qtbot, demo_vault, settings)
    dialog.findChild(QLineEdit, "setting_delivery_folder").setText("relative/folder")
    dialog.findChild(QLineEdit, "setting_marking").setText("OFFICIAL")
    assert not dialog.save()
    text = dialog.message.text()
    assert "Delivery folder" in text and "full path" in text and "relative/folder" in text
    assert "Everything else was saved" in text
    profile = profiles.profile(council.id)
    assert profile.marking == "OFFICIAL"
    assert profile.delivery_folder == ""


def test_a_malformed_agenda_file_is_refused_and_the_council_keeps_its_own(
        qtbot, demo_vault, settings, tmp_path: Path) -> None:
    dialog, profiles, council = _dialog(qtbot, demo_vault, settings)
    good = tmp_path / "northbrook.toml"
    good.write_bytes(GOOD_AGENDA)
    assert dialog.set_asset_from_file("agenda", good), dialog.message.text()
    assert dialog.asset_labels["agenda"].text() == "northbrook.toml"

    bad = tmp_path / "broken.toml"
    bad.write_bytes(b'name = "Broken"\n[[item]\nkey = ')
    assert not dialog.set_asset_from_file("agenda", bad)
    assert "broken.toml was refused" in dialog.message.text()
    assert "keeps the one it had" in dialog.message.text()
    assert profiles.asset(council.id, "agenda").content == GOOD_AGENDA
    assert dialog.asset_labels["agenda"].text() == "northbrook.toml"

    missing = tmp_path / "gone.toml"
    assert not dialog.set_asset_from_file("agenda", missing)
    assert "could not be read" in dialog.message.text()
    assert profiles.asset(council.id, "agenda").content == GOOD_AGENDA


def test_every_control_has_an_accessible_name(qtbot, demo_vault, settings) -> None:
    from PySide6.QtWidgets import QAbstractButton, QComboBox

    dialog, _profiles, _council = _dialog(qtbot, demo_vault, settings)
    for kind in (QLineEdit, QSpinBox, QCheckBox, QComboBox):
        for widget in dialog.findChildren(kind):
            if widget.parent() is not None and isinstance(widget.parent(), QSpinBox):
                continue  # the spin box's own line edit
            assert widget.accessibleName(), widget.objectName()
    for button in dialog.findChildren(QAbstractButton):
        assert button.accessibleName() or button.text(), button.objectName()

"""Council settings in the window: values saved per council, bad values named while the
rest is saved, a malformed council file refused with the council keeping its own, and the
council's code, name, nation and review periods edited through the council service."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QLineEdit, QSpinBox

from iro_desktop.services.council_profile import CouncilProfileService
from iro_desktop.services.councils import CouncilService
from iro_desktop.ui.dialogs.council_settings_dialog import CouncilSettingsDialog

from iro_desktop import paths

GOOD_AGENDA = paths.resource_path("agendas", "england.toml").read_bytes().replace(
    b'name = "England default agenda"', b'name = "Northbrook agenda"')


def _dialog(qtbot, vault, settings, code="NBK"):  # type: ignore[no-untyped-def]
    profiles = CouncilProfileService(vault)
    council = vault.council_by_code(code)
    dialog = CouncilSettingsDialog(profiles, CouncilService(vault), settings,
                                   council_id=council.id)
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
    assert "'broken.toml' was not used" in dialog.message.text()
    assert "line 2" in dialog.message.text()  # where the problem is in the file
    assert 'NBK keeps its agenda "Northbrook agenda"' in dialog.message.text()
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


# ---- code, name, nation and the review clock ----------------------------------------------

def test_code_name_and_nation_are_saved_and_the_nation_brings_its_review_periods(
        qtbot, demo_vault, settings) -> None:
    from iro_desktop.core.review_clock import WALES_RULES
    from iro_desktop.services.councils import CouncilService

    dialog, _profiles, council = _dialog(qtbot, demo_vault, settings)
    changed = []
    dialog.council_changed.connect(changed.append)
    assert dialog.code.text() == "NBK" and dialog.name.text() == council.name
    assert dialog.rule_amounts["first"].value() == 20
    assert dialog.rule_units["first"].currentData() == "working_days"

    dialog.code.setText("nbc")
    dialog.name.setText("  Northbrook   City Council ")
    dialog.nation.setCurrentIndex(dialog.nation.findData("wales"))
    # The window shows Wales's periods as soon as the nation is chosen, before saving.
    assert dialog.rule_amounts["first"].value() == 28
    assert dialog.rule_units["first"].currentData() == "days"
    assert "Wales's built-in review periods" in dialog.message.text()
    assert dialog.save(), dialog.message.text()
    assert "NBC now follows Wales's rules" in dialog.message.text()

    updated = demo_vault.council(council.id)
    assert (updated.code, updated.name, updated.nation.value) == (
        "NBC", "Northbrook City Council", "wales")
    assert CouncilService(demo_vault).rules(council.id) == WALES_RULES
    assert changed == [council.id]
    assert dialog.council.currentText().startswith("NBC \u2014 Northbrook City Council")


def test_a_local_variant_of_the_review_periods_is_saved_under_its_own_name(
        qtbot, demo_vault, settings) -> None:
    from iro_desktop.services.caseload import CaseloadService
    from iro_desktop.services.councils import CouncilService

    dialog, _profiles, council = _dialog(qtbot, demo_vault, settings, code="VOH")
    assert council.nation.value == "wales"
    dialog.rule_amounts["first"].setValue(4)
    dialog.rule_units["first"].setCurrentIndex(dialog.rule_units["first"].findData("weeks"))
    # The built-in name would be shown beside every due date: a variant gets its own.
    assert dialog.rule_name.text() == "VOH local periods (Wales)"
    assert dialog.save(), dialog.message.text()
    rules = CouncilService(demo_vault).rules(council.id)
    assert rules.first.describe() == "4 weeks"
    assert rules.name == "VOH local periods (Wales)"
    rule_texts = {e.due.rule for e in CaseloadService(demo_vault).entries(council.id)}
    assert any(text.startswith("VOH local periods (Wales)") for text in rule_texts)

    dialog.rules_reset.click()
    assert dialog.rule_amounts["first"].value() == 28
    assert dialog.save()
    assert CouncilService(demo_vault).rules(council.id).first.describe() == "28 days"


def test_a_bad_code_or_contract_is_named_and_nothing_else_is_lost(qtbot, demo_vault,
                                                                  settings) -> None:
    dialog, profiles, council = _dialog(qtbot, demo_vault, settings)
    dialog.code.setText("EMB")  # another council's code
    dialog.name.setText("Northbrook Borough")
    dialog.findChild(QLineEdit, "setting_contract_start").setText("2026-04-01")
    dialog.findChild(QLineEdit, "setting_contract_end").setText("2025-03-31")
    dialog.findChild(QLineEdit, "setting_marking").setText("OFFICIAL")
    assert not dialog.save()
    text = dialog.message.text()
    assert "Council code: Council EMB is already in this vault" in text
    assert "Contract dates: The contract cannot end (2025-03-31) before it starts " \
           "(2026-04-01)" in text
    assert "Everything else was saved." in text
    after = demo_vault.council(council.id)
    assert after.code == "NBK" and after.name == "Northbrook Borough"
    values = profiles.values(council.id)
    assert values["marking"] == "OFFICIAL"
    assert (values["contract_start"], values["contract_end"]) == ("", "")

    dialog.code.setText("N")
    dialog.findChild(QLineEdit, "setting_contract_end").setText("2027-03-31")
    assert not dialog.save()
    assert "2 to 10 letters or digits" in dialog.message.text()
    assert profiles.values(council.id)["contract_end"] == "2027-03-31"


def test_a_reference_pattern_reports_the_references_that_do_not_match(qtbot, demo_vault,
                                                                       settings) -> None:
    dialog, profiles, council = _dialog(qtbot, demo_vault, settings)
    field = dialog.findChild(QLineEdit, "setting_reference_pattern")
    field.setText("NB[0-9]{6}")
    assert dialog.save(), dialog.message.text()
    assert dialog.message.text() == "Saved."  # every demo NBK reference fits
    field.setText("NB9[0-9]{5}")
    assert dialog.save()
    assert "child reference(s) already held do not match" in dialog.message.text()
    field.setText("NB[0-9")
    assert not dialog.save()
    assert "Child reference pattern" in dialog.message.text()
    assert "is not valid" in dialog.message.text()
    assert profiles.values(council.id)["reference_pattern"] == "NB9[0-9]{5}"


def test_an_agenda_for_the_other_nation_is_refused(qtbot, demo_vault, settings,
                                                   tmp_path: Path) -> None:
    dialog, profiles, council = _dialog(qtbot, demo_vault, settings, code="VOH")
    english = tmp_path / "england.toml"
    english.write_bytes(GOOD_AGENDA)
    assert not dialog.set_asset_from_file("agenda", english)
    assert "it is for England but VOH follows Wales's rules" in dialog.message.text()
    assert profiles.asset(council.id, "agenda") is None
    assert dialog.asset_labels["agenda"].text() == "built-in"


def test_changing_the_nation_warns_about_an_agenda_of_the_old_one(qtbot, demo_vault, settings,
                                                                  tmp_path: Path) -> None:
    dialog, _profiles, _council = _dialog(qtbot, demo_vault, settings)
    agenda = tmp_path / "northbrook.toml"
    agenda.write_bytes(GOOD_AGENDA)
    assert dialog.set_asset_from_file("agenda", agenda)
    dialog.nation.setCurrentIndex(dialog.nation.findData("wales"))
    assert dialog.save()
    assert 'Its own agenda "Northbrook agenda" is for England' in dialog.message.text()


def test_the_settings_are_reached_by_keyboard_and_scale_with_the_font(qtbot, demo_vault,
                                                                      settings) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFont

    dialog, _profiles, _council = _dialog(qtbot, demo_vault, settings)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.chair.setFocus()
    qtbot.keyClick(dialog.chair, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(dialog.code.hasFocus)
    qtbot.keyClick(dialog.code, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.tabs.currentIndex() == 2)
    width = dialog.width()
    big = QFont(dialog.font())
    big.setPointSizeF(big.pointSizeF() * 1.5)
    bigger, _p, _c = _dialog(qtbot, demo_vault, settings)
    bigger.setFont(big)
    bigger.resize(bigger.fontMetrics().averageCharWidth() * 110, bigger.sizeHint().height())
    assert bigger.width() > width * 1.3


def test_the_chairs_role_and_contact_are_saved_for_every_council(qtbot, demo_vault,
                                                                settings) -> None:
    dialog, _profiles, _council = _dialog(qtbot, demo_vault, settings)
    edits = dialog.chair_fields.edits
    edits["chair_role"].setText("Independent Reviewing Officer (Wales)")
    edits["chair_phone"].setText("01632 960 123")
    edits["chair_email"].setText("not-an-email")
    assert not dialog.save()
    assert "does not look like an email address" in dialog.message.text()
    assert settings.get("chair_phone") == ""  # nothing of the chair's details saved
    edits["chair_email"].setText("alex@example.gov.uk")
    assert dialog.save()
    assert (settings.get("chair_role"), settings.get("chair_phone"),
            settings.get("chair_email")) == ("Independent Reviewing Officer (Wales)",
                                             "01632 960 123", "alex@example.gov.uk")
    from iro_desktop.core.chair import Chair

    assert Chair.from_settings(settings).contact == ("phone 01632 960 123, "
                                                     "email alex@example.gov.uk")

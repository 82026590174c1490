"""Screenshots of the councils' side of the window, drawn offscreen from the demo vault.

Checked and written as in test_screenshots.py (to DIR with ``IRO_DESKTOP_SCREENSHOTS=DIR``)::

    IRO_DESKTOP_SCREENSHOTS=docs/screenshots pytest tests/ui/test_council_screenshots.py
"""

from __future__ import annotations


import pytest
from PySide6.QtGui import QImage

from iro_desktop.security.kdf import fast_test_params
from iro_desktop.services.archive import ArchiveService

from tests.ui.test_screenshots import out_dir, save  # noqa: F401 - out_dir: fixture

pytestmark = [
    pytest.mark.filterwarnings(r"ignore:.*invalidateFilter.*:DeprecationWarning"),
]
SHOWN_HOME = "/home/alex"




def test_mixed_council_caseload_screenshot(qtbot, make_window, out_dir) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.ui.models.caseload_table_model import ENTRY_ROLE

    window = make_window()
    window.resize(1500, 800)
    window.table_action.trigger()
    view = window.caseload_view
    assert view.council_combo.currentIndex() == 0  # all councils at once
    codes = {view.proxy.index(r, 0).data(ENTRY_ROLE).council.code
             for r in range(view.proxy.rowCount())}
    assert codes == {"NBK", "EMB", "VOH"}
    view.table.scrollToTop()
    view.table.selectRow(1)  # a selected row keeps its council's colour
    path = out_dir / "caseload-mixed-councils.png"
    save(qtbot, window, path, "72 children shown", "NBK", "EMB", "VOH")
    assert QImage(str(path)).size().toTuple() == (1500, 800)


def test_council_settings_screenshot(qtbot, demo_vault, settings, out_dir) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.services.council_profile import CouncilProfileService
    from iro_desktop.services.councils import CouncilService
    from iro_desktop.ui.dialogs.council_settings_dialog import CouncilSettingsDialog

    council = demo_vault.council_by_code("VOH")
    CouncilService(demo_vault).set_contract(council.id, "2025-04-01", "2027-03-31")
    settings.set("chair_name", "Alex Morgan")
    dialog = CouncilSettingsDialog(CouncilProfileService(demo_vault), CouncilService(demo_vault),
                                   settings, council_id=council.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.rule_amounts["first"].setValue(4)
    dialog.rule_units["first"].setCurrentIndex(dialog.rule_units["first"].findData("weeks"))
    dialog.findChild(type(dialog.code), "setting_reference_pattern").setText("VH-[0-9]{6}")
    assert dialog.save(), dialog.message.text()
    save(qtbot, dialog, out_dir / "council-settings.png",
         "VOH — Vale of Hafren Council", "weeks", "VH-[0-9]{6}", "Saved.")


def test_hand_over_and_erase_screenshots(qtbot, demo_vault, out_dir) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.services.councils import CouncilService
    from iro_desktop.ui.dialogs.archive_dialogs import HandoverDialog
    from iro_desktop.ui.dialogs.council_manage_dialogs import EraseCouncilDialog

    council = demo_vault.council_by_code("EMB")
    handover = HandoverDialog(ArchiveService(demo_vault), council.id, kdf=fast_test_params())
    qtbot.addWidget(handover)
    handover.show()
    qtbot.waitExposed(handover)
    handover.out_path.setText(f"{SHOWN_HOME}/EMB-handover-2026-11-30.iroarchive")
    qtbot.keyClicks(handover.fields.first, "quiet harbour lamps at dusk")
    qtbot.keyClicks(handover.fields.second, "quiet harbour lamps at dusk")
    qtbot.waitUntil(handover.make_button.isEnabled)
    save(qtbot, handover, out_dir / "council-handover.png",
         "EMB — Eastmere Borough Council", "Very strong", "&Make the archive",
         f"{SHOWN_HOME}/EMB-handover-2026-11-30.iroarchive")
    handover.fields.clear()

    erase = EraseCouncilDialog(CouncilService(demo_vault), council.id)
    qtbot.addWidget(erase)
    erase.show()
    qtbot.waitExposed(erase)
    qtbot.keyClicks(erase.confirm, "EMB")
    assert erase.erase_button.isEnabled()
    save(qtbot, erase, out_dir / "council-erase.png",
         "Erasing EMB (Eastmere Borough Council)", "19 child record(s)", "&Erase EMB")

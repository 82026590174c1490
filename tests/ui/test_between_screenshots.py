"""Screenshots of the between-reviews pages for the docs, drawn offscreen from the demo vault
with monitoring, escalations and held reviews seeded (``between_seed``).

Checked and written as in test_screenshots.py (to DIR with ``IRO_DESKTOP_SCREENSHOTS=DIR``)::

    IRO_DESKTOP_SCREENSHOTS=docs/screenshots pytest tests/ui/test_between_screenshots.py
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.ui.between_seed import seed_between

from tests.ui.test_screenshots import out_dir, save  # noqa: F401 - out_dir: fixture

pytestmark = [
    pytest.mark.filterwarnings(r"ignore:.*invalidateFilter.*:DeprecationWarning"),
]




@pytest.fixture
def seeded_window(qtbot, demo_vault_with_reviews, settings):  # type: ignore[no-untyped-def]
    from iro_desktop.app import build_services
    from iro_desktop.ui.main_window import MainWindow

    seeded = seed_between(demo_vault_with_reviews)
    window = MainWindow(build_services(demo_vault_with_reviews, settings), settings)
    qtbot.addWidget(window)
    window.resize(1500, 900)
    window.show()
    qtbot.waitExposed(window)
    window.show_unlocked()
    yield window, seeded
    window.lock()


def test_dashboard_screenshot(qtbot, seeded_window, out_dir) -> None:  # type: ignore[no-untyped-def]
    window, _seeded = seeded_window
    view = window.dashboard_view
    assert window.stack.currentWidget() is view
    assert all(s.table.rowCount() for s in (view.overdue, view.due_soon, view.records,
                                             view.decisions, view.drifting, view.escalations))
    save(qtbot, window, out_dir / "dashboard.png",
         "&Reviews overdue (1)", "Grace Jackson", "Recor&ds not yet finalised (2)",
         "&Escalation responses overdue (1)", "NBK: 3 items ready to send")


def test_child_escalations_screenshot(qtbot, seeded_window, out_dir) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.ui.views.dashboard_view import Target

    window, seeded = seeded_window
    entry = seeded.monitored[-2]  # formal stages, then referred to Cafcass
    window.open_target(Target(entry.council.id, entry.child.id, tab="escalations"))
    assert window.child_view.escalations.table.rowCount() == 1
    save(qtbot, window, out_dir / "child-escalations.png",
         "Concern: No allocated social worker", "Referral to Cafcass", "Formal stage 3")
    window.child_view.show_tab("monitoring")
    save(qtbot, window, out_dir / "child-monitoring.png",
         "Significant change: Missing episode", "Midway review", "Lo&g an entry...")


def test_report_charts_screenshot(qtbot, seeded_window, demo_vault_with_reviews,
                                  out_dir) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.services.council_profile import CouncilProfileService
    from iro_desktop.services.report import ReportService
    from iro_desktop.ui.dialogs.report_dialog import ReportDialog

    window, seeded = seeded_window
    vault = demo_vault_with_reviews  # the vault the window is over
    profiles = CouncilProfileService(vault)
    dialog = ReportDialog(ReportService(vault, lambda: seeded.today),
                          lambda cid: profiles.values(cid)["marking"], window)
    qtbot.addWidget(dialog)
    dialog.council.setCurrentIndex(dialog.council.findData("NBK"))
    dialog.date_from.set_py_date(seeded.today - timedelta(days=364))
    dialog.date_to.set_py_date(seeded.today)
    dialog.load()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10000)
    assert dialog.report.reviews_held > 0
    dialog.resize(1500, 1000)
    dialog.show()
    qtbot.waitExposed(dialog)
    save(qtbot, dialog, out_dir / "report-charts.png",
         "Reviews held: 16", "Held on time", "14 (88%)", "Participation (reviews by code)")
    dialog.scroll_area.verticalScrollBar().setValue(dialog.scroll_area.verticalScrollBar().maximum())
    save(qtbot, dialog, out_dir / "report-charts-caseload.png",
         "Caseload size at each month end", "Save as &Word...")
    dialog.close()

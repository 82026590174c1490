"""The annual report figures in the window: charts and tables for a council and period that
match the report service, a refused period named, and Word / CSV exports written where the
IRO chooses with a message saying where and that the file is not encrypted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from docx import Document
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog
from tests.ui.between_seed import seed_between
from tests.ui.ui_helpers import SAMPLE_REFS, SAMPLE_SURNAMES

from iro_desktop.services.report import ReportService

pytestmark = pytest.mark.filterwarnings(r"ignore:.*invalidateFilter.*:DeprecationWarning")


@pytest.fixture
def seeded(demo_vault_with_reviews):  # type: ignore[no-untyped-def]
    return demo_vault_with_reviews, seed_between(demo_vault_with_reviews)


@pytest.fixture
def dialog(qtbot, seeded):  # type: ignore[no-untyped-def]
    from iro_desktop.services.council_profile import CouncilProfileService
    from iro_desktop.ui.dialogs.report_dialog import ReportDialog

    vault, data = seeded
    profiles = CouncilProfileService(vault)
    dialog = ReportDialog(ReportService(vault, lambda: data.today),
                          lambda cid: profiles.values(cid)["marking"])
    qtbot.addWidget(dialog)
    dialog.council.setCurrentIndex(dialog.council.findData("NBK"))
    dialog.date_from.set_py_date(data.today - timedelta(days=364))
    dialog.date_to.set_py_date(data.today)
    dialog.load()
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10000)  # counted off the GUI
    return dialog


def table_rows(section) -> dict[str, str]:  # type: ignore[no-untyped-def]
    t = section.table
    return {t.item(r, 0).text(): t.item(r, 1).text() for r in range(t.rowCount())}


def test_charts_and_tables_show_the_services_figures(dialog, seeded) -> None:  # type: ignore[no-untyped-def]
    vault, data = seeded
    expected = ReportService(vault).report("NBK", data.today - timedelta(days=364), data.today)
    assert expected.reviews_held > 0 and expected.escalations_raised == 3
    reviews, participation, decisions, stages, outcomes, kinds, changes, caseload = \
        dialog.sections
    assert reviews.title() == f"Reviews held: {expected.reviews_held}"
    assert reviews.chart.items == [("Held on time", expected.reviews_on_time),
                                   ("Held late", expected.reviews_late),
                                   ("Timeliness not known", expected.reviews_timeliness_unknown)]
    assert table_rows(reviews)["Reviews held"] == str(expected.reviews_held)
    assert table_rows(reviews)["Children reviewed"] == str(expected.children_reviewed)
    assert dict(participation.chart.items) == {**expected.participation,
                                               "No code": expected.participation_not_recorded}
    assert table_rows(participation)["PN1 Attends, speaks for self"] == \
        str(expected.participation["PN1"])
    assert dict(decisions.chart.items)["Drifting at the end"] == expected.decisions_drifting == 1
    assert dict(stages.chart.items) == {"Informal resolution": 2, "Formal stage 1": 2,
                                        "Formal stage 2": 0, "Formal stage 3": 1,
                                        "Referral to Cafcass": 1}
    assert table_rows(stages)["Open at the end of the period"] == "1"
    assert dict(outcomes.chart.items) == {"Resolved": 1, "Referred to Cafcass": 1,
                                          "Withdrawn": 0}
    assert dict(kinds.chart.items) == {"Midway review": 6, "Contact": 6, "Visit": 4,
                                       "Significant change": 6}
    assert sum(v for _k, v in changes.chart.items) == 6
    assert caseload.chart.columns
    assert [n for _l, n in caseload.chart.items] == [n for _d, n in expected.caseload_size]
    assert len(table_rows(caseload)) == len(expected.caseload_size)
    # The chart tells a screen reader the same figures, and no child is named anywhere.
    assert "Held on time: " + str(expected.reviews_on_time) in reviews.chart.accessibleDescription()
    assert reviews.chart.accessibleName() == f"Chart: Reviews held: {expected.reviews_held}"
    shown = " ".join([dialog.heading.text()] + [
        f"{s.title()} {s.chart.accessibleDescription()} {' '.join(table_rows(s))}"
        for s in dialog.sections])
    assert not [w for w in (*SAMPLE_SURNAMES, *SAMPLE_REFS) if w in shown.split()]


def test_a_period_ending_before_it_starts_is_refused(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    start = dialog.date_from.py_date()
    dialog.date_to.set_py_date(start - timedelta(days=1))
    qtbot.waitUntil(lambda: dialog.report is None and dialog.message.text() != "", timeout=3000)
    assert "is after the end date" in dialog.message.text()
    assert not dialog.word_button.isEnabled() and not dialog.csv_button.isEnabled()
    assert all(s.table.rowCount() == 0 for s in dialog.sections)
    dialog.date_to.set_py_date(start + timedelta(days=30))
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=3000)
    assert dialog.word_button.isEnabled()


def test_word_and_csv_go_where_the_iro_chooses_and_say_so(qtbot, dialog, tmp_path,  # type: ignore[no-untyped-def]
                                                          monkeypatch) -> None:
    asked: list[tuple[str, str]] = []

    def choose(folder_name: str):  # type: ignore[no-untyped-def]
        def fake(parent, title, suggested, file_filter):  # type: ignore[no-untyped-def]
            asked.append((title, suggested))
            return str(tmp_path / folder_name), file_filter
        return fake

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose("figures")))
    qtbot.keyClick(dialog.word_button, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: (tmp_path / "figures.docx").exists(), timeout=3000)
    report = dialog.report
    assert "NOT encrypted" in asked[0][0]
    assert asked[0][1].endswith(f"iro-annual-report-NBK-{report.period_from:%Y%m%d}-"
                                f"{report.period_to:%Y%m%d}.docx")
    message = dialog.message.text()
    assert str(tmp_path / "figures.docx") in message and "not encrypted" in message
    text = "\n".join(p.text for p in Document(str(tmp_path / "figures.docx")).paragraphs)
    assert "Northbrook City Council (NBK)" in text

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose("figures.csv")))
    dialog.csv_button.click()
    data = (tmp_path / "figures.csv").read_bytes()
    assert data == report.to_csv().encode("utf-8-sig")
    assert str(tmp_path / "figures.csv") in dialog.message.text()

    # A folder that cannot be written: the message names the problem; nothing else changes.
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(choose("missing-folder/figures.csv")))
    dialog.csv_button.click()
    assert dialog.message.text().startswith("The figures as CSV was not saved: ")
    assert not (tmp_path / "missing-folder").exists()


def test_opened_from_the_work_menu(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, look)
            return
        seen.append(dialog.windowTitle())
        seen.append(dialog.council.currentText())
        dialog.reject()

    QTimer.singleShot(0, look)
    window.report_action.trigger()
    first = window.access.councils()[0]
    assert seen == ["Annual report figures", f"{first.code} \u2014 {first.name}"]
    assert window.stack.currentWidget() is window.dashboard_view

"""The IRO's annual report figures for one council and period, as charts, with exports.

Choose the council and the period (a year from 1 April by default); the figures from
``ReportService`` show as painted bar charts, each with a plain table of the same numbers
beside it (what a screen reader reads; the chart's accessible description has them too).
"Save as Word..." and "Save as CSV..." write the figures where the IRO chooses, built in
memory and written atomically, and the dialog says where the file went and that it is not
encrypted. The report holds aggregate figures only: no child's name, reference or words.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.core import codes
from iro_desktop.core.annual_report import AnnualReport
from iro_desktop.core.escalation import Outcome, Stage
from iro_desktop.core.monitoring import ChangeType, EntryKind
from iro_desktop.services.report import ReportService
from iro_desktop.ui.dialogs.form_dialog import date_field
from iro_desktop.ui.widgets.charts import BarChart
from iro_desktop.ui.widgets.tables import read_only_table
from iro_desktop.ui.workers import Worker, run_in_background, user_message

ERROR_STYLE, DONE_STYLE = "color: #b00020;", "color: #1b5e20;"
Figures = list[tuple[str, int]]


def reporting_year(today: date) -> tuple[date, date]:
    """The period the dialog opens on. From April to June, when the annual report is
    written, the year that ended on 31 March; from July, the year from 1 April to date (the
    last full year opened all zeros for an IRO who started with the app within it)."""
    start_year = today.year if today >= date(today.year, 4, 1) else today.year - 1
    if today < date(start_year, 7, 1):
        return date(start_year - 1, 4, 1), date(start_year, 3, 31)
    return date(start_year, 4, 1), today


def _pct(part: int, whole: int) -> str:
    return f"{part} ({round(100 * part / whole)}%)" if whole else str(part)


def sections(report: AnnualReport) -> list[tuple[str, Figures, list[tuple[str, str]], bool]]:
    """Per chart: (title, bars, table rows, columns?). The table has every bar's figure and
    any figure that goes with them."""
    held = report.reviews_held
    timeliness = [("Held on time", report.reviews_on_time), ("Held late", report.reviews_late),
                  ("Timeliness not known", report.reviews_timeliness_unknown)]
    participation = [(code, n) for code, n in report.participation.items()]
    participation.append(("No code", report.participation_not_recorded))
    decisions = [("Made", report.decisions_made), ("Completed", report.decisions_completed),
                 ("Drifting at the end", report.decisions_drifting)]
    stages = [(Stage(k).label, n) for k, n in report.escalations_by_stage.items()]
    outcomes = [(Outcome(k).label, n) for k, n in report.escalations_by_outcome.items()]
    kinds = [(EntryKind(k).label, n) for k, n in report.monitoring_by_kind.items()]
    changes = [(ChangeType(k).label, n) for k, n in report.significant_changes_by_type.items()]
    caseload = [(f"{day:%b %y}", n) for day, n in report.caseload_size]

    def rows(items: Figures, whole: int | None = None) -> list[tuple[str, str]]:
        return [(label, _pct(n, whole) if whole is not None else str(n)) for label, n in items]

    return [
        (f"Reviews held: {held}", timeliness,
         [("Reviews held", str(held)), *rows(timeliness, held),
          ("Children reviewed", str(report.children_reviewed)),
          ("Child seen before the review (recorded)",
           _pct(report.children_seen_before_review, held))], False),
        ("Participation (reviews by code)", participation,
         [(f"{code} {codes.PARTICIPATION.short.get(code, 'not recorded')}"
           if code != "No code" else "No code recorded", str(n))
          for code, n in participation], False),
        ("Decisions", decisions, rows(decisions), False),
        ("Escalation stages raised", stages,
         [("Escalations raised", str(report.escalations_raised)), *rows(stages),
          ("Open at the end of the period", str(report.escalations_open_at_end))], False),
        ("Escalations closed, by outcome", outcomes, rows(outcomes), False),
        ("Monitoring between reviews", kinds, rows(kinds), False),
        ("Significant changes reported", changes, rows(changes), False),
        ("Caseload size at each month end", caseload,
         [(f"{day:%d/%m/%Y}", str(n)) for day, n in report.caseload_size], True),
    ]


class _ChartSection(QGroupBox):
    """A chart and, beside it, the table of its figures."""

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"report_section_{index}")
        self.chart = BarChart("Chart")
        self.chart.setObjectName(f"report_chart_{index}")
        self.table: QTableWidget = read_only_table(["Figure", "Number"],
                                                   f"report_table_{index}", "Figures")
        self.table.setWordWrap(False)
        # The figure's name is never cut short: its column fits it, and the table is at
        # least that wide (the chart beside it gives way).
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setDefaultSectionSize(
            int(self.fontMetrics().height() * 1.4))
        layout = QHBoxLayout(self)
        top = Qt.AlignmentFlag.AlignTop
        layout.addWidget(self.chart, 1, top)
        layout.addWidget(self.table, 1, top)

    def show_figures(self, title: str, bars: Figures, rows: list[tuple[str, str]],
                     columns: bool) -> None:
        self.setTitle(title)
        self.chart.columns = columns
        self.chart.setAccessibleName(f"Chart: {title}")
        self.chart.set_items(bars)
        self.table.setAccessibleName(f"{title}: figures")
        self.table.setRowCount(len(rows))
        for r, (label, value) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(label))
            number = QTableWidgetItem(value)
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(r, 1, number)
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        self.table.setMinimumWidth(header.sectionSize(0) + header.sectionSize(1)
                                   + 2 * self.table.frameWidth()
                                   + self.table.verticalScrollBar().sizeHint().width())
        height = (self.table.horizontalHeader().sizeHint().height()
                  + self.table.verticalHeader().length() + 2 * self.table.frameWidth())
        chart_height = self.chart.sizeHint().height()
        # A long series (the caseload by month) scrolls in a table as tall as its chart.
        self.table.setFixedHeight(min(height, chart_height) if columns else height)
        self.chart.setFixedHeight(chart_height)


class ReportDialog(QDialog):
    def __init__(self, service: ReportService, marking_for, parent: QWidget | None = None,  # type: ignore[no-untyped-def]
                 ) -> None:
        """``marking_for(council_id)`` gives the council's protective marking for the Word
        report's header and footer."""
        super().__init__(parent)
        self.setObjectName("report_dialog")
        self.setWindowTitle("Annual report figures")
        self.service = service
        self.marking_for = marking_for
        self.report: AnnualReport | None = None
        self.council = QComboBox()
        self.council.setObjectName("report_council_combo")
        self.council.setAccessibleName("Council")
        for c in service.councils():
            self.council.addItem(f"{c.code} \u2014 {c.name}", c.code)
        start, end = reporting_year(service.today())
        self.date_from = date_field("First day of the period", "report_from_edit", start)
        self.date_to = date_field("Last day of the period", "report_to_edit", end)
        self.show_button = QPushButton("S&how figures")
        self.show_button.setObjectName("report_show_button")
        self.show_button.setAccessibleName("Show the figures for this council and period")
        self.show_button.clicked.connect(self.load)
        top = QHBoxLayout()
        for text, field in (("&Council:", self.council), ("&From:", self.date_from),
                            ("&To:", self.date_to)):
            label = QLabel(text)
            label.setBuddy(field)
            top.addWidget(label)
            top.addWidget(field, 2 if field is self.council else 0)
        top.addWidget(self.show_button)
        top.addStretch(1)

        self.heading = QLabel("")
        self.heading.setObjectName("report_heading")
        self.heading.setAccessibleName("Report")
        self.heading.setWordWrap(True)
        body = QWidget()
        body.setObjectName("report_body")
        grid = QGridLayout(body)
        self.sections = [_ChartSection(i) for i in range(8)]
        for i, section in enumerate(self.sections[:-1]):
            grid.addWidget(section, i // 2, i % 2, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.sections[-1], 4, 0, 1, 2, Qt.AlignmentFlag.AlignTop)
        grid.setRowStretch(5, 1)
        scroll = QScrollArea()
        scroll.setObjectName("report_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.scroll_area = scroll

        self.message = QLabel("")
        self.message.setObjectName("report_message")
        self.message.setAccessibleName("Report message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.word_button = QPushButton("Save as &Word...")
        self.word_button.setObjectName("report_word_button")
        self.word_button.setAccessibleName("Save the report as a Word document (not encrypted)")
        self.word_button.clicked.connect(self.save_word)
        self.csv_button = QPushButton("Save as C&SV...")
        self.csv_button.setObjectName("report_csv_button")
        self.csv_button.setAccessibleName("Save the figures as CSV (not encrypted)")
        self.csv_button.clicked.connect(self.save_csv)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close_button = close.button(QDialogButtonBox.StandardButton.Close)
        close_button.setText("Close")
        close_button.setAccessibleName("Close the report")
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.word_button)
        buttons.addWidget(self.csv_button)
        buttons.addStretch(1)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.heading)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        fm = self.fontMetrics()
        self.resize(fm.averageCharWidth() * 190, fm.height() * 46)
        # The figures follow the choices a moment after the last change.
        self._loading = 0  # the latest figures asked for (older answers are dropped)
        self._worker: Worker | None = None
        self._reload = QTimer(self)
        self._reload.setSingleShot(True)
        self._reload.setInterval(300)
        self._reload.timeout.connect(self.load)
        self.council.currentIndexChanged.connect(lambda _i: self._reload.start())
        self.date_from.dateChanged.connect(lambda _d: self._reload.start())
        self.date_to.dateChanged.connect(lambda _d: self._reload.start())
        self.load()

    # ---- figures -------------------------------------------------------------------

    def load(self) -> None:
        """Count the figures on a worker thread (a council's ten years took 0.2-0.3 s, too
        long for the GUI thread); the latest request wins."""
        self._reload.stop()
        code = self.council.currentData()
        self.report = None
        self._set_exports_enabled(False)
        self._loading += 1
        if not code:
            self.heading.setText("There is no council in the vault yet.")
            return
        ticket = self._loading
        date_from, date_to = self.date_from.py_date(), self.date_to.py_date()
        self.heading.setText("Counting\u2026")
        self._worker = run_in_background(
            lambda: self.service.report(code, date_from, date_to),
            lambda report: self._on_loaded(ticket, report),
            lambda exc: self._on_load_failed(ticket, exc))

    def done(self, result: int) -> None:
        self._loading += 1  # a count still running is dropped when it comes back
        super().done(result)

    def _on_load_failed(self, ticket: int, exc: BaseException) -> None:
        if ticket != self._loading:
            return
        self.heading.setText("")
        self._show(f"No figures: {user_message(exc)}", error=True)
        for section in self.sections:
            section.chart.clear()
            section.table.setRowCount(0)

    def _on_loaded(self, ticket: int, report: AnnualReport) -> None:
        if ticket != self._loading:  # the period or council changed meanwhile
            return
        self.report = report
        self.heading.setText(
            f"{report.council_name} ({report.council_code}), {report.period_from:%d/%m/%Y} "
            f"to {report.period_to:%d/%m/%Y}. Aggregate figures only; how each is counted "
            "is written in the Word report.")
        for section, figures in zip(self.sections, sections(report)):
            section.show_figures(*figures)
        self.message.clear()
        self._set_exports_enabled(True)

    def _set_exports_enabled(self, enabled: bool) -> None:
        self.word_button.setEnabled(enabled)
        self.csv_button.setEnabled(enabled)

    # ---- exports -------------------------------------------------------------------

    def _target(self, suffix: str, title: str, file_filter: str) -> Path | None:
        report = self.report
        assert report is not None
        name = (f"iro-annual-report-{report.council_code}-{report.period_from:%Y%m%d}-"
                f"{report.period_to:%Y%m%d}.{suffix}")
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path.home() / name), file_filter)
        if not path:
            return None
        return Path(path if path.lower().endswith(f".{suffix}") else f"{path}.{suffix}")

    def save_word(self) -> None:
        if self.report is None:
            return
        target = self._target("docx", "Save the report as Word (NOT encrypted)",
                              "Word documents (*.docx)")
        if target is None:
            return
        council = self.service.council_by_code(self.report.council_code)
        try:
            marking = self.marking_for(council.id) if council is not None else ""
            data = self.service.word(self.report, marking or "OFFICIAL-SENSITIVE")
        except Exception as exc:  # noqa: BLE001
            self._show(f"The report was not saved: {user_message(exc)}", error=True)
            return
        self._write(target, data, "Word report")

    def save_csv(self) -> None:
        if self.report is None:
            return
        target = self._target("csv", "Save the figures as CSV (NOT encrypted)",
                              "CSV files (*.csv)")
        if target is None:
            return
        # A byte-order mark: Excel, where councils open it, then reads UTF-8 correctly.
        self._write(target, self.report.to_csv().encode("utf-8-sig"), "figures as CSV")

    def _write(self, target: Path, data: bytes, what: str) -> None:
        from iro_desktop.fsutil import atomic_write

        try:
            atomic_write(target, data)
        except Exception as exc:  # noqa: BLE001 - nothing in the vault changed
            self._show(f"The {what} was not saved: {user_message(exc)}", error=True)
            return
        self._show(f"Saved the {what} to {target}. The file is not encrypted. It holds "
                   "aggregate figures only (no child's name, reference or words); keep it as "
                   "your council requires.", error=False)

    def _show(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else DONE_STYLE)

"""One child: their reviews and open decisions (overdue and drifting marked), the
monitoring log between reviews and the escalations about their plan, as three tabs
(Alt+R, Alt+M, Alt+E; Ctrl+Tab moves between them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.core import codes
from iro_desktop.core.models import Council
from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.services.caseload import CaseloadEntry
from iro_desktop.services.escalation import EscalationService
from iro_desktop.services.monitoring import MonitoringService
from iro_desktop.core.records import Decision, ReviewSummary
from iro_desktop.ui.views.escalation_panel import EscalationPanel
from iro_desktop.ui.views.monitoring_panel import MonitoringPanel
from iro_desktop.ui.widgets.date_edit import DateEdit
from iro_desktop.ui.widgets.tables import read_only_table

if TYPE_CHECKING:
    from iro_desktop.services.reviews import ReviewService

REVIEW_ID_ROLE = Qt.ItemDataRole.UserRole + 1
TABS = ("reviews", "monitoring", "escalations")


class PlanReviewDialog(QDialog):
    def __init__(self, suggested: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Plan a review")
        self.when = DateEdit("Review date")
        self.when.set_py_date(suggested)
        self.when.setObjectName("plan_date_edit")
        self.venue = QLineEdit()
        self.venue.setObjectName("plan_venue_edit")
        self.venue.setAccessibleName("Venue")
        self.venue.setMaxLength(200)
        form = QFormLayout(self)
        date_label = QLabel("&Date:")
        date_label.setBuddy(self.when)
        venue_label = QLabel("&Venue:")
        venue_label.setBuddy(self.venue)
        form.addRow(date_label, self.when)
        form.addRow(venue_label, self.venue)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Plan review")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @property
    def date(self) -> date:
        d = self.when.date()
        return date(d.year(), d.month(), d.day())


class ChildView(QWidget):
    back_requested = Signal()
    plan_requested = Signal()
    review_requested = Signal(int)
    due_changed = Signal()  # the next review was brought forward (or no longer is)

    def __init__(self, monitoring: MonitoringService, escalations: EscalationService,
                 reviews: ReviewService, today: Callable[[], date],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("child_view")
        self.chip = QLabel("")
        self.chip.setObjectName("council_chip")
        self.title = QLabel("")
        self.title.setObjectName("child_title")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.facts = QLabel("")
        self.facts.setObjectName("child_facts")
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.facts.setWordWrap(True)
        self.back_button = QPushButton("\u2190 &Back to the caseload")
        self.back_button.setObjectName("child_back_button")
        self.back_button.setAccessibleName("Back to the caseload")
        self.back_button.clicked.connect(self.back_requested)
        self.plan_button = QPushButton("&Plan next review (Ctrl+N)")
        self.plan_button.setObjectName("plan_review_button")
        self.plan_button.setAccessibleName("Plan the next review")
        self.plan_button.clicked.connect(self.plan_requested)
        open_button = QPushButton("&Open review")
        open_button.setObjectName("open_review_button")
        open_button.setAccessibleName("Open the selected review")
        open_button.clicked.connect(self._on_open_clicked)

        self.reviews = read_only_table(["Review", "Date", "Status", "Participation"],
                                       "reviews_table", "Reviews of this child",
                                       fit_others=False, select_rows=True)
        self.reviews.activated.connect(lambda _i: self._on_open_clicked())

        self.decisions = read_only_table(["Decision", "Who", "By when", "Flag"],
                                         "open_decisions_table", "Open decisions")

        self.monitoring = MonitoringPanel(monitoring, reviews, today)
        self.monitoring.due_changed.connect(self.due_changed)
        self.monitoring.entries_changed.connect(self._on_monitoring_count)
        self.escalations = EscalationPanel(escalations, reviews, today)
        self.escalations.escalations_changed.connect(self._on_escalation_count)

        top = QHBoxLayout()
        top.addWidget(self.chip)
        top.addWidget(self.title, 1)
        top.addWidget(self.plan_button)
        top.addWidget(self.back_button)
        reviews_page = QWidget()
        reviews_page.setObjectName("child_reviews_page")
        reviews_layout = QVBoxLayout(reviews_page)
        reviews_layout.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        buttons.addWidget(open_button)
        buttons.addStretch(1)
        reviews_layout.addLayout(buttons)
        reviews_layout.addWidget(QLabel("Reviews:"))
        reviews_layout.addWidget(self.reviews, 1)
        reviews_layout.addWidget(QLabel("Open decisions:"))
        reviews_layout.addWidget(self.decisions, 1)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("child_tabs")
        self.tabs.setAccessibleName("Reviews, monitoring and escalations")
        self.tabs.addTab(reviews_page, "&Reviews and decisions")
        self.tabs.addTab(self.monitoring, "&Monitoring between reviews")
        self.tabs.addTab(self.escalations, "&Escalations")
        self.tabs.currentChanged.connect(lambda _i: self._focus_tab())
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.facts)
        layout.addWidget(self.tabs, 1)
        QShortcut(QKeySequence("Ctrl+N"), self, self.plan_requested.emit,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Escape"), self, self.back_requested.emit,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.entry: CaseloadEntry | None = None

    def set_back_target(self, page: str) -> None:
        """Name the page Escape and the back button return to ("caseload", "dashboard")."""
        self.back_button.setText(f"\u2190 &Back to the {page}")
        self.back_button.setAccessibleName(f"Back to the {page}")

    def show_tab(self, name: str) -> None:
        """Show the "reviews", "monitoring" or "escalations" tab, its table focused."""
        self.tabs.setCurrentIndex(TABS.index(name) if name in TABS else 0)
        self._focus_tab()

    def _focus_tab(self) -> None:
        name = TABS[self.tabs.currentIndex()]
        table = {"reviews": self.reviews, "monitoring": self.monitoring.table,
                 "escalations": self.escalations.table}[name]
        table.setFocus()

    def _on_monitoring_count(self, count: int) -> None:
        self.tabs.setTabText(1, f"&Monitoring between reviews ({count})")

    def _on_escalation_count(self, open_count: int) -> None:
        self.tabs.setTabText(2, f"&Escalations ({open_count} open)" if open_count
                             else "&Escalations")

    def show_child(self, entry: CaseloadEntry, council: Council, reviews: list[ReviewSummary],
                   decisions: list[Decision], today: date) -> None:
        same_child = (self.entry is not None and self.entry.council.id == entry.council.id
                      and self.entry.child.id == entry.child.id)
        self.entry = entry
        rec = entry.child.record
        self.chip.setText(f" {council.code} ")
        self.chip.setStyleSheet(f"background: {council.colour}; color: white; padding: 4px; "
                                "font-weight: bold;")
        self.chip.setAccessibleName(f"Council {council.code}, {council.name}")
        self.title.setText(rec.display_name)
        self.facts.setText(
            f"{council.name} \u2022 {rec.child_ref} \u2022 born {rec.date_of_birth:%d/%m/%Y} "
            f"(age {entry.age}) \u2022 {codes.describe(codes.LEGAL_STATUS, rec.legal_status)} "
            f"\u2022 {codes.describe(codes.PLACEMENT_TYPE, rec.placement_type)}\n"
            f"Next review due by {entry.due.due:%d/%m/%Y} ({entry.status.label}): "
            f"{entry.due.rule}")
        self.reviews.setRowCount(len(reviews))
        for row, r in enumerate(reviews):
            when = r.date.strftime("%d/%m/%Y") if r.date else ""
            for col, text in enumerate((str(r.number), when, r.status.label,
                                        r.participation_code or "")):
                item = QTableWidgetItem(text)
                item.setData(REVIEW_ID_ROLE, r.id)
                self.reviews.setItem(row, col, item)
        self.plan_button.setEnabled(all(r.status is ReviewStatus.FINALISED for r in reviews))
        self.decisions.setRowCount(len(decisions))
        for row, d in enumerate(decisions):
            flags = []
            if d.drifting:
                flags.append("\u26a0 Drift")
            if d.is_overdue(today):
                flags.append("Overdue")
            values = (d.text, d.responsible,
                      d.due_date.strftime("%d/%m/%Y") if d.due_date else "", ", ".join(flags))
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if flags:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.decisions.setItem(row, col, item)
        if reviews:
            self.reviews.selectRow(0)
        if not same_child:
            self.tabs.setCurrentIndex(0)
        self.monitoring.load(council.id, entry.child.id)
        self.escalations.load(council.id, entry.child.id)
        self._focus_tab()

    def clear(self) -> None:
        self.entry = None
        for widget in (self.title, self.facts, self.chip):
            widget.clear()
        self.reviews.setRowCount(0)
        self.decisions.setRowCount(0)
        self.monitoring.clear()
        self.escalations.clear()
        self.tabs.setTabText(1, "&Monitoring between reviews")
        self.tabs.setTabText(2, "&Escalations")

    def _on_open_clicked(self) -> None:
        row = self.reviews.currentRow()
        item = self.reviews.item(row, 0) if row >= 0 else None
        if item is not None:
            self.review_requested.emit(item.data(REVIEW_ID_ROLE))

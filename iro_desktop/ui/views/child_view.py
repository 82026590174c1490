"""One child: their reviews, open decisions (overdue and drifting marked) and network."""

from __future__ import annotations

from datetime import date

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
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.core import codes
from iro_desktop.core.models import Council
from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.services.caseload import CaseloadEntry
from iro_desktop.services.reviews import Decision, ReviewSummary
from iro_desktop.ui.widgets.date_edit import DateEdit
from iro_desktop.ui.widgets.tables import read_only_table

REVIEW_ID_ROLE = Qt.ItemDataRole.UserRole + 1


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

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("child_view")
        self.chip = QLabel("")
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
        back = QPushButton("\u2190 &Caseload")
        back.setAccessibleName("Back to the caseload")
        back.clicked.connect(self.back_requested)
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

        top = QHBoxLayout()
        top.addWidget(self.chip)
        top.addWidget(self.title, 1)
        top.addWidget(back)
        buttons = QHBoxLayout()
        buttons.addWidget(self.plan_button)
        buttons.addWidget(open_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.facts)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Reviews:"))
        layout.addWidget(self.reviews, 1)
        layout.addWidget(QLabel("Open decisions:"))
        layout.addWidget(self.decisions, 1)
        QShortcut(QKeySequence("Ctrl+N"), self, self.plan_requested.emit,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Escape"), self, self.back_requested.emit,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.entry: CaseloadEntry | None = None

    def show_child(self, entry: CaseloadEntry, council: Council, reviews: list[ReviewSummary],
                   decisions: list[Decision], today: date) -> None:
        self.entry = entry
        rec = entry.child.record
        self.chip.setText(f" {council.code} ")
        self.chip.setStyleSheet(f"background: {council.colour}; color: white; padding: 4px; "
                                "font-weight: bold;")
        self.chip.setAccessibleName(f"Council {council.name}")
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
        self.reviews.setFocus()

    def clear(self) -> None:
        self.entry = None
        for widget in (self.title, self.facts, self.chip):
            widget.clear()
        self.reviews.setRowCount(0)
        self.decisions.setRowCount(0)

    def _on_open_clicked(self) -> None:
        row = self.reviews.currentRow()
        item = self.reviews.item(row, 0) if row >= 0 else None
        if item is not None:
            self.review_requested.emit(item.data(REVIEW_ID_ROLE))

"""The dashboard, shown first after unlocking: what needs the IRO's attention today.

One section per list of :class:`~iro_desktop.services.dashboard.Dashboard`: reviews
overdue and due soon, records not yet finalised with their distribution deadlines (per
council), open decisions past their date, children with drifting decisions, escalation
responses overdue, and the outbox. Each section is a heading (Alt+letter moves to its
table) and a table; Enter or a double click on a row opens the child, or the review for a
record not finalised. Empty sections say "None". Late items say so in words as well as in
colour. F5 reads everything again; Ctrl+1 goes to the caseload table.

The view only formats what the service gives it; the main window asks the service.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:  # the service pulls in the database layer: not needed to draw
    from iro_desktop.services.dashboard import Dashboard

TARGET_ROLE = Qt.ItemDataRole.UserRole + 1
LATE = Qt.GlobalColor.darkRed
_ROOT = QModelIndex()
T = TypeVar("T")
MAX_VISIBLE_ROWS = 8  # a longer list scrolls inside its table


@dataclass(frozen=True, slots=True)
class Target:
    """What a row opens: the child, and the review or tab to show."""

    council_id: str
    child_id: int
    review_id: int | None = None
    tab: str = ""  # "", "monitoring" or "escalations"


def _dmy(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"  # as "%d/%m/%Y", without strftime's cost


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


_SIZED_FROM = 200  # rows whose text sizes the columns (the longest of them)


class _RowsModel(QAbstractTableModel):
    """Rows of one section. Each row's texts are made when first shown (a section can list
    thousands of decisions; formatting them all took longer than reading them)."""

    def __init__(self, headers: list[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.headers = headers
        self.rows: list[object] = []
        self._row: Callable[[object], tuple[Target, list[str], bool]] | None = None
        self._made: dict[int, tuple[Target, list[str], bool]] = {}

    def set_rows(self, rows: list[object],
                 row: Callable[[object], tuple[Target, list[str], bool]]) -> None:
        self.beginResetModel()
        self.rows, self._row, self._made = rows, row, {}
        self.endResetModel()

    def row(self, r: int) -> tuple[Target, list[str], bool]:
        made = self._made.get(r)
        if made is None:
            assert self._row is not None
            made = self._made[r] = self._row(self.rows[r])
        return made

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        target, texts, late = self.row(index.row())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                    Qt.ItemDataRole.AccessibleTextRole):
            return texts[index.column()]
        if role == TARGET_ROLE:
            return target
        if role == Qt.ItemDataRole.ForegroundRole and late:
            return QBrush(LATE)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None


@dataclass(frozen=True, slots=True)
class _Cell:
    value: str

    def text(self) -> str:
        return self.value


class _Table(QTableView):
    """A read-only table of a section's rows, with QTableWidget's reading calls
    (``rowCount``, ``item(r, c).text()``, ``currentRow``) for the window and tests."""

    def __init__(self, headers: list[str], name: str, accessible: str,
                 stretch: tuple[int, ...]) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self.rows = _RowsModel(headers, self)
        self.setModel(self.rows)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        # Sized from the texts below, never ResizeToContents (which asks every cell).
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.stretch = stretch
        for column in stretch:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)

    def rowCount(self) -> int:  # noqa: N802
        return self.rows.rowCount()

    def item(self, row: int, column: int) -> _Cell:
        return _Cell(self.rows.row(row)[1][column])

    def currentRow(self) -> int:  # noqa: N802
        index = self.currentIndex()
        return index.row() if index.isValid() else -1

    def setRowCount(self, count: int) -> None:  # noqa: N802 - only 0: empty it
        if count == 0:
            self.rows.set_rows([], lambda _o: (Target("", 0), [], False))

    def fit_columns(self) -> None:
        """Each column as wide as its header or its longest text among the first rows."""
        fm = self.fontMetrics()
        pad = fm.averageCharWidth() * 3
        shown = [self.rows.row(r)[1] for r in range(min(len(self.rows.rows), _SIZED_FROM))]
        for column, title in enumerate(self.rows.headers):
            if column in self.stretch:
                continue
            longest = sorted((texts[column] for texts in shown), key=len)[-3:]
            width = max(fm.horizontalAdvance(t) for t in [title, *longest])
            self.setColumnWidth(column, min(width + pad, fm.averageCharWidth() * 60))


class _Section:
    """A heading with a mnemonic, a table and a "None" line shown instead of an empty
    table."""

    def __init__(self, title: str, name: str, headers: list[str], stretch: tuple[int, ...],
                 layout: QVBoxLayout) -> None:
        self.title = title
        self.heading = QLabel(title)
        self.heading.setObjectName(f"{name}_heading")
        font = QFont(self.heading.font())
        font.setBold(True)
        self.heading.setFont(font)
        self.table = _Table(headers, f"{name}_table", title.replace("&", ""), stretch)
        self.heading.setBuddy(self.table)
        self.none = QLabel("None.")
        self.none.setObjectName(f"{name}_none")
        layout.addWidget(self.heading)
        layout.addWidget(self.table)
        layout.addWidget(self.none)

    def fill(self, items: Sequence[T], row: Callable[[T], tuple[Target, list[str], bool]]) -> None:
        """``row(item)`` gives (what it opens, cell texts, late?); called for the rows shown."""
        # An empty section's table is hidden: its letter would go nowhere, so none is shown.
        title = self.title if items else self.title.replace("&", "")
        self.heading.setText(f"{title} ({len(items)})")
        table = self.table
        current = table.currentRow()
        table.rows.set_rows(list(items), row)  # type: ignore[arg-type]
        table.fit_columns()
        self._fit_height()
        table.setVisible(bool(items))
        self.none.setVisible(not items)
        if items and current >= 0:  # the same place after F5
            table.selectRow(min(current, len(items) - 1))

    def clear(self) -> None:
        self.table.setRowCount(0)
        self.heading.setText(self.title)

    def _fit_height(self) -> None:
        table = self.table
        shown = min(table.rowCount(), MAX_VISIBLE_ROWS)
        rows = table.verticalHeader().defaultSectionSize() * shown
        frame = table.frameWidth() * 2
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + rows + frame)


class DashboardView(QWidget):
    open_requested = Signal(object)  # a Target
    outbox_requested = Signal()
    caseload_requested = Signal()
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_view")
        self.title = QLabel("Today")
        self.title.setObjectName("dashboard_title")
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.summary = QLabel("")
        self.summary.setObjectName("dashboard_summary")
        self.summary.setAccessibleName("Dashboard summary")
        self.summary.setWordWrap(True)
        summary_font = QFont(self.font())
        summary_font.setPointSizeF(summary_font.pointSizeF() * 1.1)
        self.summary.setFont(summary_font)
        self.damaged = QLabel("")
        self.damaged.setObjectName("dashboard_damaged")
        self.damaged.setWordWrap(True)
        self.damaged.setStyleSheet("color: #b00020;")

        caseload = QPushButton("Caseload table (Ctrl+1)")
        caseload.setObjectName("dashboard_caseload_button")
        caseload.setAccessibleName("Go to the caseload table")
        caseload.clicked.connect(self.caseload_requested)
        refresh = QPushButton("Refresh (F5)")
        refresh.setObjectName("dashboard_refresh_button")
        refresh.setAccessibleName("Read the dashboard again")
        refresh.clicked.connect(self.refresh_requested)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(refresh)
        top.addWidget(caseload)

        body = QWidget()
        body.setObjectName("dashboard_body")
        sections = QVBoxLayout(body)
        self.overdue = _Section("&Reviews overdue", "dash_overdue",
                                ["Council", "Child", "Reference", "Due by", "Overdue by",
                                 "Why this date"], (5,), sections)
        self.due_soon = _Section("Reviews due in the &next 28 days", "dash_due_soon",
                                 ["Council", "Child", "Reference", "Due by", "Due in",
                                  "Why this date"], (5,), sections)
        self.records = _Section("Recor&ds not yet finalised", "dash_records",
                                ["Council", "Child", "Review", "Held", "Stage",
                                 "Decisions due", "Full record due"], (6,), sections)
        self.decisions = _Section("Open decisions &past their date", "dash_decisions",
                                  ["Council", "Child", "Decision", "Who", "Due", "Flag"],
                                  (2,), sections)
        self.drifting = _Section("Children with drif&ting decisions", "dash_drifting",
                                 ["Council", "Child", "Reference", "Decisions drifting"],
                                 (3,), sections)
        self.escalations = _Section("&Escalation responses overdue", "dash_escalations",
                                    ["Council", "Child", "Stage", "Raised with", "Raised",
                                     "Response due", "Overdue by"], (3,), sections)
        outbox_heading = QLabel("Outbox")
        outbox_heading.setObjectName("dash_outbox_heading")
        bold = QFont(outbox_heading.font())
        bold.setBold(True)
        outbox_heading.setFont(bold)
        self.outbox = QLabel("")
        self.outbox.setObjectName("dash_outbox")
        self.outbox.setAccessibleName("Outbox items waiting")
        self.outbox.setWordWrap(True)
        self.outbox_button = QPushButton("Open the out&box (Ctrl+Shift+B)")
        self.outbox_button.setObjectName("dash_outbox_button")
        self.outbox_button.setAccessibleName("Open the outbox")
        self.outbox_button.clicked.connect(self.outbox_requested)
        outbox_row = QHBoxLayout()
        outbox_row.addWidget(self.outbox, 1)
        outbox_row.addWidget(self.outbox_button)
        sections.addWidget(outbox_heading)
        sections.addLayout(outbox_row)
        sections.addStretch(1)
        self._sections = (self.overdue, self.due_soon, self.records, self.decisions,
                          self.drifting, self.escalations)
        for section in self._sections:
            section.table.activated.connect(self._on_activated)

        scroll = QScrollArea()
        scroll.setObjectName("dashboard_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll_area = scroll

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.damaged)
        layout.addWidget(scroll, 1)
        QShortcut(QKeySequence("F5"), self, self.refresh_requested.emit,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.damaged.hide()

    # ---- data ----------------------------------------------------------------------

    def set_dashboard(self, board: Dashboard, *, no_children: bool = False) -> None:
        """Show ``board``; ``no_children`` (a new vault) turns the summary into the hint to
        import the caseload."""
        focused = next((s.table for s in self._sections if s.table.hasFocus()), None)
        self._fill(board)
        if no_children:
            self.summary.setText("No children yet. Use File \u25b8 Import caseload... (Ctrl+I) "
                                 "to import the CSV your council sends.")
        if focused is not None:  # filling hides each table a moment, which drops the focus
            if focused.isVisibleTo(self):
                focused.setFocus()
            else:
                self.focus_first()

    def _fill(self, board: Dashboard) -> None:
        today = board.today
        self.title.setText(f"Today, {today:%A} {today.day} {today:%B %Y}")
        self.due_soon.title = f"Reviews due in the &next {board.due_soon_days} days"

        def child(line) -> tuple[str, str]:  # type: ignore[no-untyped-def]
            return line.council.code, line.child_name

        self.overdue.fill(board.overdue, lambda r: (
            Target(r.child.council.id, r.child.child_id),
            [*child(r.child), r.child.child_ref, _dmy(r.due.due),
             _plural(-r.days, "day"), r.due.rule], True))
        self.due_soon.fill(board.due_soon, lambda r: (
            Target(r.child.council.id, r.child.child_id),
            [*child(r.child), r.child.child_ref, _dmy(r.due.due),
             "today" if r.days == 0 else _plural(r.days, "day"), r.due.rule], False))
        self.records.fill(board.records, lambda r: (
            Target(r.child.council.id, r.child.child_id, r.review_id),
            [*child(r.child), f"Review {r.review_number}", _dmy(r.held_date),
             r.status.label,
             _dmy(r.decisions_due) + (" - passed" if r.decisions_late else ""),
             _dmy(r.record_due) + (" - passed" if r.record_late else "")],
            r.decisions_late or r.record_late))
        self.decisions.fill(board.late_decisions, lambda d: (
            Target(d.child.council.id, d.child.child_id),
            [*child(d.child), " ".join(d.text.split()), d.responsible, _dmy(d.due_date),
             "Past its date, drifting" if d.drifting else "Past its date"], True))
        self.drifting.fill(board.drifting, lambda d: (
            Target(d.child.council.id, d.child.child_id),
            [*child(d.child), d.child.child_ref, str(d.drifting)], True))
        self.escalations.fill(board.escalations_overdue, lambda o: (
            Target(o.council.id, o.child_id, tab="escalations"),
            [o.council.code, o.child_name, o.stage.stage.label, o.stage.who,
             _dmy(o.stage.raised_on),
             _dmy(o.stage.response_due) if o.stage.response_due else "",
             _plural(o.days_overdue(today), "day")], True))
        if board.outbox:
            self.outbox.setText("; ".join(
                f"{o.council.code}: {_plural(o.ready, 'item')} ready to send"
                for o in board.outbox) + ". They stay encrypted in the vault until sent.")
        else:
            self.outbox.setText("Nothing waiting to be sent.")
        self.outbox_button.setEnabled(bool(board.outbox))
        self.damaged.setText(
            "Not read (the database is damaged; run 'iro-desktop check'): "
            + ", ".join(board.damaged) if board.damaged else "")
        self.damaged.setVisible(bool(board.damaged))
        self.summary.setText(self._summary(board))

    @staticmethod
    def _summary(board: Dashboard) -> str:
        if board.empty:
            return "Nothing needs your attention today. Ctrl+1 shows the caseload."
        return " \u2022 ".join([
            f"{_plural(len(board.overdue), 'review')} overdue",
            f"{len(board.due_soon)} due within {board.due_soon_days} days",
            f"{_plural(len(board.records), 'record')} not finalised",
            f"{_plural(len(board.late_decisions), 'decision')} past their date",
            f"{_plural(len(board.drifting), 'child', 'children')} with drift",
            f"{_plural(len(board.escalations_overdue), 'escalation response')} overdue",
            f"{_plural(board.outbox_ready, 'outbox item')} waiting"])

    def clear(self) -> None:
        """Drop every child from the widgets (vault locked)."""
        for section in self._sections:
            section.clear()
        for label in (self.summary, self.outbox, self.damaged):
            label.clear()
        self.title.setText("Today")

    def focus_first(self) -> None:
        """Focus the first table with rows, its first row selected (Enter opens it)."""
        for section in self._sections:
            if section.table.rowCount():
                section.table.setFocus()
                if not section.table.currentIndex().isValid():
                    section.table.selectRow(0)
                return
        self.setFocus()

    def tables(self) -> list[QTableView]:
        return [s.table for s in self._sections]

    # ---- handlers ------------------------------------------------------------------

    def _on_activated(self, index) -> None:  # type: ignore[no-untyped-def]
        target = index.data(TARGET_ROLE)
        if isinstance(target, Target):
            self.open_requested.emit(target)

"""Table model of the caseload, and the proxy that sorts and filters it.

Every row names its council twice over: the council's code as text in the first column,
drawn on the council's colour (``CouncilChipDelegate`` in the view keeps that colour on a
selected row too), so records of two councils are never mistaken for each other, by eye
or by a screen reader (the cell reads "Council NBK, Northbrook Council").
"""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from iro_desktop.core import codes
from iro_desktop.core.review_clock import DueStatus

if TYPE_CHECKING:  # the service module pulls in the database layer: not needed to draw
    from iro_desktop.services.caseload import CaseloadEntry

_Index = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    """In the order shown: what the IRO acts on (when the review is due, its status,
    decisions slipping) comes straight after who the child is."""

    COUNCIL = 0
    REFERENCE = 1
    NAME = 2
    NEXT_DUE = 3
    STATUS = 4
    DECISIONS = 5
    AGE = 6
    LEGAL_STATUS = 7
    PLACEMENT = 8
    LOOKED_AFTER = 9
    REVIEWS = 10
    LAST_REVIEW = 11


HEADERS = {
    Column.COUNCIL: "Council",
    Column.REFERENCE: "Reference",
    Column.NAME: "Name",
    Column.AGE: "Age",
    Column.LEGAL_STATUS: "Legal status",
    Column.PLACEMENT: "Placement",
    Column.LOOKED_AFTER: "Looked after since",
    Column.REVIEWS: "Reviews held",
    Column.LAST_REVIEW: "Last review",
    Column.NEXT_DUE: "Next review due",
    Column.STATUS: "Status",
    Column.DECISIONS: "Decisions",
}

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

OVERDUE_COLOUR = QColor("#b00020")
DUE_SOON_COLOUR = QColor("#8a5300")
_WHITE = QBrush(QColor("white"))
STATUS_MARK = {DueStatus.OVERDUE: "\u26a0 ", DueStatus.DUE_SOON: "\u25f7 ", DueStatus.ON_TRACK: ""}


def _d(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "-"


def due_phrase(days: int) -> str:
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} overdue"
    if days == 0:
        return "due today"
    return f"in {days} day{'s' if days != 1 else ''}"


def decision_flags_text(entry: CaseloadEntry) -> str:
    parts = []
    if entry.overdue_decisions:
        parts.append(f"{entry.overdue_decisions} overdue")
    if entry.drifting_decisions:
        parts.append(f"\u26a0 {entry.drifting_decisions} drifting")
    return ", ".join(parts)


class CaseloadTableModel(QAbstractTableModel):
    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._entries: list[CaseloadEntry] = []
        self._text: list[list[str]] = []
        self._keys: list[list[object]] = []
        self._council_text: list[str] = []  # what a screen reader says for the council cell
        self._brushes: dict[str, QBrush] = {}  # one per council colour, made once per load
        self._today = date.today()

    # ---- data in and out -------------------------------------------------------------

    def set_entries(self, entries: list[CaseloadEntry], today: date) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self._today = today
        # Display text is worked out once per load; data() is then a lookup (Qt asks for it
        # many thousands of times while sorting, sizing and painting).
        self._text = [[self._display(e, column) for column in Column] for e in self._entries]
        self._keys = [[self._sort_key(e, column) for column in Column] for e in self._entries]
        self._council_text = [f"Council {e.council.code}, {e.council.name}" for e in self._entries]
        self._brushes = {e.council.colour: QBrush(QColor(e.council.colour))
                         for e in self._entries}
        self.endResetModel()

    def sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        """Put the rows in the order of ``column`` (stable), keeping selections. Sorting
        here, on the keys worked out at load, is one Python sort; Qt's proxy sort asked
        data() for a key twice per comparison (about 8,000 calls for 450 children)."""
        n = len(self._entries)
        if not 0 <= column < len(Column) or n < 2:
            return
        keys = self._keys
        perm = sorted(range(n), key=lambda i: keys[i][column],  # type: ignore[arg-type,return-value]
                      reverse=order == Qt.SortOrder.DescendingOrder)
        if perm == list(range(n)):
            return
        self.layoutAboutToBeChanged.emit()
        where = [0] * n  # old row -> new row
        for new, old in enumerate(perm):
            where[old] = new
        self._entries = [self._entries[i] for i in perm]
        self._text = [self._text[i] for i in perm]
        self._keys = [keys[i] for i in perm]
        self._council_text = [self._council_text[i] for i in perm]
        old_indexes = self.persistentIndexList()
        self.changePersistentIndexList(
            old_indexes, [self.index(where[i.row()], i.column()) for i in old_indexes])
        self.layoutChanged.emit()

    def column_texts(self, column: Column) -> list[str]:
        return [row[column] for row in self._text]

    def clear(self) -> None:
        """Forget every child (used when the vault locks)."""
        self.set_entries([], self._today)

    def entry(self, row: int) -> CaseloadEntry:
        return self._entries[row]

    # ---- QAbstractTableModel ---------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        entry = self._entries[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.AccessibleTextRole and column == Column.COUNCIL:
            return self._council_text[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text[index.row()][column]
        if role == SORT_ROLE:
            return self._keys[index.row()][column]
        if role == ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(entry, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == Column.COUNCIL:
                return _WHITE
            if column == Column.DECISIONS and (entry.overdue_decisions
                                               or entry.drifting_decisions):
                return QBrush(OVERDUE_COLOUR)
            if column in (Column.NEXT_DUE, Column.STATUS):
                if entry.status is DueStatus.OVERDUE:
                    return QBrush(OVERDUE_COLOUR)
                if entry.status is DueStatus.DUE_SOON:
                    return QBrush(DUE_SOON_COLOUR)
        if role == Qt.ItemDataRole.BackgroundRole and column == Column.COUNCIL:
            return self._brushes[entry.council.colour]
        if role == Qt.ItemDataRole.FontRole and column == Column.STATUS \
                and entry.status is DueStatus.OVERDUE:
            from PySide6.QtGui import QFont

            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.AGE, Column.REVIEWS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, entry: CaseloadEntry, column: Column) -> str:
        rec = entry.child.record
        match column:
            case Column.COUNCIL:
                return entry.council.code
            case Column.REFERENCE:
                return rec.child_ref
            case Column.NAME:
                return rec.display_name
            case Column.AGE:
                return str(entry.age)
            case Column.LEGAL_STATUS:
                return codes.short_label(codes.LEGAL_STATUS, rec.legal_status)
            case Column.PLACEMENT:
                return codes.short_label(codes.PLACEMENT_TYPE, rec.placement_type)
            case Column.LOOKED_AFTER:
                return _d(rec.date_became_looked_after)
            case Column.REVIEWS:
                return str(rec.reviews_held)
            case Column.LAST_REVIEW:
                return _d(rec.last_review_date)
            case Column.NEXT_DUE:
                return f"{_d(entry.due.due)} ({due_phrase(entry.due.days_until(self._today))})"
            case Column.STATUS:
                return STATUS_MARK[entry.status] + entry.status.label
            case Column.DECISIONS:
                return decision_flags_text(entry)
        return ""

    def _sort_key(self, entry: CaseloadEntry, column: Column) -> object:
        rec = entry.child.record
        match column:
            case Column.NAME:
                return f"{rec.last_name.casefold()}\t{rec.first_name.casefold()}"
            case Column.AGE:
                return rec.date_of_birth.toordinal() * -1
            case Column.LOOKED_AFTER:
                return rec.date_became_looked_after.toordinal()
            case Column.REVIEWS:
                return rec.reviews_held
            case Column.LAST_REVIEW:
                return rec.last_review_date.toordinal() if rec.last_review_date else 0
            case Column.NEXT_DUE:
                return entry.due.due.toordinal()
            case Column.STATUS:
                order = {DueStatus.OVERDUE: 0, DueStatus.DUE_SOON: 1, DueStatus.ON_TRACK: 2}
                return order[entry.status] * 1_000_000 + entry.due.due.toordinal()
            case Column.DECISIONS:
                return -(entry.drifting_decisions * 1000 + entry.overdue_decisions)
        return self._display(entry, column).casefold()

    def _tooltip(self, entry: CaseloadEntry, column: Column) -> str | None:
        rec = entry.child.record
        match column:
            case Column.COUNCIL:
                return f"{entry.council.name} ({entry.council.nation.label})"
            case Column.LEGAL_STATUS:
                return codes.describe(codes.LEGAL_STATUS, rec.legal_status)
            case Column.PLACEMENT:
                return codes.describe(codes.PLACEMENT_TYPE, rec.placement_type)
            case Column.NEXT_DUE | Column.STATUS:
                return entry.due.rule
            case Column.AGE:
                return f"Born {_d(rec.date_of_birth)}"
        return None


class StatusFilter(enum.Enum):
    ALL = "All children"
    NEEDS_ATTENTION = "Overdue or due soon"
    OVERDUE = "Overdue only"


class CaseloadFilterProxy(QSortFilterProxyModel):
    """Filters by council, due status and free text (name or reference)."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.setSortRole(SORT_ROLE)
        self._council_id: str | None = None
        self._status = StatusFilter.ALL
        self._text = ""

    def _refilter(self, change: object) -> None:
        # Qt 6.10 replaced invalidateFilter() with begin/endFilterChange().
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            change()  # type: ignore[operator]
            self.endFilterChange()
        else:  # pragma: no cover - older Qt
            change()  # type: ignore[operator]
            self.invalidateFilter()

    def set_council(self, council_id: str | None) -> None:
        self._refilter(lambda: setattr(self, "_council_id", council_id))

    def set_status(self, status: StatusFilter) -> None:
        self._refilter(lambda: setattr(self, "_status", status))

    def set_text(self, text: str) -> None:
        self._refilter(lambda: setattr(self, "_text", text.strip().casefold()))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The source model sorts its own rows (see ``CaseloadTableModel.sort_rows``); this
        proxy only filters, in the source's order."""
        model = self.sourceModel()
        if isinstance(model, CaseloadTableModel):
            model.sort_rows(column, order)
        else:  # pragma: no cover - always a caseload model
            super().sort(column, order)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        assert isinstance(model, CaseloadTableModel)
        entry = model.entry(source_row)
        if self._council_id is not None and entry.council.id != self._council_id:
            return False
        if self._status is StatusFilter.OVERDUE and entry.status is not DueStatus.OVERDUE:
            return False
        if self._status is StatusFilter.NEEDS_ATTENTION and entry.status is DueStatus.ON_TRACK:
            return False
        if self._text:
            rec = entry.child.record
            haystack = " ".join((rec.first_name, rec.last_name, rec.preferred_name,
                                 rec.child_ref, rec.social_worker)).casefold()
            return all(word in haystack for word in self._text.split())
        return True

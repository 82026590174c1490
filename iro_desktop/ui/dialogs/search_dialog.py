"""Search every record of every council (Ctrl+K), keyboard first.

Type: the results follow a moment after the last key (Enter searches at once). Down moves
from the field to the results, grouped by child, then by review ("Child's record" for
names, monitoring and escalations); Enter in the field opens the only child found; Enter
on a result opens the child at that review or tab, and Escape closes. The words that matched are shown in bold inside each snippet.

The results come from ``SearchService`` over the unlocked vault and are never kept:
closing the dialog or locking the vault empties them (the service clears every result it
handed out, and the window wipes the dialog).
"""

from __future__ import annotations

import html

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAbstractTextDocumentLayout, QFont, QKeyEvent, QPainter, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.services.search import Hit, Kind, SearchResults, SearchService
from iro_desktop.ui.views.dashboard_view import Target
from iro_desktop.ui.workers import Worker, run_in_background, user_message

TARGET_ROLE = Qt.ItemDataRole.UserRole + 1
HTML_ROLE = Qt.ItemDataRole.UserRole + 2
DEBOUNCE_MS = 250
_TABS = {Kind.MONITORING: "monitoring", Kind.ESCALATION: "escalations",
         Kind.ESCALATION_STAGE: "escalations"}


def hit_html(hit: Hit) -> str:
    """The hit's label and snippet as HTML, matched words in bold."""
    parts = "".join(f"<b>{html.escape(text)}</b>" if matched else html.escape(text)
                    for text, matched in hit.parts())
    return f"{html.escape(hit.label)}: {' '.join(parts.split())}"


class _HtmlDelegate(QStyledItemDelegate):
    """Paints items that carry HTML (the hits); the plain text stays the item's text, which
    is what screen readers read."""

    def _document(self, option: QStyleOptionViewItem, text: str) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(2)
        doc.setHtml(text)
        return doc

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        text = index.data(HTML_ROLE)
        if not text:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        option.text = ""
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        doc = self._document(option, text)
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = option.palette.ColorRole.HighlightedText if selected else \
            option.palette.ColorRole.Text
        context.palette.setColor(option.palette.ColorRole.Text, option.palette.color(role))
        painter.save()
        painter.translate(option.rect.topLeft())
        painter.setClipRect(QRectF(0, 0, option.rect.width(), option.rect.height()))
        doc.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,  # noqa: N802
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        text = index.data(HTML_ROLE)
        if text:
            doc = self._document(option, text)
            size.setHeight(max(size.height(), int(doc.size().height())))
        return size


class SearchDialog(QDialog):
    """Returns the chosen result as a :class:`Target` (``chosen``) when accepted."""

    def __init__(self, service: SearchService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("search_dialog")
        self.setWindowTitle("Search all records")
        self.service = service
        self.results: SearchResults | None = None
        self._ticket = 0  # the latest search asked for (older answers are dropped)
        self._worker: Worker | None = None
        self._focus_when_found = False
        self._open_when_found = False  # Enter was pressed before the answer came
        self.chosen: Target | None = None
        self.query = QLineEdit()
        self.query.setObjectName("search_query_edit")
        self.query.setAccessibleName("Search every record of every council")
        self.query.setPlaceholderText("Names, agenda text, decisions, views...")
        self.query.setClearButtonEnabled(True)
        self.query.setMaxLength(500)
        label = QLabel("&Search:")
        label.setBuddy(self.query)
        hint = QLabel("Every word must appear; the start of a word is enough (fost finds "
                      "foster). Down arrow: to the results. Enter: open. Escape: close.")
        hint.setObjectName("search_hint")
        hint.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("search_results_tree")
        self.tree.setAccessibleName("Search results, by child and review")
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setItemDelegate(_HtmlDelegate(self.tree))
        self.tree.itemActivated.connect(self._on_item_activated)
        self.status = QLabel("")
        self.status.setObjectName("search_status")
        self.status.setAccessibleName("Search status")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText("Close")
        close.setAccessibleName("Close the search")
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.query, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(hint)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.search)
        self.query.textChanged.connect(lambda _t: self.timer.start())
        self.query.returnPressed.connect(self._on_return)
        self.query.installEventFilter(self)
        fm = self.fontMetrics()
        self.resize(fm.averageCharWidth() * 120, fm.height() * 32)
        self.query.setFocus()  # typing goes straight into the field

    # ---- searching -----------------------------------------------------------------

    def search(self) -> None:
        """Search on a worker thread (a search must never hold up typing, and at ten years
        of records one can wait a moment for the background indexer's write); the answer
        to the latest query wins."""
        self.timer.stop()
        text = self.query.text()
        self.clear_results()
        self._ticket += 1
        if not text.strip():
            return
        ticket = self._ticket
        self._worker = run_in_background(lambda: self.service.search(text),
                                         lambda results: self._on_found(ticket, results),
                                         lambda exc: self._on_failed(ticket, exc))

    def _on_failed(self, ticket: int, exc: BaseException) -> None:
        if ticket == self._ticket:
            self._focus_when_found = self._open_when_found = False
            self.status.setText(f"The search failed: {user_message(exc)}")

    def _on_found(self, ticket: int, results: SearchResults) -> None:
        if ticket != self._ticket or not self.service.is_unlocked:
            results.clear()  # a later query, or the vault locked meanwhile
            return
        self.results = results
        self._fill(results)
        if self._open_when_found and self._open_only_match():
            return
        if self._focus_when_found and self.tree.topLevelItemCount():
            self.tree.setFocus()
        self._focus_when_found = self._open_when_found = False

    def _fill(self, results: SearchResults) -> None:
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for group in results.groups:
            child = QTreeWidgetItem([f"{group.council_code} \u2022 {group.child_name} "
                                     f"\u2022 {group.child_ref}"])
            child.setFont(0, bold)
            child.setData(0, TARGET_ROLE, Target(group.council_id, group.child_id))
            self.tree.addTopLevelItem(child)
            for review in group.reviews:
                review_item = QTreeWidgetItem([review.title])
                review_item.setData(0, TARGET_ROLE,
                                    Target(group.council_id, group.child_id, review.review_id))
                child.addChild(review_item)
                for hit in review.hits:
                    item = QTreeWidgetItem([f"{hit.label}: {' '.join(hit.plain.split())}"])
                    item.setData(0, HTML_ROLE, hit_html(hit))
                    item.setData(0, TARGET_ROLE, Target(
                        group.council_id, group.child_id, review.review_id,
                        _TABS.get(hit.kind, "")))
                    review_item.addChild(item)
        self.tree.expandAll()
        count, children = results.count, len(results.groups)
        if not count:
            self.status.setText(f"No record matches \u201c{results.query}\u201d.")
        else:
            more = (" More matched than are shown: add a word to narrow the search."
                    if results.truncated else "")
            self.status.setText(f"{count} match{'es' if count != 1 else ''} for {children} "
                                f"child{'ren' if children != 1 else ''}.{more}")
        if results.incomplete:
            self.status.setText(self.status.text() + " Some records are still being "
                                "indexed in the background: search again in a moment to "
                                "include them.")
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)

    def clear_results(self) -> None:
        """Empty the list and forget the results (also when the vault locks)."""
        self.tree.clear()
        self.status.clear()
        if self.results is not None:
            self.results.clear()
        self.results = None

    # ---- keys ----------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.query and event.type() == QEvent.Type.KeyPress:
            key = event.key() if isinstance(event, QKeyEvent) else None
            if key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
                if self.timer.isActive():
                    self._focus_when_found = True
                    self.search()
                    return True
                if self.tree.topLevelItemCount():
                    self.tree.setFocus()
                    return True
        return super().eventFilter(watched, event)

    def _on_return(self) -> None:
        """Enter in the field: search now (if the text changed); the only child found opens
        at once (at the one match, if there is one), else the focus goes to the results."""
        if self.timer.isActive() or self.results is None:
            # the search runs on a worker: the only child opens, or the focus moves to
            # the results, once the answer comes
            self._focus_when_found = self._open_when_found = True
            self.search()
            return
        if not self._open_only_match() and self.tree.topLevelItemCount():
            self.tree.setFocus()

    def _open_only_match(self) -> bool:
        """Open the only child found (at its one match, if one); False if not just one."""
        self._open_when_found = False
        if self.tree.topLevelItemCount() != 1:
            return False
        item = self.tree.topLevelItem(0)
        while item is not None and item.childCount() == 1:  # one review, one match: that one
            only = item.child(0)
            if only is None:
                break
            item = only
        if item is None:
            return False
        self._on_item_activated(item, 0)
        return True

    def _on_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        target = item.data(0, TARGET_ROLE)
        if isinstance(target, Target):
            self.chosen = target
            self.accept()

    def done(self, result: int) -> None:
        self.timer.stop()
        self._ticket += 1  # a search still running is dropped when it comes back
        super().done(result)

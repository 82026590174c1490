"""Plain-text fields whose lines can be withheld from recipients, and the autosaved one.

:class:`MarkedTextEdit` keeps, beside the text, the set of recipients each line (what the
IRO sees between two Enters) is withheld from. The marks are data, never text in the
field: a withheld line is highlighted and labelled in the right margin with whom it is
withheld from, its accessible description lists the withheld lines, and
:meth:`MarkedTextEdit.toggle_mark` sets or clears a recipient on the line under the
cursor (or every line of a selection).

Edits keep the marks with their lines and fail closed: the document reports each change
as (position, characters removed, characters added); every line the change touched gets
the marks of every line it replaced. Typing inside a line keeps its marks; Enter in a
withheld line makes two withheld lines; joining a withheld line to another (Backspace,
Delete, typing over a selection, pasting) withholds the joined line. Undo and redo are
edits like any other, so they never drop a mark either.

:class:`AutoSaveTextEdit` hands the text and its marks together to the autosaver on
every edit and every mark change. Undo/redo work within the field; paragraphs are lines
separated by blank lines, bullets are lines starting "- " or "* ".
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QTextCursor, QTextFormat, QTextOption
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from iro_desktop.core.redaction import GROUPS, MarkedText, person_id_of
from iro_desktop.core.reviews import MAX_TEXT
from iro_desktop.services.autosave import Target

WITHHELD_BACKGROUND = QColor("#fde2e1")
WITHHELD_INK = QColor("#8a1c14")


class _Margin(QWidget):
    """The right margin: who each withheld line is withheld from."""

    def __init__(self, edit: MarkedTextEdit) -> None:
        super().__init__(edit)
        self.edit = edit
        self.setObjectName("withheld_margin")
        self.setAccessibleName("Who each highlighted line is withheld from")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(self.edit.margin_width(), 0)

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        self.edit.paint_margin(self, event.rect())


class MarkedTextEdit(QPlainTextEdit):
    """A plain-text field with recipients withheld per line (see the module text)."""

    marks_changed = Signal()

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setTabChangesFocus(True)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self._marks: list[frozenset[str]] = [frozenset()]
        self._names: dict[str, str] = {}  # "person:12" -> "Dana Price"
        self._quiet = False
        self._margin = _Margin(self)
        self._margin.hide()
        self.document().contentsChange.connect(self._on_contents_change)
        self.updateRequest.connect(self._on_update_request)

    # ---- the marks -------------------------------------------------------------------

    def set_people(self, names: Mapping[str, str]) -> None:
        """Names of the people a line can be withheld from, for the margin labels."""
        self._names = dict(names)
        self._refresh_marks()

    def set_text_and_marks(self, text: str, marks: Mapping[int, frozenset[str]] | None) -> None:
        """Show ``text`` with its stored marks (not an edit: nothing is saved)."""
        self._quiet = True
        try:
            self.setPlainText(text)
            self.document().clearUndoRedoStacks()
        finally:
            self._quiet = False
        count = self.document().blockCount()
        self._marks = [frozenset()] * count
        for index, recipients in (marks or {}).items():
            if 0 <= index < count:
                self._marks[index] = frozenset(recipients)
        self._refresh_marks()

    def line_marks(self) -> dict[int, frozenset[str]]:
        """Line index -> recipients, for every withheld line."""
        return {i: m for i, m in enumerate(self._marks) if m}

    def marked_text(self) -> MarkedText:
        return MarkedText(self.toPlainText(), self.line_marks())

    def selected_lines(self) -> list[int]:
        """The line under the cursor, or every line the selection touches."""
        cursor = self.textCursor()
        doc = self.document()
        first = doc.findBlock(cursor.selectionStart()).blockNumber()
        last = doc.findBlock(cursor.selectionEnd()).blockNumber()
        return list(range(max(first, 0), max(last, first) + 1))

    def toggle_mark(self, recipient: str) -> bool:
        """Withhold the selected lines from ``recipient``, or, when all of them already
        are, stop withholding them. Returns True when the lines are now withheld."""
        lines = self.selected_lines()
        on = not all(recipient in self._marks[i] for i in lines)
        for i in lines:
            self._marks[i] = (self._marks[i] | {recipient}) if on else \
                (self._marks[i] - {recipient})
        self._marks_edited()
        return on

    def clear_marks(self) -> None:
        """Stop withholding the selected lines from anyone."""
        for i in self.selected_lines():
            self._marks[i] = frozenset()
        self._marks_edited()

    def describe(self, recipients: frozenset[str]) -> str:
        """'parents, Dana Price' for a margin label or a message."""
        groups = [GROUPS[g].lower().removeprefix("the ") for g in GROUPS if g in recipients]
        people = sorted(self._names.get(r, "someone no longer in the network")
                        for r in recipients if person_id_of(r) is not None)
        return ", ".join(groups + people)

    def _marks_edited(self) -> None:
        self._refresh_marks()
        self.marks_changed.emit()

    # ---- keeping marks with their lines ------------------------------------------------

    def _on_contents_change(self, position: int, removed: int, added: int) -> None:
        if self._quiet:
            return
        doc = self.document()
        new_count = doc.blockCount()
        old = self._marks
        first = doc.findBlock(position).blockNumber()
        end_block = doc.findBlock(position + added)
        last_new = end_block.blockNumber() if end_block.isValid() else new_count - 1
        first = max(first, 0)
        last_old = last_new - (new_count - len(old))
        if last_old < first or last_old >= len(old):  # out of step: be safe, rebuild
            union = frozenset().union(*old)
            self._marks = [union] * new_count
            self._refresh_marks()
            return
        if new_count == len(old) and first == last_new == last_old:
            return  # typing inside one line: its marks stay
        union = frozenset().union(*old[first:last_old + 1])
        self._marks = old[:first] + [union] * (last_new - first + 1) + old[last_old + 1:]
        if any(old) or union:
            self._refresh_marks()

    # ---- showing them ------------------------------------------------------------------

    def margin_width(self) -> int:
        return self.fontMetrics().averageCharWidth() * 24

    def _refresh_marks(self) -> None:
        marked = any(self._marks)
        width = self.margin_width() if marked else 0
        if self.viewportMargins().right() != width:
            self.setViewportMargins(0, 0, width, 0)
        self._margin.setVisible(marked)
        self._place_margin()
        selections = []
        doc = self.document()
        for index, recipients in enumerate(self._marks):
            if not recipients:
                continue
            block = doc.findBlockByNumber(index)
            if not block.isValid():
                continue
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(WITHHELD_BACKGROUND)
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            cursor = QTextCursor(block)
            selection.cursor = cursor
            selections.append(selection)
        self.setExtraSelections(selections)
        withheld = [f"line {i + 1} from {self.describe(m)}" for i, m in enumerate(self._marks)
                    if m]
        self.setAccessibleDescription(
            ("Withheld: " + "; ".join(withheld[:20])
             + (f"; and {len(withheld) - 20} more lines" if len(withheld) > 20 else "") + ".")
            if withheld else "")
        self._margin.update()

    def _place_margin(self) -> None:
        rect = self.contentsRect()
        width = self.viewportMargins().right()
        self._margin.setGeometry(QRect(rect.right() - width + 1, rect.top(), width,
                                       rect.height()))

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().resizeEvent(event)
        self._place_margin()

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if not self._margin.isVisible():
            return
        if dy:
            self._margin.scroll(0, dy)
        else:
            self._margin.update(0, rect.y(), self._margin.width(), rect.height())

    def paint_margin(self, margin: QWidget, rect: QRect) -> None:
        painter = QPainter(margin)
        painter.fillRect(rect, self.palette().alternateBase())
        painter.setPen(WITHHELD_INK)
        metrics = self.fontMetrics()
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        while block.isValid() and top <= rect.bottom():
            height = round(self.blockBoundingRect(block).height())
            number = block.blockNumber()
            if block.isVisible() and number < len(self._marks) and self._marks[number]:
                label = metrics.elidedText("not for " + self.describe(self._marks[number]),
                                           Qt.TextElideMode.ElideRight, margin.width() - 6)
                painter.drawText(4, top, margin.width() - 6, metrics.height(),
                                 int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                                 label)
            top += height
            block = block.next()
        painter.end()


class AutoSaveTextEdit(MarkedTextEdit):
    """A :class:`MarkedTextEdit` whose every edit (text or marks) is autosaved."""

    too_long = Signal(int)

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(accessible_name, parent)
        self.setPlaceholderText("Type here. Start a line with \"- \" for a bullet. "
                                "Saved as you type.")
        self._target: Target | None = None
        self._bridge = None
        self.textChanged.connect(self._on_text_changed)
        self.marks_changed.connect(self._on_text_changed)

    def bind(self, bridge, target: Target | None, text: str, *, read_only: bool = False,  # type: ignore[no-untyped-def]
             marks: Mapping[int, frozenset[str]] | None = None) -> None:
        """Show ``text`` (with its line ``marks``) for ``target`` without saving it back;
        later edits are saved."""
        self._bridge, self._target = None, None
        self.set_text_and_marks(text, marks)
        self.setReadOnly(read_only)
        self._bridge, self._target = bridge, target

    @property
    def key(self) -> str:
        """The text field shown ("agenda:health"), or '' when none is bound."""
        return self._target[2] if self._target is not None else ""

    def unbind(self) -> None:
        self._bridge, self._target = None, None
        self.set_text_and_marks("", None)

    def _on_text_changed(self) -> None:
        if self._bridge is None or self._target is None:
            return
        marked = self.marked_text()  # the document's text copied once per edit, not twice
        if len(marked.text) > MAX_TEXT:
            self.too_long.emit(len(marked.text))
            return
        self._bridge.put(self._target, marked)

"""The autosaver seen from Qt: its thread's reports re-emitted as signals on the GUI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QObject, Signal

from iro_desktop.services.autosave import AutoSaver, SavedBatch, Target
from iro_desktop.services.reviews import ReviewService
from iro_desktop.ui.workers import user_message

if TYPE_CHECKING:
    from iro_desktop.core.redaction import MarkedText


class AutosaveBridge(QObject):
    saved = Signal(object)  # SavedBatch
    failed = Signal(str)  # message for the IRO
    edited = Signal()

    def __init__(self, reviews: ReviewService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reviews = reviews
        # Signals emitted from the writer thread are queued to this object's (GUI) thread.
        self._dirty = False
        self.saved.connect(self._on_saved)
        self.saver = AutoSaver(self._write, on_saved=self.saved.emit,
                               on_error=lambda exc: self.failed.emit(user_message(exc)))

    def _write(self, batch: dict[Target, object]) -> None:
        by_council: dict[str, dict[tuple[int, str], str | MarkedText]] = {}
        for (council_id, review_id, key), value in batch.items():
            # the text fields hand the saver a str, or a MarkedText with its line marks
            by_council.setdefault(council_id, {})[(review_id, key)] = cast(
                "str | MarkedText", value)
        refused = []
        for council_id, edits in by_council.items():
            refused += self.reviews.save_texts(council_id, edits)
        if refused:  # not retried: a finalised record changes only by amendment
            self.failed.emit("This record is finalised, so typing was not saved into it. "
                             "Use an amendment (with a reason) to change it.")

    def put(self, target: Target, value: object) -> None:
        self.saver.put(target, value)
        if not self._dirty:  # one signal per unsaved stretch, not one per keystroke
            self._dirty = True
            self.edited.emit()

    def _on_saved(self, _batch: SavedBatch) -> None:
        self._dirty = False

    def flush(self) -> bool:
        return self.saver.flush()

    def close(self) -> bool:
        return self.saver.close()


__all__ = ["AutosaveBridge", "SavedBatch"]

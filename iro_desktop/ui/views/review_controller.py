"""Between the review workspace's widgets and the review service.

Widgets call these methods; the controller calls the service, reloads the
record and emits ``record_changed``, or emits ``error`` with a message for the
IRO. Nothing here touches the database directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Signal

from iro_desktop.core.records import Person, ReviewRecord
from iro_desktop.core.redaction import MarkedText
from iro_desktop.core.reviews import AttendanceStatus, DecisionStatus, ItemState, ReviewStatus
from iro_desktop.services.reviews import ReviewService
from iro_desktop.ui.autosave_bridge import AutosaveBridge
from iro_desktop.ui.workers import user_message

log = logging.getLogger(__name__)


class ReviewController(QObject):
    record_changed = Signal(object)  # ReviewRecord
    error = Signal(str)
    notice = Signal(str)

    def __init__(self, service: ReviewService, bridge: AutosaveBridge,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.bridge = bridge
        self.council_id = ""
        self.review_id = 0
        self.record: ReviewRecord | None = None
        self.network: list[Person] = []

    def open(self, council_id: str, review_id: int) -> ReviewRecord:
        self.bridge.flush()
        self.council_id, self.review_id = council_id, review_id
        return self.reload()

    def close(self) -> None:
        self.bridge.flush()
        self.record = None
        self.network = []
        self.council_id, self.review_id = "", 0

    def reload(self) -> ReviewRecord:
        self.bridge.flush()  # typed text first, so the reloaded record includes it
        self.record = self.service.record(self.council_id, self.review_id)
        self.network = self.service.network(self.council_id, self.record.child.id)
        self.record_changed.emit(self.record)
        return self.record

    def _do(self, call: Callable[[], Any], *, reload: bool = True) -> Any:
        try:
            result = call()
        except Exception as exc:  # noqa: BLE001 - shown to the IRO; the record is unchanged
            self.error.emit(user_message(exc))
            return None
        if reload:
            self.reload()
        return result if result is not None else True

    # ---- edits -------------------------------------------------------------------------

    def put_text(self, key: str, value: str) -> None:
        self.bridge.put((self.council_id, self.review_id, key), value)

    def update(self, **fields: object) -> Any:
        return self._do(lambda: self.service.update_review(self.council_id, self.review_id,
                                                           **fields))

    def set_status(self, status: ReviewStatus) -> Any:
        return self._do(lambda: self.service.set_status(self.council_id, self.review_id, status))

    def finalise(self) -> Any:
        self.bridge.flush()
        return self._do(lambda: self.service.finalise(self.council_id, self.review_id))

    def set_item_state(self, key: str, state: ItemState) -> Any:
        return self._do(lambda: self.service.set_item_state(self.council_id, self.review_id,
                                                            key, state))

    def add_item(self, title: str) -> Any:
        return self._do(lambda: self.service.add_item(self.council_id, self.review_id, title))

    def add_person(self, name: str, role: str, organisation: str) -> Any:
        assert self.record is not None
        child_id = self.record.child.id
        return self._do(lambda: self.service.add_person(self.council_id, child_id, name, role,
                                                        organisation))

    def set_attendance(self, person_id: int, status: AttendanceStatus, reason: str) -> Any:
        return self._do(lambda: self.service.set_attendance(
            self.council_id, self.review_id, person_id, status, reason))

    def add_decision(self, text: str, *, person_id: int | None, responsible: str,
                     due_date: date | None, agenda_key: str) -> Any:
        return self._do(lambda: self.service.add_decision(
            self.council_id, self.review_id, text, person_id=person_id,
            responsible=responsible, due_date=due_date, agenda_key=agenda_key))

    def edit_decision(self, decision_id: int, text: str, *, person_id: int | None,
                      responsible: str, due_date: date | None, agenda_key: str) -> Any:
        return self._do(lambda: self.service.edit_decision(
            self.council_id, self.review_id, decision_id, text, person_id=person_id,
            responsible=responsible, due_date=due_date, agenda_key=agenda_key))

    def delete_decision(self, decision_id: int) -> Any:
        return self._do(lambda: self.service.delete_decision(self.council_id, self.review_id,
                                                             decision_id))

    def amend_decision(self, decision_id: int, text: str, reason: str, *,
                       person_id: int | None, responsible: str, due_date: date | None,
                       agenda_key: str) -> Any:
        """Raises the service's error (the amend dialog shows it and stays open)."""
        result = self.service.amend_decision(
            self.council_id, self.review_id, decision_id, text, reason, person_id=person_id,
            responsible=responsible, due_date=due_date, agenda_key=agenda_key)
        self.reload()
        return result

    def update_decision(self, decision_id: int, status: DecisionStatus, comment: str) -> Any:
        return self._do(lambda: self.service.update_decision(
            self.council_id, self.review_id, decision_id, status, comment))

    def set_next_review(self, when: date, venue: str) -> Any:
        check = self._do(lambda: self.service.set_next_review(self.council_id, self.review_id,
                                                              when, venue))
        if check not in (None, True) and check.warning:
            self.notice.emit(check.warning)
        return check

    # ---- the letter, withholding, copies ---------------------------------------------

    def sign_off(self, manager: str, comments: str) -> Any:
        return self._do(lambda: self.service.sign_off(self.council_id, self.review_id,
                                                      manager=manager, comments=comments))

    def set_mark(self, key: str, mark: str, on: bool) -> Any:
        if mark == "share_address" and key.startswith("person:"):
            person_id = int(key.partition(":")[2])
            return self._do(lambda: self.service.set_share_address(self.council_id,
                                                                   person_id, on))
        return self._do(lambda: self.service.set_mark(self.council_id, self.review_id, key,
                                                      mark, on))

    def set_placement(self, confidential: bool, address: str) -> Any:
        assert self.record is not None
        child_id = self.record.child.id
        return self._do(lambda: self.service.set_placement(
            self.council_id, child_id, confidential=confidential, address=address))

    def set_person_address(self, person_id: int, address: str) -> Any:
        return self._do(lambda: self.service.update_person(self.council_id, person_id,
                                                           address=address))

    def amend(self, key: str, value: str | MarkedText, reason: str) -> Any:
        return self._do(lambda: self.service.amend(self.council_id, self.review_id, key, value,
                                                   reason))

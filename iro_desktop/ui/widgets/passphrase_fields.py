"""A new-passphrase pair (typed twice) with live strength feedback from the policy."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QWidget,
)

from iro_desktop.security.passphrase_policy import Assessment, assess

_BAR_COLOURS = ("#b00020", "#b00020", "#8a5300", "#2e7d32", "#1b5e20")


class NewPassphraseFields(QWidget):
    """Emits ``changed(bool)`` with whether the pair is acceptable and matching."""

    changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, label: str = "New &passphrase:") -> None:
        super().__init__(parent)
        self.first = QLineEdit()
        self.first.setObjectName("new_passphrase_edit")
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setAccessibleName("New passphrase")
        self.second = QLineEdit()
        self.second.setObjectName("repeat_passphrase_edit")
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.second.setAccessibleName("Repeat the new passphrase")
        self.reveal = QCheckBox("S&how what I type")
        self.reveal.setAccessibleName("Show the passphrase as typed")
        self.reveal.toggled.connect(self._on_reveal_toggled)

        self.meter = QProgressBar()
        self.meter.setObjectName("strength_meter")
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(False)  # the words are in the label beside it
        self.meter.setAccessibleName("Passphrase strength")
        self.meter_label = QLabel("")
        self.meter_label.setObjectName("strength_label")
        self.meter_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("Very strong") + 8)
        self.feedback = QLabel("At least 12 characters, or three or more words.")
        self.feedback.setObjectName("strength_feedback")
        self.feedback.setWordWrap(True)
        self.feedback.setAccessibleName("Passphrase advice")

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        first_label = QLabel(label)
        first_label.setBuddy(self.first)
        second_label = QLabel("&Repeat it:")
        second_label.setBuddy(self.second)
        form.addRow(first_label, self.first)
        form.addRow(second_label, self.second)
        form.addRow("", self.reveal)
        meter_row = QHBoxLayout()
        meter_row.addWidget(self.meter, 1)
        meter_row.addWidget(self.meter_label)
        form.addRow("Strength:", meter_row)
        form.addRow("", self.feedback)

        self._assessment: Assessment | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(120)
        self._debounce.timeout.connect(self._assess)
        self.first.textChanged.connect(self._debounce.start)
        self.second.textChanged.connect(self._update_match)

    @property
    def passphrase(self) -> str:
        return self.first.text()

    def is_acceptable(self) -> bool:
        self._assess_now_if_pending()
        return bool(self._assessment and self._assessment.acceptable
                    and self.first.text() == self.second.text())

    def clear(self) -> None:
        self.first.clear()
        self.second.clear()

    def _assess_now_if_pending(self) -> None:
        if self._debounce.isActive():
            self._debounce.stop()
            self._assess()

    def _assess(self) -> None:
        text = self.first.text()
        self._assessment = assess(text) if text else None
        if self._assessment is None:
            self.meter.setValue(0)
            self.meter_label.setText("")
            self.feedback.setText("At least 12 characters, or three or more words.")
        else:
            score = self._assessment.score
            # At least a sliver of colour for score 0, so "very weak" shows red, not nothing.
            self.meter.setValue(max(score, 0))
            self.meter.setMinimum(-1 if score == 0 else 0)
            self.meter_label.setText(self._assessment.label)
            self.meter.setAccessibleDescription(self._assessment.label)
            self.meter.setStyleSheet(
                "QProgressBar { border: 1px solid palette(mid); border-radius: 2px; "
                "background: palette(base); max-height: 10px; }"
                f"QProgressBar::chunk {{ background-color: {_BAR_COLOURS[score]}; }}")
            self.feedback.setText(self._assessment.feedback)
        self._update_match()

    def _update_match(self) -> None:
        acceptable = bool(self._assessment and self._assessment.acceptable)
        if acceptable and self.second.text() and self.second.text() != self.first.text():
            self.feedback.setText("The two passphrases are not the same yet.")
        elif acceptable and self._assessment:
            self.feedback.setText(self._assessment.feedback)
        self.changed.emit(acceptable and self.first.text() == self.second.text())

    def _on_reveal_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.first.setEchoMode(mode)
        self.second.setEchoMode(mode)

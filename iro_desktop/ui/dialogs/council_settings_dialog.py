"""Council settings: what makes a council's exports its own, edited in the window.

One council at a time (chosen at the top). Text settings are checked and saved one by
one when the IRO presses Save: a bad value is named and the others are still saved.
A council's Word template, logo or agenda file is checked before it replaces the one in
use; a file that fails the check is refused with the problem named, and the council
keeps what it had. Everything is kept in that council's encrypted database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.services.council_profile import (
    ASSETS,
    PROFILE_SETTINGS,
    CouncilProfileService,
)
from iro_desktop.settings import Settings
from iro_desktop.ui.workers import user_message

NUMBER_SETTINGS = {"retention_days": (0, 3650), "decisions_within_working_days": (1, 100),
                   "record_within_working_days": (1, 100), "ended_retention_days": (0, 36500)}
FLAG_SETTINGS = {"auto_send"}
FILE_FILTERS = {"template": "Word documents (*.docx)",
                "logo": "Images (*.png *.jpg *.jpeg *.gif)",
                "agenda": "Agenda templates (*.toml)"}


def _validator(name: str) -> Callable[[bytes], object] | None:
    """The check a council file must pass before it is used."""
    if name == "template":
        from iro_desktop.export.template import validate_template

        return validate_template
    if name == "logo":
        from iro_desktop.export.template import validate_logo

        return validate_logo
    if name == "agenda":
        from iro_desktop.core.agenda import parse_agenda

        return parse_agenda
    return None


class CouncilSettingsDialog(QDialog):
    def __init__(self, profiles: CouncilProfileService, settings: Settings,
                 parent: QWidget | None = None, council_id: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("council_settings_dialog")
        self.setWindowTitle("Council settings")
        self.profiles = profiles
        self.settings = settings
        self.council = QComboBox()
        self.council.setObjectName("settings_council_combo")
        self.council.setAccessibleName("Council")
        for c in profiles.vault.councils():
            self.council.addItem(f"{c.code} \u2014 {c.name}", c.id)
        if council_id:
            self.council.setCurrentIndex(max(0, self.council.findData(council_id)))
        self.council.currentIndexChanged.connect(lambda _i: self.load())
        self.chair = QLineEdit(settings.get("chair_name"))
        self.chair.setObjectName("chair_name_edit")
        self.chair.setAccessibleName("Your name, as chair of the reviews")
        self.chair.setMaxLength(100)

        self.fields: dict[str, QWidget] = {}
        form = QFormLayout()
        form.addRow(self._buddy("Your &name as chair (all councils):", self.chair), self.chair)
        form.addRow(self._buddy("&Council:", self.council), self.council)
        for spec in PROFILE_SETTINGS:
            widget: QWidget
            if spec.key in FLAG_SETTINGS:
                widget = QCheckBox(spec.label)
            elif spec.key in NUMBER_SETTINGS:
                widget = QSpinBox()
                widget.setRange(*NUMBER_SETTINGS[spec.key])
            else:
                widget = QLineEdit()
                widget.setMaxLength(400)
            widget.setObjectName(f"setting_{spec.key}")
            widget.setAccessibleName(spec.label)
            self.fields[spec.key] = widget
            if spec.key == "delivery_folder":
                row = QHBoxLayout()
                row.addWidget(widget, 1)
                browse = QPushButton("&Browse...")
                browse.setAccessibleName("Choose the delivery folder")
                browse.clicked.connect(self._browse_folder)
                row.addWidget(browse)
                form.addRow(spec.label + ":", row)
            elif isinstance(widget, QCheckBox):
                form.addRow("", widget)
            else:
                form.addRow(spec.label + ":", widget)

        self.asset_labels: dict[str, QLabel] = {}
        for name, title in ASSETS.items():
            label = QLabel("")
            label.setObjectName(f"asset_{name}_label")
            label.setTextFormat(Qt.TextFormat.PlainText)
            choose = QPushButton(f"Choose {title}...")
            choose.setObjectName(f"asset_{name}_choose")
            choose.setAccessibleName(f"Choose the council's {title}")
            choose.clicked.connect(lambda _c=False, n=name: self._choose_asset(n))
            reset = QPushButton("Use the built-in")
            reset.setObjectName(f"asset_{name}_reset")
            reset.setAccessibleName(f"Use the built-in {title}")
            reset.clicked.connect(lambda _c=False, n=name: self._clear_asset(n))
            row = QHBoxLayout()
            row.addWidget(label, 1)
            row.addWidget(choose)
            row.addWidget(reset)
            form.addRow(title[0].upper() + title[1:] + ":", row)
            self.asset_labels[name] = label

        self.message = QLabel("")
        self.message.setObjectName("council_settings_message")
        self.message.setAccessibleName("Message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Save).clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.load()
        self.resize(self.fontMetrics().averageCharWidth() * 100, self.sizeHint().height())

    @staticmethod
    def _buddy(text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    @property
    def council_id(self) -> str:
        return self.council.currentData() or ""

    def load(self) -> None:
        if not self.council_id:
            self.message.setText("There are no councils in the vault yet: import a caseload "
                                 "first.")
            return
        values = self.profiles.values(self.council_id)
        for key, widget in self.fields.items():
            value = values.get(key, "")
            if isinstance(widget, QCheckBox):
                widget.setChecked(value == "1")
            elif isinstance(widget, QSpinBox):
                widget.setValue(int(value or 0))
            else:
                widget.setText(value)
        for name, label in self.asset_labels.items():
            asset = self.profiles.asset(self.council_id, name)
            label.setText(asset.filename if asset else "built-in")
            label.setAccessibleName(f"{ASSETS[name]}: {label.text()}")
        self.message.clear()

    def _value(self, widget: QWidget) -> str:
        if isinstance(widget, QCheckBox):
            return "1" if widget.isChecked() else "0"
        if isinstance(widget, QSpinBox):
            return str(widget.value())
        return widget.text()  # type: ignore[attr-defined]

    def save(self) -> bool:
        """Save every setting that passes its check; name the ones that do not."""
        problems: list[str] = []
        chair = " ".join(self.chair.text().split())
        if chair != self.settings.get("chair_name"):
            try:
                self.settings.set("chair_name", chair)
            except (OSError, ValueError) as exc:
                problems.append(f"Your name: {exc}")
        if self.council_id:
            current = self.profiles.values(self.council_id)
            for spec in PROFILE_SETTINGS:
                value = self._value(self.fields[spec.key])
                if value == current.get(spec.key):
                    continue
                try:
                    self.profiles.set(self.council_id, spec.key, value)
                except Exception as exc:  # noqa: BLE001 - named to the IRO, others still saved
                    problems.append(f"{spec.label}: {user_message(exc)}")
        if problems:
            self.message.setStyleSheet("color: #b00020;")
            self.message.setText("Not saved:\n" + "\n".join(problems)
                                 + "\nEverything else was saved.")
            return False
        self.message.setStyleSheet("color: #1b5e20;")
        self.message.setText("Saved.")
        return True

    def _browse_folder(self) -> None:
        widget = self.fields["delivery_folder"]
        folder = QFileDialog.getExistingDirectory(self, "Delivery folder for this council",
                                                  widget.text())  # type: ignore[attr-defined]
        if folder:
            widget.setText(folder)  # type: ignore[attr-defined]

    def _choose_asset(self, name: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"Choose the council's {ASSETS[name]}", "",
                                              FILE_FILTERS[name])
        if path:
            self.set_asset_from_file(name, Path(path))

    def set_asset_from_file(self, name: str, path: Path) -> bool:
        """Check the file and make it the council's; on any problem, say what and keep the
        one in use."""
        title = ASSETS[name]
        try:
            data = path.read_bytes()
            self.profiles.set_asset(self.council_id, name, path.name, data,
                                    check=_validator(name))
        except OSError as exc:
            self._problem(f"The {title} {path.name} could not be read ({exc.strerror}). "
                          "The council keeps the one it had.")
            return False
        except Exception as exc:  # noqa: BLE001 - the validators name the problem
            self._problem(f"The {title} {path.name} was refused: {user_message(exc)} "
                          "The council keeps the one it had.")
            return False
        self.load()
        self.message.setStyleSheet("color: #1b5e20;")
        self.message.setText(f"The council now uses {path.name} as its {title}.")
        return True

    def _clear_asset(self, name: str) -> None:
        self.profiles.clear_asset(self.council_id, name)
        self.load()
        self.message.setText(f"The council now uses the built-in {ASSETS[name]}.")

    def _problem(self, text: str) -> None:
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(text)

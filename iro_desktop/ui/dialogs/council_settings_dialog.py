"""Council settings: the council's profile, edited in the window.

One council at a time (chosen at the top), in three tabs: the council itself (code, name,
nation, its review-clock periods, contract dates, child reference pattern), its documents
(marking, default copies, Word template, logo, agenda) and delivery and retention.

Everything is checked and saved one by one when the IRO presses Save: a bad value is named
and the others are still saved. The code, name, nation, review periods, contract dates,
reference pattern and agenda go through ``services/councils.py`` (its rules: a unique
code, an agenda for the council's nation ...), the other settings through
``CouncilProfileService``. A council's Word template, logo or agenda file is checked
before it replaces the one in use; a file that fails the check is refused with the
problem named, and the council keeps what it had. Everything is kept in that council's
encrypted database.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.ui.widgets.chair_fields import ChairFields
from iro_desktop.ui.widgets.controls import buddy as _buddy
from iro_desktop.core.models import Nation
from iro_desktop.core.review_clock import MAX_AMOUNT, MIN_AMOUNT, PeriodUnit, default_rules
from iro_desktop.services.council_profile import (
    ASSETS,
    MAX_ASSET_BYTES,
    PROFILE_SETTINGS,
    CouncilProfileService,
)
from iro_desktop.services.councils import CouncilService
from iro_desktop.settings import Settings
from iro_desktop.ui.views.caseload_view import council_icon
from iro_desktop.ui.workers import user_message

NUMBER_SETTINGS = {"retention_days": (0, 3650), "decisions_within_working_days": (1, 100),
                   "record_within_working_days": (1, 100), "ended_retention_days": (0, 3650)}
FLAG_SETTINGS = {"auto_send"}
# Saved through CouncilService, which checks them against the council (not one by one).
SERVICE_SETTINGS = ("contract_start", "contract_end", "reference_pattern")
TAB_OF = {"contract_start": "council", "contract_end": "council",
          "reference_pattern": "council", "marking": "documents",
          "distribution_groups": "documents", "advocacy": "documents",
          "complaints": "documents"}  # any other setting: delivery and retention
PLACEHOLDERS = {"contract_start": "YYYY-MM-DD", "contract_end": "YYYY-MM-DD",
                "reference_pattern": "for example NB[0-9]{6} (empty: any reference)"}
FILE_FILTERS = {"template": "Word documents (*.docx)",
                "logo": "Images (*.png *.jpg *.jpeg *.gif)",
                "agenda": "Agenda templates (*.toml)"}
RULE_ROWS = (("first", "&First review within:"), ("second", "Second &review within:"),
             ("later", "&Later reviews within:"))


def _form(tab: QWidget) -> QFormLayout:
    form = QFormLayout(tab)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    return form


class CouncilSettingsDialog(QDialog):
    council_changed = Signal(str)  # the council's code, name, nation or periods were saved

    def __init__(self, profiles: CouncilProfileService, councils: CouncilService,
                 settings: Settings, parent: QWidget | None = None,
                 council_id: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("council_settings_dialog")
        self.setWindowTitle("Council settings")
        self.profiles = profiles
        self.councils = councils
        self.settings = settings
        self._loading = False
        self.council = QComboBox()
        self.council.setObjectName("settings_council_combo")
        self.council.setAccessibleName("Council")
        size = self.council.fontMetrics().height() * 3 // 4
        for c in councils.councils():
            self.council.addItem(council_icon(c.colour, size), f"{c.code} \u2014 {c.name}", c.id)
        if council_id:
            self.council.setCurrentIndex(max(0, self.council.findData(council_id)))
        self.council.currentIndexChanged.connect(lambda _i: self.load())
        top = QFormLayout()
        # the chair's details are the same for every council (printed in the sign-off
        # and the letter to the child)
        self.chair_fields = ChairFields(
            top, settings, {"chair_name": "Your &name as chair (all councils):"})
        self.chair = self.chair_fields.edits["chair_name"]
        QWidget.setTabOrder(self.chair_fields.edits["chair_email"], self.council)
        top.addRow(_buddy("&Council:", self.council), self.council)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("council_settings_tabs")
        self.tabs.setAccessibleName("Council settings sections")
        council_tab, documents_tab, delivery_tab = QWidget(), QWidget(), QWidget()
        self.tabs.addTab(council_tab, "C&ouncil and review clock")
        self.tabs.addTab(documents_tab, "Doc&uments")
        self.tabs.addTab(delivery_tab, "Deli&very and retention")
        forms = {"council": _form(council_tab), "documents": _form(documents_tab),
                 "delivery": _form(delivery_tab)}
        self._build_council_rows(forms["council"])
        self.fields: dict[str, QWidget] = {}
        for spec in PROFILE_SETTINGS:
            self._add_setting_row(forms[TAB_OF.get(spec.key, "delivery")], spec.key, spec.label)
        self._build_asset_rows(forms["documents"])

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
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        # Tab as the fields are seen, top to bottom: the name, the council, the tabs, then
        # the fields of the tab shown (set once all are in this window, or Qt ignores it).
        QWidget.setTabOrder(self.chair, self.council)
        QWidget.setTabOrder(self.council, self.tabs)
        folder = self.fields.get("delivery_folder")
        if folder is not None:
            QWidget.setTabOrder(self.tabs, folder)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.load()
        self.resize(self.fontMetrics().averageCharWidth() * 110, self.sizeHint().height())

    def _on_tab_changed(self, index: int) -> None:
        """Alt+O, Alt+U or Alt+V shows a tab and puts the focus on its first field (it
        stayed on the name at the top, and the delivery folder was hard to reach)."""
        if self.tabs.tabBar().hasFocus():
            return  # arrowing along the tabs: the focus stays there
        page = self.tabs.widget(index)
        if page is None:
            return
        widget = page.nextInFocusChain()
        for _ in range(200):
            if widget is page or widget is None:
                return
            if (page.isAncestorOf(widget) and widget.isVisibleTo(page) and widget.isEnabled()
                    and widget.focusPolicy() & Qt.FocusPolicy.TabFocus):
                widget.setFocus(Qt.FocusReason.TabFocusReason)
                return
            widget = widget.nextInFocusChain()

    # ---- building ---------------------------------------------------------------------

    def _build_council_rows(self, form: QFormLayout) -> None:
        self.code = QLineEdit()
        self.code.setObjectName("council_code_edit")
        self.code.setAccessibleName("Council code")
        self.code.setMaxLength(10)
        self.code.setToolTip("2 to 10 letters or digits. It must match the council_code "
                             "column of the council's caseload files.")
        self.name = QLineEdit()
        self.name.setObjectName("council_name_edit")
        self.name.setAccessibleName("Council name")
        self.name.setMaxLength(200)
        self.nation = QComboBox()
        self.nation.setObjectName("council_nation_combo")
        self.nation.setAccessibleName("Nation whose review rules the council follows")
        for option in Nation:
            self.nation.addItem(option.label, option.value)
        self.nation.currentIndexChanged.connect(self._on_nation_changed)
        form.addRow(_buddy("Cod&e:", self.code), self.code)
        form.addRow(_buddy("Council na&me:", self.name), self.name)
        form.addRow(_buddy("Na&tion:", self.nation), self.nation)

        self.rule_name = QLineEdit()
        self.rule_name.setObjectName("rule_set_name_edit")
        self.rule_name.setAccessibleName("Name of the review periods, shown with each due date")
        self.rule_name.setMaxLength(100)
        form.addRow(_buddy("Review periods l&abel:", self.rule_name), self.rule_name)
        self.rule_amounts: dict[str, QSpinBox] = {}
        self.rule_units: dict[str, QComboBox] = {}
        for key, text in RULE_ROWS:
            plain = text.replace("&", "").rstrip(":")
            amount = QSpinBox()
            amount.setRange(MIN_AMOUNT, MAX_AMOUNT)
            amount.setObjectName(f"rule_{key}_amount")
            amount.setAccessibleName(f"{plain}: number")
            unit = QComboBox()
            unit.setObjectName(f"rule_{key}_unit")
            unit.setAccessibleName(f"{plain}: unit")
            for period in PeriodUnit:
                unit.addItem(period.plural, period.value)
            amount.valueChanged.connect(self._on_period_edited)
            unit.currentIndexChanged.connect(self._on_period_edited)
            row = QHBoxLayout()
            row.addWidget(amount)
            row.addWidget(unit)
            row.addStretch(1)
            form.addRow(_buddy(text, amount), row)
            self.rule_amounts[key], self.rule_units[key] = amount, unit
        self.rules_reset = QPushButton("Use the nation's built-in &periods")
        self.rules_reset.setObjectName("rules_reset_button")
        self.rules_reset.setAccessibleName("Put back the nation's built-in review periods")
        self.rules_reset.clicked.connect(self._on_rules_reset)
        form.addRow("", self.rules_reset)

    def _add_setting_row(self, form: QFormLayout, key: str, label: str) -> None:
        widget: QWidget
        if key in FLAG_SETTINGS:
            widget = QCheckBox(label)
        elif key in NUMBER_SETTINGS:
            widget = QSpinBox()
            widget.setRange(*NUMBER_SETTINGS[key])
        else:
            widget = QLineEdit()
            widget.setMaxLength(400)
            widget.setPlaceholderText(PLACEHOLDERS.get(key, ""))
        widget.setObjectName(f"setting_{key}")
        widget.setAccessibleName(label)
        self.fields[key] = widget
        if key == "delivery_folder":
            row = QHBoxLayout()
            row.addWidget(widget, 1)
            browse = QPushButton("&Browse...")
            browse.setAccessibleName("Choose the delivery folder")
            browse.clicked.connect(self._browse_folder)
            row.addWidget(browse)
            form.addRow(_buddy(label + ":", widget), row)
        elif isinstance(widget, QCheckBox):
            form.addRow("", widget)
        else:
            form.addRow(_buddy(label + ":", widget), widget)

    def _build_asset_rows(self, form: QFormLayout) -> None:
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

    @property
    def council_id(self) -> str:
        return self.council.currentData() or ""

    # ---- loading ----------------------------------------------------------------------

    def load(self) -> None:
        if not self.council_id:
            self.message.setText("There are no councils in the vault yet: add one (Councils "
                                 "\u25b8 Add a council) or import a caseload first.")
            self.tabs.setEnabled(False)
            return
        self._loading = True
        try:
            council = self.councils.council(self.council_id)
            self.code.setText(council.code)
            self.name.setText(council.name)
            self.nation.setCurrentIndex(max(0, self.nation.findData(council.nation.value)))
            self._name_reset_button()
            self._show_rules(self.councils.rules(self.council_id).to_dict())
            values = self.profiles.values(self.council_id)
            for key, widget in self.fields.items():
                value = values.get(key, "")
                if isinstance(widget, QCheckBox):
                    widget.setChecked(value == "1")
                elif isinstance(widget, QSpinBox):
                    widget.setValue(int(value or 0))
                else:
                    widget.setText(value)  # type: ignore[attr-defined]
            self._load_assets()
        finally:
            self._loading = False
        self.message.clear()

    def _load_assets(self) -> None:
        for name, label in self.asset_labels.items():
            asset = self.profiles.asset(self.council_id, name)
            label.setText(asset.filename if asset else "built-in")
            label.setAccessibleName(f"{ASSETS[name]}: {label.text()}")

    def _show_rules(self, rules: dict[str, object]) -> None:
        loading, self._loading = self._loading, True
        try:
            self.rule_name.setText(str(rules["name"]))
            for key, _text in RULE_ROWS:
                period = rules[key]
                assert isinstance(period, dict)
                self.rule_amounts[key].setValue(int(period["amount"]))
                unit = self.rule_units[key]
                unit.setCurrentIndex(max(0, unit.findData(period["unit"])))
        finally:
            self._loading = loading

    def rules_from_fields(self) -> dict[str, object]:
        """The review periods as typed, in the form ``RuleSet.from_dict`` reads."""
        out: dict[str, object] = {"name": " ".join(self.rule_name.text().split())}
        for key, _text in RULE_ROWS:
            out[key] = {"amount": self.rule_amounts[key].value(),
                        "unit": self.rule_units[key].currentData()}
        return out

    def _chosen_nation(self) -> Nation:
        return Nation(self.nation.currentData())

    def _name_reset_button(self) -> None:
        self.rules_reset.setText(f"Use {self._chosen_nation().label}'s built-in &periods")

    # ---- handlers ---------------------------------------------------------------------

    def _on_nation_changed(self) -> None:
        if self._loading:
            return
        nation = self._chosen_nation()
        self._name_reset_button()
        self._show_rules(default_rules(nation).to_dict())
        self._note(f"{nation.label}'s built-in review periods are shown; they apply when "
                   "you press Save.")

    def _on_rules_reset(self) -> None:
        nation = self._chosen_nation()
        self._show_rules(default_rules(nation).to_dict())
        self._note(f"{nation.label}'s built-in review periods are shown; press Save to use "
                   "them.")

    def _on_period_edited(self) -> None:
        """A period changed by hand: a local variant must not keep the built-in's name,
        which is shown beside every due date."""
        if self._loading:
            return
        builtin = default_rules(self._chosen_nation()).to_dict()
        typed = self.rules_from_fields()
        differs = any(typed[key] != builtin[key] for key, _t in RULE_ROWS)
        if differs and typed["name"] == builtin["name"]:
            code = self.code.text().strip().upper() or "Council"
            self.rule_name.setText(f"{code} local periods ({self._chosen_nation().label})")

    # ---- saving -----------------------------------------------------------------------

    def save(self) -> bool:
        """Save every setting that passes its check; name the ones that do not."""
        problems: list[str] = []
        notes: list[str] = []
        problems.extend(self.chair_fields.save(self.settings))
        if self.council_id:
            changed = self._save_council(problems, notes)
            current = self.profiles.values(self.council_id)
            for spec in PROFILE_SETTINGS:
                value = self._value(self.fields[spec.key])
                if spec.key in SERVICE_SETTINGS or value == current.get(spec.key):
                    continue
                try:
                    self.profiles.set(self.council_id, spec.key, value)
                except Exception as exc:  # noqa: BLE001 - named to the IRO, others still saved
                    problems.append(f"{spec.label}: {user_message(exc)}")
            self._save_contract_and_pattern(current, problems, notes)
            if changed:
                council = self.councils.council(self.council_id)
                self.council.setItemText(self.council.currentIndex(),
                                         f"{council.code} \u2014 {council.name}")
                self.council_changed.emit(self.council_id)
        if problems:
            self.message.setStyleSheet("color: #b00020;")
            self.message.setText("\n".join(["Not saved:", *problems,
                                            "Everything else was saved.", *notes]))
            return False
        self.message.setStyleSheet("color: #1b5e20;")
        self.message.setText("\n".join(["Saved.", *notes]))
        return True

    def _save_council(self, problems: list[str], notes: list[str]) -> bool:
        """Code, name, nation and review periods; True if any of them changed."""
        cid = self.council_id
        council = self.councils.council(cid)
        changed = False
        edits = (("code", self.code.text().strip().upper(), council.code, "Council code"),
                 ("name", " ".join(self.name.text().split()), council.name, "Council name"))
        for key, value, now, label in edits:
            if value != now:
                try:
                    if key == "code":
                        self.councils.edit(cid, code=value)
                    else:
                        self.councils.edit(cid, name=value)
                    changed = True
                except Exception as exc:  # noqa: BLE001 - named to the IRO
                    problems.append(f"{label}: {user_message(exc)}")
        nation = self._chosen_nation()
        if nation is not council.nation:
            try:
                self.councils.edit(cid, nation=nation)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"Nation: {user_message(exc)}")
                return changed
            changed = True
            code = self.councils.council(cid).code
            notes.append(f"{code} now follows {nation.label}'s rules.")
            if self.profiles.asset(cid, "agenda") is not None:
                agenda = self.councils.agenda(cid)
                if agenda.nation is not nation:
                    notes.append(f"Its own agenda \"{agenda.name}\" is for "
                                 f"{agenda.nation.label}: choose a {nation.label} agenda on the "
                                 "Documents tab, or use the built-in one.")
        wanted = self.rules_from_fields()
        if wanted != self.councils.rules(cid).to_dict():
            try:
                self.councils.set_rules(cid, wanted)
                changed = True
            except Exception as exc:  # noqa: BLE001
                problems.append(f"Review periods: {user_message(exc)}")
        return changed

    def _save_contract_and_pattern(self, current: dict[str, str], problems: list[str],
                                   notes: list[str]) -> None:
        start = self._value(self.fields["contract_start"]).strip()
        end = self._value(self.fields["contract_end"]).strip()
        if (start, end) != (current["contract_start"], current["contract_end"]):
            try:
                self.councils.set_contract(self.council_id, start, end)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"Contract dates: {user_message(exc)}")
        pattern = self._value(self.fields["reference_pattern"]).strip()
        if pattern != current["reference_pattern"]:
            try:
                mismatched = self.councils.set_reference_pattern(self.council_id, pattern)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"Child reference pattern: {user_message(exc)}")
            else:
                if mismatched:
                    notes.append(f"{mismatched} child reference(s) already held do not match "
                                 "the new pattern; a caseload file with such a reference will "
                                 "be refused.")

    @staticmethod
    def _value(widget: QWidget) -> str:
        if isinstance(widget, QCheckBox):
            return "1" if widget.isChecked() else "0"
        if isinstance(widget, QSpinBox):
            return str(widget.value())
        return widget.text()  # type: ignore[attr-defined]

    # ---- files --------------------------------------------------------------------------

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
        setters = {"agenda": self.councils.set_agenda, "template": self.councils.set_template,
                   "logo": self.councils.set_logo}
        try:
            if path.stat().st_size > MAX_ASSET_BYTES:
                self._problem(f"The {title} {path.name} is larger than "
                              f"{MAX_ASSET_BYTES // 1048576} MB, so it was not used. The "
                              "council keeps the one it had.")
                return False
            data = path.read_bytes()
        except OSError as exc:
            self._problem(f"The {title} {path.name} could not be read ({exc.strerror}). "
                          "The council keeps the one it had.")
            return False
        try:
            setters[name](self.council_id, path.name, data)
        except Exception as exc:  # noqa: BLE001 - the service names the problem
            text = user_message(exc)
            if "keeps" not in text:
                text += " The council keeps the one it had."
            self._problem(text)
            return False
        self._load_assets()
        self._note(f"The council now uses {path.name} as its {title}.")
        return True

    def _clear_asset(self, name: str) -> None:
        if name == "agenda":
            self.councils.use_default_agenda(self.council_id)
        else:
            self.profiles.clear_asset(self.council_id, name)
        self._load_assets()
        self._note(f"The council now uses the built-in {ASSETS[name]}.")

    def _note(self, text: str) -> None:
        self.message.setStyleSheet("color: #1b5e20;")
        self.message.setText(text)

    def _problem(self, text: str) -> None:
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(text)

"""Dialogs of the caseload import: problems found (nothing imported), and the nation of a
council that is new to the vault."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.core.caseload_csv import ImportIssue
from iro_desktop.core.models import Nation


class ImportProblemsDialog(QDialog):
    """Every problem by line and column; says plainly that nothing was imported."""

    def __init__(self, file_name: str, issues: list[ImportIssue],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_problems_dialog")
        self.setWindowTitle("Caseload not imported")
        count = len(issues)
        summary = QLabel(f"<b>{_escape(file_name)}</b> was not imported: {count} problem"
                         f"{'s' if count != 1 else ''} found. Nothing in the vault was changed. "
                         "Correct the file (or ask the council for a corrected export) and "
                         "import it again.")
        summary.setTextFormat(Qt.TextFormat.RichText)
        summary.setWordWrap(True)
        self.table = QTableWidget(count, 3)
        self.table.setObjectName("import_problems_table")
        self.table.setAccessibleName("Problems found in the file")
        self.table.setHorizontalHeaderLabels(["Line", "Column", "Problem"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, issue in enumerate(issues):
            self.table.setItem(row, 0, QTableWidgetItem(str(issue.line) if issue.line else ""))
            self.table.setItem(row, 1, QTableWidgetItem(issue.column or ""))
            self.table.setItem(row, 2, QTableWidgetItem(issue.message))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 110,
                    self.fontMetrics().height() * 24)


class NewCouncilsDialog(QDialog):
    """Asks England or Wales for each council the file brings into the vault."""

    def __init__(self, councils: list[tuple[str, str, Nation | None]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("new_councils_dialog")
        self.setWindowTitle("New councils in this file")
        explain = QLabel("These councils are new to this vault. Each gets its own encrypted "
                         "database. Choose the nation whose review timescales apply.")
        explain.setWordWrap(True)
        form = QFormLayout()
        self.combos: dict[str, QComboBox] = {}
        for code, name, nation in councils:
            combo = QComboBox()
            combo.setObjectName(f"nation_combo_{code.lower()}")
            combo.setAccessibleName(f"Nation of {name}")
            for option in Nation:
                combo.addItem(option.label, option)
            if nation is not None:
                combo.setCurrentIndex(list(Nation).index(nation))
            label = QLabel(f"{code} {name}:".replace("&", "&&"))
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setBuddy(combo)
            form.addRow(label, combo)
            self.combos[code] = combo
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def nations(self) -> dict[str, Nation]:
        # Qt hands item data back as plain str, so turn it back into a Nation.
        return {code: Nation(combo.currentData()) for code, combo in self.combos.items()}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

"""A read-only table of rows, the shape every list in the workspace takes."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget


def read_only_table(headers: list[str], object_name: str, accessible_name: str, *,
                    stretch: tuple[int, ...] = (0,), fit_others: bool = True,
                    select_rows: bool = False, tab_between_cells: bool = False) -> QTableWidget:
    """Columns in ``stretch`` share the spare width; the others fit their contents. Unless
    ``tab_between_cells`` (tables whose cells hold combo boxes and fields to fill in), Tab
    leaves the table and arrow keys move inside it."""
    table = QTableWidget(0, len(headers))
    table.setObjectName(object_name)
    table.setAccessibleName(accessible_name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(tab_between_cells)
    if select_rows:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents if fit_others
                                else QHeaderView.ResizeMode.Stretch)
    for column in stretch:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    return table

"""Councils > Restore a damaged council: a council found damaged is named and brought back
from its newest snapshot, from the keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.helpers import data_keys, flip_byte, page_offset, root_page
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.ui.models.caseload_table_model import ENTRY_ROLE

pytestmark = pytest.mark.filterwarnings(r"ignore:.*invalidateFilter.*:DeprecationWarning")


def test_restore_action_names_the_damaged_council_and_brings_it_back(
        window, demo_vault, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.ui.council_actions import council_actions

    vault = demo_vault  # the vault the window is over
    emb = vault.council_by_code("EMB")
    children = len(CaseloadService(vault).entries(emb.id))
    db = vault.database_path(emb.id)
    page = root_page(db, data_keys(vault.root)[emb.id], "monitoring_entry")
    flip_byte(db, page_offset(page))
    asked: list[str] = []
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _w, _t, text, *a, **k: asked.append(text)
                        or QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "information",
                        lambda _w, _t, text, *a, **k: told.append(text))
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda _w, _t, text, *a, **k: told.append("WARNING " + text))
    action = {a.objectName(): a for a in council_actions(window)}["restore_council_action"]
    assert action.text().replace("&", "") == "Restore a damaged council..."
    assert "&" in action.text()  # reachable from the keyboard through the Councils menu
    action.trigger()
    assert asked and "Damaged: EMB" in asked[0]
    assert told == ["Restored: EMB."]
    assert not vault.damaged
    assert len(CaseloadService(vault).entries(emb.id)) == children
    assert all(r.ok for r in vault.check())
    assert list(db.parent.glob(f"{db.name}.damaged-*"))


def test_the_caseload_names_a_damaged_council_instead_of_leaving_it_out(  # type: ignore[no-untyped-def]
        window, demo_vault) -> None:
    vault = demo_vault  # the vault the window is over
    emb = vault.council_by_code("EMB")
    db = vault.database_path(emb.id)
    flip_byte(db, page_offset(root_page(db, data_keys(vault.root)[emb.id], "child")))
    vault.check()  # as the window's own reads would find it
    window.table_action.trigger()
    window.refresh_caseload()
    label = window.caseload_view.damaged_label
    assert label.isVisible() and "EMB" in label.text()
    assert label.accessibleName()
    codes = {window.caseload_view.proxy.index(r, 0).data(ENTRY_ROLE).council.code
             for r in range(window.caseload_view.proxy.rowCount())}
    assert "EMB" not in codes and codes  # the others are still listed

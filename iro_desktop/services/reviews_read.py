"""Every review of every council, read through the read-only open (``storage/readonly.py``):
the command line's ``reviews`` without SQLAlchemy. The same rows, order and fields as
``ExportService.reviews_overview``; ``tests/unit/test_cli_read_only.py`` compares the two."""

from __future__ import annotations

from datetime import date

from iro_desktop.storage.readonly import ReadOnlyVault

# As ExportService.reviews_overview selects them: by child reference, then review number.
_REVIEWS = ("SELECT c.child_ref, c.last_name, r.number, r.held_date, r.planned_date, "
            "r.status, r.participation_code FROM review r JOIN child c ON c.id = r.child_id "
            "ORDER BY c.child_ref, r.number")


def reviews_overview(vault: ReadOnlyVault) -> list[dict[str, object]]:
    """Every review of every council, by council code, child reference and number."""
    out: list[dict[str, object]] = []
    for council in vault.councils():
        for child_ref, last_name, number, held, planned, status, code in vault.rows(
                council.id, _REVIEWS):
            when = held or planned  # ISO text as stored; read as a date, as the ORM does
            out.append({
                "council_code": council.code,
                "child_ref": child_ref,
                "last_name": last_name,
                "review_number": number,
                "date": date.fromisoformat(str(when)).isoformat() if when else None,
                "status": status,
                "participation_code": code,
            })
    return out

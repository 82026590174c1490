"""The demo caseload: 72 fictional children in three councils, for training and support.

The sample was written on ``ANCHOR``; its dates are moved forward by the days
since then so the demo always shows a realistic mix of overdue and due reviews.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from iro_desktop import paths
from iro_desktop.core.models import Nation
from iro_desktop.services.caseload import CaseloadService, ImportReport
from iro_desktop.storage.vault import Vault

ANCHOR = date(2026, 11, 24)
DEMO_NATIONS = {"NBK": Nation.ENGLAND, "EMB": Nation.ENGLAND, "VOH": Nation.WALES}
_DATE_COLUMNS = ("date_of_birth", "date_became_looked_after", "last_review_date")


def demo_csv(today: date) -> bytes:
    """The demo caseload with its dates moved to be current on ``today``."""
    raw = paths.resource_path("demo", "caseload.csv").read_text("utf-8-sig")
    shift = timedelta(days=max(0, (today - ANCHOR).days))
    if not shift:
        return raw.encode("utf-8")
    reader = csv.DictReader(io.StringIO(raw))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [], lineterminator="\n")
    writer.writeheader()
    for row in reader:
        for column in _DATE_COLUMNS:
            if row.get(column):
                moved = datetime.strptime(row[column], "%d/%m/%Y").date() + shift
                row[column] = moved.strftime("%d/%m/%Y")
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def seed_demo(vault: Vault) -> ImportReport:
    service = CaseloadService(vault)
    return service.import_caseload(demo_csv(service.today()), nations=DEMO_NATIONS)

"""The IRO's annual report (IRO Handbook chapter 7) as figures: what each one means
(:data:`DEFINITIONS`, printed in the Word report) and the report itself, which goes out as
JSON (named keys), CSV (one row per figure and item) and Word (``export/report_docx.py``).
``services/report.py`` counts the figures from a council's file.

Aggregate figures only: no child's name, reference or words. Qt-free and storage-free.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date

from iro_desktop.core.spreadsheet import escape_cell

SCHEMA_VERSION = "1.0"
REPORT_NAME = "iro-annual-report"
CSV_COLUMNS = ("figure", "item", "value")

DEFINITIONS: dict[str, str] = {
    "reviews_held": "Reviews marked held, in progress or finalised whose date held is in "
                    "the period.",
    "reviews_on_time": "Of those, reviews held on or before the latest lawful date the "
                       "review clock gave (from the review before, or for a first review "
                       "from becoming looked after).",
    "reviews_late": "Of those, reviews held after that latest lawful date.",
    "reviews_timeliness_unknown": "Of those, reviews whose previous review was held before "
                                  "the app was used and whose date the caseload did not "
                                  "give either, so the lawful date is not known here.",
    "children_reviewed": "Children with at least one review held in the period.",
    "participation": "Reviews held in the period by participation code (PN0-PN7).",
    "participation_not_recorded": "Reviews held in the period with no participation code.",
    "children_seen_before_review": "Reviews held in the period where 'Spoke to the child "
                                   "alone before the review' has any text. That field also "
                                   "takes 'why not', so this counts reviews where the IRO "
                                   "recorded the visit or its absence.",
    "decisions_made": "Decisions recorded at reviews held in the period.",
    "decisions_completed": "Decisions recorded as done at a review held in the period.",
    "decisions_drifting": "Decisions open at the end of the period that were reported not "
                          "done at two reviews in a row (reviews held by the period's end).",
    "escalations_raised": "Escalations (concerns about a child's plan) raised in the period.",
    "escalations_by_stage": "Escalation stages raised in the period, by stage.",
    "escalations_by_outcome": "Escalations closed in the period, by outcome.",
    "escalations_open_at_end": "Escalations raised by the end of the period and not closed "
                               "by then.",
    "monitoring_by_kind": "Monitoring entries (midway reviews, contacts, visits, significant "
                          "changes) dated in the period, by kind.",
    "significant_changes_by_type": "Significant changes reported in the period, by type.",
    "caseload_size": "At each month end in the period (and the period's last day): children "
                     "who had become looked after by that day and were still on the "
                     "caseload then - on it now, or taken off it after that day (or, with no "
                     "recorded end date, last reviewed on or after it).",
}


@dataclass
class AnnualReport:
    council_code: str
    council_name: str
    period_from: date
    period_to: date
    generated_on: date
    reviews_held: int = 0
    reviews_on_time: int = 0
    reviews_late: int = 0
    reviews_timeliness_unknown: int = 0
    children_reviewed: int = 0
    participation: dict[str, int] = field(default_factory=dict)
    participation_not_recorded: int = 0
    children_seen_before_review: int = 0
    decisions_made: int = 0
    decisions_completed: int = 0
    decisions_drifting: int = 0
    escalations_raised: int = 0
    escalations_by_stage: dict[str, int] = field(default_factory=dict)
    escalations_by_outcome: dict[str, int] = field(default_factory=dict)
    escalations_open_at_end: int = 0
    monitoring_by_kind: dict[str, int] = field(default_factory=dict)
    significant_changes_by_type: dict[str, int] = field(default_factory=dict)
    caseload_size: list[tuple[date, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """Every figure under its name (see :data:`DEFINITIONS`), with the period."""
        out: dict[str, object] = {
            "report": REPORT_NAME, "schema_version": SCHEMA_VERSION,
            "council_code": self.council_code, "council_name": self.council_name,
            "period_from": self.period_from.isoformat(),
            "period_to": self.period_to.isoformat(),
            "generated_on": self.generated_on.isoformat(),
        }
        for name in DEFINITIONS:
            value = getattr(self, name)
            if name == "caseload_size":
                value = [{"date": d.isoformat(), "children": n} for d, n in value]
            out[name] = dict(value) if isinstance(value, dict) else value
        return out

    def rows(self) -> list[tuple[str, str, int]]:
        """(figure, item, value): one per plain figure, one per item of a breakdown."""
        out: list[tuple[str, str, int]] = []
        for name in DEFINITIONS:
            value = getattr(self, name)
            if name == "caseload_size":
                out.extend((name, d.isoformat(), n) for d, n in value)
            elif isinstance(value, dict):
                out.extend((name, key, n) for key, n in value.items())
            else:
                out.append((name, "", value))
        return out

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        writer.writerow(["council", escape_cell(self.council_code), ""])
        writer.writerow(["period", f"{self.period_from.isoformat()} to "
                                   f"{self.period_to.isoformat()}", ""])
        for figure, item, value in self.rows():
            writer.writerow([figure, escape_cell(item), value])
        return buffer.getvalue()

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

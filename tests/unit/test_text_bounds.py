"""Text that does not fit is refused with a message, never cut short; VT, FF and U+001F are
kept as typed; a child is found by a reference with non-ASCII capitals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from iro_desktop.core.models import Nation
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.services.councils import CouncilService
from iro_desktop.services.export import ExportService
from iro_desktop.services.reviews import ReviewError, ReviewService

HEADER = ("council_code,council_name,child_ref,first_name,last_name,date_of_birth,gender,"
          "legal_status,placement_type,date_became_looked_after,last_review_date,reviews_held\n")


def _child(vault, ref: str = "NB100001"):  # type: ignore[no-untyped-def]
    council = CouncilService(vault).add("NBK", "Northbrook", Nation.ENGLAND)
    started = date.today() - timedelta(days=10)
    CaseloadService(vault).import_caseload(
        (HEADER + f"NBK,Northbrook,{ref},Test,Child,01/03/2015,F,C2,U1,"
                  f"{started:%d/%m/%Y},,0\n").encode("utf-8"))
    (entry,) = CaseloadService(vault).entries(council.id)
    return council, entry.child.id


@pytest.mark.parametrize(("field", "limit", "label"), [
    ("name", 200, "A name"), ("role", 60, "A role"), ("organisation", 200, "An organisation")])
def test_a_person_field_that_is_too_long_is_refused_not_cut(vault, field: str, limit: int,  # type: ignore[no-untyped-def]
                                                            label: str) -> None:
    council, child_id = _child(vault)
    service = ReviewService(vault)
    values = {"name": "Dana Price", "role": "Parent", "organisation": ""}
    values[field] = "x" * (limit + 1)
    with pytest.raises(ReviewError) as caught:
        service.add_person(council.id, child_id, **values)
    assert f"{label} is {limit + 1:,} characters long" in str(caught.value)
    assert "Nothing was saved" in str(caught.value)
    assert service.network(council.id, child_id) == []
    values[field] = "x" * limit  # exactly the limit is kept whole
    person = service.add_person(council.id, child_id, **values)
    assert getattr(person, field) == "x" * limit


def test_an_address_that_is_too_long_is_refused_and_the_old_one_kept(vault) -> None:  # type: ignore[no-untyped-def]
    council, child_id = _child(vault)
    service = ReviewService(vault)
    person = service.add_person(council.id, child_id, "Dana Price", "Parent")
    service.update_person(council.id, person.id, address="1 High Street")
    with pytest.raises(ReviewError, match="An address is 2,001 characters long"):
        service.update_person(council.id, person.id, address="y" * 2001)
    (kept,) = service.network(council.id, child_id)
    assert kept.address == "1 High Street"


def test_vertical_tab_form_feed_and_unit_separator_are_kept_as_typed(vault) -> None:  # type: ignore[no-untyped-def]
    council, child_id = _child(vault)
    service = ReviewService(vault)
    name = "\x0bDana\x1fPrice\x0c"
    person = service.add_person(council.id, child_id, f"  {name}\n", "Parent\x1f")
    assert person.name == name and person.role == "Parent\x1f"  # only space/tab/newline trimmed
    (stored,) = service.network(council.id, child_id)
    assert stored.name == name


def test_a_reference_with_non_ascii_capitals_is_found_in_any_case(vault) -> None:  # type: ignore[no-untyped-def]
    council, child_id = _child(vault, "ÉLO-ÅSA-1")
    exports = ExportService(vault)
    assert exports.child_id(council, "ÉLO-ÅSA-1") == child_id
    assert exports.child_id(council, "élo-åsa-1") == child_id  # SQLite lower() missed this

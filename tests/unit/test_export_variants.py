"""Variant names as typed, suggested file names, and every variant through the service."""

from __future__ import annotations

import io
import re

import docx
import pytest

from iro_desktop.core.redaction import GROUPS
from iro_desktop.export import VARIANTS as PACKAGE_VARIANTS
from iro_desktop.export.variants import VariantError, parse_variant, variant_choices
from iro_desktop.security.errors import VaultError
from iro_desktop.services.export import VARIANTS, ExportError, ExportService
from iro_desktop.services.export import parse_variant as service_parse_variant


@pytest.mark.parametrize("typed, parsed", [
    ("full", ("full", None)), (" Decisions ", ("decisions", None)), ("LETTER", ("letter", None)),
    ("redacted:parents", ("redacted", "parents")), ("redacted:Parents", ("redacted", "parents")),
    ("redacted-carers", ("redacted", "carers")), ("redacted: the child", ("redacted", "child")),
    ("redacted professionals", ("redacted", "professionals")),
])
def test_parse_variant(typed: str, parsed: tuple[str, str | None]) -> None:
    assert parse_variant(typed) == parsed
    assert service_parse_variant(typed) == parsed


@pytest.mark.parametrize("typed, words", [
    ("minutes", "unknown variant 'minutes'"), ("redacted", "say whose copy"),
    ("redacted:grandma", "unknown recipient group 'grandma'"), ("", "unknown variant"),
])
def test_bad_variants_list_the_choices(typed: str, words: str) -> None:
    with pytest.raises(VariantError) as exc:
        parse_variant(typed)
    assert words in str(exc.value)
    assert "full, decisions, letter, redacted:parents, redacted:child, redacted:carers, " \
           "redacted:professionals" in str(exc.value)
    # one function, one error: what the window and the command line show (VaultError) and
    # what argparse refuses (ValueError)
    assert service_parse_variant is parse_variant
    assert isinstance(exc.value, VaultError) and isinstance(exc.value, ValueError)


def test_variant_names_for_the_cli() -> None:
    assert VARIANTS == PACKAGE_VARIANTS == ("full", "decisions", "letter", "redacted")
    assert variant_choices() == ["full", "decisions", "letter",
                                 *(f"redacted:{g}" for g in GROUPS)]


def _finalised(vault):  # type: ignore[no-untyped-def]
    service = ExportService(vault, chair="Alex Morgan")
    row = next(r for r in service.reviews_overview() if r["status"] == "finalised")
    council = vault.council_by_code(row["council_code"])
    child_id = service.child_id(council, row["child_ref"])
    return service, council, row, service.review_id(council, child_id, row["child_ref"])


def test_every_variant_through_the_service(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    service, council, row, review_id = _finalised(demo_vault_with_reviews)
    firsts = {}
    for variant in variant_choices():
        data = service.export(council.code, row["child_ref"], variant=variant)
        document = docx.Document(io.BytesIO(data))
        firsts[variant] = document.paragraphs[0].text
        assert "OFFICIAL-SENSITIVE" in document.sections[0].header.paragraphs[0].text
        again = docx.Document(io.BytesIO(service.export_review(council.id, review_id, variant)))
        assert [p.text for p in again.paragraphs] == [p.text for p in document.paragraphs]
    assert firsts["full"] == "Record of the looked after child review"
    assert firsts["redacted:parents"] == firsts["full"]
    assert firsts["decisions"].startswith("Decisions")
    assert firsts["letter"] == council.name
    with pytest.raises(VaultError) as exc:
        service.export(council.code, row["child_ref"], variant="bogus")
    assert "use one of full, decisions, letter" in str(exc.value)


def test_suggested_file_names_are_safe_and_nameless(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    service, council, row, review_id = _finalised(demo_vault_with_reviews)
    record = service.reviews.record(council.id, review_id)
    for variant, slug in (("full", "full"), ("redacted:Parents", "redacted-parents"),
                          ("letter", "letter"), ("decisions", "decisions")):
        name = service.filename(council.id, review_id, variant)
        assert name == (f"{council.code}_{row['child_ref']}_review{record.number}_{slug}_"
                        f"{record.held_date.isoformat()}.docx")
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+", name)
        rec = record.child.record
        assert rec.last_name not in name and rec.first_name not in name


def test_file_name_of_an_odd_reference(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.core.text import slug

    assert slug("NB/92 7\\036..") == "NB-92-7-036"
    assert slug("李小龍") == "x"
    assert slug("a" * 100) == "a" * 40


def test_copies_through_the_service(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    service, council, _row, review_id = _finalised(demo_vault_with_reviews)
    copies = service.copies(council.id, review_id)
    assert [(c.group, c.variant) for c in copies] == [
        ("council", "full"), ("parents", "redacted:parents"), ("child", "letter"),
        ("carers", "redacted:carers"), ("professionals", "redacted:professionals")]
    assert all(service_parse_variant(c.variant) for c in copies)

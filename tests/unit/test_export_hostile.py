"""Every string of tests/data/hostile-text.json, in every text field at once, exports to a
valid .docx in every variant: characters Word cannot hold become the visible mark,
nothing else is lost, nothing raises."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace

import docx
import pytest
from lxml import etree

from tests.conftest import SHARED_DATA
from iro_desktop.core.reviews import TEXT_FIELDS, for_child_key
from iro_desktop.export.minutes import build_record
from iro_desktop.export.sanitize import REPLACEMENT, paragraphs
from iro_desktop.export.variants import variant_choices
from iro_desktop.services.export import ExportService
from iro_desktop.core.records import Attendance
from iro_desktop.services.reviews import ReviewService

STRINGS = json.loads((SHARED_DATA / "hostile-text.json").read_text(encoding="utf-8"))
ILLEGAL = {chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"} | {"\ufffe", "\uffff"}
_PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):  # type: ignore[no-untyped-def]
    """(council, record, network) of the finalised demo review, read once for the module."""
    from tests.conftest import PASSPHRASE
    from iro_desktop.security.kdf import fast_test_params
    from iro_desktop.security.secret_store import MemorySecretStore
    from iro_desktop.services.demo import seed_demo
    from iro_desktop.storage.vault import Vault

    root = tmp_path_factory.mktemp("hostile")
    vault, _recovery = Vault.create(root / "vault", PASSPHRASE, kdf=fast_test_params(),
                                    secret_store=MemorySecretStore())
    try:
        seed_demo(vault)
        service = ExportService(vault)
        row = next(r for r in service.reviews_overview() if r["status"] == "finalised")
        council = vault.council_by_code(row["council_code"])
        child_id = service.child_id(council, row["child_ref"])
        reviews = ReviewService(vault)
        record = reviews.record(council.id, service.review_id(council, child_id,
                                                              row["child_ref"]))
        return council, record, reviews.network(council.id, child_id)
    finally:
        vault.close()


def _everywhere(council, record, network, text: str):  # type: ignore[no-untyped-def]
    """The record with ``text`` in every text field it has, every field in the letter."""
    keys = list(TEXT_FIELDS) + [item.text_key for item in record.agenda]
    keys += [for_child_key(item.key) for item in record.agenda]
    people = {p.id: replace(p, name=text, organisation=text, address=text) for p in network}
    for a in record.attendance:
        people.setdefault(a.person.id, replace(a.person, name=text, organisation=text,
                                               address=text))
    rec = replace(record.child.record, first_name=text, last_name=text, preferred_name=text,
                  child_ref=text)
    record = replace(
        record, child=replace(record.child, record=rec), venue=text,
        texts={key: text for key in keys},
        marks={key: {"letter"} for key in keys} | {
            f"decision:{d.id}": {"letter"} for d in record.decisions},
        team_manager=text, manager_name=text, manager_comments=text,
        attendance=[Attendance(people[a.person.id], a.status, text) for a in record.attendance],
        decisions=[replace(d, text=text, responsible=text, person_id=None if i else d.person_id)
                   for i, d in enumerate(record.decisions)],
        earlier_decisions=[replace(d, text=text, update_comment=text)
                           for d in record.earlier_decisions],
        placement_confidential=True, placement_address=text)
    return replace(council, name=text), record, list(people.values())


def _expected(text: str) -> str:
    return "".join(REPLACEMENT if ch in ILLEGAL else ch for ch in text)


def _check_valid(data: bytes) -> str:
    """Every XML part parses and holds no character XML forbids; returns all body text."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                blob = zf.read(name)
                etree.fromstring(blob, _PARSER)
                assert not (set(blob.decode("utf-8")) & (ILLEGAL - {"\t", "\n", "\r"})), name
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


@pytest.mark.parametrize("index", range(len(STRINGS)))
def test_hostile_string_in_every_field_and_every_variant(sample, index: int) -> None:  # type: ignore[no-untyped-def]
    text = STRINGS[index]
    council, record, network = _everywhere(*sample, text)
    pieces = [piece for _kind, piece in paragraphs(_expected(text))]
    for variant in variant_choices():
        data = build_record(record, council, variant=variant, marking=text or "OFFICIAL",
                            chair=text, network=network)
        shown = _check_valid(data)
        for piece in pieces:  # nothing lost: every paragraph of it is there
            assert piece in shown, (variant, piece[:40])
        if set(text) & ILLEGAL:
            assert REPLACEMENT in shown, variant

"""A child of council A can never be written into council B's file.

Each council is its own database: a session is bound to one file, child ids are only
meaningful inside it, and the database's foreign keys refuse a row that points at a
child the file does not hold. Here a child id of NBK (that EMB's file does not have) is
given with EMB's council id to every service that writes, and straight to a session.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from iro_desktop.security.errors import VaultError
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.services.reviews import ReviewService
from iro_desktop.storage.models import ChildRow, PersonRow, ReviewRow
from iro_desktop.storage.vault import Vault
from tests.helpers import (  # noqa: F401 - fixtures
    PASSPHRASE,
    ClosedVault,
    closed_demo,
    demo_template,
    hashes,
)


@pytest.fixture
def vault(closed_demo: ClosedVault):  # type: ignore[no-untyped-def]
    v = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()
    v.unlock(PASSPHRASE)
    yield v
    v.close()


def files_of(vault: Vault, council_id: str) -> list[Path]:
    db = vault.database_path(council_id)
    return [db, Path(f"{db}-wal")]  # -shm is shared memory: readers write to it too


def test_a_child_id_of_one_council_cannot_write_into_anothers_file(vault: Vault) -> None:
    nbk, emb = vault.council_by_code("NBK"), vault.council_by_code("EMB")
    with vault.session(emb.id) as s:
        emb_ids = set(s.scalars(select(ChildRow.id)))
    nbk_children = [e.child for e in CaseloadService(vault).entries(nbk.id)]
    stranger = next(c for c in nbk_children if c.id not in emb_ids)  # NBK has more children
    assert stranger.council_id == nbk.id
    before = hashes(files_of(vault, emb.id) + files_of(vault, nbk.id))

    reviews, caseload = ReviewService(vault), CaseloadService(vault)
    attempts = {
        "child": lambda: reviews.child(emb.id, stranger.id),
        "add_person": lambda: reviews.add_person(emb.id, stranger.id, "Dana Price", "Parent"),
        "plan_review": lambda: reviews.plan_review(emb.id, stranger.id, date.today()),
        "set_placement": lambda: reviews.set_placement(emb.id, stranger.id, confidential=True,
                                                       address="1 Hidden Lane"),
        "end_child": lambda: caseload.end_child(emb.id, stranger.id),
    }
    for name, attempt in attempts.items():
        with pytest.raises(VaultError, match="not in this council's records"):
            attempt()
        assert hashes(files_of(vault, emb.id) + files_of(vault, nbk.id)) == before, name

    # below the services: the file's foreign keys refuse a row for a child it does not hold
    with pytest.raises(IntegrityError):
        with vault.session(emb.id) as s:
            s.add(PersonRow(child_id=stranger.id, name="Dana Price", role="Parent",
                            organisation="", active=True))
    assert hashes(files_of(vault, emb.id) + files_of(vault, nbk.id)) == before
    with vault.session(emb.id) as s:
        assert s.scalar(select(func.count()).select_from(PersonRow)
                        .where(PersonRow.child_id == stranger.id)) == 0
        assert s.scalar(select(func.count()).select_from(ChildRow)
                        .where(ChildRow.child_ref == stranger.record.child_ref)) == 0


def test_writes_for_a_child_land_in_its_own_councils_file_only(vault: Vault) -> None:
    nbk, emb = vault.council_by_code("NBK"), vault.council_by_code("EMB")
    child = next(e.child for e in CaseloadService(vault).entries(nbk.id)
                 if not ReviewService(vault).reviews(nbk.id, e.child.id))
    emb_before, nbk_before = hashes(files_of(vault, emb.id)), hashes(files_of(vault, nbk.id))
    with vault.session(nbk.id) as s:
        reviews_before = s.scalar(select(func.count()).select_from(ReviewRow))
    review_id = ReviewService(vault).plan_review(nbk.id, child.id, date.today())
    ReviewService(vault).add_person(nbk.id, child.id, "Dana Price", "Parent")
    assert hashes(files_of(vault, emb.id)) == emb_before
    assert hashes(files_of(vault, nbk.id)) != nbk_before  # the comparison does see writes
    with vault.session(nbk.id) as s:
        assert s.scalar(select(func.count()).select_from(ReviewRow)) == reviews_before + 1
        assert s.get(ReviewRow, review_id).child_id == child.id


def test_a_caseload_row_goes_to_the_council_its_code_names(vault: Vault) -> None:
    nbk, emb = vault.council_by_code("NBK"), vault.council_by_code("EMB")
    emb_before = hashes(files_of(vault, emb.id))
    header = ("council_code,council_name,child_ref,first_name,last_name,date_of_birth,gender,"
              "legal_status,placement_type,date_became_looked_after,last_review_date,"
              "reviews_held\n")
    row = f"NBK,{nbk.name},NB-ISOLATION-1,Test,Isolation,01/01/2015,F,C2,U1,01/01/2024,,0\n"
    CaseloadService(vault).import_caseload((header + row).encode())
    assert hashes(files_of(vault, emb.id)) == emb_before
    refs = {code: {e.child.record.child_ref for e in CaseloadService(vault).entries(c.id)}
            for code, c in (("NBK", nbk), ("EMB", emb))}
    assert "NB-ISOLATION-1" in refs["NBK"] and "NB-ISOLATION-1" not in refs["EMB"]

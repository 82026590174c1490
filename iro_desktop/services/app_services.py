"""The services of one window over one vault: what the window talks to.

The composition root (``app.py``, :func:`iro_desktop.app.build_services`) makes one
:class:`AppServices` over the vault it opened and hands it to the window; the window and
every dialog and view it opens ask these services and never see the vault.

Each service is built the first time it is asked for (after unlock, or while the
passphrase is typed), not here: importing this module, and making the container, imports
no SQLAlchemy, SQLCipher or python-docx, so the locked window still starts quickly
(docs/performance.md). Only :attr:`AppServices.access`, which the locked window needs, is
made at once, and it is as light.

A service the window keeps for its whole life is built once (the search service, which
empties its results when the vault locks, is one per window). The outbox is made anew
for each use, with the chair's details as the settings give them at that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from iro_desktop.services.access import VaultAccess

if TYPE_CHECKING:
    from datetime import date

    from iro_desktop.core.chair import Chair
    from iro_desktop.services.archive import ArchiveService
    from iro_desktop.services.caseload import CaseloadService
    from iro_desktop.services.council_profile import CouncilProfileService
    from iro_desktop.services.councils import CouncilService
    from iro_desktop.services.dashboard import DashboardService
    from iro_desktop.services.escalation import EscalationService
    from iro_desktop.services.monitoring import MonitoringService
    from iro_desktop.services.outbox import OutboxService
    from iro_desktop.services.report import ReportService
    from iro_desktop.services.retention import RetentionService
    from iro_desktop.services.reviews import ReviewService
    from iro_desktop.services.search import SearchService
    from iro_desktop.storage.vault import Vault


class AppServices:
    """The window's services over ``vault``. ``soon_days()`` is how many days ahead a
    review counts as due soon (the settings' ``due_soon_days``), read when the caseload
    service is first built."""

    def __init__(self, vault: Vault, *, soon_days: Callable[[], int] | None = None) -> None:
        self._vault = vault
        self._soon_days = soon_days
        self.access = VaultAccess(vault)

    def today(self) -> date:
        """Today, as every service of the window counts it (the caseload service's clock)."""
        return self.caseload.today()

    # ---- built once, on first use ------------------------------------------------------

    @cached_property
    def caseload(self) -> CaseloadService:
        from iro_desktop.services.caseload import CaseloadService

        if self._soon_days is None:
            return CaseloadService(self._vault)
        return CaseloadService(self._vault, soon_days=self._soon_days())

    @cached_property
    def reviews(self) -> ReviewService:
        from iro_desktop.services.reviews import ReviewService

        return ReviewService(self._vault)

    @cached_property
    def monitoring(self) -> MonitoringService:
        from iro_desktop.services.monitoring import MonitoringService

        return MonitoringService(self._vault, self.caseload.today)

    @cached_property
    def escalation(self) -> EscalationService:
        from iro_desktop.services.escalation import EscalationService

        return EscalationService(self._vault, self.caseload.today)

    @cached_property
    def dashboard(self) -> DashboardService:
        from iro_desktop.services.dashboard import DashboardService

        return DashboardService(self._vault, today=self.caseload.today,
                                due_soon_days=self.caseload.soon_days)

    @cached_property
    def search(self) -> SearchService:
        """One per window: it empties every result it gave out when the vault locks."""
        from iro_desktop.services.search import SearchService

        return SearchService(self._vault)

    @cached_property
    def report(self) -> ReportService:
        from iro_desktop.services.report import ReportService

        return ReportService(self._vault, self.caseload.today)

    @cached_property
    def profiles(self) -> CouncilProfileService:
        from iro_desktop.services.council_profile import CouncilProfileService

        return CouncilProfileService(self._vault)

    @cached_property
    def councils(self) -> CouncilService:
        from iro_desktop.services.councils import CouncilService

        return CouncilService(self._vault, self.caseload.today)

    @cached_property
    def retention(self) -> RetentionService:
        from iro_desktop.services.retention import RetentionService

        return RetentionService(self._vault, self.caseload.today)

    @cached_property
    def archive(self) -> ArchiveService:
        from iro_desktop.services.archive import ArchiveService

        return ArchiveService(self._vault)

    # ---- made for each use ---------------------------------------------------------------

    def outbox(self, chair: Chair | None = None) -> OutboxService:
        """An outbox service whose copies are signed by ``chair`` (safe to make and use on
        a worker thread: the auto-send does)."""
        from iro_desktop.services.export import ExportService
        from iro_desktop.services.outbox import OutboxService

        exports = ExportService(self._vault, chair=chair if chair is not None else "")
        return OutboxService(self._vault, exports)

    # ---- the end of the window -----------------------------------------------------------

    def search_if_built(self) -> SearchService | None:
        """The search service if the window has used it (asking does not build it)."""
        built: SearchService | None = self.__dict__.get("search")
        return built

    def close(self) -> None:
        """The window is closing: the search service stops listening to the vault."""
        search = self.search_if_built()
        if search is not None:
            search.close()

"""What unlocking and the first pages will need, imported and computed ahead of time.

The window calls :func:`preload` on a background thread while the IRO types the passphrase
(``MainWindow.warm_up``), so that neither start-up nor unlock pays for it. It lives here,
under the window, because it reaches into the storage and security layers, which the
window does not import.
"""

from __future__ import annotations

from datetime import date


def preload() -> None:
    """Import SQLAlchemy, SQLCipher, the KDF and the first pages' services; fill the review
    clock's bank-holiday and working-day caches. Safe to call more than once. The imports are
    inside on purpose: importing this module costs nothing; calling it does the work."""
    import iro_desktop.services.caseload  # noqa: F401 - SQLAlchemy, SQLCipher
    import iro_desktop.services.dashboard  # noqa: F401 - the first page
    import iro_desktop.services.reviews  # noqa: F401
    import iro_desktop.storage._db  # noqa: F401
    from iro_desktop.core.review_clock import bank_holidays
    from iro_desktop.security.kdf import KdfParams  # noqa: F401

    import cryptography.hazmat.primitives.kdf.argon2  # noqa: F401
    from sqlalchemy.orm import configure_mappers

    configure_mappers()  # ~25 ms the first query after unlock would pay
    year = date.today().year
    for y in range(year - 1, year + 3):
        bank_holidays(y)
    from iro_desktop.core.review_clock import add_working_days

    # the working days of every year a child on the caseload may have come
    # into care in (the first review is counted in working days from then)
    for y in range(year - 19, year + 3):
        add_working_days(date(y, 1, 1), 1)


def preload_sending() -> None:
    """Import what the outbox's automatic send needs (the export modules, python-docx and
    lxml). The window calls it on a background thread soon after unlock: left to the first
    automatic send, a minute after unlock, these imports held Python's interpreter lock on
    that send's thread long enough to stall typing in the window (a 22 ms gap between
    5 ms timer ticks in ``bench_autosave.py``; 8 ms with them imported before)."""
    import iro_desktop.services.export  # noqa: F401 - python-docx, lxml, the Word writer
    import iro_desktop.services.outbox  # noqa: F401

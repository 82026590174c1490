"""Everything a vault needs to open databases, imported on first use.

SQLAlchemy, SQLCipher and the ORM take a third of a second to import; the
locked window needs none of them, so ``storage.vault`` reaches them through
this module only when a database is opened (see docs/performance.md).
"""

from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm import Session

from iro_desktop.storage import migrate
from iro_desktop.storage.engine import (
    integrity_problems,
    is_damage,
    open_engine,
    raw_connect,
    read_only,
    storage_error,
)
from iro_desktop.storage.models import AuditEvent, CouncilRow, MetaRow

__all__ = ["SADatabaseError", "IntegrityError", "SATimeoutError", "Session", "migrate",
           "integrity_problems", "is_damage", "open_engine", "raw_connect", "read_only", "storage_error",
           "AuditEvent", "CouncilRow", "MetaRow"]

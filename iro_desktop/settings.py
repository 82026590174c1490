"""The app's own preferences, declared once with type, default and label.

Stored as JSON in the config folder. Nothing here names a child, a council
reference or a passphrase: only behaviour settings and the vault's folder.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iro_desktop import paths
from iro_desktop.fsutil import atomic_write, ensure_private_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    type: type
    default: Any
    label: str
    minimum: int | None = None
    maximum: int | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting("idle_lock_minutes", int, 5, "Lock after this many idle minutes", 1, 120),
    Setting("due_soon_days", int, 28, "Show reviews as due soon within this many days", 1, 180),
    Setting("vault_dir", str, "", "Vault folder (empty: the default)"),
    Setting("chair_name", str, "", "Your name, as chair of the reviews"),
    # printed in the record's sign-off and in the letter to the child (how to reach you)
    Setting("chair_role", str, "Independent Reviewing Officer", "Your role, as printed"),
    Setting("chair_phone", str, "", "Your work phone number"),
    Setting("chair_email", str, "", "Your work email address"),
)
_BY_KEY = {s.key: s for s in SETTINGS}


class Settings:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.config_dir() / "settings.json"
        self._values: dict[str, Any] = {}
        self.load()

    def load(self) -> None:
        try:
            raw = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            raw = {}
        except (OSError, ValueError):
            log.warning("settings.unreadable")
            raw = {}
        self._values = {}
        for key, value in (raw.items() if isinstance(raw, dict) else ()):
            setting = _BY_KEY.get(key)
            if setting is not None and self._valid(setting, value):
                self._values[key] = value

    @staticmethod
    def _valid(setting: Setting, value: Any) -> bool:
        if not isinstance(value, setting.type) or isinstance(value, bool) != (setting.type is bool):
            return False
        if setting.minimum is None and setting.maximum is None:
            return True
        if not isinstance(value, int):  # only whole numbers have bounds
            return False
        return (setting.minimum is None or value >= setting.minimum) and \
            (setting.maximum is None or value <= setting.maximum)

    def get(self, key: str) -> Any:
        return self._values.get(key, _BY_KEY[key].default)

    def set(self, key: str, value: Any) -> None:
        setting = _BY_KEY[key]
        if not self._valid(setting, value):
            raise ValueError(f"{setting.label}: {value!r} is not allowed")
        self._values[key] = value
        ensure_private_dir(self.path.parent)
        atomic_write(self.path, json.dumps(self._values, indent=1).encode("utf-8"))

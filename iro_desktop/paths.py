"""Where iro-desktop keeps its files. ``IRO_DESKTOP_DATA_DIR`` moves all of them (tests, dev)."""

from __future__ import annotations

import os
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

APP_NAME = "iro-desktop"
ENV_DATA_DIR = "IRO_DESKTOP_DATA_DIR"


def data_dir() -> Path:
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False, roaming=False))


def default_vault_dir() -> Path:
    return data_dir() / "vault"


def config_dir() -> Path:
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override) / "config"
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False, roaming=False))


def log_dir() -> Path:
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override) / "logs"
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, appauthor=False))


def resource_path(*parts: str) -> Traversable:
    """A file the app ships under ``iro_desktop/resources/`` (agendas, demo caseload, Word
    template), read with ``importlib.resources``: from a source checkout, an installed wheel
    or a PyInstaller bundle alike. Use ``.read_bytes()`` / ``.read_text()`` on the result."""
    resource = files("iro_desktop.resources")
    for part in parts:  # one at a time: a frozen build's Traversable takes one name per call
        resource = resource.joinpath(part)
    return resource

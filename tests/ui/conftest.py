"""Fixtures of the UI tests: a main window over the demo vault, shown and unlocked (the demo
vault is a private copy of one seeded once per session: tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from iro_desktop.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "s.json")


@pytest.fixture
def make_window(qtbot, demo_vault, settings):  # type: ignore[no-untyped-def]
    """Builds MainWindow(demo_vault, settings, **kw), shown and unlocked."""
    from iro_desktop.app import build_services
    from iro_desktop.ui.main_window import MainWindow

    filters = []

    def make(**kwargs):  # type: ignore[no-untyped-def]
        window = MainWindow(build_services(demo_vault, settings), settings, **kwargs)
        qtbot.addWidget(window)
        filters.append(window.auto_lock)
        window.show()
        qtbot.waitExposed(window)
        window.show_unlocked()
        return window

    yield make
    app = QApplication.instance()
    for auto_lock in filters:
        try:
            auto_lock.stop()
            app.removeEventFilter(auto_lock)
        except RuntimeError:  # already deleted with its window
            pass


@pytest.fixture
def window(make_window):  # type: ignore[no-untyped-def]
    return make_window()

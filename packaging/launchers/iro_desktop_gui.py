"""PyInstaller entry of the windowed program ``iro-desktop-gui`` (the window only)."""

import sys

from iro_desktop.__main__ import gui_main

sys.exit(gui_main())

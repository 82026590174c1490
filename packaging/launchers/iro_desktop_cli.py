"""PyInstaller entry of the console program ``iro-desktop`` (commands and the window)."""

import sys

from iro_desktop.__main__ import main

sys.exit(main())

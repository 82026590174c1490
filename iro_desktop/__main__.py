"""Entry point: ``iro-desktop`` and ``python -m iro_desktop``."""

from __future__ import annotations

import sys


def main() -> int:
    from iro_desktop.diagnostics import configure_logging, install_excepthook
    from iro_desktop.fsutil import private_umask

    private_umask()
    configure_logging()
    install_excepthook()
    from iro_desktop.cli import run

    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())

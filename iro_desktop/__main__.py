"""Entry points: ``iro-desktop`` / ``python -m iro_desktop`` (commands and the window) and
``iro-desktop-gui`` (the window only; the windowed program of the builds)."""

from __future__ import annotations

import os
import sys


def _prepare() -> None:
    from iro_desktop.diagnostics import configure_logging, install_excepthook
    from iro_desktop.fsutil import private_umask

    private_umask()
    configure_logging()
    install_excepthook()


def main() -> int:
    _prepare()
    from iro_desktop.cli import run

    return run(sys.argv[1:])


def gui_main() -> int:
    """The windowed program. On Windows (and from the macOS Dock) it has no console, so
    nothing it printed would be seen: it opens the window and refuses commands, which
    belong to the console program ``iro-desktop`` (``init`` prints the recovery key once,
    and it must never be printed nowhere)."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:  # a windowed build: argparse and logging need a file
            setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115 - for the whole run
    _prepare()
    from iro_desktop.cli import EXIT_USAGE, build_parser, run

    argv = sys.argv[1:]
    args, _unknown = build_parser().parse_known_args(argv)
    if args.command is not None:
        message = (f"iro-desktop-gui opens the window only; run commands such as "
                   f"'{args.command}' with the console program iro-desktop.")
        print(message, file=sys.stderr)
        _show_refusal(message)
        return EXIT_USAGE
    return run(argv)


def _show_refusal(message: str) -> None:
    if getattr(sys.stderr, "name", "") != os.devnull:
        return  # there is a console to read it
    from iro_desktop.app import show_message  # Qt is imported only there

    show_message(message)


if __name__ == "__main__":
    sys.exit(main())

"""Helper of test_autosave_crash.py, not a test: the real window types into a review until it
is killed.

    python tests/integration/typing_app.py VAULT_DIR COUNCIL_ID REVIEW_ID
        [--interval-ms 100] [--max-seconds 30] [--field voice.views] [--wait-for-go]

The passphrase comes from ``IRO_DESKTOP_PASSPHRASE``. The vault is unlocked, ``MainWindow``
is shown offscreen (``QT_QPA_PLATFORM=offscreen``) with the review open on the page of the
field, the field gets the keyboard focus and the cursor goes to the end of what it already
holds (Ctrl+End). Then a QTimer types the next characters of :func:`char_at`, one every
``--interval-ms``, with ``QTest.keyClick`` on the field. Output (stdout, flushed per line)::

    ready <start index> <time.time()>      the field holds char_at(0..start-1) already
    typed <index> <time.time()>            after char_at(index) was typed (and handed to
                                           the autosaver: textChanged runs inside keyClick)
    error <message>                        then exit 2

With ``--wait-for-go`` it imports Qt and the app, prints ``loaded`` and waits for a line on
stdin before it touches the vault (end of input: exit 0), so a test can start the next run
while this one is still typing. ``--max-seconds`` (counted from the go) ends it (exit 3) if
nobody kills it first. Importing this module does not
import Qt: the test takes :func:`char_at` and :func:`expected_text` from here.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def char_at(index: int) -> str:
    """The character typed at ``index`` of the sequence: words of five letters and a space,
    never repeating with a short period, so a wrong or shifted text cannot pass as a prefix."""
    if index % 6 == 5:
        return " "
    return LETTERS[(index * 7 + index // 26) % 26]


def expected_text(length: int) -> str:
    return "".join(char_at(i) for i in range(length))


def _say(*parts: object) -> None:
    try:
        print(*parts, flush=True)
    except OSError:  # nobody is reading any more: stop typing rather than type blind
        os._exit(4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("council_id")
    parser.add_argument("review_id", type=int)
    parser.add_argument("--interval-ms", type=int, default=100)
    parser.add_argument("--max-seconds", type=float, default=30.0)
    parser.add_argument("--field", default="voice.views")
    parser.add_argument("--wait-for-go", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from iro_desktop.security.secret_store import MemorySecretStore
    from iro_desktop.settings import Settings
    from iro_desktop.storage.vault import Vault
    from iro_desktop.app import build_services
    from iro_desktop.ui.main_window import MainWindow
    from iro_desktop.ui.views.review_view import NAV_ROLE

    app = QApplication([sys.argv[0]])
    if args.wait_for_go:
        _say("loaded")
        if not sys.stdin.readline():
            return 0
    vault = Vault(args.vault, secret_store=MemorySecretStore(available=False)).open()
    vault.unlock(os.environ["IRO_DESKTOP_PASSPHRASE"])
    data_dir = Path(os.environ.get("IRO_DESKTOP_DATA_DIR") or args.vault.parent)
    settings = Settings(data_dir / "typing-app-settings.json")
    window = MainWindow(build_services(vault, settings), settings)
    window.show()
    window.show_unlocked()

    record = window.review_service.record(args.council_id, args.review_id)
    entry = next(e for e in window.caseload_service.entries(args.council_id)
                 if e.child.id == record.child.id)
    window.open_child(entry)
    window.open_review(args.review_id)
    view = window.review_view
    page_kind = "voice" if args.field.startswith("voice.") else "preparation"
    row = next(r for r in range(view.nav.count())
               if view.nav.item(r).data(NAV_ROLE)[0] == page_kind)
    view.nav.setCurrentRow(row)
    page = view.pages.currentWidget()
    edit = page.edits[args.field]
    window.activateWindow()
    edit.setFocus()
    deadline = time.monotonic() + 5.0
    while QApplication.focusWidget() is not edit and time.monotonic() < deadline:
        QTest.qWait(10)
    if QApplication.focusWidget() is not edit:
        _say("error the field never got the keyboard focus")
        return 2
    QTest.keyClick(edit, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)

    start = len(edit.toPlainText())
    if edit.toPlainText() != expected_text(start):
        _say(f"error the field does not hold the sequence's first {start} characters")
        return 2
    state = {"index": start}

    def key_of(char: str) -> Qt.Key:
        return Qt.Key.Key_Space if char == " " else Qt.Key(Qt.Key.Key_A.value
                                                          + LETTERS.index(char))

    def type_one() -> None:
        index = state["index"]
        QTest.keyClick(edit, key_of(char_at(index)))
        if len(edit.toPlainText()) != index + 1:
            _say(f"error the key for index {index} did not reach the field")
            app.exit(2)
            return
        _say(f"typed {index} {time.time():.6f}")
        state["index"] = index + 1

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(args.interval_ms)
    timer.timeout.connect(type_one)
    QTimer.singleShot(int(args.max_seconds * 1000), lambda: app.exit(3))
    _say(f"ready {start} {time.time():.6f}")
    timer.start()
    return app.exec()  # killed long before this returns, normally


if __name__ == "__main__":
    sys.exit(main())

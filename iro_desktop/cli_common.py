"""What every command of the command line shares: exit codes and the errors that carry
them, the passphrase prompts, opening the vault, checking an output file, the date range of
``--from``/``--to``, and the one place an error becomes a line on stderr.

``cli.py`` and its command groups (``cli_council``, ``cli_between``, ``cli_review``) import
it; it imports none of them. Services load on first use: ``iro-desktop --help`` stays quick.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from iro_desktop import paths
from iro_desktop.security.errors import VaultError, WeakPassphraseError

if TYPE_CHECKING:
    from iro_desktop.storage.readonly import ReadOnlyVault
    from iro_desktop.storage.vault import Vault

log = logging.getLogger(__name__)
ENV_PASSPHRASE = "IRO_DESKTOP_PASSPHRASE"
ENV_NEW_PASSPHRASE = "IRO_DESKTOP_NEW_PASSPHRASE"
T = TypeVar("T")

# 0 ok; 1 problems found (a refused import, a failed check, a council not sent, a file that
# cannot be written); 2 usage, and a council, child, review or other item named on the
# command line that is not there; 3 the vault itself (wrong passphrase, tampering, vault in
# use or missing); 4 an unexpected error, with the log's path printed.
EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, EXIT_VAULT, EXIT_CRASH = 0, 1, 2, 3, 4
EXIT_CODES_HELP = ("exit codes: 0 ok, 1 problems found, 2 usage or a council/child/review not "
                   "found, 3 vault error (wrong passphrase, tampering, vault in use), "
                   "4 unexpected error (the log's path is printed)")


class CliError(Exception):
    """A failure reported in one line (no traceback); ``exit_code`` says which kind."""

    def __init__(self, message: str, exit_code: int = EXIT_PROBLEM) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class UsageError(CliError):
    """The command line itself is wrong: a bad value, a missing or clashing option."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_USAGE)


class NotFound(CliError):
    """A council, child, review or other item named on the command line is not there."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_USAGE)


def found(lookup: Callable[..., T], *args: object) -> T:
    """``lookup(*args)`` (a service's find-by-code/reference), its not-found error turned
    into ``NotFound``. Only for lookups whose service error means "not there"."""
    from iro_desktop.services.councils import CouncilError
    from iro_desktop.services.export import ExportError

    try:
        return lookup(*args)
    except (ExportError, CouncilError) as exc:
        raise NotFound(str(exc)) from None


def exit_code(exc: BaseException) -> int:
    """The exit code for an error a command raised (see the table at the top)."""
    if isinstance(exc, CliError):
        return exc.exit_code
    if isinstance(exc, WeakPassphraseError):
        return EXIT_USAGE  # a new passphrase that the policy refuses: choose another
    if isinstance(exc, VaultError):
        # The vault layer's own errors are vault errors; the services' (a council, an
        # archive, an export, a review that cannot do what was asked) are problems.
        vault_layer = ("iro_desktop.security", "iro_desktop.storage")
        return EXIT_VAULT if type(exc).__module__.startswith(vault_layer) else EXIT_PROBLEM
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_PROBLEM
    return EXIT_CRASH


def prompt(label: str) -> str:
    if not sys.stdin.isatty():
        raise CliError(f"no terminal to ask for the {label}: set {ENV_PASSPHRASE} for scripts",
                       EXIT_USAGE)
    import getpass

    return getpass.getpass(f"{label}: ")


def current_passphrase() -> str:
    return os.environ.get(ENV_PASSPHRASE) or prompt("Vault passphrase")


def new_passphrase(env: str) -> str:
    value = os.environ.get(env)
    if value:
        return value
    first = prompt("New passphrase (12+ characters or three or more words)")
    if prompt("Repeat the new passphrase") != first:
        raise CliError("the two passphrases differ; nothing was changed", EXIT_USAGE)
    return first


def vault_dir(args: argparse.Namespace) -> Path:
    return args.vault or paths.default_vault_dir()


def open_unlocked(args: argparse.Namespace, *, tolerate_damaged: bool = False,  # type: ignore[no-untyped-def]
                  passphrase: str | None = None):
    """The vault, opened and unlocked (``passphrase`` if one was already asked for)."""
    from iro_desktop.storage.vault import Vault

    vault = Vault(vault_dir(args)).open()
    try:
        if passphrase or os.environ.get(ENV_PASSPHRASE) or not vault.unlock_with_keyring(
                tolerate_damaged=tolerate_damaged):
            vault.unlock(passphrase or current_passphrase(), tolerate_damaged=tolerate_damaged)
    except BaseException:
        vault.close()
        raise
    args.__dict__.setdefault("opened_vaults", []).append(vault)  # see cli._damage_report
    return vault


def read_only_or_full(args: argparse.Namespace, read: Callable[[ReadOnlyVault], T],
                      full: Callable[[Vault], T]) -> T:
    """What a command that only reads computes: ``read`` on the vault opened read-only
    (``storage/readonly.py``: nothing in the vault folder is written, SQLAlchemy is not
    imported); ``full`` on the vault opened the normal way when the read-only open cannot
    vouch for it (not closed cleanly, an older schema, a failed check: the normal open
    recovers, migrates or refuses with its own message). The passphrase is asked once."""
    from iro_desktop.storage.readonly import NeedsFullOpen, ReadOnlyVault

    passphrase = None
    try:
        with ReadOnlyVault(vault_dir(args)).open() as reader:
            if os.environ.get(ENV_PASSPHRASE) or not reader.unlock_with_keyring():
                passphrase = current_passphrase()
                reader.unlock(passphrase)
            return read(reader)
    except NeedsFullOpen as exc:
        log.info("cli.full_open reason=%s", exc.reason)
    with open_unlocked(args, passphrase=passphrase) as vault:
        return full(vault)


def check_target(target: Path, force: bool, what: str = "a file name") -> None:
    """Refuse a folder, a missing folder, or an existing file without --force."""
    if target.is_dir():
        raise CliError(f"{target} is a folder; give {what}", EXIT_USAGE)
    if not target.parent.is_dir():
        raise CliError(f"the folder {target.parent} does not exist", EXIT_PROBLEM)
    if target.exists() and not force:
        raise CliError(f"{target} already exists; use --force to replace it", EXIT_PROBLEM)


def write_unencrypted(target: Path, data: bytes, force: bool, done: str, out: TextIO) -> None:
    """Write an export the IRO asked for (owner-only, atomically) and say where it went."""
    from iro_desktop.fsutil import atomic_write

    if target.exists() and not force:  # appeared while the data was being built
        raise CliError(f"{target} already exists; use --force to replace it", EXIT_PROBLEM)
    atomic_write(target, data)
    print(f"{done} to {target.resolve()}", file=out)
    print("This copy is NOT encrypted (readable by your account only): store, send and "
          "delete it as your council requires.", file=out)


def date_range(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """``--from`` and ``--to`` as dates (ISO or dd/mm/yyyy), the first not after the second;
    a usage error naming the option otherwise."""
    from iro_desktop.services.returns import parse_day

    days = []
    for option, value in (("--from", args.date_from), ("--to", args.date_to)):
        try:
            days.append(parse_day(value))
        except ValueError:
            raise CliError(f"{option} takes a date as YYYY-MM-DD or dd/mm/yyyy, not {value!r}",
                           EXIT_USAGE) from None
    date_from, date_to = days
    if date_from > date_to:
        raise CliError(f"--from {date_from:%d/%m/%Y} is after --to {date_to:%d/%m/%Y}",
                       EXIT_USAGE)
    return date_from, date_to


def report_error(exc: BaseException, err: TextIO) -> int:
    """Say what went wrong in one line (never a traceback) and return the exit code. An
    unexpected error is logged by type and code location only (its message may hold child
    data) and the line names the log file."""
    code = exit_code(exc)
    if isinstance(exc, KeyboardInterrupt):
        print("iro-desktop: interrupted; nothing half-written was kept", file=err)
    elif code == EXIT_CRASH:
        from iro_desktop.diagnostics import record_crash

        where = record_crash(type(exc), exc.__traceback__)
        detail = (f"details without personal data are in {where}" if where else
                  "no log could be written")
        print(f"iro-desktop: unexpected error ({type(exc).__name__}); {detail}.", file=err)
    else:
        print(f"iro-desktop: {exc}", file=err)
    return code


def guarded(command: Callable[[], int], err: TextIO) -> int:
    """``command()``'s exit code; whatever it raises becomes one line on ``err`` (see
    :func:`report_error`). Output piped into a reader that stopped (``| head``) is not an
    error. Every command of the command line runs through here."""
    try:
        return command()
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return EXIT_OK
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - each gets its exit code
        return report_error(exc, err)

"""The base of every error the app reports to the user. Messages are written for the IRO
and hold no child data.

It lives in the core so that every layer, the Word export included, can raise an error the
window and the command line know how to show; ``security/errors.py`` derives the vault's
errors from it.
"""

from __future__ import annotations


class VaultError(Exception):
    """Base of every error the vault reports to the user."""

    code = "vault.error"

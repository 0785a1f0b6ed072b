"""One exception type for every problem a user can fix.

The CLI turns an :class:`EcoError` into one line on stderr and a non-zero exit; anything
else is a bug and is allowed to show a traceback.
"""

from __future__ import annotations


class EcoError(Exception):
    """A problem with the user's input or environment, explained in one line."""

    exit_code: int = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(EcoError):
    """A configuration file or setting is wrong; the message names the file and the key."""


class StoreError(EcoError):
    """The store cannot be opened or has the wrong schema version."""


class RepoError(EcoError):
    """The target is not a usable git repository."""

"""Errors a user can cause and fix; the CLI turns each into one line and an exit code."""

from __future__ import annotations


class PosecheckError(Exception):
    """Base of every error that is the input's fault, not a bug: printed as one line."""

    exit_code = 2


class SourceError(PosecheckError):
    """A video, camera or image folder that cannot be opened or read."""

    exit_code = 3


class ModelError(PosecheckError):
    """The pose model file is missing, corrupt or cannot be fetched."""

    exit_code = 4


class SpecError(PosecheckError):
    """An exercise spec file that does not validate, or an unknown exercise name."""

    exit_code = 5

"""Exception hierarchy of globalfit.

Every error a user can cause (a bad run config, a missing or corrupted data file, an unphysical parameter)
is a subclass of :class:`GlobalfitError`. The command-line interface turns these into one or two plain
sentences on stderr and exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class GlobalfitError(Exception):
    """Base class of every user-facing error."""


class ConfigError(GlobalfitError):
    """A run config that cannot be used: YAML syntax, unknown or misspelled key, bad value.

    Parameters
    ----------
    message
        What is wrong, in one sentence.
    path
        YAML path of the offending key (``"parameters.mass_GeV.lower"``), if known.
    """

    def __init__(self, message: str, path: str | None = None):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class DataError(GlobalfitError):
    """A dataset folder or data file that is missing, malformed or whose checksum does not match."""


class PhysicsError(GlobalfitError):
    """A physics-domain error: charges that are not anomaly-free, an unphysical parameter value."""


class UnknownDatasetError(ConfigError):
    """A likelihood or prior id that is not in the catalogue."""


class InferenceError(GlobalfitError):
    """A sampler or scan that cannot proceed (bad resume state, failed convergence in --strict mode)."""


class OutputExistsError(GlobalfitError):
    """An output folder that exists already and would be overwritten without ``--force``."""


class CheckpointError(InferenceError):
    """A checkpoint that must not be loaded: no seal, a bad seal (planted or modified file), a truncated file, or one
    written by other globalfit or dynesty versions or for another config."""


class OutputError(GlobalfitError):
    """An output location that cannot take the results: a file where a folder should be, a folder below a file, an
    unwritable parent, an empty path, or too little free disk space."""


class OutputLockedError(OutputError):
    """An output folder that another run (named in the message: pid, host, start time) is writing to."""

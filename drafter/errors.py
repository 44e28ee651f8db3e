"""The errors drafter raises for things a user can fix.

Every message is one line that names the cause and the fix. The CLI turns any
:class:`DrafterError` into that line on stderr and a non-zero exit code (see
``drafter.cli``); ``DRAFTER_DEBUG=1`` re-raises for a traceback.
"""

from __future__ import annotations


class DrafterError(Exception):
    """Base class: a problem the user can fix. ``exit_code`` is what the CLI returns."""

    exit_code = 1


class InputError(DrafterError):
    """Bad input: a missing file, an unreadable document, a malformed outline."""

    exit_code = 2


class NoDocumentsError(InputError):
    """Every input file was unreadable, empty or binary."""


class UnknownUnitError(InputError):
    """A unit type that has no profile."""


class YearError(InputError):
    """A year outside the supported range."""


class OutputExistsError(InputError):
    """The output file exists and --force was not given."""


class IndexError_(DrafterError):
    """Base for index problems (named with a trailing underscore to keep the builtin)."""

    exit_code = 3


class MissingIndexError(IndexError_):
    """The index does not exist or is empty."""


class IndexBusyError(IndexError_):
    """Another process is writing the index."""


class StoreError(IndexError_):
    """The vector store (local chroma folder or chroma server) failed."""


class DamagedIndexError(IndexError_):
    """A file of the index is missing, unreadable or contradicts the others; the message says the fix."""


class IndexWriteError(IndexError_):
    """The index could not be written (a full disk, a read-only folder); it was left as it was."""


class ModelError(DrafterError):
    """The chat model could not be used: auth, rate limit, server error, timeout, no connection."""

    exit_code = 4


class ModelUnavailableError(ModelError):
    """Every request would fail the same way (server unreachable, key rejected, no such model, no quota):
    a run stops at the first one instead of trying every section."""


class ConfigError(DrafterError):
    """A setting is missing or contradicts another."""

    exit_code = 2


class ThresholdError(DrafterError):
    """An evaluation metric fell below its threshold."""

    exit_code = 5

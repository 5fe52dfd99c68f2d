"""One exception tree for the whole of trucewatch.

::

    TrucewatchError                 anything trucewatch refuses, with a clear message
     ├── InvalidInput               bad input: one or more FieldProblem, all reported at once
     ├── NotFound                   a record named by the caller does not exist
     ├── Conflict                   the write contradicts what is stored (a reused ref, ...)
     ├── Unauthenticated            no valid access token: unknown, revoked or expired
     ├── Forbidden                  authenticated, but the role may not do this
     ├── StorageError               the database is unreachable, or not a trucewatch database
     ├── ConfigError                a setting is missing or malformed
     │    └── KeyFileError          a private key file cannot be read (passphrase, format)
     └── ProofError                 a Merkle proof, signed note or checkpoint does not verify

Each boundary translates the tree once: the CLI prints the message and exits 1,
the HTTP API answers with problem details. Nothing below a boundary catches
these errors to hide them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """What is wrong with one field of one record.

    ``record`` names the record as its source knows it: ``reports.csv row 12``,
    ``reports.jsonl line 3``, ``report AB-17``.
    """

    record: str
    field: str
    problem: str

    def __str__(self) -> str:
        where = f"{self.record}: " if self.record else ""
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.problem}"


class TrucewatchError(Exception):
    """Base of every error trucewatch raises on purpose."""


class InvalidInput(TrucewatchError):  # noqa: N818 - a domain name, not "...Error"
    """Input that fails validation; holds every problem found, not just the first."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(self.summary())

    def summary(self, limit: int = 20) -> str:
        lines = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problems")
        return "\n".join(lines)


class NotFound(TrucewatchError):  # noqa: N818
    """A record the caller named does not exist."""


class Conflict(TrucewatchError):  # noqa: N818
    """The write contradicts what is already stored."""


class Unauthenticated(TrucewatchError):  # noqa: N818
    """The caller gave no valid access token: unknown, revoked or expired."""


class Forbidden(TrucewatchError):  # noqa: N818
    """Authenticated, but the role may not do this."""


class StorageError(TrucewatchError):
    """The database cannot be reached or is not usable."""


class ConfigError(TrucewatchError):
    """A setting is missing or malformed."""


class KeyFileError(ConfigError):
    """A private key file cannot be read: wrong or missing passphrase, not Ed25519, damaged."""


class ProofError(TrucewatchError):
    """A Merkle proof, a signed note or a checkpoint does not verify, or is malformed."""

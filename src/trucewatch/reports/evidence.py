"""Evidence files, stored by the SHA-256 of their content, received as a stream under a size limit.

A report names its evidence by hash (``evidence[].sha256``); the file itself is kept
beside the database, never in the log: its hash is what the signed report commits to.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from trucewatch.errors import FieldProblem, InvalidInput


@dataclass(frozen=True)
class StoredEvidence:
    sha256: str
    size: int
    new: bool
    """False when a file with the same content was stored before."""


class TooLarge(InvalidInput):
    """The file exceeds the evidence size limit."""


async def store_evidence(directory: Path, chunks: AsyncIterator[bytes], *, limit: int) -> StoredEvidence:
    """Write the stream to ``directory/<sha256>``, hashing as it comes; nothing is kept if it exceeds ``limit``."""
    directory.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as sink:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    problem = f"the file exceeds the evidence limit of {limit:,} bytes"
                    raise TooLarge([FieldProblem("evidence", "body", problem)])
                digest.update(chunk)
                sink.write(chunk)
        if size == 0:
            raise InvalidInput([FieldProblem("evidence", "body", "the file is empty")])
        target = directory / digest.hexdigest()
        new = not target.exists()
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return StoredEvidence(digest.hexdigest(), size, new)

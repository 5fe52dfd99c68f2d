"""The ledger: entries, checkpoints, inclusion and consistency proofs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from trucewatch.api.deps import Db, allow
from trucewatch.api.schemas import (
    MAX_INT,
    CheckpointOut,
    ConsistencyOut,
    CosignatureIn,
    EntryOut,
    EntryPage,
    Id,
    InclusionOut,
    TreeOut,
)
from trucewatch.ledger import checkpoints
from trucewatch.ledger.models import Entry
from trucewatch.ledger.service import entry_at, entry_by_hash, entry_range
from trucewatch.registry.access import Action, Viewer

router = APIRouter(prefix="/ledger", tags=["ledger"])
Entries = Annotated[Viewer, Depends(allow(Action.READ_ENTRIES))]
Proofs = Annotated[Viewer, Depends(allow(Action.READ_CHECKPOINTS))]
Hex64 = Annotated[str, Query(pattern=r"^[0-9a-f]{64}$", description="An entry's hash (hex)")]


def _entry(e: Entry) -> EntryOut:
    return EntryOut(
        index=e.idx, kind=e.kind, author=e.author, key_id=e.key_id, time=e.recorded_at, hash=e.hash.hex(),
        line=e.line.decode(),
    )  # fmt: skip


@router.get("", summary="The log's origin, size and root")
def tree(db: Db, _: Proofs) -> TreeOut:
    with db.begin() as session:
        size = checkpoints.tree_size(session)
        root = checkpoints.root_at(session, size)
        return TreeOut(origin=checkpoints.origin(session), size=size, root=root.hex())


@router.get("/entries", summary="Entries in log order, from `start`")
def entries(
    db: Db,
    _: Entries,
    start: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EntryPage:
    with db.begin() as session:
        rows, more = entry_range(session, start, limit)
    return EntryPage(items=[_entry(e) for e in rows], next_start=start + len(rows) if more else None)


@router.get("/entries/{index}", summary="One entry")
def entry(db: Db, _: Entries, index: Id) -> EntryOut:
    with db.begin() as session:
        return _entry(entry_at(session, index))


@router.get("/checkpoints", summary="Every signed checkpoint with its cosignatures, oldest first")
def checkpoint_list(db: Db, _: Proofs) -> list[CheckpointOut]:
    with db.begin() as session:
        found = checkpoints.published(session)
    return [CheckpointOut(size=p.size, root=p.root.hex(), note=p.note, witnesses=list(p.witnesses)) for p in found]


@router.post(
    "/checkpoints/{size}/cosignatures",
    status_code=201,
    summary="Cosign a checkpoint (an observer), with a cosignature/v1 made by your delegation's key",
)
def cosign(
    db: Db, who: Annotated[Viewer, Depends(allow(Action.COSIGN_CHECKPOINTS))], size: Id, body: CosignatureIn
) -> CheckpointOut:
    with db.begin() as session:
        checkpoints.add_cosignature(session, witness=str(who.delegation), signature=body.signature, size=size)
        found = next(p for p in checkpoints.published(session) if p.size == size)
    return CheckpointOut(size=found.size, root=found.root.hex(), note=found.note, witnesses=list(found.witnesses))


@router.get("/proofs/inclusion", summary="Inclusion proof of an entry, by index or by hash")
def inclusion(
    db: Db,
    _: Proofs,
    index: Annotated[int | None, Query(ge=0, le=MAX_INT)] = None,
    hash: Hex64 | None = None,
    tree_size: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
) -> InclusionOut:
    with db.begin() as session:
        found = entry_by_hash(session, bytes.fromhex(hash)) if hash else entry_at(session, index)
        size = tree_size or checkpoints.tree_size(session)
        proof = checkpoints.inclusion_proof(session, found.idx, size)
    return InclusionOut(index=found.idx, tree_size=size, leaf_hash=found.hash.hex(), hashes=[h.hex() for h in proof])


@router.get("/proofs/consistency", summary="Consistency proof between two tree sizes")
def consistency(
    db: Db, _: Proofs, size1: Annotated[int, Query(ge=1, le=MAX_INT)], size2: Annotated[int, Query(ge=1, le=MAX_INT)]
) -> ConsistencyOut:
    with db.begin() as session:
        proof = checkpoints.consistency_proof(session, size1, size2)
    return ConsistencyOut(size1=size1, size2=size2, hashes=[h.hex() for h in proof])

"""``ledger`` and ``verify``: checkpoints, witnesses, proofs, export, rebuild, offline verification."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trucewatch.cli.common import (
    DbOption,
    JsonOption,
    KeyOption,
    VersionOption,
    database,
    load_signer,
    now,
    out,
    print_json,
    unit_of_work,
)
from trucewatch.errors import ConfigError
from trucewatch.ledger.checkpoints import (
    cosign_checkpoint,
    inclusion_proof,
    published,
    root_at,
    sign_checkpoint,
    tree_size,
)
from trucewatch.ledger.exports import export_log, verify_export
from trucewatch.ledger.models import Entry
from trucewatch.ledger.service import erase
from trucewatch.replay import rebuild, verify_database

ledger = typer.Typer(no_args_is_help=True, help="The signed log: checkpoints, witnesses, proofs, export, rebuild.")
LogKeyOption = Annotated[
    str | None,
    typer.Option("--log-key", help="The log's key as you trust it (a C2SP vkey); refuse a log signed by another."),
]


def register(app: typer.Typer) -> None:
    app.add_typer(ledger, name="ledger")
    app.command("verify")(verify)


@ledger.command("checkpoint")
def ledger_checkpoint(key: KeyOption = None, db: DbOption = None, version: VersionOption = False) -> None:
    """Sign a checkpoint of the current tree with the mechanism's key (C2SP tlog-checkpoint)."""
    signer = load_signer(key)
    with unit_of_work(db) as session:
        note = sign_checkpoint(session, signer=signer, at=now()).note
    out.print(note, end="", markup=False, highlight=False)


@ledger.command("cosign")
def ledger_cosign(
    key: KeyOption = None,
    size: Annotated[int | None, typer.Option("--size", help="Tree size of the checkpoint [default: latest].")] = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Witness a checkpoint: check it against the log and the last one you cosigned, then cosign it."""
    signer = load_signer(key)
    with unit_of_work(db) as session:
        done = cosign_checkpoint(session, witness=signer, at=now(), size=size)
        out.print(f"{signer.delegation} cosigned the checkpoint of {done.checkpoint_size:,} entries")


@ledger.command("checkpoints")
def ledger_checkpoints(db: DbOption = None, as_json: JsonOption = False, version: VersionOption = False) -> None:
    """The published checkpoints, oldest first: each note with its mechanism and witness signatures."""
    with unit_of_work(db) as session:
        rows = published(session)
    if as_json:
        print_json([{"size": p.size, "root": p.root.hex(), "witnesses": p.witnesses, "note": p.note} for p in rows])
        return
    for p in rows:
        out.print(p.note, markup=False, highlight=False)


@ledger.command("proof")
def ledger_proof(
    index: Annotated[int, typer.Argument(help="Index of the entry.")],
    size: Annotated[int | None, typer.Option("--size", help="Tree size [default: current].")] = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """The inclusion proof (RFC 9162 audit path) of one entry, as JSON."""
    with unit_of_work(db) as session:
        entry = session.get(Entry, index)
        path = inclusion_proof(session, index, size)
        tree = size if size is not None else tree_size(session)
        root = root_at(session, tree)
    leaf = entry.hash.hex() if entry else None
    print_json(
        {"index": index, "tree_size": tree, "leaf_hash": leaf, "root": root.hex(), "proof": [p.hex() for p in path]}
    )


@ledger.command("erase")
def ledger_erase(
    index: Annotated[int, typer.Argument(help="Index of the restricted entry whose payload to erase.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (e.g. a victim's request).")],
    key: KeyOption = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Erase a restricted payload at its submitter's request; its commitment stays, so the log still verifies."""
    signer = load_signer(key)
    with unit_of_work(db) as session:
        erase(session, index, reason, signer=signer, at=now())
    out.print(f"the payload of entry {index} is erased; the erasure is itself an entry")


@ledger.command("export")
def ledger_export(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Directory to write (entries.jsonl, checkpoints/, keys.json).")
    ],
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Write the log for offline verification: entries, signed checkpoints, public keys."""
    with unit_of_work(db) as session:
        done = export_log(session, out_dir)
    out.print(f"exported {done.entries:,} entries and {done.checkpoints} checkpoint(s) to {out_dir}")


@ledger.command("rebuild")
def ledger_rebuild(
    into: Annotated[str, typer.Option("--into", help="Empty database (file or URL) to rebuild the tables into.")],
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Rebuild every table from the log into a fresh database, through the store's own checks."""
    target = database(into)
    try:
        with unit_of_work(db) as source, target.begin() as session:
            count = rebuild(source, session)
    finally:
        target.dispose()
    out.print(f"rebuilt {count:,} entries into {into}")


def verify(
    directory: Annotated[Path | None, typer.Argument(help="A ledger export (from `ledger export`).")] = None,
    db: Annotated[str | None, typer.Option("--db", help="Verify a live database instead, tables included.")] = None,
    log_key: LogKeyOption = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option("--checkpoint", help="A signed checkpoint you kept (a note file); repeatable."),
    ] = None,
    version: VersionOption = False,
) -> None:
    """Verify every signature, the hash chain, keys, checkpoints and their consistency; exit 0 only if all holds."""
    if (directory is None) == (db is None):
        raise ConfigError("give an export directory or --db URL, not both")
    if directory is not None:
        kept = [p.read_bytes() for p in checkpoint or []]
        verdict = verify_export(directory, log_key=log_key, kept=kept)
    else:
        with unit_of_work(db) as session:
            verdict = verify_database(session, log_key=log_key)
    out.print(verdict.summary(), markup=False, highlight=False)
    if not verdict.ok:
        raise typer.Exit(1)

"""``keys``: make a delegation's key pair, register, revoke and list public keys."""

from __future__ import annotations

import base64
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer

from trucewatch.api.client import signed_reports, signed_statements
from trucewatch.api.schemas import MAX_BATCH
from trucewatch.cli.common import (
    PASSPHRASE_ENV,
    DbOption,
    JsonOption,
    KeyOption,
    VersionOption,
    aware,
    load_signer,
    now,
    out,
    print_json,
    print_table,
    unit_of_work,
)
from trucewatch.errors import ConfigError
from trucewatch.ledger.kinds import MECHANISM
from trucewatch.ledger.signing import generate, key_file
from trucewatch.registry.schemas import KeyIn, KeyRevocationIn
from trucewatch.registry.service import add_key, list_keys, revoke_key
from trucewatch.validation import parse

keys = typer.Typer(no_args_is_help=True, help="Signing keys: every entry is signed by its delegation's key.")
DelegationOption = Annotated[
    str, typer.Option("--delegation", help="Code of the delegation holding the key, or 'mechanism'.")
]


def register(app: typer.Typer) -> None:
    app.add_typer(keys, name="keys")
    app.command("sign")(sign)


SIGNABLE = (
    "report",
    "zone",
    "actor",
    "designation",
    "delegation",
    "meeting",
    "commitment",
    "commitment_status",
    "fusion_decision",
)


def sign(
    kind: Annotated[str, typer.Argument(help=f"What the payloads are: {', '.join(SIGNABLE)}.")],
    file: Annotated[Path, typer.Argument(help="JSON file: one payload or an array of up to 1,000 ('-': stdin).")],
    key: KeyOption = None,
    version: VersionOption = False,
) -> None:
    """Sign payloads with your delegation's key and print the API request body (for curl and other
    clients); send it within 5 minutes, the server refuses statements far from its clock."""
    if kind not in SIGNABLE:
        raise ConfigError(f"cannot sign a {kind!r}: one of {', '.join(SIGNABLE)}")
    text = sys.stdin.buffer.read() if str(file) == "-" else _read(file)
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"{file} is not JSON: {exc}") from None
    items = data if isinstance(data, list) else [data]
    if not items or len(items) > MAX_BATCH or not all(isinstance(i, dict) for i in items):
        raise ConfigError(f"{file} must hold one JSON object or an array of 1 to {MAX_BATCH:,} objects")
    signer = load_signer(key)
    at = now()
    body = signed_reports(signer, items, at=at) if kind == "report" else signed_statements(signer, kind, items, at=at)
    typer.echo(orjson.dumps(body).decode())


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror}") from exc


@keys.command("new")
def keys_new(
    delegation: DelegationOption,
    out_file: Annotated[Path, typer.Option("--out", help="Private key file to write (mode 0600; never overwritten).")],
    passphrase: Annotated[
        bool,
        typer.Option("--passphrase", help=f"Encrypt the key with a passphrase (from {PASSPHRASE_ENV} or a prompt)."),
    ] = False,
    version: VersionOption = False,
) -> None:
    """Make an Ed25519 key pair; print the public key to register with `keys add` or `delegation add`."""
    pair = generate()
    secret = _new_passphrase() if passphrase else None
    try:
        fd = os.open(out_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot create {out_file}: {exc.strerror}") from exc
    with os.fdopen(fd, "wb") as sink:
        sink.write(key_file(pair, delegation, secret))
    out.print(f"key {pair.key_id} of {delegation} written to {out_file}")
    out.print(f"public key: {base64.b64encode(pair.public_key).decode()}")


def _new_passphrase() -> bytes:
    given = os.environ.get(PASSPHRASE_ENV) or typer.prompt("passphrase", hide_input=True, confirmation_prompt=True)
    return given.encode()


@keys.command("add")
def keys_add(
    delegation: DelegationOption,
    public_key: Annotated[str, typer.Option("--public-key", help="The new public key (base64, from `keys new`).")],
    key: KeyOption = None,
    valid_from: Annotated[datetime | None, typer.Option("--valid-from", help="Valid from [default: now].")] = None,
    valid_to: Annotated[datetime | None, typer.Option("--valid-to", help="Valid until [default: open].")] = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Register a new public key of a delegation (rotation), signed by it, the secretariat or the mechanism."""
    data = {
        "public_key": public_key,
        "valid_from": aware(valid_from or now()),
        "valid_to": valid_to and aware(valid_to),
    }
    item = parse(KeyIn, data, f"key of {delegation}")
    signer = load_signer(key)
    with unit_of_work(db) as session:
        add_key(session, delegation, item, signer=signer, at=now())
    out.print(f"key registered for {delegation}")


@keys.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="Id of the key to revoke (16 hex digits).")],
    reason: Annotated[str, typer.Option("--reason", help="Why: lost, compromised, superseded...")],
    key: KeyOption = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Revoke a key: nothing it signs from this entry on is accepted."""
    item = parse(KeyRevocationIn, {"key": key_id, "reason": reason}, f"revocation of {key_id}")
    signer = load_signer(key)
    with unit_of_work(db) as session:
        revoke_key(session, item, signer=signer, at=now())
    out.print(f"key {key_id} revoked")


@keys.command("list")
def keys_list(db: DbOption = None, as_json: JsonOption = False, version: VersionOption = False) -> None:
    """Every registered public key, with its delegation, validity and revocation."""
    with unit_of_work(db) as session:
        rows = [
            {
                "key_id": k.key_id,
                "delegation": k.delegation.code if k.delegation else MECHANISM,
                "public_key": k.public_key,
                "valid_from": k.valid_from.isoformat(),
                "valid_to": k.valid_to.isoformat() if k.valid_to else None,
                "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
                "entry": k.entry_idx,
            }
            for k in list_keys(session)
        ]
    if as_json:
        print_json(rows)
        return
    columns = ["key_id", "delegation", "valid_from", "valid_to", "revoked_at"]
    print_table("Signing keys", columns, [[r[c] or "" for c in columns] for r in rows])

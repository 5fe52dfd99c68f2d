"""``delegation`` and ``actor`` commands."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from trucewatch.cli.common import (
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
    read_json,
    unit_of_work,
)
from trucewatch.registry.models import Actor, Delegation
from trucewatch.registry.schemas import ActorIn, DelegationIn
from trucewatch.registry.service import (
    add_actors,
    add_delegations,
    list_actors,
    list_delegations,
)
from trucewatch.validation import parse

delegations = typer.Typer(no_args_is_help=True, help="The delegations of the mechanism.")
actors = typer.Typer(no_args_is_help=True, help="The registry of armed actors.")


def register(app: typer.Typer) -> None:
    app.add_typer(delegations, name="delegation")
    app.add_typer(actors, name="actor")


@delegations.command("list")
def delegation_list(db: DbOption = None, as_json: JsonOption = False, version: VersionOption = False) -> None:
    """Every delegation, its role and its members."""
    with unit_of_work(db) as session:
        rows = [_delegation(d) for d in list_delegations(session)]
    if as_json:
        print_json(rows)
    else:
        print_table(
            "Delegations",
            ["code", "name", "role", "members"],
            [
                [
                    d["code"],
                    d["name"],
                    d["role"],
                    ", ".join(m["login"] for m in d["members"]),
                ]
                for d in rows
            ],
        )


@delegations.command("add")
def delegation_add(
    code: Annotated[str, typer.Argument(help="Short code, e.g. RU or SY-OPP.")],
    name: Annotated[str, typer.Option("--name", help="Name in English.")],
    role: Annotated[str, typer.Option("--role", help="guarantor, party, observer or secretariat.")],
    member: Annotated[
        list[str] | None,
        typer.Option("--member", help="LOGIN[=Display name]; repeatable."),
    ] = None,
    key: KeyOption = None,
    public_key: Annotated[
        list[str] | None,
        typer.Option("--public-key", help="The delegation's Ed25519 public key (base64, from `keys new`); repeatable."),
    ] = None,
    valid_from: Annotated[
        datetime | None, typer.Option("--valid-from", help="When its keys become valid [default: now].")
    ] = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Add a delegation (recorded as a ledger entry)."""
    members = [{"login": m.split("=", 1)[0], "display_name": m.split("=", 1)[-1]} for m in member or []]
    start = aware(valid_from) if valid_from else now()
    keys = [{"public_key": k, "valid_from": start.isoformat()} for k in public_key or []]
    item = parse(
        DelegationIn,
        {"code": code, "name": {"en": name}, "role": role, "members": members, "keys": keys},
        f"delegation {code}",
    )
    signer = load_signer(key)
    with unit_of_work(db) as session:
        add_delegations(session, [item], signer=signer, at=now())
    out.print(f"delegation {code} added")


@actors.command("list")
def actor_list(db: DbOption = None, as_json: JsonOption = False, version: VersionOption = False) -> None:
    """Every actor with its aliases, designations and ceasefire status."""
    with unit_of_work(db) as session:
        rows = [_actor(a) for a in list_actors(session)]
    if as_json:
        print_json(rows)
    else:
        print_table(
            "Actors",
            ["key", "name", "kind", "designated by", "ceasefire", "aliases"],
            [
                [
                    a["key"],
                    a["name"],
                    a["kind"],
                    ", ".join(d["authority"] for d in a["designations"]),
                    ", ".join(c["status"] for c in a["ceasefire"]),
                    len(a["aliases"]),
                ]
                for a in rows
            ],
        )


@actors.command("add")
def actor_add(
    key: Annotated[str | None, typer.Argument(help="Short key, e.g. isil (omit with --file).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Name in English.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="government_force, foreign_force, armed_opposition, jihadist_group, kurdish_force, militia or other.",
        ),
    ] = None,
    alias: Annotated[
        list[str] | None,
        typer.Option("--alias", help="Another name, any script; repeatable."),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="JSON file: one actor or an array, with names, aliases, affiliations, designations, ceasefire.",
        ),
    ] = None,
    key_file: KeyOption = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Add actors, from options or from a JSON file (recorded as ledger entries)."""
    items = (
        _actors_from_file(file)
        if file
        else [
            parse(
                ActorIn,
                {
                    "key": key,
                    "kind": kind,
                    "names": {"en": name} if name else {},
                    "aliases": alias or [],
                },
                f"actor {key}",
            )
        ]
    )
    signer = load_signer(key_file)
    with unit_of_work(db) as session:
        add_actors(session, items, signer=signer, at=now())
    out.print(f"{len(items)} actor(s) added")


def _actors_from_file(path: Path) -> list[ActorIn]:
    data = read_json(path)
    items = data if isinstance(data, list) else [data]
    return [parse(ActorIn, item, f"{path.name} item {i}") for i, item in enumerate(items, start=1)]


def _delegation(d: Delegation) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "names": d.names,
        "role": d.role,
        "members": [{"login": m.login, "display_name": m.display_name, "function": m.function} for m in d.members],
    }


def _actor(a: Actor) -> dict[str, Any]:
    return {
        "key": a.key,
        "name": a.name,
        "names": a.names,
        "kind": a.kind,
        "aliases": [n.name for n in a.aliases],
        "designations": [
            {
                "authority": d.authority,
                "reference": d.reference,
                "from": d.valid_from.isoformat(),
                "to": d.valid_to.isoformat() if d.valid_to else None,
            }
            for d in a.designations
        ],
        "ceasefire": [
            {
                "status": c.status,
                "from": c.valid_from.isoformat(),
                "to": c.valid_to.isoformat() if c.valid_to else None,
            }
            for c in a.ceasefire
        ],
        "affiliations": [{"actor": f.other.key, "relation": f.relation} for f in a.affiliations],
    }

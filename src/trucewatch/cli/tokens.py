"""``token`` commands: members' access tokens to the HTTP API (local state of this server, not ledger entries)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated, Any

import typer

from trucewatch.cli.common import (
    DbOption,
    JsonOption,
    VersionOption,
    err,
    now,
    out,
    print_json,
    print_table,
    unit_of_work,
)
from trucewatch.registry.passwords import set_password
from trucewatch.registry.tokens import TokenRow, list_tokens, new_token, revoke_token

tokens = typer.Typer(
    no_args_is_help=True,
    help="Members' access tokens to the HTTP API: local to this server, not ledger entries, so no --key.",
)


members = typer.Typer(
    no_args_is_help=True,
    help="Members' sign-in to the web UI: local to this server, not ledger entries, so no --key.",
)


def register(app: typer.Typer) -> None:
    app.add_typer(tokens, name="token")
    app.add_typer(members, name="member")


@members.command("password")
def member_password(
    delegation: Annotated[str, typer.Option("--delegation", help="Code of the member's delegation, e.g. RU.")],
    member: Annotated[str, typer.Option("--member", help="The member's login; created in the delegation if missing.")],
    stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin (for scripts).")
    ] = False,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Set a member's password for the web UI's sign-in (asked twice, hidden; at least 12 characters)."""
    if stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with unit_of_work(db) as session:
        set_password(session, delegation, member, password, now=now())
    out.print(f"password set for {member} of {delegation}: sign in at /sign-in", markup=False, highlight=False)


@tokens.command("new")
def token_new(
    delegation: Annotated[str, typer.Option("--delegation", help="Code of the member's delegation, e.g. RU.")],
    member: Annotated[str, typer.Option("--member", help="The member's login; created in the delegation if missing.")],
    expires_days: Annotated[
        int | None, typer.Option("--expires-days", help="Refuse the token after this many days; never, if not given.")
    ] = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Issue a token and print it alone on stdout (TOKEN=$(trucewatch token new ...)); it is shown only once."""
    with unit_of_work(db) as session:
        issued = new_token(session, delegation, member, now=now(), expires_days=expires_days)
    typer.echo(issued.token)
    until = f", expires {_time(issued.expires_at)}" if issued.expires_at else ""
    err.print(f"token {issued.id} ({issued.prefix}) for {member} of {delegation}{until}", markup=False, highlight=False)


@tokens.command("list")
def token_list(
    delegation: Annotated[str | None, typer.Option("--delegation", help="Only this delegation's tokens.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    version: VersionOption = False,
) -> None:
    """Every token: its id, prefix, holder, and when it was made, expires, was revoked. Never the token."""
    at = now()
    with unit_of_work(db) as session:
        rows = [_row(t, at) for t in list_tokens(session, delegation=delegation)]
    if as_json:
        print_json(rows)
    else:
        columns = ["id", "prefix", "delegation", "member", "purpose", "state", "created_at", "expires_at", "revoked_at"]
        print_table("Access tokens", columns, [[r[c] for c in columns] for r in rows])


@tokens.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(metavar="ID", help="The token's id, from `token list`.")],
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Revoke a token: from now on it is refused."""
    with unit_of_work(db) as session:
        revoke_token(session, token_id, now=now())
    out.print(f"token {token_id} revoked")


def _row(t: TokenRow, at: datetime) -> dict[str, Any]:
    return {
        "id": t.id,
        "prefix": t.prefix,
        "delegation": t.delegation,
        "member": t.member,
        "purpose": t.purpose,
        "state": t.state(at),
        "created_at": _time(t.created_at),
        "expires_at": _time(t.expires_at),
        "revoked_at": _time(t.revoked_at),
    }


def _time(at: datetime | None) -> str | None:
    return at.isoformat().replace("+00:00", "Z") if at else None

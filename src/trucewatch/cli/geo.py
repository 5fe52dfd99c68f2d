"""``zone`` and ``place`` commands: the map of control and the gazetteer."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from sqlalchemy.orm import Session

from trucewatch.cli.common import (
    DbOption,
    JsonOption,
    KeyOption,
    VersionOption,
    load_signer,
    now,
    out,
    print_json,
    print_table,
    read_json,
    unit_of_work,
)
from trucewatch.errors import FieldProblem, InvalidInput
from trucewatch.geo.models import Zone
from trucewatch.geo.schemas import PlaceIn
from trucewatch.geo.service import (
    add_places,
    controller_keys,
    describe_candidate,
    export_zones,
    import_zones,
    list_places,
    list_zones,
    load_gazetteer,
    parse_feature_collection,
    zones_at,
)
from trucewatch.incidents.attribution import list_changes
from trucewatch.validation import parse

zones = typer.Typer(no_args_is_help=True, help="The map of control: zones versioned in time.")
places = typer.Typer(no_args_is_help=True, help="The gazetteer: find places, add the mechanism's own.")
attributions = typer.Typer(no_args_is_help=True, help="Attribution of reports and incidents to the map of control.")

MAX_CHANGES = 10_000
"""The most attribution changes one command lists."""

DayOption = Annotated[datetime, typer.Option("--on", formats=["%Y-%m-%d"], help="The day (YYYY-MM-DD).")]


def register(app: typer.Typer) -> None:
    app.add_typer(zones, name="zone")
    app.add_typer(places, name="place")
    app.add_typer(attributions, name="attribution")


@zones.command("import")
def zone_import(
    file: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection, one feature per zone.")],
    valid_from: Annotated[
        datetime, typer.Option("--valid-from", formats=["%Y-%m-%d"], help="First day the map holds (YYYY-MM-DD).")
    ],
    complete: Annotated[
        bool, typer.Option("--complete", help="The file is the whole map: open zones it leaves out end.")
    ] = False,
    name_property: Annotated[str, typer.Option("--name-property", help="Property holding a zone's name.")] = "name",
    actor_property: Annotated[
        str, typer.Option("--actor-property", help="Property naming the controlling actor(s), any registry name.")
    ] = "actor",
    key: KeyOption = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Import a map from a day: each zone replaces its open version of the same name (ledger entries)."""
    collection = read_json(file)
    signer = load_signer(key)
    with unit_of_work(db) as session:
        items = parse_feature_collection(
            session,
            collection,
            valid_from=valid_from.date(),
            source=file.name,
            name_property=name_property,
            actor_property=actor_property,
        )
        summary = import_zones(session, items, complete=complete, signer=signer, at=now())
        changes = list_changes(session, entry=summary.entries[0], limit=MAX_CHANGES) if summary.entries else None
    out.print(
        f"{len(summary.added)} zone(s) added, {len(summary.replaced)} replaced, "
        f"{len(summary.unchanged)} unchanged, {len(summary.ended)} ended, from {valid_from.date().isoformat()}"
    )
    for a, b, km2 in summary.contested:
        out.print(f"contested: {a} overlaps {b} ({km2:,.1f} km²)")
    if changes is not None:
        _print_effects(changes, summary.entries[0])


def _print_effects(changes: list[dict[str, Any]], entry: int) -> None:
    effects = Counter(c["effect"] for c in changes)
    more = "+" if len(changes) == MAX_CHANGES else ""
    out.print(
        f"{len(changes)}{more} attribution(s) changed: {effects['started']} started and {effects['stopped']} "
        f"stopped being possible violations ('trucewatch attribution changes --entry {entry}')"
    )


@zones.command("export")
def zone_export(
    on: DayOption,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write [default: stdout].")] = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Write the map of one day as a GeoJSON FeatureCollection."""
    with unit_of_work(db) as session:
        data = orjson.dumps(export_zones(session, on.date()))
    if output is None:
        sys.stdout.write(data.decode() + "\n")
    else:
        output.write_bytes(data + b"\n")
        out.print(f"{output}: map of {on.date().isoformat()}")


@zones.command("at")
def zone_at(
    latitude: Annotated[float, typer.Argument(help="Latitude, decimal degrees.")],
    longitude: Annotated[float, typer.Argument(help="Longitude, decimal degrees.")],
    on: DayOption,
    db: DbOption = None,
    as_json: JsonOption = False,
    version: VersionOption = False,
) -> None:
    """Who held a point on a day: each zone and controlling actor, with its standing that day."""
    with unit_of_work(db) as session:
        found = zones_at(session, latitude, longitude, on.date())
    if as_json:
        print_json(found)
    elif not found:
        out.print(f"no zone holds ({latitude}, {longitude}) on {on.date().isoformat()}")
    else:
        columns = ["zone", "actor", "actor_kind", "designated", "ceasefire_covered", "contested"]
        print_table(
            f"({latitude}, {longitude}) on {on.date().isoformat()}", columns, [[f[c] for c in columns] for f in found]
        )


@zones.command("list")
def zone_list(
    on: Annotated[
        datetime | None, typer.Option("--on", formats=["%Y-%m-%d"], help="Only the versions valid that day.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Only this zone's versions (its history).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    version: VersionOption = False,
) -> None:
    """Zone versions: the whole history, one day's map, or one zone's history."""
    with unit_of_work(db) as session:
        found = export_zones(session, on.date()) if on else None
        rows = (
            [f["properties"] for f in found["features"]]
            if found
            else [_version(z, session) for z in list_zones(session, name=name)]
        )
    rows = [r for r in rows if name is None or r["name"] == name]
    if as_json:
        print_json(rows)
    else:
        table = [[r["name"], ", ".join(r["actor"]), r["valid_from"], r["valid_to"]] for r in rows]
        print_table("Zones", ["name", "actor", "valid_from", "valid_to"], table)


def _version(zone: Zone, session: Session) -> dict[str, Any]:
    keys = controller_keys(session, [zone])
    return {
        "name": zone.name,
        "actor": [keys[c.actor_id] for c in zone.controllers],
        "valid_from": zone.valid_from.isoformat(),
        "valid_to": zone.valid_to.isoformat() if zone.valid_to else None,
        "entry": zone.entry_idx,
    }


@places.command("find")
def place_find(
    name: Annotated[str, typer.Argument(help="A place name in any spelling, Latin or Arabic; 'Name, Area' narrows.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="Candidates to show.")] = 10,
    db: DbOption = None,
    as_json: JsonOption = False,
    version: VersionOption = False,
) -> None:
    """The places a name may stand for, best first, and whether it resolves or is ambiguous."""
    with unit_of_work(db) as session:
        found = load_gazetteer(session).find(name, limit=limit)
    rows = [describe_candidate(c) for c in found.candidates]
    if as_json:
        print_json(rows)
        return
    out.print(f"{name!r}: {found.status}")
    columns = ["name", "name_ar", "latitude", "longitude", "precision", "governorate", "match", "id"]
    print_table("Candidates", columns, [[r[c] for c in columns] for r in rows])


@places.command("add")
def place_add(
    key: Annotated[str, typer.Argument(help="Short key, e.g. tal-al-ees.")],
    name: Annotated[str, typer.Option("--name", help="Name in English (Latin script).")],
    latitude: Annotated[float, typer.Option("--latitude", help="Latitude, decimal degrees.")],
    longitude: Annotated[float, typer.Option("--longitude", help="Longitude, decimal degrees.")],
    name_ar: Annotated[str | None, typer.Option("--name-ar", help="Name in Arabic.")] = None,
    alias: Annotated[
        list[str] | None, typer.Option("--alias", help="Another spelling, any script; repeatable.")
    ] = None,
    precision: Annotated[str, typer.Option("--precision", help="town, district or governorate.")] = "town",
    source: Annotated[str | None, typer.Option("--source", help="Where the place and its point come from.")] = None,
    key_file: KeyOption = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Add a place to the mechanism's gazetteer (a ledger entry)."""
    data = {"key": key, "name": name, "name_ar": name_ar, "names": alias or [], "latitude": latitude,
            "longitude": longitude, "precision": precision, "source": source}  # fmt: skip
    item = parse(PlaceIn, {k: v for k, v in data.items() if v is not None}, f"place {key}")
    _add([item], key_file, db)


@places.command("import")
def place_import(
    file: Annotated[Path, typer.Argument(help="JSON array of places: key, name, latitude, longitude, ...")],
    key_file: KeyOption = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Add places from a JSON file (ledger entries); one bad place and none is added."""
    data = read_json(file)
    if not isinstance(data, list):
        raise InvalidInput([FieldProblem(file.name, "(file)", "must be a JSON array of places")])
    _add([parse(PlaceIn, p, f"{file.name} item {i}") for i, p in enumerate(data, start=1)], key_file, db)


@places.command("list")
def place_list(db: DbOption = None, as_json: JsonOption = False, version: VersionOption = False) -> None:
    """The places the mechanism added."""
    with unit_of_work(db) as session:
        rows = [
            {
                "key": p.key,
                "name": p.name,
                "name_ar": p.name_ar,
                "names": p.names,
                "latitude": p.latitude,
                "longitude": p.longitude,
                "precision": p.precision,
                "governorate_pcode": p.governorate,
            }
            for p in list_places(session)
        ]
    if as_json:
        print_json(rows)
    else:
        print_table(
            "Places",
            ["key", "name", "latitude", "longitude", "precision"],
            [[r["key"], r["name"], r["latitude"], r["longitude"], r["precision"]] for r in rows],
        )


def _add(items: list[PlaceIn], key_file: Path | None, db: str | None) -> None:
    signer = load_signer(key_file)
    with unit_of_work(db) as session:
        add_places(session, items, signer=signer, at=now())
    out.print(f"{len(items)} place(s) added")


@attributions.command("changes")
def attribution_changes(
    entry: Annotated[int | None, typer.Option("--entry", min=0, help="Only the changes this entry made.")] = None,
    after: Annotated[int | None, typer.Option("--after", min=0, help="Only changes after this change id.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_CHANGES, help="At most this many.")] = 100,
    db: DbOption = None,
    as_json: JsonOption = False,
    version: VersionOption = False,
) -> None:
    """Reports and incidents whose attribution a change of the map or of a designation changed, and why."""
    with unit_of_work(db) as session:
        rows = list_changes(session, entry=entry, after=after, limit=limit)
    if as_json:
        print_json(rows)
        return
    columns = ["id", "report_ref", "incident_id", "entry", "before", "after", "effect", "reason"]
    print_table(f"Attribution changes ({len(rows)})", columns, [[r[c] for c in columns] for r in rows])

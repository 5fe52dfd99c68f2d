"""Where each actor stood on a given day: designated, covered by the ceasefire, excluded (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

COVERED = frozenset({"signatory", "guarantor"})
"""Ceasefire statuses under which an actor's area is covered by the ceasefire."""


@dataclass(frozen=True)
class Interval:
    value: str
    valid_from: date
    valid_to: date | None

    def holds(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class Standing:
    """One actor on one day."""

    actor_id: int
    key: str
    kind: str
    ceasefire_status: str | None
    designated_by: tuple[str, ...]

    @property
    def designated(self) -> bool:
        return bool(self.designated_by)

    @property
    def ceasefire_covered(self) -> bool:
        return self.ceasefire_status in COVERED

    @property
    def excluded(self) -> bool:
        """Excluded from the ceasefire on that day, or designated and not a party to it."""
        return self.ceasefire_status == "excluded" or (self.designated and not self.ceasefire_covered)


class Standings:
    """The designation and ceasefire history of every actor, asked by day."""

    def __init__(
        self,
        actors: Iterable[tuple[int, str, str]],
        statuses: Iterable[tuple[int, str, date, date | None]],
        designations: Iterable[tuple[int, str, date, date | None]],
    ) -> None:
        self._actors = {actor_id: (key, kind) for actor_id, key, kind in actors}
        self._statuses: dict[int, list[Interval]] = defaultdict(list)
        self._designations: dict[int, list[Interval]] = defaultdict(list)
        for actor_id, status, start, end in statuses:
            self._statuses[actor_id].append(Interval(status, start, end))
        for actor_id, authority, start, end in designations:
            self._designations[actor_id].append(Interval(authority, start, end))

    def on(self, actor_id: int, day: date) -> Standing:
        key, kind = self._actors[actor_id]
        status = next((i.value for i in reversed(self._statuses[actor_id]) if i.holds(day)), None)
        authorities = tuple(dict.fromkeys(i.value for i in self._designations[actor_id] if i.holds(day)))
        return Standing(actor_id, key, kind, status, authorities)

    def key(self, actor_id: int) -> str:
        return self._actors[actor_id][0]

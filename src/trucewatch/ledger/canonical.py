"""Canonical bytes of a payload (pure).

Keys sorted, no insignificant whitespace, UTF-8: the same payload always gives
the same bytes and the same hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

"""Content hashes of records: stable across formatting and key order.

Used as the baseline key (a team adopts sftlint and fails only on new
findings) and by duplicate detection.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson


def record_hash(data: Any) -> str:
    """Hex digest of the record's canonical JSON (sorted keys, compact)."""
    try:
        canonical = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # pragma: no cover - parsed JSON is always serialisable
        canonical = repr(data).encode()
    return hashlib.blake2b(canonical, digest_size=12).hexdigest()


def text_hash(text: str | bytes) -> str:
    """Hex digest of raw text (lines that could not be parsed)."""
    if isinstance(text, str):
        text = text.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=12).hexdigest()

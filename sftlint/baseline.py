"""Baselines: adopt sftlint on an existing dataset and fail only on new findings.

A baseline is a JSON file of ``(record content hash, code) -> count``.  Keyed by
the record's *content* (canonical JSON), not by line number, so inserting or
reordering records does not resurrect old findings, while editing a record
makes its findings count as new.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable

from sftlint.atomic import atomic_write_text
from sftlint.config import ConfigError
from sftlint.diagnostic import Diagnostic

VERSION = 1
DEFAULT_PATH = ".sftlint-baseline.json"


def _key(d: Diagnostic) -> tuple[str, str]:
    return (d.record_hash or f"{d.path}:{d.line}", d.code)


def write_baseline(path: str, diagnostics: Iterable[Diagnostic]) -> int:
    counts: Counter[tuple[str, str]] = Counter(_key(d) for d in diagnostics)
    entries = [{"hash": h, "code": c, "count": n} for (h, c), n in sorted(counts.items())]
    doc = {"tool": "sftlint", "version": VERSION, "entries": entries}
    atomic_write_text(path, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return sum(counts.values())


class Baseline:
    """Suppresses diagnostics recorded in a baseline file (each one at most as often as recorded)."""

    def __init__(self, path: str) -> None:
        try:
            with open(path, encoding="utf-8") as fh:
                doc = json.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(f"baseline file not found: {path} (create it with --write-baseline)") from exc
        except (OSError, ValueError) as exc:
            raise ConfigError(f"baseline file {path} is not valid JSON: {exc}") from exc
        if (
            not isinstance(doc, dict)
            or doc.get("version") != VERSION
            or not isinstance(doc.get("entries"), list)
        ):
            raise ConfigError(f"baseline file {path} is not an sftlint baseline (version {VERSION})")
        self.remaining: Counter[tuple[str, str]] = Counter()
        for entry in doc["entries"]:
            try:
                self.remaining[(str(entry["hash"]), str(entry["code"]))] += int(entry.get("count", 1))
            except (KeyError, TypeError, ValueError) as exc:
                raise ConfigError(f"baseline file {path}: malformed entry {entry!r}") from exc
        self.suppressed = 0

    def suppress(self, d: Diagnostic) -> bool:
        key = _key(d)
        if self.remaining.get(key, 0) > 0:
            self.remaining[key] -= 1
            self.suppressed += 1
            return True
        return False


def exists(path: str) -> bool:
    return os.path.isfile(path)

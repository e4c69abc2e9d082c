"""Reviewed findings, silenced with a reason: sftlint's answer to ruff's ``# noqa: CODE  # reason``.

JSONL has no comments, and the baseline is for adopting the tool on old data (it hides whatever
was there). A suppression is different: one finding that a person read and judged a false
positive, kept with the reason in a file that lives beside the data and is reviewed like code::

    # sftlint-suppressions.toml
    [[suppress]]
    code = "T001"
    record = "id:med-0042"          # the record's id field where the data has one ...
    pointer = "/messages/3/content"
    text = "念珠菌"                  # the flagged text, so an edit elsewhere in the record keeps it
                                    # (dataset-scope findings keep their span = [a, b] instead)
    reason = "a fungus, not a typo"

    [[suppress]]
    code = "D001"
    record = "sha:3f9a…"            # ... else its content hash (dataset findings: always)
    reason = "the duplicate is intended: it is weighted twice"

An entry matches a finding of its code in the record it names; ``pointer`` and ``text``, where
given, must match too. ``sftlint check --add-suppressions --reason "…"`` writes an entry for every
current finding of the selected rules (as ruff's ``--add-noqa`` does), so the usual flow is to
select the reviewed rule, narrow to the file, and add.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sftlint.config import ConfigError
from sftlint.diagnostic import Diagnostic

DEFAULT_PATH = "sftlint-suppressions.toml"


def flagged_text(data: Any, pointer: str | None, span: tuple[int, int] | None) -> str | None:
    """The decoded text a finding marks: the string at ``pointer``, cut to ``span``."""
    if not pointer or span is None:
        return None
    from sftlint.locate import unescape_pointer

    value = data
    for tok in unescape_pointer(pointer):
        try:
            value = value[int(tok)] if isinstance(value, list) else value[tok]
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    if not isinstance(value, str):
        return None
    start, end = span
    return value[start:end] if 0 <= start <= end <= len(value) else None


def finding_record_key(d: Diagnostic) -> str | None:
    """How a suppression names the record of ``d``: its id, else its content hash."""
    if d.record_id:
        return d.record_id
    if d.record_hash:
        return f"sha:{d.record_hash}"
    return None


@dataclass(frozen=True)
class Suppression:
    code: str
    record: str
    reason: str
    pointer: str | None = None
    text: str | None = None
    span: tuple[int, int] | None = None  # where the flagged text is not known (dataset findings)

    def matches(self, d: Diagnostic) -> bool:
        if d.code != self.code or finding_record_key(d) != self.record:
            return False
        if self.pointer is not None and (d.pointer or "") != self.pointer:
            return False
        if self.span is not None and (d.span is None or tuple(d.span) != self.span):
            return False
        return self.text is None or d.flagged_text == self.text


class Suppressions:
    """The entries of one suppressions file, and how many findings each silenced."""

    def __init__(self, entries: Iterable[Suppression], path: str) -> None:
        self.path = path
        self.by_key: dict[tuple[str, str], list[Suppression]] = {}
        for e in entries:
            self.by_key.setdefault((e.code, e.record), []).append(e)
        self.suppressed = 0

    @classmethod
    def load(cls, path: str) -> Suppressions:
        try:
            with open(path, "rb") as fh:
                doc = tomllib.load(fh)
        except FileNotFoundError:
            return cls([], path)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the suppressions file: {exc}") from exc
        items = doc.get("suppress", [])
        if not isinstance(items, list):
            raise ConfigError(f"{path}: `suppress` must be an array of tables ([[suppress]])")
        entries = []
        for n, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise ConfigError(f"{path}: suppression {n} must be a table")
            missing = [k for k in ("code", "record", "reason") if not isinstance(item.get(k), str)]
            if missing:
                raise ConfigError(f"{path}: suppression {n} needs {', '.join(missing)} (strings)")
            if not item["reason"].strip():
                raise ConfigError(f"{path}: suppression {n} ({item['code']}) needs a reason")
            unknown = set(item) - {"code", "record", "reason", "pointer", "text", "span"}
            if unknown:
                raise ConfigError(f"{path}: suppression {n}: unknown key(s) {', '.join(sorted(unknown))}")
            entries.append(
                Suppression(
                    item["code"], item["record"], item["reason"], item.get("pointer"), item.get("text")
                )
            )
        return cls(entries, path)

    def suppress(self, d: Diagnostic) -> bool:
        key = finding_record_key(d)
        if key is None:
            return False
        for e in self.by_key.get((d.code, key), ()):
            if e.matches(d):
                self.suppressed += 1
                return True
        return False


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string (the same escapes), non-ASCII kept as it is.
    return json.dumps(value, ensure_ascii=False)


def entry_for(d: Diagnostic, reason: str) -> Suppression | None:
    key = finding_record_key(d)
    if key is None:
        return None
    text = d.flagged_text
    span = tuple(d.span) if text is None and d.span is not None else None
    return Suppression(d.code, key, reason, d.pointer or None, text, span)  # type: ignore[arg-type]


def append_entries(path: str, diagnostics: Iterable[Diagnostic], reason: str) -> int:
    """Append an entry for each finding not already suppressed; return how many were written.
    The file is rewritten atomically with the existing text kept byte for byte."""
    from sftlint.atomic import atomic_write_text

    if not reason.strip():
        raise ConfigError("--add-suppressions needs --reason: say why these findings are not defects")
    existing = Suppressions.load(path)
    blocks: list[str] = []
    seen: set[Suppression] = set()
    for d in diagnostics:
        e = entry_for(d, reason)
        if e is None or e in seen or existing.suppress(d):
            continue
        seen.add(e)
        lines = ["[[suppress]]", f"code = {_toml_string(e.code)}", f"record = {_toml_string(e.record)}"]
        if e.pointer is not None:
            lines.append(f"pointer = {_toml_string(e.pointer)}")
        if e.text is not None:
            lines.append(f"text = {_toml_string(e.text)}")
        if e.span is not None:
            lines.append(f"span = [{e.span[0]}, {e.span[1]}]")
        lines.append(f"reason = {_toml_string(e.reason)}")
        where = f"{d.path}:{d.line}" if d.line is not None else d.path
        blocks.append(f"# {where}: {d.message}\n" + "\n".join(lines) + "\n")
    if not blocks:
        return 0
    old = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            old = fh.read()
    head = old if not old or old.endswith("\n") else old + "\n"
    atomic_write_text(path, head + ("\n" if head else "") + "\n".join(blocks))
    return len(blocks)

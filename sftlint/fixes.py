"""Applying fixes to files, atomically.

Edits name a JSON pointer and a span in the decoded string there, so a fix is
applied to the parsed record and the record is written back; only records that
change are re-serialised (in the style of the original line), every other line
is copied byte for byte.  Line edits (``pointer=None``) apply to the raw line:
a blank line whose edit leaves it empty is removed.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sftlint.atomic import atomic_writer
from sftlint.diagnostic import Diagnostic, Edit
from sftlint.locate import unescape_pointer


def _apply_string_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (later ones first so offsets stay valid)."""
    last_start = len(text) + 1
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        if e.end > last_start or e.start > len(text):
            continue  # overlaps an edit already applied: skip (a second pass catches it)
        text = text[: e.start] + e.replacement + text[min(e.end, len(text)) :]
        last_start = e.start
    return text


def _apply_pointer_edits(obj: Any, edits: list[Edit]) -> bool:
    by_pointer: dict[str, list[Edit]] = defaultdict(list)
    for e in edits:
        by_pointer[e.pointer or ""].append(e)
    changed = False
    for pointer, group in by_pointer.items():
        tokens = unescape_pointer(pointer)
        if not tokens:
            continue
        parent = obj
        try:
            for tok in tokens[:-1]:
                parent = parent[int(tok)] if isinstance(parent, list) else parent[tok]
            last: Any = int(tokens[-1]) if isinstance(parent, list) else tokens[-1]
            value = parent[last]
        except (KeyError, IndexError, ValueError, TypeError):
            continue
        if not isinstance(value, str):
            continue
        new = _apply_string_edits(value, group)
        if new != value:
            parent[last] = new
            changed = True
    return changed


def _serialise_like(original: str, obj: Any) -> str:
    compact = '":' in original and '": ' not in original
    ascii_only = original.isascii() and "\\u" in original
    sep = (",", ":") if compact else (", ", ": ")
    return json.dumps(obj, ensure_ascii=ascii_only, separators=sep)


#: Sources whose bytes ``--fix`` can rewrite in place (compressed and columnar files cannot be).
_NOT_REWRITABLE_SUFFIXES = (".gz", ".zst", ".parquet", ".arrow")


def can_rewrite(path: str) -> bool:
    """Whether ``--fix`` can write fixes back to ``path``: a plain JSON/JSONL file, not standard
    input, an in-memory source, or a compressed or columnar file."""
    return not (
        path in ("-", "<memory>", "<dataset>")
        or path.endswith(_NOT_REWRITABLE_SUFFIXES)
        or os.path.isdir(path)  # a Hugging Face datasets folder
    )


def selected_fixes(diagnostics: Iterable[Diagnostic], unsafe: bool = False) -> list[Diagnostic]:
    return [d for d in diagnostics if d.fix is not None and (unsafe or d.fix.applicability == "safe")]


def apply_fixes(path: str, diagnostics: Iterable[Diagnostic], unsafe: bool = False) -> int:
    """Apply the (safe) fixes of ``diagnostics`` to ``path``; return how many were applied."""
    fixes = selected_fixes(diagnostics, unsafe)
    if not fixes or not can_rewrite(path):
        return 0
    with open(path, "rb") as fh:
        head = fh.read(4096)
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first == b"[":
        return _fix_json_array(path, fixes)
    return _fix_jsonl(path, fixes)


def _fix_jsonl(path: str, fixes: list[Diagnostic]) -> int:
    line_edits: dict[int, list[Edit]] = defaultdict(list)
    record_edits: dict[int, list[Edit]] = defaultdict(list)
    counted: dict[int, int] = defaultdict(int)
    for d in fixes:
        for e in d.fix.edits:  # type: ignore[union-attr]
            if e.pointer is None:
                if e.line is not None:
                    line_edits[e.line].append(e)
            elif d.record_line is not None:
                record_edits[d.record_line].append(e)
        key = d.record_line if d.record_line is not None else (d.fix.edits[0].line or 0)  # type: ignore[union-attr]
        counted[key] += 1
    applied = 0
    with open(path, "rb") as src, atomic_writer(path, "wb") as dst:
        for lineno, raw in enumerate(src, start=1):
            if lineno not in line_edits and lineno not in record_edits:
                dst.write(raw)
                continue
            ending = b"\r\n" if raw.endswith(b"\r\n") else b"\n" if raw.endswith(b"\n") else b""
            text = raw[: len(raw) - len(ending)].decode("utf-8", "surrogateescape")
            was_blank = not text.strip()
            if lineno in line_edits:
                text = _apply_string_edits(text, line_edits[lineno])
            if lineno in record_edits:
                try:
                    obj = json.loads(text)
                except ValueError:
                    obj = None
                if obj is not None and _apply_pointer_edits(obj, record_edits[lineno]):
                    text = _serialise_like(text, obj)
            applied += counted.get(lineno, 0)
            if was_blank and not text:
                continue  # a removed blank line
            dst.write(text.encode("utf-8", "surrogateescape") + ending)
    return applied


def _fix_json_array(path: str, fixes: list[Diagnostic]) -> int:
    with open(path, encoding="utf-8-sig") as fh:
        original = fh.read()
    data = json.loads(original)
    if not isinstance(data, list):
        return 0
    applied = 0
    by_record: dict[int, list[Edit]] = defaultdict(list)
    for d in fixes:
        if d.record is None:
            continue
        edits = [e for e in d.fix.edits if e.pointer is not None]  # type: ignore[union-attr]
        if edits:
            by_record[d.record].extend(edits)
            applied += 1
    for index, edits in by_record.items():
        if 0 <= index < len(data):
            _apply_pointer_edits(data[index], edits)
    indent = 2
    for line in original.splitlines()[1:3]:
        stripped = len(line) - len(line.lstrip(" "))
        if stripped:
            indent = stripped
            break
    with atomic_writer(path, "w") as fh:
        fh.write(json.dumps(data, ensure_ascii=False, indent=indent) + "\n")
    return applied

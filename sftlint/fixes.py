"""Applying fixes: edits spliced into the original bytes, checked, written atomically.

An edit names a JSON pointer and a span in the decoded string there.  The fixer
finds that string literal in the record's own bytes (with the locator), maps the
span through the literal's escapes, and replaces just those bytes: key order,
spacing, duplicate keys, number spellings and escapes elsewhere stay as the
author wrote them, in JSON Lines and in JSON arrays alike.  Line edits
(``pointer=None``: a blank line, a byte-order mark) replace bytes of a physical
line.

A fix is applied only when the record still parses afterwards, to exactly the
value the edits describe, and re-checking the record finds nothing it did not
find before: a fix never trades one finding for another.  A record that does
not parse (a lone surrogate, ``NaN``) is never touched.  Writing goes through
the symlink to its target, keeps the file's mode and owner, refuses read-only
files, and replaces the file atomically.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from sftlint.atomic import atomic_writer
from sftlint.diagnostic import Diagnostic, Edit
from sftlint.locate import Locator, _StringMap, unescape_pointer

if TYPE_CHECKING:
    from sftlint.engine import Engine, FileState
    from sftlint.reader import RawRecord

#: ``--fix`` repeats lint-and-fix at most this many times (a fix may uncover another).
MAX_ROUNDS = 10


class FixError(Exception):
    """A file that cannot be fixed (read-only, not a regular file): the CLI reports it, exit 2."""


def selected_fixes(diagnostics: Iterable[Diagnostic], unsafe: bool = False) -> list[Diagnostic]:
    return [d for d in diagnostics if d.fix is not None and (unsafe or d.fix.applicability == "safe")]


#: Sources whose bytes ``--fix`` cannot rewrite in place: compressed and columnar files, and
#: CSV/TSV (a fix's edits are JSON text; a cell is quoted differently)
_NOT_REWRITABLE_SUFFIXES = (".gz", ".zst", ".parquet", ".arrow", ".csv", ".tsv")


def can_rewrite(path: str) -> bool:
    """Whether ``--fix`` can write fixes back to ``path``: a plain JSON/JSONL file, not standard
    input, an in-memory source, or a compressed or columnar file."""
    return not (
        path in ("-", "<memory>", "<dataset>")
        or path.endswith(_NOT_REWRITABLE_SUFFIXES)
        or os.path.isdir(path)  # a Hugging Face datasets folder
    )


fixable_file = can_rewrite


@dataclass
class FileFix:
    """The outcome of fixing one file in memory: its bytes before and after, what was applied."""

    path: str
    before: bytes
    after: bytes
    applied: Counter[str] = field(default_factory=Counter)  # by rule code
    names: dict[str, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(self.applied.values())


# -- splicing ------------------------------------------------------------------------


def _encode_like(replacement: str, literal_is_ascii: bool) -> str:
    """``replacement`` as the inside of a JSON string literal, in the literal's own style."""
    return json.dumps(replacement, ensure_ascii=literal_is_ascii)[1:-1]


def _apply_string_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits to a decoded string (later ones first so offsets stay valid)."""
    last_start = len(text) + 1
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        if e.end > last_start or e.start > len(text):
            continue
        text = text[: e.start] + e.replacement + text[min(e.end, len(text)) :]
        last_start = e.start
    return text


def _apply_pointer_edits(obj: Any, edits: list[Edit]) -> bool:
    """Apply edits to a parsed record in place; whether every pointer named a string.

    The value a fix describes: the fixer checks the spliced bytes against it, and tests that
    work on parsed records use it directly."""
    by_pointer: dict[str, list[Edit]] = defaultdict(list)
    for e in edits:
        by_pointer[e.pointer or ""].append(e)
    ok = True
    for pointer, group in by_pointer.items():
        tokens = unescape_pointer(pointer)
        if not tokens:
            ok = False
            continue
        parent = obj
        try:
            for tok in tokens[:-1]:
                parent = parent[int(tok)] if isinstance(parent, list) else parent[tok]
            last: Any = int(tokens[-1]) if isinstance(parent, list) else tokens[-1]
            value = parent[last]
        except (KeyError, IndexError, ValueError, TypeError):
            ok = False
            continue
        if not isinstance(value, str):
            ok = False
            continue
        parent[last] = _apply_string_edits(value, group)
    return ok


def _expected_value(data: Any, edits: list[Edit]) -> Any:
    """The parsed record as the edits describe it (to check the spliced bytes against)."""
    out = copy.deepcopy(data)
    return out if _apply_pointer_edits(out, edits) else None


def splice_record(text: str, diagnostics: list[Diagnostic]) -> tuple[str, list[Diagnostic]]:
    """Splice the pointer edits of ``diagnostics`` into the record's source ``text``.

    Returns the new text and the diagnostics whose edits were all applied; a diagnostic whose
    edit overlaps one already taken, or names no string, is left for a later round.
    """
    locator = Locator(text, 1)
    planned: list[tuple[int, int, str, int]] = []  # (raw start, raw end, new raw text, diagnostic)
    for k, d in enumerate(diagnostics):
        pieces = []
        for e in d.fix.edits:  # type: ignore[union-attr]
            if e.pointer is None:
                pieces = None
                break
            found = locator.value_span(e.pointer)
            if found is None or text[found[0]] != '"':
                pieces = None
                break
            smap = _StringMap(text, *found)
            if not 0 <= e.start <= e.end <= smap.length:
                pieces = None
                break
            literal_ascii = text[found[0] : found[1]].isascii() and "\\u" in text[found[0] : found[1]]
            pieces.append((smap.raw(e.start), smap.raw(e.end), _encode_like(e.replacement, literal_ascii)))
        if pieces:
            planned.extend((a, b, r, k) for a, b, r in pieces)
    taken: list[tuple[int, int, str, int]] = []
    rejected: set[int] = set()
    for item in sorted(planned, key=lambda p: (p[0], p[1])):
        if item[3] in rejected:
            continue
        if (taken and item[0] < taken[-1][1]) or (taken and item[0] == taken[-1][0] == item[1]):
            rejected.add(item[3])
            continue
        taken.append(item)
    taken = [t for t in taken if t[3] not in rejected]
    parts: list[str] = []
    pos = 0
    for a, b, r, _k in taken:
        parts.append(text[pos:a])
        parts.append(r)
        pos = b
    parts.append(text[pos:])
    applied_ids = {t[3] for t in taken}
    return "".join(parts), [d for k, d in enumerate(diagnostics) if k in applied_ids]


# -- one file ------------------------------------------------------------------------


def _line_starts(data: bytes) -> array:
    starts = array("q", [0])
    starts.extend(m.end() for m in re.finditer(b"\n", data))
    return starts


def _line_bounds(data: bytes, starts: array, line: int) -> tuple[int, int, int]:
    """``(start, content_end, end)`` of physical line ``line`` (1-based): ``end`` includes the
    line's terminator."""
    start = starts[line - 1]
    end = starts[line] if line < len(starts) else len(data)
    content_end = end
    if data[start:end].endswith(b"\r\n"):
        content_end = end - 2
    elif data[start:end].endswith(b"\n"):
        content_end = end - 1
    return start, content_end, end


class _Checker:
    """Re-checks one record alone, with the run's selection, to compare findings."""

    def __init__(self, engine: Engine, path: str) -> None:
        from sftlint.engine import Engine

        self.engine = Engine(engine.settings, engine.registry)
        self.engine.dataset_rules = []  # a record alone says nothing about the dataset
        self.ignored = self.engine._ignored_for(path)

    def findings(self, raw: RawRecord, state: FileState) -> Counter[tuple[str, str | None]]:
        """Findings by ``(code, pointer)``; a rule's findings past ``max-findings-per-record``
        (one closing diagnostic that counts them) by ``(code, MORE)``."""
        out: Counter[tuple[str, str | None]] = Counter()
        for d in self.engine.process(raw, state):
            if d.code not in self.ignored:
                out[(d.code, MORE if d.count > 1 else d.pointer)] += d.count
        return out


#: The key under which a rule's findings past ``max-findings-per-record`` are counted.
MORE = "\x00more"


def _new_findings(before: Counter[tuple[str, str | None]], after: Counter[tuple[str, str | None]]) -> bool:
    """Whether ``after`` holds a finding ``before`` did not.  Rules with findings past the cap
    in either are compared by their totals (which findings are listed shifts as some are fixed)."""
    capped = {code for code, pointer in (*before, *after) if pointer == MORE}
    for code in capped:
        if sum(n for (c, _), n in after.items() if c == code) > sum(
            n for (c, _), n in before.items() if c == code
        ):
            return True
    return any(n > before.get(key, 0) for key, n in after.items() if key[0] not in capped)


def fix_bytes(
    path: str, data: bytes, diagnostics: Iterable[Diagnostic], engine: Engine, unsafe: bool
) -> FileFix:
    """Apply the fixes of ``diagnostics`` (findings in ``path`` whose content is ``data``) in
    memory; the bytes are written by :func:`write_fixed`."""
    from sftlint.reader import SNIFF_BYTES, read_stream, sniff_kind

    result = FileFix(path, data, data)
    fixes = selected_fixes(diagnostics, unsafe)
    if not fixes:
        return result
    by_record: dict[int, list[Diagnostic]] = defaultdict(list)
    by_line: dict[int, list[Diagnostic]] = defaultdict(list)
    for d in fixes:
        edits = d.fix.edits  # type: ignore[union-attr]
        if not edits:
            continue
        if all(e.pointer is None and e.line is not None for e in edits):
            by_line[edits[0].line].append(d)  # type: ignore[index]
        elif all(e.pointer is not None for e in edits) and d.record is not None:
            by_record[d.record].append(d)
    checker = _Checker(engine, path)
    starts = _line_starts(data)
    replacements: list[tuple[int, int, bytes, list[Diagnostic]]] = []
    is_array = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"["
    # a .json document whose lists of records were read (sftlint.formats.wrapped_record_keys)
    is_object = sniff_kind(data[:SNIFF_BYTES], path) == "document"

    n_lines = len(starts) - (1 if starts[-1] == len(data) else 0)
    for line, group in by_line.items():
        last = max(e.end_line or line for e in _edits(group))
        if not 1 <= line <= last <= n_lines:
            continue
        start, _, _ = _line_bounds(data, starts, line)
        _, content_end, end = _line_bounds(data, starts, last)
        content = data[start:content_end]
        text = content.decode("utf-8", "surrogateescape")
        was_blank = not content.strip()
        edits = _edits(group) if last == line else _region_edits(data, starts, line, _edits(group))
        new = _apply_string_edits(text, edits)
        new_bytes = new.encode("utf-8", "surrogateescape")
        if was_blank and not new:
            replacements.append((start, end, b"", group))  # the whole blank line (or run) goes
        elif new_bytes != content:
            replacements.append((start, content_end, new_bytes, group))

    if by_record:
        state, raws = checker.engine.start_file(read_stream(io.BytesIO(data), path), path)
        for raw in raws:
            group = by_record.get(raw.index) if raw.index >= 0 else None
            if not group or not raw.parsed:
                continue  # a record that does not parse (NaN, a lone surrogate) is never touched
            if is_array or (is_object and raw.offset >= 0):
                # an array's element, or a record of a document's wrapped list: its own bytes
                if raw.offset < 0 or raw.raw_bytes is None:
                    continue
                start, source = raw.offset, raw.raw_bytes
            else:
                if raw.line != raw.end_line:
                    continue  # a record spread over lines (J001): fix its layout first
                start, content_end, _end = _line_bounds(data, starts, raw.line)
                source = data[start:content_end]
                if raw.line == 1 and source.startswith(b"\xef\xbb\xbf"):
                    start, source = start + 3, source[3:]
            accepted = _fix_record(raw, source, group, checker, state)
            if accepted is not None:
                new_source, applied = accepted
                replacements.append((start, start + len(source), new_source, applied))

    replacements.sort(key=lambda r: (r[0], r[1]))
    out: list[bytes] = []
    pos = 0
    for a, b, new_bytes, group in replacements:
        if a < pos:
            continue  # overlaps an earlier replacement: the next round takes it
        out.append(data[pos:a])
        out.append(new_bytes)
        pos = b
        for d in group:
            result.applied[d.code] += d.data.get("fixes", 1)
            result.names[d.code] = d.name
    out.append(data[pos:])
    result.after = b"".join(out)
    return result


def _region_edits(data: bytes, starts: array, first: int, edits: list[Edit]) -> list[Edit]:
    """Line edits as offsets in the text of the lines from ``first`` on (terminators
    included): ``start`` counts in ``line``, ``end`` in ``end_line`` (an offset past a line's
    content stops at its end)."""
    base = starts[first - 1]
    out = []
    for e in edits:
        a_start, a_end, _ = _line_bounds(data, starts, e.line)  # type: ignore[arg-type]
        b_start, b_end, _ = _line_bounds(data, starts, e.end_line or e.line)  # type: ignore[arg-type]
        a = len(data[base:a_start].decode("utf-8", "surrogateescape"))
        a_len = len(data[a_start:a_end].decode("utf-8", "surrogateescape"))
        b = len(data[base:b_start].decode("utf-8", "surrogateescape"))
        b_len = len(data[b_start:b_end].decode("utf-8", "surrogateescape"))
        out.append(Edit(None, a + min(e.start, a_len), b + min(e.end, b_len), e.replacement))
    return out


def _fix_record(
    raw: RawRecord, source: bytes, group: list[Diagnostic], checker: _Checker, state: FileState
) -> tuple[bytes, list[Diagnostic]] | None:
    """The record's new bytes and the diagnostics fixed, or None when nothing can be applied.

    All fixes together first; when that fails a check, each half of them, in order, on the text
    the halves before left, down to single fixes, keeping those that pass.  (Each fix alone
    re-checked the record once per fix: 101 checks a round for a record whose fixes together
    push it over the context window, D005, 26 s of ``--fix`` for a 400 KB file; halves find the
    fixes that fail in a few checks each.)
    """
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError:
        return None
    before = checker.findings(raw, state)
    kept: list[Diagnostic] = []
    pending = [group]  # the groups still to try, the next last
    current = text
    while pending:
        part = pending.pop()
        new_text, applied = splice_record(current, part)
        if applied and _check(raw, new_text, _edits(applied), current, checker, state, before):
            current = new_text
            kept.extend(applied)
        elif len(part) > 1:
            half = len(part) // 2
            pending.append(part[half:])
            pending.append(part[:half])
    return (current.encode("utf-8"), kept) if kept else None


def _edits(diagnostics: list[Diagnostic]) -> list[Edit]:
    return [e for d in diagnostics for e in d.fix.edits]  # type: ignore[union-attr]


def _check(
    raw: RawRecord,
    new_text: str,
    edits: list[Edit],
    old_text: str,
    checker: _Checker,
    state: FileState,
    before: Counter[tuple[str, str | None]],
) -> bool:
    """Whether the spliced record parses to exactly what the edits describe and re-checking
    it finds nothing new."""
    from sftlint.reader import RawRecord

    try:
        old_value = orjson.loads(old_text)
        new_value = orjson.loads(new_text)
    except orjson.JSONDecodeError:
        return False
    expected = _expected_value(old_value, edits)
    if expected is None or new_value != expected:
        return False
    new_bytes = new_text.encode("utf-8")
    end_line = raw.line + new_text.count("\n")
    new_raw = RawRecord(
        raw.path, raw.index, raw.line, end_line, None, new_value, True, raw.column, (), new_bytes
    )
    after = checker.findings(new_raw, state)
    return not _new_findings(before, after)


# -- writing -------------------------------------------------------------------------


def write_fixed(path: str, data: bytes) -> None:
    """Replace the file ``path`` with ``data``: through a symlink to its target, keeping the
    target's mode and owner, atomically; a read-only file is refused."""
    target = os.path.realpath(path)
    try:
        st = os.stat(target)
    except OSError as exc:
        raise FixError(f"{path}: cannot fix: {exc.strerror or exc}") from exc
    if not st.st_mode & 0o222:
        raise FixError(f"{path}: the file is read-only; not fixed (make it writable to apply fixes)")
    with atomic_writer(target, "wb", like=st) as fh:
        fh.write(data)


def apply_fixes(
    path: str, diagnostics: Iterable[Diagnostic], unsafe: bool = False, engine: Engine | None = None
) -> int:
    """Apply the (safe) fixes of ``diagnostics`` to the file ``path`` once; return how many were
    applied.  ``engine`` gives the selection the fixed records are checked again with (default:
    the default rules).  The CLI's ``--fix`` repeats this until nothing more is fixable."""
    if not can_rewrite(path):
        return 0
    diagnostics = list(diagnostics)
    if not selected_fixes(diagnostics, unsafe):
        return 0
    if engine is None:
        from sftlint.config import Settings
        from sftlint.engine import Engine

        engine = Engine(Settings())
    with open(path, "rb") as fh:
        data = fh.read()
    result = fix_bytes(path, data, diagnostics, engine, unsafe)
    if result.count:
        write_fixed(path, result.after)
    return result.count

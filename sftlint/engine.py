"""Runs the selected rules over sources and turns findings into diagnostics.

Data flows: reader (bytes -> :class:`RawRecord`) -> file-scope rules (J) ->
input format (raw object -> messages, once per record) -> record-scope rules,
sharing one :class:`Record` and its analysis cache -> dataset-scope rules'
``map``; after the last source, their ``reduce``.  Locations are computed only
for findings (the slow path).

A rule that raises does not stop the run: it becomes an ``X001 rule-crashed``
diagnostic naming the rule and the record, and :attr:`Engine.errors` records it
so that the CLI exits 2.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from sftlint.analysis.text.memo import forget_texts
from sftlint.config import (
    ConfigError,
    Settings,
    check_rule_tables,
    check_settings,
    ignored_for_path,
    rule_options,
    select_rules,
)
from sftlint.diagnostic import DOCS_URL, Diagnostic, Edit, Finding
from sftlint.failures import DiagnosticLimiter, ErrorList, RuleError
from sftlint.overflow import ListedPerRecord, Overflow, closing_message
from sftlint.plugins import PluginRegistry, default_registry, detect_format
from sftlint.reader import DEFAULT_MAX_RECORD_BYTES, RawRecord, SourceError, read_source
from sftlint.record import FileInfo, Message, Record
from sftlint.signals import Terminated, user_interrupted

if TYPE_CHECKING:
    from sftlint.formats.base import InputFormat
    from sftlint.rule import Rule

#: Records sampled at the start of a file to detect its input format.
DETECT_SAMPLE = 16
#: ... among the records that start within this many lines of the file's start.
DETECT_MAX_LINES = 1000
#: A record larger than this many bytes is held once, by its Record, while its rules run.
BIG_RECORD = 1 << 20
#: From this many records, :meth:`Engine.finish` empties the caches of per-text analyses before
#: the reduces (:func:`~sftlint.analysis.text.memo.forget_texts`).  A smaller run's caches may
#: hold most of its texts, which ``--watch`` checks again after an edit, and cost the reduces
#: little; a larger run's hold only its last texts (T001's 4 million characters of lines fill
#: up before 20,000 short records), which the next run evicts before it meets them again.
FORGET_TEXTS_FROM = 20_000
INTERNAL_CODE = "X001"
#: J002: a record that is no JSON object (but an array the file's format reads as a record)
NOT_AN_OBJECT = "J002"
INTERNAL_NAME = "rule-crashed"


@dataclass
class FileState:
    """What the engine knows about the file being read."""

    info: FileInfo
    fmt: InputFormat | None = None
    ignored: frozenset[str] = frozenset()
    records: int = 0


@dataclass
class RunStats:
    files: int = 0
    records: int = 0
    bytes: int = 0


@dataclass
class Engine:
    """One lint run.  Build it once, feed it sources, then call :meth:`finish`."""

    settings: Settings = field(default_factory=Settings)
    registry: PluginRegistry | None = None
    #: whether diagnostics carry ``record_hash`` (needed for baselines)
    want_hashes: bool = False
    progress: Callable[[int], None] | None = None
    #: what standard input (``-``) is called in diagnostics and per-file-ignores (``--stdin-filename``)
    stdin_name: str | None = None

    def __post_init__(self) -> None:
        if self.registry is None:
            self.registry = default_registry()
        reg = self.registry
        self.errors: list[str] = ErrorList(reg.errors)
        #: X001 diagnostics: the first few failures of each rule, then one closing count
        self.failure_limiter = DiagnosticLimiter()
        self._failed = False
        check_rule_tables(self.settings, reg.rules)
        check_settings(self.settings, reg.rules)
        if self.settings.format is not None and self.settings.format not in reg.formats:
            known = ", ".join(sorted(reg.formats))
            raise ConfigError(f"unknown input format {self.settings.format!r} (known: {known})")
        self.rules: list[Rule] = []
        self.severity: dict[str, str] = {}
        for cls in select_rules(reg.rules, self.settings):
            options, severity = rule_options(cls, self.settings)
            try:
                rule = cls(options)
            except Exception as exc:
                self.errors.append(
                    f"rule {cls.code} ({cls.name}) failed to initialise: {type(exc).__name__}: {exc}"
                )
                continue
            self.rules.append(rule)
            self.severity[cls.code] = severity or cls.severity
        self.file_rules = [r for r in self.rules if r.scope == "file"]
        self.file_rules_always = [r for r in self.file_rules if not r.needs_problems]
        self.record_rules = [r for r in self.rules if r.scope == "record"]
        self.record_units = _record_units(self.record_rules)
        self.dataset_rules = [r for r in self.rules if r.scope == "dataset"]
        #: per dataset rule, the container its summaries go to (``Rule.collector()``, a list by default)
        self.summaries: dict[str, Any] = {r.code: r.collector() for r in self.dataset_rules}
        self.selected_codes = frozenset(r.code for r in self.rules)
        self.stats = RunStats()
        self._ignored_cache: dict[str, frozenset[str]] = {}
        self._path_formats: dict[str, InputFormat | None] = {}
        self.config_format: InputFormat | None = None
        if self.settings.format_mapping is not None:
            from sftlint.formats.mapping import MappedFormat, MappingError, spec_from_config

            source = self.settings.config_path or "<config>"
            try:
                self.config_format = MappedFormat(spec_from_config(self.settings.format_mapping, source))
            except MappingError as exc:
                raise ConfigError(str(exc)) from None
        self._raw_locator: Any = None
        #: findings of one rule on one record listed one by one (the rest: one closing diagnostic)
        self.cap: int = self.settings.max_findings_per_record or sys.maxsize
        for rule in self.dataset_rules:
            rule.places_per_record = self.cap + 1
        self._timer: _RecordTimer | None = None

    # -- sources -------------------------------------------------------------
    def lint_path(self, path: str) -> Iterator[Diagnostic]:
        """Diagnostics of one file (or ``-``).  Raises SourceError if unreadable."""
        limit = self.settings.max_record_bytes or DEFAULT_MAX_RECORD_BYTES
        raws = read_source(
            path, limit, progress=self.progress, stdin_names=self.stdin_names(), name=self.display_path(path)
        )
        yield from self.lint_raw(raws, path)

    def stdin_names(self) -> tuple[str, ...] | None:
        """When a selected rule reads records again (D002), the names standard input goes by:
        it is then copied to disk as it is read (:mod:`sftlint.stdin_copy`); else None."""
        if not any(getattr(r, "reads_again", False) for r in self.dataset_rules):
            return None
        return ("-", self.display_path("-"))

    def lint_objects(self, objects: Iterable[Any], path: str = "<memory>") -> Iterator[Diagnostic]:
        """Diagnostics of in-memory records (one record per element)."""

        def raws() -> Iterator[RawRecord]:
            # Each record is written as JSON and read back by the reader, exactly as a line of
            # a file would be: what the CLI reports on a record (J001 for NaN or a lone
            # surrogate, J007 for deep nesting ...) the API reports too, and none is dropped.
            import contextlib
            import io
            import json

            from sftlint.reader import ReadProblem, read_jsonl

            # the rules that read records again (D002) read them from a copy on disk, one JSON
            # line per record, as they read a file's: else they could only estimate
            copy = None
            if self.stdin_names() is not None:
                from sftlint import stdin_copy

                copy = stdin_copy.sink((path,))
            for i, obj in enumerate(objects):
                try:
                    data = orjson.dumps(obj)
                    if b"null" in data:  # orjson writes NaN and Infinity as null: keep them
                        with contextlib.suppress(TypeError, ValueError, RecursionError):
                            data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
                except TypeError:
                    try:
                        data = json.dumps(obj, ensure_ascii=True).encode("ascii")
                    except (TypeError, ValueError, RecursionError) as exc:
                        problem = ReadProblem(
                            "invalid-json", f"record cannot be written as JSON: {type(exc).__name__}: {exc}"
                        )
                        yield RawRecord(path, i, i + 1, i + 1, None, problems=[problem])
                        if copy is not None:
                            copy.write(b"null\n")  # keeps line i + 1 for record i
                        continue
                if copy is not None:
                    copy.write(data + b"\n")
                yield from read_jsonl(io.BytesIO(data), path, first_index=i, first_line=i + 1)

        yield from self.lint_raw(raws(), path)

    def lint_raw(self, raws: Iterable[RawRecord], path: str) -> Iterator[Diagnostic]:
        state, stream = self.start_file(raws, path)
        for raw in stream:
            yield from self.process(raw, state)

    def start_file(self, raws: Iterable[RawRecord], path: str) -> tuple[FileState, Iterator[RawRecord]]:
        """Begin a file: detect its input format on its first records.

        Returns the file's state and the raw records to process (the ones read
        for detection first).  The one implementation of detection, shared by
        the serial run, ``--jobs`` and Ray (they process the records elsewhere).
        """
        state = FileState(self._file_info(path), ignored=self._ignored_for(path))
        self.stats.files += 1
        stream = iter(raws)
        fixed_format = self.registry.formats.get(self.settings.format) if self.settings.format else None
        if fixed_format is not None:
            state.fmt = fixed_format
            state.info.format = fixed_format.name
            state.info.input_format = fixed_format
            return state, stream
        mapped = self._path_format(path)
        if mapped is not None:  # a LLaMA-Factory dataset_info.json describes the file
            state.fmt = mapped
            state.info.format = mapped.name
            state.info.input_format = mapped
            return state, stream
        buffer: list[RawRecord] = []
        sample: list[Any] = []
        arrays: list[Any] = []  # records that are arrays: a sample of their own (message-list)
        for raw in stream:
            buffer.append(raw)
            if raw.line > DETECT_MAX_LINES:
                break  # a file of blank or broken lines is not held in memory to find records
            if raw.parsed and isinstance(raw.data, dict):
                sample.append(raw.data)
                if len(sample) >= DETECT_SAMPLE:
                    break
            elif raw.parsed and type(raw.data) is list and raw.index >= 0:
                arrays.append(raw.data)
                if len(arrays) >= DETECT_SAMPLE:
                    break
        self._detect(state, detection_sample(sample, arrays), path)
        if state.fmt is None:
            state.info.first_record = next(
                (r.index for r in buffer if r.parsed and r.index >= 0 and isinstance(r.data, dict)), None
            )
        return state, itertools.chain(buffer, stream)

    def file_state(self, path: str, format_name: str | None, first_record: int | None = -1) -> FileState:
        """The state of a file whose format was detected elsewhere (a worker process).

        ``first_record``: the file's first object record when no format was found (S001
        reports the file there, once); -1 when this piece of the file does not hold it.
        """
        state = FileState(self._file_info(path), ignored=self._ignored_for(path))
        state.info.first_record = first_record
        if format_name is not None:
            state.fmt = self._format_named(format_name, path)
            state.info.format = format_name
            state.info.input_format = state.fmt
        return state

    def _path_format(self, path: str) -> InputFormat | None:
        """The format a LLaMA-Factory ``dataset_info.json`` gives ``path`` (None: none does)."""
        if path in self._path_formats:
            return self._path_formats[path]
        from sftlint.formats.mapping import MappingError, dataset_info_format

        try:
            fmt = dataset_info_format(path)
        except MappingError as exc:
            self.errors.append(str(exc))
            fmt = None
        self._path_formats[path] = fmt
        return fmt

    def _format_named(self, name: str, path: str) -> InputFormat | None:
        """A format by name, the column mappings included (a worker resolves them again)."""
        for candidate in (self._path_format(path), self.config_format):
            if candidate is not None and candidate.name == name:
                return candidate
        return self.registry.formats.get(name)

    def _file_info(self, path: str) -> FileInfo:
        from sftlint.columnar import is_columnar

        info = FileInfo(self.display_path(path))
        # a table or a Parquet file given on standard input is one by its name (--stdin-filename
        # data.csv); one recognised by its bytes says so by its rows (RawRecord.json_source)
        info.columnar = is_columnar(path if path != "-" else info.path)
        return info

    def _detect(self, state: FileState, sample: list[Any], path: str) -> None:
        mapping = self.config_format
        if mapping is not None and any(mapping.sniff(obj) for obj in sample):
            state.fmt = mapping  # the configured column mapping, where the file has its columns
            state.info.format = mapping.name
            state.info.input_format = mapping
            return
        before = len(self.registry.errors)
        name = detect_format(self.registry, sample, path) if sample else None
        self.errors.extend(self.registry.errors[before:])  # a detector that raised, by name
        if name is not None:
            state.fmt = self.registry.formats.get(name)
            state.info.format = name
            state.info.input_format = state.fmt

    def display_path(self, path: str) -> str:
        """The name a source goes by: ``--stdin-filename`` for ``-``, else the path itself."""
        return self.stdin_name if path == "-" and self.stdin_name else path

    def _ignored_for(self, path: str) -> frozenset[str]:
        cached = self._ignored_cache.get(path)
        if cached is None:
            cached = frozenset(ignored_for_path(self.display_path(path), self.settings, self.registry.rules))
            self._ignored_cache[path] = cached
        return cached

    # -- one record ------------------------------------------------------------
    def process(self, raw: RawRecord, state: FileState) -> list[Diagnostic]:
        """Run every rule on one raw record (also used by parallel workers).

        Third-party rules run under a time limit (``record-time-limit`` seconds, scaled by the
        record's size): one that does not return by then is stopped and reported like a crash,
        by name, and the other rules go on.  Built-in rules are not timed (they are tested
        linear, and may load a model on any record).
        """
        out: list[Diagnostic] = []
        timer = self._timer
        if timer is None:
            timer = self._timer = _RecordTimer.for_settings(self.settings, self.rules)
        timer.arm(raw)
        try:
            self._process(raw, state, out, timer)
        except RecordTimeout:  # fired between two rules, in the engine itself
            out.append(self._timeout(None, state.info.path, raw, timer))
        finally:
            timer.disarm()
        if self._failed:
            self._failed = False
            out = self.admitted(out)
        return out

    def admitted(self, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        """``diagnostics`` without the X001 failures of a rule past its first few (counted, see
        :mod:`sftlint.failures`); the main process of ``--jobs`` passes the workers' through it."""
        admit = self.failure_limiter.admit
        return [d for d in diagnostics if d.code != INTERNAL_CODE or admit(d)]

    def keep_every_failure(self) -> None:
        """A worker's engine: every failure goes back to the main process, which counts them in
        record order (so which are listed does not depend on ``--jobs``)."""
        self.errors = ErrorList(self.errors, limit=0)
        self.failure_limiter.limit = 0

    def _process(self, raw: RawRecord, state: FileState, out: list[Diagnostic], timer: _RecordTimer) -> None:
        path = state.info.path
        tracking = timer.active  # which rule runs: the alarm spares built-in rules
        fmt = state.fmt
        # an array the file's format reads (message-list) is a record, not J002's
        array_record = fmt is not None and fmt.record_type is list and type(raw.data) is list
        for rule in self.file_rules if raw.problems else self.file_rules_always:
            if array_record and rule.code == NOT_AN_OBJECT:
                continue
            if tracking:
                timer.rule = rule
            try:
                listed: list[Diagnostic] = []
                over: Overflow | None = None
                for f in rule.check_raw(raw):
                    if len(listed) < self.cap:
                        listed.append(self._from_raw(rule, f, raw, state))
                    elif over is None:
                        over = Overflow(f, raw.data, _edits_of(listed))
                        over.add(f)
                    else:
                        over.add(f)
                if tracking:
                    timer.ran(rule)
            except RULE_FAILURES as exc:
                out.append(self._failure(rule, exc, path, raw, timer))
                continue
            out.extend(listed)
            if over is not None:
                out.append(self._closing(rule, over, state, raw))
        if not raw.parsed or raw.index < 0:
            return
        if not raw.json_source and not state.info.columnar:
            state.info.columnar = True  # rows of a Parquet file piped in, known by its bytes
        self.stats.records += 1
        state.records += 1
        data = raw.data
        if type(data) is not dict and not array_record:
            return  # J002 reports it; nothing else applies
        record = Record(
            state.info,
            raw.index,
            raw.line,
            raw.end_line,
            data,
            raw.text if raw.text is not None else raw.raw_bytes or "",
            raw.column,
        )
        record._canonical = raw.canonical  # J005 wrote it: the content hash is of these bytes
        if raw.raw_bytes is not None and len(raw.raw_bytes) > BIG_RECORD:
            # the record holds its source now (bytes, then its decoded text when a finding is
            # located): a big record is not held twice (the file rules, which read the bytes, ran)
            raw.raw_bytes = None
        views: list[Any] | None = None
        if fmt is not None:
            record.format = fmt.name
            try:
                if fmt.multi_view:
                    views = fmt.views(data)
                    record.messages = views[0] if views else []
                else:
                    record.messages = fmt.to_messages(data)
            except Exception as exc:
                record.messages = None
                # A record that breaks its format's schema is a data problem, and S001 says
                # which; a format that fails on a valid record is a bug in the format.
                if not _breaks_schema(fmt, data):
                    self.errors.append(
                        f"{path}:{raw.line}: input format {fmt.name!r} failed on a record that matches "
                        f"its schema: {type(exc).__name__}: {exc}"
                    )
        elif state.info.first_record is None:
            state.info.first_record = raw.index  # S001 reports an unrecognised file once, here
        found = self._check_record(record, state, raw, timer, tracking)
        if views is not None and len(views) > 1:
            # every conversation of the record (chosen, rejected) is linted; what they share
            # (the prompt) is reported once
            seen = {(d.code, d.pointer, d.span, d.message) for d in found}
            first_memo = record._memo  # the first side's analyses, which the dataset rules read
            for side, view in enumerate(views[1:], 1):
                record.messages = view
                record.side = side
                record._memo = None
                shared = _shared_turns(views[0], view)
                for d in self._check_record(record, state, raw, timer, tracking):
                    key = (d.code, d.pointer, d.span, d.message)
                    if key not in seen and not (shared and _said_on_first_side(d, shared, seen)):
                        seen.add(key)
                        found.append(d)
            record.messages = views[0]
            record.side = 0
            record._memo = first_memo
        if len(found) > 1:
            found.sort(key=_position)
        out.extend(found)
        for rule in self.dataset_rules:
            if tracking:
                timer.rule = rule
            try:
                summary = rule.map(record)
                if tracking:
                    timer.ran(rule)
            except RULE_FAILURES as exc:
                out.append(self._failure(rule, exc, path, raw, timer))
                continue
            if summary is not None:
                self.summaries[rule.code].append(summary)

    def _check_record(
        self, record: Record, state: FileState, raw: RawRecord, timer: _RecordTimer, tracking: bool
    ) -> list[Diagnostic]:
        """The record rules' findings on the record's (current) messages."""
        found: list[Diagnostic] = []
        cap = self.cap
        for gate, rules in self.record_units:
            if gate is not None:
                try:
                    if gate(record):
                        continue  # none of the family's rules has anything to say here
                except Exception:
                    pass  # the rules run one by one and report their own crash
            for rule in rules:
                if tracking:
                    timer.rule = rule
                try:
                    listed = 0
                    over: Overflow | None = None
                    for f in rule.check(record):
                        if listed < cap:
                            listed += 1
                            found.append(self._from_record(rule, f, record, state))
                        elif over is None:
                            over = Overflow(f, record.data, _edits_of(found[len(found) - listed :]))
                            over.add(f)
                        else:
                            over.add(f)
                    if over is not None:
                        found.append(self._closing(rule, over, state, raw, record))
                    if tracking:
                        timer.ran(rule)
                except RULE_FAILURES as exc:
                    found.append(self._failure(rule, exc, state.info.path, raw, timer))
        return found

    def _closing(
        self,
        rule: Rule,
        over: Overflow,
        state: FileState,
        raw: RawRecord,
        record: Record | None = None,
    ) -> Diagnostic:
        """The diagnostic that stands for the findings of ``rule`` on a record after the first
        ``max-findings-per-record``: the first of them, located, counting them all, with one fix
        that applies all their fixes (see :mod:`sftlint.overflow`)."""
        first = over.first
        if over.count > 1:
            merged = over.fix()
            first.fix = merged[0] if merged is not None else None
            if merged is not None:  # ``--fix`` counts the fixes it applies, not the diagnostics
                first.data = {**first.data, "fixes": merged[1]}
            first.message = closing_message(first, over.count, rule.code, self.cap)
        if record is None:
            d = self._from_raw(rule, first, raw, state)
        else:
            d = self._from_record(rule, first, record, state)
        d.count = over.count
        return d

    def _failure(
        self, rule: Rule, exc: BaseException, path: str, raw: RawRecord, timer: _RecordTimer
    ) -> Diagnostic:
        """A rule that raised (anything, ``SystemExit`` included) or ran out of time."""
        if isinstance(exc, Terminated) or (isinstance(exc, KeyboardInterrupt) and user_interrupted()):
            raise exc  # Ctrl-C or SIGTERM: the run stops
        timer.warm.add(rule)  # it has had its first call: no second warm-up
        self._failed = True
        if isinstance(exc, RecordTimeout):
            d = self._timeout(rule, path, raw, timer)
            timer.arm(raw)  # the rules after it get a fresh budget
            return d
        return self._crash(rule, exc, path, raw.line, raw.index)

    def _timeout(self, rule: Rule | None, path: str, raw: RawRecord, timer: _RecordTimer) -> Diagnostic:
        who = f"rule {rule.code} ({rule.name}, plugin {rule.plugin or '?'})" if rule else "the rules"
        message = (
            f"{who} did not finish record {raw.index} (line {raw.line}) within {timer.current:.0f} s "
            "(record-time-limit); stopped"
        )
        error = f"{path}: {message}"
        self.errors.append(RuleError(error, rule.code) if rule else error)
        return Diagnostic(
            code=INTERNAL_CODE,
            name=INTERNAL_NAME,
            severity="error",
            message=message,
            path=path,
            data={"rule": rule.code} if rule else {},
            line=raw.line,
            column=1,
            end_line=raw.line,
            end_column=1,
            pointer="",
            url=DOCS_URL.format(code=INTERNAL_CODE),
            record=raw.index,
        )

    def finish(self) -> Iterator[Diagnostic]:
        """Reduce the dataset-level rules; call once after the last source.

        First come the closing X001 diagnostics of rules that failed on more records than were
        listed; the one error line per such rule is added to :attr:`errors` at the end."""
        yield from self.failure_limiter.closing()
        if self.stats.records >= FORGET_TEXTS_FROM:
            # the records are all checked: what the record rules cached of their texts is dead
            # weight where a large run's memory peaks, in the reduces (see forget_texts)
            forget_texts()
        yield from self._reduce()
        self.errors.close()  # type: ignore[attr-defined]

    def _reduce(self) -> Iterator[Diagnostic]:
        from sftlint.spill import SortedSpill

        for rule in self.dataset_rules:
            summaries = self.summaries.get(rule.code, [])
            # each finding becomes its diagnostic as it comes (the two are never all held), and
            # past a few thousand they are sorted in runs on disk (sftlint/spill.py)
            diags = SortedSpill(Diagnostic.sort_key)
            # max-findings-per-record holds for a dataset rule's findings as for a record rule's:
            # the first ``cap`` of a record listed, the rest one closing diagnostic
            cap = self.cap
            listed = ListedPerRecord(cap)
            over: dict[tuple[str, int], Overflow] = {}
            try:
                for f in rule.reduce(summaries):
                    ref = f.ref
                    if ref is not None:
                        if f.count > 1 or listed.get(ref.path, ref.index) >= cap:
                            key = (ref.path, ref.index)
                            more = over.get(key)
                            if more is None:
                                more = over[key] = Overflow(f, texts_known=False)
                            more.add(f)
                            continue
                        listed.add(ref.path, ref.index)
                    diags.append(self._from_ref(rule, f))
                for more in over.values():
                    diags.append(self._closing_ref(rule, more))
            except Exception as exc:
                diags.close()
                yield self._crash(rule, exc, "<dataset>", None, None)
                continue
            self.summaries[rule.code] = rule.collector()  # the reduce is done with its summaries
            yield from (d for d in diags if d.code not in self._ignored_for(d.path))

    # -- building diagnostics ----------------------------------------------------
    def _base(self, rule: Rule, f: Finding, path: str) -> Diagnostic:
        return Diagnostic(
            code=rule.code,
            name=rule.name,
            severity=f.severity or self.severity.get(rule.code, rule.severity),  # type: ignore[arg-type]
            message=f.message,
            path=path,
            pointer=f.pointer,
            span=f.span,
            fix=f.fix,
            url=_url(rule.code),
            data=f.data,
        )

    def _from_raw(self, rule: Rule, f: Finding, raw: RawRecord, state: FileState) -> Diagnostic:
        d = self._base(rule, f, state.info.path)
        d.record = raw.index if raw.index >= 0 else None
        d.record_line = raw.line
        if f.line is not None:
            d.line, d.column = f.line, f.column
            d.end_line = f.end_line if f.end_line is not None else f.line
            d.end_column = f.end_column if f.end_column is not None else f.column
        elif raw.parsed and raw.json_source and raw.source_text() is not None:
            self._locate(d, raw.source_text(), raw.line, raw.column, f)
        else:
            d.line = d.end_line = raw.line
            d.column = d.end_column = None if state.info.columnar or not raw.json_source else 1
        if self.want_hashes:
            d.record_hash = _raw_hash(raw)
            if raw.parsed:
                _key_fields(d, raw.data)
        text = raw.source_text()
        if text and d.source is None and len(text) < 4000 and "\n" not in text:
            d.source = text
            if d.column is not None:
                start = max(0, d.column - raw.column)
                end = (d.end_column - raw.column) if d.end_line == d.line and d.end_column else start + 1
                d.source_span = (start, max(start + 1, end))
        return d

    def _from_record(self, rule: Rule, f: Finding, record: Record, state: FileState) -> Diagnostic:
        d = self._base(rule, f, record.path)
        d.record = record.index
        d.record_line = record.line
        if f.line is not None:
            d.line, d.column = f.line, f.column
            d.end_line, d.end_column = f.end_line or f.line, f.end_column or f.column
        elif record.file.columnar:
            # a Parquet row: its number (the pointer says where in it); a CSV row: the cell
            cell = record.cell_location(f.pointer, f.span)
            if cell is None:
                d.line = d.end_line = record.line
            else:
                d.line, d.column = cell.line, cell.column
                d.end_line, d.end_column = cell.end_line, cell.end_column
                d.source, d.source_span = cell.source, cell.source_span
        else:
            loc = record.locate(f.pointer, f.span)
            d.line, d.column, d.end_line, d.end_column = loc.line, loc.column, loc.end_line, loc.end_column
            d.source, d.source_span = loc.source, loc.source_span
        if self.want_hashes:
            d.record_hash = record.content_hash
            _key_fields(d, record.data)
        return d

    def _locate(self, d: Diagnostic, text: str, line: int, column: int, f: Finding) -> None:
        from sftlint.locate import Locator

        # one locator per record, shared by all its findings (J005 may report thousands)
        cached = self._raw_locator
        if cached is None or cached.text is not text or cached.base_line != line:
            cached = self._raw_locator = Locator(text, line, column)
        loc = cached.locate(f.pointer, f.span)
        d.line, d.column, d.end_line, d.end_column = loc.line, loc.column, loc.end_line, loc.end_column
        d.source, d.source_span = loc.source, loc.source_span

    def _closing_ref(self, rule: Rule, over: Overflow) -> Diagnostic:
        """A dataset rule's closing diagnostic for a record (see :meth:`_closing`).  The record is
        gone by the reduce, so the fixes of the findings not listed are not merged with the text
        between them: their edits are kept as they are, one fix."""
        first = over.first
        if over.count > 1:
            merged = over.fix()
            first.fix = merged[0] if merged is not None else None
            if merged is not None:
                first.data = {**first.data, "fixes": merged[1]}
            first.message = closing_message(first, over.count, rule.code, self.cap)
        d = self._from_ref(rule, first)
        d.count = over.count
        return d

    def _from_ref(self, rule: Rule, f: Finding) -> Diagnostic:
        ref = f.ref
        d = self._base(rule, f, ref.path if ref else "<dataset>")
        if ref is not None:
            d.record = ref.index
            d.record_line = ref.line  # so --fix can apply a dataset rule's pointer edits
            d.line = f.line if f.line is not None else ref.line
            d.column = f.column
            d.end_line = f.end_line if f.end_line is not None else d.line
            d.end_column = f.end_column
            d.source, d.source_span = f.source, f.source_span
            if self.want_hashes:
                d.record_hash = f.data.get("record_hash")
                d.record_id = ref.id
        else:
            d.line, d.column = f.line, f.column
            d.end_line, d.end_column = f.end_line, f.end_column
        return d

    def _crash(
        self, rule: Rule, exc: BaseException, path: str, line: int | None, index: int | None
    ) -> Diagnostic:
        where = f"record {index} (line {line})" if line is not None else "the dataset"
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" at {os.path.basename(frame.filename)}:{frame.lineno}" if frame else ""
        message = (
            f"rule {rule.code} ({rule.name}, plugin {rule.plugin or '?'}) crashed on {where}: "
            f"{type(exc).__name__}: {exc}{at}"
        )
        self.errors.append(RuleError(f"{path}: {message}", rule.code))
        return Diagnostic(
            code=INTERNAL_CODE,
            name=INTERNAL_NAME,
            severity="error",
            message=message,
            path=path,
            data={"rule": rule.code},
            line=line,
            column=1 if line is not None else None,
            end_line=line,
            end_column=1 if line is not None else None,
            pointer="",
            url=DOCS_URL.format(code=INTERNAL_CODE),
            record=index,
        )


class RecordTimeout(BaseException):
    """Raised inside a rule when its record's time is up (a BaseException, so that a rule's own
    ``except Exception`` cannot swallow it)."""


#: What a rule may raise that makes it a failed rule, not the end of the run.
RULE_FAILURES = (Exception, SystemExit, KeyboardInterrupt, RecordTimeout)


#: The plugins whose rules are not timed (the built-in rules).
_TRUSTED = frozenset({"sftlint.rules"})
#: A rule's first call may load a model or build a cache: it gets this much more time, once.
WARM_UP_SECONDS = 120.0
_TIMERS: list[_RecordTimer] = []  # the timer armed now (the alarm handler reads it)


def _on_alarm(_signum: int, _frame: Any) -> None:
    timer = _TIMERS[-1] if _TIMERS else None
    if timer is None:
        # a stale alarm: the interval ran out just as the record's rules returned, and Python
        # ran this handler only after the timer was disarmed.  Raising here would stop whatever
        # runs next (the reporter, the CLI restoring its signal handlers) with a RecordTimeout
        return
    if timer is not None and timer.rule is not None and timer.rule.plugin in _TRUSTED:
        # a built-in rule: trusted (tested linear), and it may legitimately load a model now
        signal.setitimer(signal.ITIMER_REAL, timer.current)
        return
    if timer is not None and timer.rule is not None and timer.rule not in timer.warm and not timer.extended:
        timer.extended = True  # a first call (loading a model): once, a longer budget
        timer.current += WARM_UP_SECONDS
        signal.setitimer(signal.ITIMER_REAL, WARM_UP_SECONDS)
        return
    raise RecordTimeout


class _RecordTimer:
    """An interval timer (SIGALRM) armed around each record's rules; a no-op where timers or
    signals are unavailable (Windows, a thread other than the main one) or the limit is 0.

    ``rule`` is the rule running now and ``warm`` the rules that have returned once: a rule's
    first call may take :data:`WARM_UP_SECONDS` longer (T001 loads its model then)."""

    __slots__ = ("active", "all_warm", "current", "extended", "rule", "seconds", "warm")

    def __init__(self, seconds: float, active: bool) -> None:
        self.seconds = seconds
        self.active = active
        self.current = seconds
        self.rule: Any = None
        self.warm: set[Any] = set()
        self.all_warm = not active
        self.extended = False

    @classmethod
    def for_settings(cls, settings: Settings, rules: list[Any]) -> _RecordTimer:
        """Active only where a third-party rule runs: built-in rules are not timed."""
        import threading

        seconds = float(settings.record_time_limit or 0)
        active = (
            seconds > 0
            and any(getattr(r, "plugin", None) not in _TRUSTED for r in rules)
            and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
        )
        if active:
            try:
                signal.signal(signal.SIGALRM, _on_alarm)
            except (ValueError, OSError):
                active = False
        return cls(seconds, active)

    def arm(self, raw: RawRecord) -> None:
        if self.active:
            size = len(raw.raw_bytes) if raw.raw_bytes is not None else len(raw.text or "")
            self.current = self.seconds * max(1.0, size / 1_000_000)  # big records get more time
            self.extended = False
            if not _TIMERS or _TIMERS[-1] is not self:
                _TIMERS.append(self)
            signal.setitimer(signal.ITIMER_REAL, self.current)

    def disarm(self) -> None:
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.rule = None
            if _TIMERS and _TIMERS[-1] is self:
                _TIMERS.pop()

    def ran(self, rule: Any) -> None:
        """``rule`` returned: its later calls get the plain budget."""
        self.warm.add(rule)


RecordUnit = tuple["Callable[[Record], bool] | None", "list[Rule]"]


def _record_units(rules: list[Rule]) -> list[RecordUnit]:
    """The record rules in calling units: each family (same ``family`` and key) behind its
    gate, in the place of its first member; every other rule alone, ungated.

    Findings are sorted by position after all rules ran, so the calling order does not show.
    """
    units: list[RecordUnit] = []
    families: dict[tuple[str, object], list[Rule]] = {}
    for rule in rules:
        if rule.family is None:
            units.append((None, [rule]))
            continue
        key = (rule.family, rule.family_key())
        members = families.get(key)
        if members is None:
            members = families[key] = []
            units.append((None, members))
        members.append(rule)
    out: list[RecordUnit] = []
    for gate, members in units:
        if members[0].family is not None:
            try:
                gate = type(members[0]).family_gate(members)
            except Exception:
                gate = None
        out.append((gate, members))
    return out


def _key_fields(d: Diagnostic, data: Any) -> None:
    """What baselines and suppressions need to find a finding again: the record's id and the
    flagged text (only computed when they are wanted: ``Engine.want_hashes``)."""
    from sftlint.record import record_id
    from sftlint.suppressions import flagged_text

    d.record_id = record_id(data)
    d.flagged_text = flagged_text(data, d.pointer, d.span)


_URLS: dict[str, str] = {}


def _url(code: str) -> str:
    """The rule page's URL, one string per code (a run may build a million diagnostics)."""
    url = _URLS.get(code)
    if url is None:
        url = _URLS[code] = DOCS_URL.format(code=code)
    return url


def detection_sample(objects: list[Any], arrays: list[Any]) -> list[Any]:
    """What format detection is shown: the file's object records; only a file whose first
    records are all arrays shows those (a ``message-list`` file), so a detector never meets an
    array beside objects and a file of objects is detected as it always was."""
    return objects if objects or not arrays else arrays


def _shared_turns(first: list[Message], other: list[Message]) -> list[tuple[Message, Message]]:
    """The turns a side shares with the first side, as (this side's, the first side's): the
    common opening of the two conversations (the same role and text, turn by turn), where each
    side is a whole transcript (HH-RLHF's ``chosen`` and ``rejected`` strings): the shared
    prompt turns sit in two strings, so the same finding has two pointers.  Two answers in
    fields of their own (``{"chosen": "", "rejected": ""}``) are two strings, and a defect of
    each is its own."""
    pairs = []
    for a, b in zip(first, other, strict=False):
        if a.role != b.role or a.content != b.content:
            break
        if a.content_pointer != b.content_pointer and a.cut_from_transcript and b.cut_from_transcript:
            pairs.append((b, a))
    return pairs


def _said_on_first_side(
    d: Diagnostic, shared: list[tuple[Message, Message]], seen: set[tuple[Any, ...]]
) -> bool:
    """Whether ``d``, found in a turn this side shares with the first side, was already said
    there: the same code and message at the same place of the first side's copy of the turn."""
    for mine, theirs in shared:
        pointer, whole = mine.resolve((0, len(mine.content)))
        if pointer != d.pointer or whole is None:
            continue
        if d.span is None:
            # about the whole string, not a turn of it: a turn cut from a transcript resolves to
            # its stretch of the string even without a span (Message.resolve)
            continue
        start, end = d.span
        if whole[0] <= start and end <= whole[1]:
            there_pointer, there_span = theirs.resolve((start - whole[0], end - whole[0]))
            return (d.code, there_pointer, there_span, d.message) in seen
    return False


def _breaks_schema(fmt: InputFormat, data: Any) -> bool:
    try:
        return not fmt.quick_check(data) and bool(fmt.schema_errors(data))
    except Exception:
        return True  # the schema check fails too: S001 reports the record as it can


def _edits_of(listed: list[Diagnostic]) -> list[Edit]:
    """The edits of the listed findings' fixes (a closing fix must not overlap them)."""
    return [e for d in listed if d.fix is not None for e in d.fix.edits]


def _position(d: Diagnostic) -> tuple[int, int, str]:
    return (d.line or 0, d.column or 0, d.code)


def _raw_hash(raw: RawRecord) -> str:
    from sftlint.hashing import canonical_hash, parsed_copy, record_hash, text_hash

    if raw.parsed:
        if raw.canonical is not None:
            return canonical_hash(raw.canonical)
        return record_hash(parsed_copy(raw.data, raw.raw_bytes), len(raw.raw_bytes or raw.text or ""))
    if raw.raw_bytes is not None:
        return text_hash(raw.raw_bytes)
    return text_hash(raw.source_text() or f"{raw.path}:{raw.line}")


def iter_diagnostics(engine: Engine, sources: Iterable[Any]) -> Iterator[Diagnostic]:
    """Lint paths (``str``/``PathLike``) and in-memory record lists, then reduce.

    Per-file ignores are applied here so every entry point honours them.
    """
    for source in sources:
        if isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            stream = engine.lint_path(path)
        else:
            path = "<memory>"
            stream = engine.lint_objects(source, path)
        ignored = engine._ignored_for(path)
        for d in stream:
            if d.code not in ignored:
                yield d
    yield from engine.finish()


__all__ = ["Engine", "SourceError", "iter_diagnostics"]

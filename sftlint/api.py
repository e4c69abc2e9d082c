"""The Python API: ``sftlint.lint``, ``lint_iter``, ``load_records``, ``list_rules``."""

from __future__ import annotations

import os
from collections.abc import Container, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from sftlint.config import Settings, discover_settings, load_config_file
from sftlint.diagnostic import Diagnostic
from sftlint.engine import Engine, iter_diagnostics
from sftlint.plugins import default_registry
from sftlint.record import FileInfo, Record

Source = str | os.PathLike[str] | Iterable[Mapping[str, Any]]


def _sources(source: Any) -> list[Any]:
    """Normalise: one path, a list of paths, or an in-memory list of records."""
    if isinstance(source, (str, os.PathLike)):
        return [os.fspath(source)]
    if isinstance(source, Mapping):
        return [[source]]
    items = list(source)
    if items and all(isinstance(s, (str, os.PathLike)) for s in items):
        return [os.fspath(s) for s in items]
    return [items]


def _expand_dirs(sources: list[Any]) -> list[Any]:
    from sftlint.files import expand_paths

    out: list[Any] = []
    for s in sources:
        if isinstance(s, str) and s != "-" and Path(s).is_dir():
            out.extend(expand_paths([s]))
        else:
            out.append(s)
    return out


def _settings(
    source_list: list[Any],
    config: Any,
    select: Any,
    ignore: Any,
    extend_select: Any,
    format: str | None,
    options: Mapping[str, Mapping[str, Any]] | None,
) -> Settings:
    if isinstance(config, Settings):
        settings = config
    elif isinstance(config, (str, os.PathLike)):
        settings = load_config_file(config)
    elif isinstance(config, Mapping):
        from sftlint.config import settings_from_mapping

        settings = settings_from_mapping(config, "<config>")
    else:
        paths = [s for s in source_list if isinstance(s, str)]
        settings = discover_settings(paths) if paths else Settings()
    rules = dict(settings.rules)
    for name, opts in (options or {}).items():
        rules[name] = {**rules.get(name, {}), **opts}
    return settings.merged(
        select=list(select) if select is not None else None,
        ignore=list(ignore) if ignore is not None else None,
        extend_select=list(extend_select) if extend_select is not None else None,
        format=format,
        rules=rules,
    )


def lint_iter(
    source: Source,
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
    config: Settings | str | os.PathLike[str] | Mapping[str, Any] | None = None,
    format: str | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    jobs: int | None = 1,
) -> Iterator[Diagnostic]:
    """Stream diagnostics for ``source``.

    ``source`` is a path, a list of paths (directories are searched as by
    ``sftlint check``: ``*.jsonl``/``*.json`` and their ``.gz``/``.zst``,
    ``*.parquet``, ``*.arrow``), or an in-memory list of records (dicts).  Without
    ``config``, configuration is discovered upward from the first path.
    ``options`` maps a rule name (or code) to its options, e.g.
    ``{"action-colons": {"labels": ["动作"]}}``.  ``jobs``: worker processes for
    paths (``None`` or ``0``: all cores; default 1, serial); the diagnostics
    and their order are the same whatever ``jobs`` is, and inputs of a few MB
    or in-memory records always run serially.
    """
    sources = _expand_dirs(_sources(source))
    settings = _settings(sources, config, select, ignore, extend_select, format, options)
    engine = Engine(settings)
    if jobs != 1 and sources and all(isinstance(s, str) for s in sources):
        from sftlint.run.processes import parallel_diagnostics

        yield from parallel_diagnostics(engine, sources, jobs)
        return
    yield from iter_diagnostics(engine, sources)


def lint(source: Source, **kwargs: Any) -> list[Diagnostic]:
    """All diagnostics for ``source`` (see :func:`lint_iter` for the arguments)."""
    return list(lint_iter(source, **kwargs))


def lint_ray(
    source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
    config: Settings | str | os.PathLike[str] | Mapping[str, Any] | None = None,
    format: str | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    address: str | None = None,
    num_cpus: int | None = None,
) -> list[Diagnostic]:
    """Lint files on Ray (``pip install 'sftlint[ray]'``): same rules, same diagnostics as :func:`lint`.

    ``source`` is a path, a glob (``data/*.jsonl``), a directory or a list of them.  Ray is
    started locally (``num_cpus``) unless it is already initialised or ``address`` names a
    cluster.  See :mod:`sftlint.run.ray_engine`.
    """
    from sftlint.run.ray_engine import expand_sources, ray_diagnostics

    paths = expand_sources(source)
    settings = _settings(paths, config, select, ignore, extend_select, format, options)
    engine = Engine(settings)
    return list(ray_diagnostics(engine, paths, address=address, num_cpus=num_cpus))


def load_records(
    path: str | os.PathLike[str],
    format: str | None = None,
    indices: Container[int] | None = None,
    config: Settings | str | os.PathLike[str] | Mapping[str, Any] | None = None,
) -> Iterator[Record]:
    """Parsed records of a file, mapped to messages (records that failed to parse are skipped).

    For consumers of linted data (the training module): pair them with
    :func:`lint` diagnostics by ``record.index``.  ``indices``: only the records with these
    indices are built (format detection still sees the file's first records).  The file's
    format is found as :func:`lint` finds it: ``format``, else the configuration's ``format``
    (``config``, or discovered upward from ``path``), else a LLaMA-Factory
    ``dataset_info.json`` entry for the file, else the configuration's column mapping where the
    file has its columns, else detection.
    """
    from sftlint.engine import DETECT_SAMPLE, detection_sample
    from sftlint.plugins import detect_format
    from sftlint.reader import read_source

    registry = default_registry()
    path = os.fspath(path)
    info = FileInfo(path)
    fmt = _format_for(registry, format, path) if format else None
    mapping = None
    if fmt is None and not format:
        fmt, mapping = _configured_format(registry, path, config)
    pending: list[Any] = []

    def detect(sample: list[Any]) -> Any:
        if mapping is not None and any(mapping.sniff(obj) for obj in sample):
            found = mapping
        else:
            name = detect_format(registry, sample, path)
            found = registry.formats.get(name) if name else None
        info.format = found.name if found is not None else None
        return found

    def build(raw: Any) -> Record:
        rec = Record(info, raw.index, raw.line, raw.end_line, raw.data, raw.source_text() or "", raw.column)
        if fmt is not None:
            rec.format = fmt.name
            info.input_format = fmt  # as the engine sets it: what Record.conversational reads
            try:
                rec.messages = fmt.to_messages(raw.data)
            except Exception:
                rec.messages = None
        return rec

    def reads(data: Any) -> bool:
        """An object record, or an array where the file's format reads arrays (message-list)."""
        return type(data) is getattr(fmt, "record_type", dict)

    def detect_pending() -> Any:
        objects = [r.data for r in pending if type(r.data) is dict]
        return detect(detection_sample(objects, [r.data for r in pending if type(r.data) is list]))

    for raw in read_source(path):
        if not (raw.parsed and type(raw.data) in (dict, list) and raw.index >= 0):
            continue
        if fmt is None:
            pending.append(raw)
            if sum(type(r.data) is type(raw.data) for r in pending) < DETECT_SAMPLE:
                continue
            fmt = detect_pending()
            for item in pending:
                if reads(item.data) and (indices is None or item.index in indices):
                    yield build(item)
            pending = []
            continue
        if not reads(raw.data) or (indices is not None and raw.index not in indices):
            continue
        info.format = fmt.name
        yield build(raw)
    if pending:
        fmt = detect_pending()
        for item in pending:
            if reads(item.data) and (indices is None or item.index in indices):
                yield build(item)


def _configured_format(registry: Any, path: str, config: Any) -> tuple[Any, Any]:
    """What the engine gives a file before detecting its format (``Engine.begin_file``): the
    configuration's ``format``, else the file's ``dataset_info.json`` entry; with neither, the
    configuration's column mapping, to try on the file's first records.  A configuration that
    does not load is left to :func:`lint` to report."""
    from sftlint.config import ConfigError
    from sftlint.formats.mapping import MappedFormat, MappingError, dataset_info_format, spec_from_config

    try:
        settings = _settings([path], config, None, None, None, None, None)
    except ConfigError:
        settings = None
    if settings is not None and settings.format:
        fixed = _format_for(registry, settings.format, path)
        if fixed is not None:
            return fixed, None
    try:
        described = dataset_info_format(path)
    except MappingError:
        described = None
    if described is not None:
        return described, None
    if settings is None or settings.format_mapping is None:
        return None, None
    try:
        spec = spec_from_config(settings.format_mapping, settings.config_path or "<config>")
    except MappingError:
        return None, None
    return None, MappedFormat(spec)


def _format_for(registry: Any, name: str, path: str) -> Any:
    """A format by name; ``llamafactory`` is the one the file's ``dataset_info.json`` gives it.
    Another name no plugin registers (a config's column mapping) falls back to detection."""
    if name in registry.formats:
        return registry.formats[name]
    if name == "llamafactory":
        from sftlint.formats.mapping import dataset_info_format

        return dataset_info_format(path)
    return None


def list_rules(all_rules: bool = True) -> list[type]:
    """Every registered rule class, sorted by code."""
    registry = default_registry()
    rules = [registry.rules[c] for c in sorted(registry.rules)]
    return rules if all_rules else [r for r in rules if r.default_enabled]

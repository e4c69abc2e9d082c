"""The ``sftlint`` command line: ``check``, ``rule``, ``rules``, ``plugins`` (+ training commands).

Exit codes (the contract): 0 no failing findings; 1 findings that fail (errors,
or warnings with ``--fail-on warning``); 2 usage, configuration or internal
error (a crashing rule or plugin, an unreadable path).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import stat
import sys
from collections.abc import Sequence
from typing import IO, Any

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split(values: list[str] | None) -> list[str] | None:
    """``--select R,K1 --select S`` -> ``["R", "K1", "S"]``."""
    if values is None:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _use_color(args: argparse.Namespace, stream: IO[str]) -> bool:
    if args.no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _error(message: str) -> None:
    sys.stderr.write(f"sftlint: error: {message}\n")


# ---------------------------------------------------------------------------
# check


def add_check_parser(sub: Any) -> None:
    p = sub.add_parser(
        "check",
        help="lint SFT datasets",
        description="Lint SFT datasets (JSONL, JSON arrays, .gz/.zst, Parquet, Arrow, "
        "or - for standard input). Directories are searched for *.jsonl and *.json (and their "
        ".gz/.zst), *.parquet, *.arrow and Hugging Face datasets folders.",
    )
    p.add_argument("paths", nargs="*", default=None, help="files, directories, or - (default: .)")
    p.add_argument(
        "--select",
        action="append",
        metavar="RULES",
        help="rules to enable: codes, prefixes (R, K1), names or ALL; comma-separated",
    )
    p.add_argument("--extend-select", action="append", metavar="RULES", help="rules to enable in addition")
    p.add_argument("--ignore", action="append", metavar="RULES", help="rules to disable")
    p.add_argument(
        "--extend-ignore", action="append", metavar="RULES", help="rules to disable in addition to --ignore"
    )
    p.add_argument(
        "--format",
        dest="input_format",
        metavar="FORMAT",
        help="input format instead of auto-detection (messages, sharegpt, alpaca, ...)",
    )
    p.add_argument(
        "--output-format",
        metavar="FORMAT",
        help="full (default), concise, grouped, json, json-lines, sarif, github, junit (github under GitHub Actions)",
    )
    p.add_argument("-o", "--output-file", metavar="FILE", help="write the report to FILE")
    p.add_argument("--statistics", action="store_true", help="show counts per rule instead of each finding")
    p.add_argument("--fail-on", choices=("error", "warning"), help="lowest severity that fails the run")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings fail the run")
    p.add_argument("--config", metavar="FILE", help="sftlint.toml or pyproject.toml to use (no discovery)")
    p.add_argument(
        "--exclude",
        action="append",
        metavar="GLOBS",
        help="files and folders to leave out of directory walks, replacing the config's exclude "
        "(globs relative to the working directory; comma-separated)",
    )
    p.add_argument(
        "--extend-exclude", action="append", metavar="GLOBS", help="more files and folders to leave out"
    )
    p.add_argument(
        "--respect-gitignore",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="leave out files that .gitignore ignores (default: on)",
    )
    p.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply the exclusions to paths named explicitly too (the pre-commit hook sets this)",
    )
    p.add_argument("--baseline", metavar="FILE", help="hide findings recorded in this baseline file")
    p.add_argument(
        "--write-baseline",
        action="store_true",
        help="record the current findings in the --baseline file (default .sftlint-baseline.json) and exit 0",
    )
    p.add_argument(
        "--suppressions",
        metavar="FILE",
        help="reviewed findings to silence (default: `suppressions` in the config, else "
        "sftlint-suppressions.toml beside it)",
    )
    p.add_argument(
        "--add-suppressions",
        action="store_true",
        help="silence every current finding (of the selected rules) in the suppressions file, with --reason",
    )
    p.add_argument(
        "--reason", metavar="TEXT", help="why the findings added by --add-suppressions are not defects"
    )
    p.add_argument(
        "--fix",
        action="store_true",
        help="apply safe fixes to the files (atomically, repeated until nothing more is fixable)",
    )
    p.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix or --diff, also apply unsafe fixes"
    )
    p.add_argument(
        "--diff",
        action="store_true",
        help="show the edits --fix would make as a unified diff, without writing; exit 1 if there are any",
    )
    p.add_argument("--show-fixes", action="store_true", help="with --fix, list the fixes applied per file")
    p.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary or progress")
    p.add_argument("--no-color", action="store_true", help="disable colored output")
    p.add_argument(
        "--max-record-bytes", type=int, metavar="N", help="skip (and report) records larger than N"
    )
    p.add_argument(
        "--stdin-filename",
        metavar="NAME",
        help="the name of standard input (`-`) in output, configuration discovery and per-file-ignores",
    )
    p.add_argument(
        "--show-settings", action="store_true", help="print the resolved settings and where each came from"
    )
    p.add_argument(
        "--watch",
        action="store_true",
        help="check again whenever a checked file or the configuration changes",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="lint everything again instead of replaying an unchanged run's findings (also: SFTLINT_NO_CACHE=1)",
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=_jobs_value,
        metavar="N",
        default=None,
        help="worker processes (default: all cores; 1 = serial)",
    )
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="run on this machine (default) or on a Ray cluster (sftlint[ray])",
    )
    p.set_defaults(func=cmd_check)


def _jobs_value(text: str) -> int:
    """``--jobs``: a whole number of worker processes, 1 or more (0: all cores)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{n} workers: use 1 or more (0 or no --jobs: all cores)")
    return n


def cmd_check(args: argparse.Namespace) -> int:
    if not args.watch:
        return _check_once(args)
    from sftlint.watch import watch

    return watch(lambda: _check_once(args), args.paths or ["."], args.config)


def _check_once(args: argparse.Namespace) -> int:
    from sftlint.config import ConfigError, discover_settings
    from sftlint.files import expand_paths
    from sftlint.report.base import RunSummary

    paths = args.paths or ["."]
    missing = [p for p in paths if p != "-" and not os.path.exists(p)]
    for p in missing:
        _error(f"{p}: no such file or directory")
    present = [p for p in paths if p not in missing]
    named = [args.stdin_filename if p == "-" and args.stdin_filename else p for p in present]
    try:
        settings = discover_settings(named, args.config)
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_ERROR
    selection = _file_selection(settings, args)
    files = expand_paths(present, selection)
    for message in selection.errors:
        _error(message)
    missing += selection.errors  # reported; the run still exits 2
    empty_dirs = [
        p
        for p in present
        if p != "-"
        and os.path.isdir(p)
        and p not in files
        and not any(f.startswith(os.path.join(p, "")) for f in files)
        and p not in selection.skipped
    ]
    for d in empty_dirs:
        _error(f"{d}: no data files (*.jsonl, *.json, *.parquet, ...) found in this directory")
    if not files:
        if selection.skipped and not missing and not empty_dirs:
            return EXIT_OK  # everything named was excluded (--force-exclude): nothing to check
        if not missing and not empty_dirs:
            _error("no files to check")
        return EXIT_ERROR

    try:
        from_file = settings
        if args.select:
            # A --select on the command line starts selection afresh, as in ruff:
            # the configuration's ignore/extend-select belonged to its own select.
            settings = settings.merged(ignore=[], extend_select=[])
        settings = settings.merged(
            select=_split(args.select),
            extend_select=(settings.extend_select + _split(args.extend_select))
            if args.extend_select
            else None,
            ignore=(settings.ignore + (_split(args.ignore) or []) + (_split(args.extend_ignore) or []))
            if args.ignore or args.extend_ignore
            else None,
            fail_on=args.fail_on,
            format=args.input_format,
            output_format=args.output_format,
            max_record_bytes=args.max_record_bytes,
        )
        from sftlint.engine import Engine
        from sftlint.plugins import default_registry

        registry = default_registry()
        output_format = settings.output_format or (
            "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "full"
        )
        reporter_cls = registry.reporters.get(output_format)
        if reporter_cls is None:
            # named where it was set: a config file's key, or the --output-format flag
            where = f"{settings.config_path}: 'output-format': " if args.output_format is None else ""
            raise ConfigError(
                f"{where}unknown output format {output_format!r} (known: {', '.join(sorted(registry.reporters))})"
            )
        baseline = None
        write_baseline = args.write_baseline
        if args.baseline and not write_baseline:
            from sftlint.baseline import Baseline

            baseline = Baseline(args.baseline)
        suppressions = _load_suppressions(args, settings)
        hiding = bool(baseline or write_baseline or args.add_suppressions or suppressions.by_key)
        engine = Engine(settings, registry, want_hashes=hiding)
        engine.stdin_name = args.stdin_filename
        if args.show_settings:
            from sftlint.settings_report import show_settings

            sys.stdout.write(show_settings(from_file, settings, engine, _cache_state(args)))
            return EXIT_OK
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_ERROR

    _start_done(reading=True)  # records are read from here on: the collector runs again
    from sftlint.console import Progress, ReportStream

    progress = None
    if not args.quiet and sys.stderr.isatty() and "-" not in files:
        # drawn only once the run has lasted about a second, so quick runs print nothing
        progress = Progress(sum(os.path.getsize(f) for f in files if os.path.isfile(f)))
        engine.progress = progress

    if args.output_file:
        problem = _output_problem(args.output_file, files)
        if problem:
            _error(problem)
            return EXIT_ERROR

    if args.fix or args.diff:
        outcome = _run_fixes(settings, registry, files, args)
        if outcome is None:
            return EXIT_ERROR
        if args.diff:
            return _print_diff(outcome)
        fixed = sum(f.count for f in outcome)
        if args.show_fixes:
            _print_fixes(outcome, sys.stdout if (reporter_cls.human and not args.output_file) else sys.stderr)
        engine = Engine(settings, registry, want_hashes=hiding)
        engine.progress = progress
    else:
        fixed = 0

    target: IO[str]
    report_file = contextlib.ExitStack()
    try:
        target = (
            report_file.enter_context(_report_target(args.output_file)) if args.output_file else sys.stdout
        )
    except OSError as exc:
        _error(f"cannot write the report to {args.output_file}: {exc.strerror or exc}")
        return EXIT_ERROR
    out = ReportStream(target, progress)
    with report_file:  # a report file is renamed into place only once the run has written it all
        try:
            reporter = reporter_cls(
                out, color=_use_color(args, target) and reporter_cls.human, root=os.getcwd()
            )
            summary = RunSummary(fixed=fixed, unsafe_fixes=args.unsafe_fixes)
            source_errors = _run(
                engine, files, args, reporter, summary, baseline, write_baseline, settings, suppressions
            )
            out.flush()
        finally:
            if progress is not None:
                progress.close()
    if source_errors or engine.errors or missing or empty_dirs:
        for message in engine.errors:
            _error(message)
        return EXIT_ERROR
    if write_baseline or args.add_suppressions:
        return EXIT_OK
    if _failing(summary, settings) and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_OK


def _failing(summary: Any, settings: Any) -> int:
    """How many findings fail the run (errors; warnings too with ``fail-on = "warning"``)."""
    failing = summary.counts.get("error", 0)
    if settings.fail_on == "warning":
        failing += summary.counts.get("warning", 0)
    return int(failing)


def _file_selection(settings: Any, args: argparse.Namespace) -> Any:
    """Exclusions from the config (relative to its directory) and the command line (to the cwd)."""
    from sftlint.files import FileSelection, excludes
    from sftlint.formats import looks_like_record

    base = settings.config_dir
    chosen = excludes(settings.exclude, base)
    if args.exclude:
        chosen = excludes(_split(args.exclude) or [], None)
    chosen += excludes(settings.extend_exclude, base)
    chosen += excludes(_split(args.extend_exclude) or [], None)
    respect = settings.respect_gitignore if args.respect_gitignore is None else args.respect_gitignore
    return FileSelection(chosen, respect, args.force_exclude, is_record=looks_like_record)


def _iter_with_sources(
    engine: Any,
    files: list[str],
    args: argparse.Namespace,
    errors: list[str],
    stored: Any = None,
    packed_sink: Any = None,
) -> Any:
    from sftlint.reader import SourceError

    if getattr(args, "engine", "local") == "ray":
        from sftlint.run.ray_engine import RayUnavailable, ray_diagnostics

        jobs = getattr(args, "jobs", None)
        try:
            yield from ray_diagnostics(
                engine, files, errors, _error, num_cpus=jobs if jobs and jobs > 0 else None
            )
        except (RayUnavailable, SourceError) as exc:
            errors.append(str(exc))
            _error(str(exc))
        return
    jobs = getattr(args, "jobs", None)
    from sftlint.run.processes import parallel_diagnostics

    # worker processes for big inputs, the serial run for small ones (the same output either way)
    yield from parallel_diagnostics(
        engine, files, jobs, errors, on_error=_error, stored=stored, packed_sink=packed_sink
    )


def _cache_state(args: argparse.Namespace) -> str:
    """Whether an unchanged run is answered from the results cache, and from where (for
    ``--show-settings``: the first question when a change seems not to show)."""
    from sftlint import results_cache

    if args.no_cache:
        return "off (--no-cache)"
    if results_cache.disabled_by_environment():
        return f"off ({results_cache.ENV_OFF}={os.environ.get(results_cache.ENV_OFF)})"
    return f"on, {results_cache.results_dir()} (`sftlint clean` empties it)"


def _diagnostics(engine: Any, files: list[str], args: argparse.Namespace, errors: list[str]) -> Any:
    """The run's diagnostics: replayed from the results cache when nothing they depend on has
    changed since a clean run stored them (sftlint/results_cache.py), else linted and stored."""
    from sftlint import results_cache

    writer = per_file = None
    # --engine ray without Ray stops the run (exit 2): a stored answer must not stand in for it
    ray_missing = getattr(args, "engine", "local") == "ray" and importlib.util.find_spec("ray") is None
    if not (args.no_cache or ray_missing or results_cache.disabled_by_environment()):
        keys = results_cache.run_keys(engine, files)
        if keys is not None:
            cache = results_cache.ResultsCache(keys.run)
            stored = cache.load()
            if stored is not None:
                stats = engine.stats
                stats.files, stats.records, stats.bytes = stored.files, stored.records, stored.bytes
                yield from stored.diagnostics()
                return
            writer = cache.writer(keys.digests)
            if len(set(files)) > 1:  # the files that did not change answered from their own entries
                per_file = results_cache.FileResults(keys.files, digests=keys.digests)
    if writer is None:  # off, not cacheable (standard input, a pipe), or an unwritable folder
        yield from _iter_with_sources(engine, files, args, errors)
        return
    complete = False
    try:
        # (--jobs workers pack their diagnostics as the entry stores them: written as they are)
        for d in _iter_with_sources(engine, files, args, errors, per_file, writer.add_packed):
            writer.add(d)
            yield d
        complete = True
    finally:
        # only a whole run without errors is kept: a crashed or timed-out rule, an unreadable
        # source or a report cut short must not be answered from the cache next time
        if complete and not errors and not engine.errors:
            if per_file is not None:  # a replayed file's findings are its keyed bytes' already
                writer.inputs = {p: d for p, d in writer.inputs.items() if p not in per_file.replayed}
            writer.commit(engine.stats)
        else:
            writer.abort()


def _run(
    engine: Any,
    files: list[str],
    args: argparse.Namespace,
    reporter: Any,
    summary: Any,
    baseline: Any,
    write_baseline: Any,
    settings: Any,
    suppressions: Any,
) -> list[str]:
    errors: list[str] = []
    collected = []
    statistics = args.statistics
    collecting = write_baseline or args.add_suppressions
    if not collecting and not statistics:
        reporter.start()
    for d in _diagnostics(engine, files, args, errors):
        if collecting:
            collected.append(d)
            continue
        if baseline is not None and baseline.suppress(d):
            continue
        if suppressions.suppress(d):
            continue
        summary.add(d)
        if not statistics:
            reporter.diagnostic(d)
            if reporter.stream.closed and _failing(summary, settings):
                break  # the reader went away and the run already fails: the exit code is known
    summary.files = engine.stats.files
    summary.records = engine.stats.records
    summary.errors = list(engine.errors) + errors
    if baseline is not None:
        summary.baselined = baseline.suppressed
    summary.suppressed = suppressions.suppressed
    if args.add_suppressions:
        from sftlint.suppressions import append_entries

        n = append_entries(suppressions.path, collected, args.reason or "")
        if not args.quiet:
            sys.stdout.write(f"Added {n} suppression{'s' if n != 1 else ''} to {suppressions.path}.\n")
        return errors
    if write_baseline:
        from sftlint.baseline import DEFAULT_PATH
        from sftlint.baseline import write_baseline as write

        target = args.baseline or DEFAULT_PATH
        n = write(target, collected)
        if not args.quiet:
            sys.stdout.write(f"Wrote {n} finding{'s' if n != 1 else ''} to the baseline {target}.\n")
        return errors
    if statistics:
        _print_statistics(summary, reporter)
        return errors
    if args.quiet and reporter.human:
        return errors
    reporter.finish(summary)
    return errors


def _load_suppressions(args: argparse.Namespace, settings: Any) -> Any:
    """The suppressions file: ``--suppressions`` (relative to the working directory), else the
    config's ``suppressions`` (relative to the config file), else ``sftlint-suppressions.toml``
    beside the config file (or in the working directory without one).  A missing file is empty."""
    from sftlint.config import ConfigError, config_root
    from sftlint.suppressions import DEFAULT_PATH, Suppressions

    if args.add_suppressions and not (args.reason or "").strip():
        raise ConfigError("--add-suppressions needs --reason: say why these findings are not defects")
    path = args.suppressions or os.path.join(config_root(settings), settings.suppressions or DEFAULT_PATH)
    return Suppressions.load(path)


def _print_statistics(summary: Any, reporter: Any) -> None:
    stream = reporter.stream
    if reporter.name in ("json", "json-lines"):
        import json

        rows = [
            {"code": c, "name": summary.names[c], "count": n, "fixable": summary.fixable.get(c, 0)}
            for c, n in sorted(summary.by_code.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        if reporter.name == "json-lines":
            stream.write("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
        else:
            stream.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    width = max((len(str(n)) for n in summary.by_code.values()), default=1)
    for code, n in sorted(summary.by_code.items(), key=lambda kv: (-kv[1], kv[0])):
        fix = "[*]" if summary.fixable.get(code) else "   "
        stream.write(f"{n:>{width}}\t{code}\t{fix} {summary.names[code]}\n")
    if not summary.by_code:
        stream.write("All checks passed!\n")


def _report_target(path: str) -> contextlib.AbstractContextManager[IO[str]]:
    """Where ``-o path`` writes: a regular file (or a new one) through a temporary file renamed
    over it at the end, so an interrupted run leaves the previous report whole, never half of
    one; a device or a pipe (``/dev/stdout``, a FIFO) as it is."""
    from sftlint.atomic import atomic_writer

    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        regular = True
    if regular:
        return atomic_writer(path, "w", errors="backslashreplace")
    return open(path, "w", encoding="utf-8", errors="backslashreplace")


def _output_problem(output: str, files: list[str]) -> str | None:
    """Why ``-o output`` must not be written, or None: it names an input (writing the report
    would destroy the data before it is read), or its folder does not exist."""
    for path in files:
        if path == "-":
            continue
        try:
            if os.path.exists(output) and os.path.samefile(output, path):
                return f"-o {output} names an input file; the report would overwrite the data"
        except OSError:
            continue
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        return f"cannot write the report to {output}: the folder {folder} does not exist"
    return None


def _run_fixes(settings: Any, registry: Any, files: list[str], args: argparse.Namespace) -> list[Any] | None:
    """Lint and fix until nothing more is fixable; the files' outcomes, or None on error.

    Every round lints with a fresh engine (the run's selection and per-file ignores), so a fix
    that uncovers another is applied too.  With ``--diff`` the rounds work on the bytes in
    memory and nothing is written.
    """
    import io
    from collections import defaultdict

    from sftlint.engine import Engine
    from sftlint.fixes import MAX_ROUNDS, FileFix, FixError, fix_bytes, fixable_file, write_fixed
    from sftlint.reader import SourceError, read_stream

    if "-" in files:
        _error("--fix and --diff cannot rewrite standard input")
        return None
    outcomes: dict[str, FileFix] = {}
    current: dict[str, bytes] = {}  # --diff: each changed file's bytes so far
    for _round in range(MAX_ROUNDS):
        engine = Engine(settings, registry)
        by_path: dict[str, list[Any]] = defaultdict(list)
        try:
            for path in files:
                ignored = engine._ignored_for(path)
                if path in current:
                    stream = engine.lint_raw(read_stream(io.BytesIO(current[path]), path), path)
                else:
                    stream = engine.lint_path(path)
                by_path[path].extend(d for d in stream if d.code not in ignored)
        except SourceError as exc:
            _error(str(exc))
            return None
        for d in engine.finish():
            by_path[d.path].append(d)
        applied = 0
        for path, diags in by_path.items():
            if not fixable_file(path):
                wanted = [d for d in diags if d.fix is not None]
                if not args.unsafe_fixes:
                    wanted = [d for d in wanted if d.fix.applicability == "safe"]
                if _round == 0 and wanted and path not in ("<dataset>", "-"):
                    # asked to fix and not fixed: said, not left to be guessed from the report
                    sys.stderr.write(
                        f"sftlint: note: {path}: --fix does not rewrite compressed, columnar or "
                        "CSV/TSV files; its fixes were not applied\n"
                    )
                continue
            if not any(d.fix is not None for d in diags):
                continue
            try:
                if path in current:
                    data = current[path]
                else:
                    with open(path, "rb") as fh:
                        data = fh.read()
                result = fix_bytes(path, data, diags, engine, args.unsafe_fixes)
                if not result.count:
                    continue
                if args.diff:
                    current[path] = result.after
                else:
                    write_fixed(path, result.after)
            except FixError as exc:
                _error(str(exc))
                return None
            except OSError as exc:
                _error(f"{path}: could not apply fixes: {exc.strerror or exc}")
                return None
            applied += result.count
            total = outcomes.get(path)
            if total is None:
                outcomes[path] = result
            else:
                total.after = result.after
                total.applied.update(result.applied)
                total.names.update(result.names)
        if not applied:
            break
    return list(outcomes.values())


def _print_diff(outcomes: list[Any]) -> int:
    import difflib

    write = sys.stdout.write
    count = 0
    for f in outcomes:
        before = f.before.decode("utf-8", "replace").splitlines(keepends=True)
        after = f.after.decode("utf-8", "replace").splitlines(keepends=True)
        for line in difflib.unified_diff(before, after, fromfile=f.path, tofile=f.path):
            write(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        count += f.count
    sys.stderr.write(f"Would fix {count} finding{'s' if count != 1 else ''}.\n")
    return EXIT_FINDINGS if count else EXIT_OK


def _print_fixes(outcomes: list[Any], stream: IO[str]) -> None:
    count = sum(f.count for f in outcomes)
    if not count:
        stream.write("No fixes applied.\n")
        return
    stream.write(f"Fixed {count} finding{'s' if count != 1 else ''}:\n")
    for f in outcomes:
        stream.write(f"- {f.path}:\n")
        for code, n in sorted(f.applied.items()):
            stream.write(f"    {n} × {code} ({f.names.get(code, '')})\n")


# ---------------------------------------------------------------------------
# rule, rules, plugins


def cmd_rule(args: argparse.Namespace) -> int:
    from sftlint.plugins import default_registry
    from sftlint.rule_docs import render_rule_page

    registry = default_registry()
    wanted = args.code
    rule = registry.rules.get(wanted.upper()) or registry.rule_by_name().get(wanted.lower())
    if rule is None:
        _error(f"no rule {wanted!r} (`sftlint rules` lists them)")
        return EXIT_ERROR
    if args.output_format == "json":
        import json

        sys.stdout.write(
            json.dumps(_rule_row(rule) | {"doc": rule.doc()}, ensure_ascii=False, indent=2) + "\n"
        )
    else:
        sys.stdout.write(render_rule_page(rule, for_terminal=True))
    return EXIT_OK


def _rule_row(rule: Any) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity,
        "scope": rule.scope,
        "default": rule.default_enabled,
        "fix": rule.fix_availability,
        "plugin": rule.plugin,
        "summary": rule.summary(),
    }


def cmd_rules(args: argparse.Namespace) -> int:
    from sftlint.plugins import default_registry

    registry = default_registry()
    rows = [_rule_row(registry.rules[c]) for c in sorted(registry.rules)]
    if args.output_format == "json":
        import json

        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    for r in rows:
        fix = "[*]" if r["fix"] != "never" else "   "
        default = "" if r["default"] else " (off by default)"
        sys.stdout.write(f"{r['code']}  {fix} {r['name']:<24} {r['severity']:<8} {r['summary']}{default}\n")
    for message in registry.errors:
        _error(message)
    return EXIT_ERROR if registry.errors else EXIT_OK


def cmd_plugins(args: argparse.Namespace) -> int:
    from sftlint.plugins import default_registry

    registry = default_registry()
    counts: dict[str, int] = {}
    for rule in registry.rules.values():
        counts[rule.plugin] = counts.get(rule.plugin, 0) + 1
    width = max((len(p.distribution) for p in registry.plugins), default=0)
    for p in registry.plugins:
        key = p.module if p.module in counts else p.name
        n = counts.get(key, counts.get(p.name, 0))
        sys.stdout.write(
            f"{p.name:<20} {p.distribution:<{width}} {p.version:<10} {p.module}"
            + (f"  ({n} rule{'' if n == 1 else 's'})" if n else "")
            + "\n"
        )
    for message in registry.errors:
        _error(message)
    return EXIT_ERROR if registry.errors else EXIT_OK


# ---------------------------------------------------------------------------


def cmd_clean(args: argparse.Namespace) -> int:
    from sftlint import results_cache

    directory = results_cache.results_dir()
    runs, files, failed = results_cache.clear(directory)
    what = f"{runs} stored run{'s' if runs != 1 else ''}"
    if files:
        what += f" and {files} stored file{'s' if files != 1 else ''}"
    sys.stdout.write(f"Removed {what} from {directory}.\n")
    if failed:  # a cache left as it was must not look emptied (exit 0) to a script relying on it
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        _error(f"could not remove {len(failed)} entr{'ies' if len(failed) != 1 else 'y'}: {failed[0]}{more}")
        return EXIT_ERROR
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from sftlint import __version__

    parser = argparse.ArgumentParser(prog="sftlint", description="Lint supervised fine-tuning datasets.")
    parser.add_argument("--version", action="version", version=f"sftlint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_check_parser(sub)
    p = sub.add_parser("rule", help="show a rule's documentation")
    p.add_argument("code", help="rule code or name")
    p.add_argument("--output-format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_rule)
    p = sub.add_parser("rules", help="list all rules")
    p.add_argument("--output-format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_rules)
    p = sub.add_parser("plugins", help="list installed plugins with versions")
    p.set_defaults(func=cmd_plugins)
    p = sub.add_parser("clean", help="delete the stored findings of earlier runs (the results cache)")
    p.set_defaults(func=cmd_clean)
    try:
        from sftlint.train.commands import register
    except ImportError:
        register = None
    if register is not None:
        register(sub)
    return parser


#: Whether :func:`main` paused the garbage collector for this process's start (see :func:`_pause_gc`).
_gc_paused = False


def _pause_gc() -> None:
    """Pause the cyclic garbage collector while the command starts, if this process is the
    command line's own (``main()`` reads ``sys.argv``; a caller of ``main(argv)``, a test, keeps
    its collector as it is).

    Why: a check has about 50,000 objects the collector tracks before its first record
    (modules' functions and classes, pydantic's, the rules) and few of them become garbage, yet
    the collector traversed them again and again as they were made (its thresholds count
    allocations) and once more at exit: 70M of a ten-record check's 910M instructions.  :func:`_start_done` moves what start-up built out
    of the collector's way (``gc.freeze``, as CPython's documentation advises before forking,
    which ``--jobs`` does) and lets it run again for the records."""
    global _gc_paused
    import gc

    if gc.isenabled():
        gc.disable()
        _gc_paused = True


#: The collector's first threshold while a check reads records (CPython's default: 700).
#: Records come with thousands of short-lived containers (parsed JSON, messages, the rules'
#: tuples); at 700 the collector ran every few records and traversed what was alive then, and
#: the young objects that survived one collection were traversed again in the older
#: generations, with the typo model's word sets (450,000 entries) in every full collection:
#: 2-4% of a check's CPU.  At 10,000 a collection comes a fourteenth as often, and an object
#: that dies within 10,000 allocations (most of a record's) is never traversed; the garbage
#: of a cycle waits at most that many allocations longer.
RECORDS_GC_THRESHOLD = 10_000


def _start_done(reading: bool = False) -> None:
    """End :func:`_pause_gc`'s pause: what exists now is frozen (never traversed again; the
    process ends or forks with it) and the collector runs again, for a check's records
    (``reading``) at :data:`RECORDS_GC_THRESHOLD` (forked ``--jobs`` workers inherit it).
    Idempotent."""
    global _gc_paused
    if _gc_paused:
        import gc

        _gc_paused = False
        gc.freeze()
        if reading:
            gc.set_threshold(RECORDS_GC_THRESHOLD, *gc.get_threshold()[1:])
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        _pause_gc()
    try:
        return _main(argv)
    finally:
        _start_done()  # a command other than check, an early exit: the collector is back


def _main(argv: Sequence[str] | None) -> int:
    from sftlint import code_cache, regex_cache

    code_cache.install()  # the dataclass methods and annotations the last run compiled (a sixth)
    regex_cache.preload()  # the patterns the last run compiled (a quarter of a small check's start)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if getattr(args, "command", None) != "check":
        _start_done()  # only check's start is paused: training and the rest run as they are
    else:
        # D002 imports numpy for integer arithmetic only; numpy's OpenBLAS starts a thread per
        # core on import, which spin for a while: a third of the import's CPU (0.04 s here).
        # The check's workers inherit it; a user's own setting stands.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_ERROR
    if sys.stdout is None or sys.stderr is None:  # started with `>&-`: nowhere to report
        return EXIT_ERROR
    try:
        os.getcwd()  # configuration discovery and relative paths start here
    except FileNotFoundError:
        _error("the current directory no longer exists (it was deleted or moved); cd elsewhere")
        return EXIT_ERROR
    if (
        getattr(args, "command", None) == "check"
        and "-" in (getattr(args, "paths", None) or [])
        and (sys.stdin is None or sys.stdin.closed)
    ):
        _error("standard input is closed; nothing to read for '-'")
        return EXIT_ERROR
    import signal

    from sftlint.signals import on_sigint, on_sigterm

    saved = {}
    with contextlib.suppress(ValueError):  # only the main thread may set handlers
        # SIGTERM unwinds like Ctrl-C, so a --fix in progress removes its temporary file;
        # SIGINT notes that a KeyboardInterrupt is the user's (not a rule raising one)
        saved[signal.SIGTERM] = signal.signal(signal.SIGTERM, on_sigterm)
        saved[signal.SIGINT] = signal.signal(signal.SIGINT, on_sigint)
    try:
        return _dispatch(args)
    finally:
        for signum, handler in saved.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signum, handler)
        regex_cache.save_new()  # only the first run of a version compiles new ones
        code_cache.save_new()


def _dispatch(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `sftlint check ... | head`: stop quietly.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until exit
        return EXIT_OK
    except Exception as exc:  # a bug in sftlint itself: say so, exit 2, no traceback
        import errno
        import traceback

        from sftlint.results_cache import EntryChanged

        if isinstance(exc, EntryChanged):  # not a bug: the environment's doing, said as such
            _error(str(exc))
            return EXIT_ERROR

        if isinstance(exc, OSError) and exc.errno in (errno.EBADF, errno.ENOSPC, errno.EIO):
            with contextlib.suppress(OSError, ValueError):
                _error(f"cannot write the output: {exc.strerror or exc}")
            return EXIT_ERROR

        frame = traceback.extract_tb(exc.__traceback__)[-1]
        _error(
            f"internal error: {type(exc).__name__}: {exc} (at {os.path.basename(frame.filename)}:"
            f"{frame.lineno}); please report it. Set SFTLINT_DEBUG=1 for the traceback."
        )
        if os.environ.get("SFTLINT_DEBUG"):
            traceback.print_exc()
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""A fuzz campaign (issue 18): mutated lines through the API and the CLI, every output format,
``--jobs 2`` against ``--jobs 1``, ``--fix`` on JSON arrays.

Each file is a few lines made by :mod:`bench.fuzzing` (every mutation kind, every layout), from
its own seed, so a failure is replayed with ``--seed N --files 1``.  One file in four holds only
templated text (``{"text": ...}`` written with a chat template, then cut, with markers dropped or
spliced in, or one marker repeated through a long text), so that it is read as a transcript.
For each file:

- ``sftlint.lint(path, select=["ALL"])`` and ``sftlint.lint(records)``: no exception, no X001;
- ``sftlint check --select ALL`` in every output format (in-process): exit 0 or 1, no
  "internal error", no traceback;
- every 4th file: ``--jobs 2`` gives the ``--jobs 1`` JSON, with the parallel thresholds lowered
  so that a file of a few lines is cut into ranges;
- JSON arrays and JSONL files with fixes: ``--fix --unsafe-fixes`` on a copy; each record
  without a fix keeps its bytes, the file still parses to as many records, numbers keep
  their spelling, and a re-check finds nothing the first check did not.

Then hostile configuration (``--configs``, :func:`bench.fuzzing.hostile_config`: exit 2 naming
the key, or a clean run) and hostile plugins (``--plugins``, :func:`bench.fuzzing.hostile_plugin`:
the failing rule named, the built-in findings unchanged, exit 2), never a traceback.

A file that takes more than ``--slow`` CPU seconds is printed with its time (a pathological
input is a speed bug: add it to bench/pathological.py).  The campaign has no time limit of its
own: when it is killed (SIGTERM, a runner's timeout), the in-process ``sftlint check`` running
then returns 143 and the campaign stops with that status, naming the seed it was on; a
campaign that "exited 143" was stopped from outside, most likely while a slow file ran.

Usage: python bench/fuzz_campaign.py [--lines 20000] [--per-file 8] [--seed 0] [--configs 300] [--plugins 100]
       python bench/fuzz_campaign.py --kinds in-string,surrogate --configs 0 --plugins 0   # one kind's damage
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import fuzzing  # noqa: E402

FORMATS = ["full", "concise", "grouped", "json", "json-lines", "sarif", "github", "junit"]


def cli(*args: str) -> tuple[int, str, str]:
    from sftlint.cli import main

    # UTF-8 streams, as a terminal's or a pipe's are (a StringIO takes any text: a report quoting
    # a lone surrogate passed here and failed on a real standard output)
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace", write_through=True)
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # pragma: no cover - main returns its code
            code = exc.code if isinstance(exc.code, int) else 2
    from sftlint import signals

    if code == 143 or (code == 130 and signals._USER_INTERRUPT[0]):
        # SIGTERM or a real Ctrl-C while the check ran (not a hostile rule raising
        # KeyboardInterrupt, which is a finding): the campaign was stopped
        raise Stopped(code)
    out.flush()
    err.flush()
    return code, out_bytes.getvalue().decode("utf-8"), err_bytes.getvalue().decode("utf-8")


class Stopped(Exception):
    """The campaign was asked to stop while an in-process check ran."""


def _numbers(data: bytes) -> Counter[bytes]:
    """Number spellings outside strings (a rough scan: strings removed first)."""
    no_strings = re.sub(rb'"(?:[^"\\\n]|\\.)*"', b'""', data)  # a string never spans lines
    return Counter(re.findall(rb"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?", no_strings))


def check_file(path: Path, jobs_check: bool, problems: list[str], formats: list[str] = FORMATS) -> None:
    import sftlint

    try:
        diags = sftlint.lint(str(path), select=["ALL"])
    except Exception:
        problems.append(f"API raised: {traceback.format_exc(limit=3)}")
        return
    x001 = [d.message for d in diags if d.code == "X001"]
    if x001:
        problems.append(f"API X001: {x001[:2]}")
    for fmt in formats:
        code, _out, err = cli("check", "--select", "ALL", "--no-color", "--output-format", fmt, path)
        if code not in (0, 1) or "internal error" in err or "Traceback" in err:
            problems.append(f"CLI {fmt}: exit {code}: {err[-300:]}")
            break
    if jobs_check:
        from sftlint.run import processes

        saved = processes.SERIAL_BELOW_BYTES, processes.RANGE_BYTES, processes.MIN_RANGE_BYTES
        processes.SERIAL_BELOW_BYTES, processes.RANGE_BYTES, processes.MIN_RANGE_BYTES = 0, 64, 64
        try:
            one = cli("check", "--select", "ALL", "--output-format", "json", "--jobs", "1", path)
            two = cli("check", "--select", "ALL", "--output-format", "json", "--jobs", "2", path)
        finally:
            processes.SERIAL_BELOW_BYTES, processes.RANGE_BYTES, processes.MIN_RANGE_BYTES = saved
        if (one[0], one[1]) != (two[0], two[1]):
            problems.append(f"--jobs 2 differs from --jobs 1 (exit {one[0]} vs {two[0]})")
    fixable = [d for d in diags if d.fix is not None and d.record is not None]
    if fixable and path.suffix in (".json", ".jsonl"):
        check_fix(path, diags, problems)


def _elements(data: bytes) -> dict[int, bytes] | None:
    """The parsed records of a JSONL file or a JSON array by index, as their bytes (None if it
    cannot be read).  A problem after an array element (a missing comma) is reported under that
    element's index, so only parsed records are keyed."""
    from sftlint.reader import read_stream

    out = {}
    try:
        for raw in read_stream(io.BytesIO(data), "x.json"):
            if raw.index >= 0 and raw.parsed:
                out[raw.index] = raw.raw_bytes if raw.raw_bytes is not None else (raw.text or "").encode()
    except Exception:
        return None
    return out


def check_fix(path: Path, before: list, problems: list[str]) -> None:
    import sftlint

    copy = path.with_name("fixed" + "".join(path.suffixes))
    shutil.copyfile(path, copy)
    code, _out, err = cli("check", "--select", "ALL", "--fix", "--unsafe-fixes", "--no-color", copy)
    if code not in (0, 1) or "internal error" in err or "Traceback" in err:
        problems.append(f"--fix: exit {code}: {err[-300:]}")
        return
    old, new = path.read_bytes(), copy.read_bytes()
    if old == new:
        return
    fixed_records = {d.record for d in before if d.fix is not None}
    a, b = _elements(old), _elements(new)
    if a is None or b is None or len(a) != len(b):
        problems.append(
            f"--fix changed the number of records ({None if a is None else len(a)} -> {None if b is None else len(b)})"
        )
        return
    if a.keys() != b.keys():
        problems.append("--fix changed which records parse")
        return
    for k, x in a.items():
        if x != b[k] and k not in fixed_records:
            problems.append(f"--fix changed record {k}, which had no fix")
            return
    if _numbers(old) != _numbers(new):
        problems.append("--fix changed a number's spelling")
    after = sftlint.lint(str(copy), select=["ALL"])
    if _formats(path) != _formats(copy):
        # a fix that repairs a record can change the format the file is read in (a zero-width
        # space removed from `Hum\u200ban:` makes a templated text of a document): the other
        # records are then judged as that format's, which may find what the old reading could not
        return
    key = Counter((d.code, d.record) for d in before if d.code not in ("D001", "D002", "D003"))
    new_keys = Counter((d.code, d.record) for d in after if d.code not in ("D001", "D002", "D003"))
    # removing an invisible character (T005's fix) joins what it split: `<<SYS\u200b>>` becomes
    # the control token it showed, which S008 then reports; the fix revealed it, not made it
    joined = {d.record for d in before if d.code == "T005" and d.fix is not None}
    created = {
        k
        for k, n in new_keys.items()
        if n > key.get(k, 0) and k[0] not in _COUNT_SHIFTS and k[1] not in joined
    }
    if created:
        problems.append(f"--fix created findings: {sorted(created)[:5]}")


def _formats(path: Path) -> set[str | None]:
    import sftlint

    try:
        return {r.format for r in sftlint.load_records(str(path))}
    except Exception:
        return set()


#: Rules whose number of findings on a record may change when another rule's fix is applied
#: without anything new being wrong (a run of blank lines merged with the next is one finding).
_COUNT_SHIFTS = {"J004"}


def _rule_options() -> dict[str, list[str]]:
    from sftlint.plugins import default_registry

    return {
        r.name: sorted(f.replace("_", "-") for f in r.Options.model_fields)
        for r in default_registry().rules.values()
    }


def check_config(seed: int, folder: Path, problems: list[str]) -> None:
    """One hostile ``pyproject.toml``: exit 2 naming the key, or a clean run; never a traceback."""
    toml, key = fuzzing.hostile_config(fuzzing.RandomPick(seed), _rule_options())
    (folder / "pyproject.toml").write_text(toml, encoding="utf-8")
    data = folder / "data.jsonl"
    data.write_text(
        json.dumps(fuzzing.BASE[0], ensure_ascii=False) + "\n" + fuzzing.REGEX_BAIT + "\n", "utf-8"
    )
    code, _out, err = cli("check", "--select", "ALL", "--no-color", data)
    if (
        "Traceback" in err
        or "internal error" in err
        or code not in (0, 1, 2)
        or (code == 2 and key not in err)
    ):
        problems.append(f"config {toml!r}: exit {code}: {err[-300:]}")


def check_plugin(seed: int, folder: Path, problems: list[str]) -> None:
    """One hostile plugin: reported by name, the built-in findings unchanged, exit 2, no traceback."""
    from sftlint import engine as engine_module
    from sftlint import plugins

    plugin, hook_kind, rule_kind, detect_kind = fuzzing.hostile_plugin(fuzzing.RandomPick(seed))
    data = folder / "data.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in fuzzing.BASE[:3]), "utf-8")
    (folder / "sftlint.toml").write_text("record-time-limit = 0.3\n", encoding="utf-8")
    args = ("check", "--select", "ALL", "--output-format", "json", data)

    def builtin(out: str) -> list[tuple]:
        try:
            return [
                (d["code"], d["record"], d["message"])
                for d in json.loads(out)
                if d["code"] not in ("Z990", "X001")
            ]
        except ValueError:
            return [("unreadable output", out[:200])]

    base = cli(*args)
    registry = plugins.build_registry(extra_plugins=(plugin,))
    saved = plugins.default_registry, engine_module.default_registry, engine_module.WARM_UP_SECONDS
    plugins.default_registry = engine_module.default_registry = lambda: registry  # type: ignore[assignment]
    engine_module.WARM_UP_SECONDS = 0.1
    try:
        code, out, err = cli(*args)
    except BaseException as exc:  # anything escaping is the defect looked for
        problems.append(f"plugin {hook_kind}/{rule_kind}/{detect_kind}: {type(exc).__name__} escaped")
        return
    finally:
        plugins.default_registry, engine_module.default_registry, engine_module.WARM_UP_SECONDS = saved
    kinds = f"plugin hook={hook_kind} rule={rule_kind} detect={detect_kind}"
    if "Traceback" in err or code not in (1, 2):
        problems.append(f"{kinds}: exit {code}: {err[-300:]}")
    elif builtin(out) != builtin(base[1]):
        problems.append(f"{kinds}: the built-in findings changed")
    elif rule_kind not in ("fine", "many") and "Z990" in registry.rules and "Z990" not in err:
        problems.append(f"{kinds}: the failing rule is not named")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--per-file", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--files", type=int, help="run this many files (default: lines / per-file)")
    ap.add_argument("--configs", type=int, default=300, help="hostile configurations to run")
    ap.add_argument("--plugins", type=int, default=100, help="hostile plugins to run")
    ap.add_argument("--formats", default=",".join(FORMATS), help="output formats to run each file in")
    ap.add_argument("--layouts", default=",".join(fuzzing.LAYOUTS), help="file layouts to draw from")
    ap.add_argument(
        "--kinds", help="mutation kinds to draw from (default: every kind, one file in four templated)"
    )
    ap.add_argument("--slow", type=float, default=60.0, help="print a file that takes more CPU seconds")
    args = ap.parse_args()
    try:
        return _campaign(args)
    except Stopped as exc:
        print(f"stopped (exit {exc.args[0]}) at seed {_AT[0]}", flush=True)
        return int(exc.args[0])


_AT = [None]  # the seed being run


def _campaign(args: argparse.Namespace) -> int:
    n_files = args.files or max(1, args.lines // args.per_file)
    kinds: Counter[str] = Counter()
    layouts: Counter[str] = Counter()
    failures: list[tuple[int, str]] = []
    lines_total = 0
    start = time.process_time()
    tmp = Path(tempfile.mkdtemp(prefix="sftlint-fuzz-"))
    try:
        for k in range(n_files):
            seed = args.seed + k
            _AT[0] = seed
            file_start = time.process_time()
            pick = fuzzing.RandomPick(seed)
            lines = []
            # one file in four holds templated text only, so that the file is read as the
            # ``transcript`` format (in a mixed file its lines are a minority's)
            kinds_here = fuzzing.KINDS if pick.integer(0, 3) else ["templated", "templated", "huge-templated"]
            if args.kinds:
                kinds_here = args.kinds.split(",")
            for _ in range(pick.integer(1, 2 * args.per_file - 1)):
                kind = pick.choice(kinds_here)
                kinds[kind] += 1
                lines.append(fuzzing.mutated_line(pick, kind))
            layout = pick.choice(args.layouts.split(","))
            layouts[layout] += 1
            suffix, data = fuzzing.dataset(pick, lines, layout)
            lines_total += len(lines)
            folder = tmp / str(seed)
            folder.mkdir()
            path = folder / f"data.{suffix}"
            path.write_bytes(data)
            problems: list[str] = []
            check_file(path, jobs_check=k % 4 == 0, problems=problems, formats=args.formats.split(","))
            # the same records through the API, in memory
            import sftlint

            try:
                if any(d.code == "X001" for d in sftlint.lint(fuzzing.as_records(lines), select=["ALL"])):
                    problems.append("API (records) X001")
            except Exception:
                problems.append(f"API (records) raised: {traceback.format_exc(limit=3)}")
            for p in problems:
                failures.append((seed, f"[{layout}] {p}"))
                print(f"seed {seed} ({layout}): {p}", flush=True)
            shutil.rmtree(folder, ignore_errors=True)
            spent = time.process_time() - file_start
            if spent > args.slow:
                print(f"seed {seed} ({layout}, {len(data):,} bytes): slow, {spent:.0f} s CPU", flush=True)
            if (k + 1) % 100 == 0:
                print(f"... {k + 1} files, {lines_total} lines, {len(failures)} problems", flush=True)
        for k in range(args.configs + args.plugins):
            seed = args.seed + k
            _AT[0] = seed
            folder = tmp / f"hostile-{seed}"
            folder.mkdir()
            problems = []
            if k < args.configs:
                check_config(seed, folder, problems)
            else:
                check_plugin(seed, folder, problems)
            for p in problems:
                failures.append((seed, p))
                print(f"seed {seed}: {p}", flush=True)
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    cpu = time.process_time() - start
    print(
        f"\n{lines_total} mutated lines in {n_files} files, {args.configs} hostile configurations, "
        f"{args.plugins} hostile plugins, {cpu:.0f} s CPU; problems: {len(failures)}"
    )
    print("kinds:", dict(sorted(kinds.items())))
    print("layouts:", dict(sorted(layouts.items())))
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("SFTLINT_NO_PROGRESS", "1")
    os.environ.setdefault("SFTLINT_NO_CACHE", "1")  # every run lints
    sys.exit(main())

"""What the rules of a family cost on their own, without locating or printing their findings.

The whole-command ratio (``bench/speed.py``) mixes two costs: the rules' analysis, and the
pipeline that turns each finding into a located diagnostic.  On text that does not repeat
(``bench/real_text_corpus.py``) and that holds many findings, the second can hide the first.
This runs the engine in process over a file with locating replaced by a constant, once per
selection, interleaved, and prints each selection's CPU time per record over a baseline
selection (default ``J``: reading, the format mapping and the file-level rules)::

    python bench/rule_cost.py bench/out/real-6mb.jsonl --select K R K,R --repeat 3
    python bench/rule_cost.py bench/out/real-6mb.jsonl --select K --profile /tmp/k.prof

Each selection runs *with* the baseline's rules (``--select T001`` runs ``J,T001``), so a row is
what its rules add to a run that has the baseline's, and the rows of disjoint selections add
up.  (Run alone, ``--select T001`` would not run the J rules that the baseline does, so each
row would be short by their cost: on a 2,500-record seed corpus 337M instructions, J005's
serialisation and colon counts, and the rows of T001, T002 and T008 summed to 623M less than the
three selected together.)  A prefix selects the rules a run would not (``T`` takes T003, which
is off by default); the rules a selection holds that are off by default are printed with it.
Each run is a fresh process (the analyses remember texts they have seen, so a second pass in
one process would measure the memos); its CPU time (user+sys) is counted from after a warm-up
on the file's first record (imports, rule construction) to the end, best of ``--repeat``.
The rules are this tree's own, even under an editable install of another checkout, so a copy
of another commit (``git archive``) measures that commit.  For instruction counts, run one
selection under cachegrind, with the baseline's rules and alone (``--once`` runs the
selection as given): ``valgrind --tool=cachegrind --cache-sim=no
--cachegrind-out-file=/dev/null python bench/rule_cost.py FILE --once J,K``, then ``--once J``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rules_of_this_tree() -> None:
    """Load this tree's ``rules/`` as ``sftlint.rules``.  An editable install maps
    ``sftlint.rules`` to the checkout it was installed from, so a copy of another commit
    (``git archive``) would otherwise run its own ``sftlint`` with the installed rules."""
    import importlib.util

    init = ROOT / "rules" / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        "sftlint.rules", init, submodule_search_locations=[str(init.parent)]
    )
    if spec is None or spec.loader is None:
        return
    import sftlint

    module = importlib.util.module_from_spec(spec)
    sys.modules["sftlint.rules"] = module
    spec.loader.exec_module(module)
    sftlint.rules = module  # type: ignore[attr-defined]


_rules_of_this_tree()

from sftlint.api import lint_iter  # noqa: E402
from sftlint.locate import Location  # noqa: E402
from sftlint.record import Record  # noqa: E402

_NOWHERE = Location(1, 1, 1, 1)


def _no_locate(self: Record, pointer: str, span: tuple[int, int] | None = None) -> Location:
    return _NOWHERE


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(path: str, select: str) -> tuple[float, int]:
    start = cpu()
    n = sum(1 for _ in lint_iter(path, select=select.split(","), jobs=1))
    return cpu() - start, n


def warm(path: str, select: str) -> None:
    """Imports and rule construction, on the file's first record."""
    with open(path, "rb") as fh:
        first = fh.readline()
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl") as tmp:
        tmp.write(first)
        tmp.flush()
        run(tmp.name, select)


def child(path: str, select: str, locate: bool) -> tuple[float, int]:
    cmd = [sys.executable, __file__, path, "--once", select] + (["--locate"] if locate else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1])


def with_baseline(select: str, baseline: str) -> str:
    """``select`` run with the baseline's rules: ``T001`` over ``J`` runs ``J,T001``."""
    return select if select == baseline else f"{baseline},{select}"


def off_by_default(select: str) -> list[str]:
    """The rules ``select`` takes that a default run does not (a prefix takes them all)."""
    from sftlint.config import Settings, select_rules
    from sftlint.plugins import default_registry

    rules = default_registry().rules
    return sorted(
        c.code for c in select_rules(rules, Settings(select=select.split(","))) if not c.default_enabled
    )


def unknown_selections(selections: list[str]) -> list[str]:
    """The codes or prefixes among ``selections`` that select no rule (a typo, or a code that
    does not exist), told before any timing instead of as a child's traceback."""
    from sftlint.plugins import default_registry

    codes = list(default_registry().rules)
    return [
        part
        for sel in selections
        for part in sel.split(",")
        if part != "ALL" and not any(code.startswith(part) for code in codes)
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--select", nargs="+", default=["K", "R"])
    ap.add_argument("--baseline", default="J")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", help="write a cProfile of the (single) selection here")
    ap.add_argument("--locate", action="store_true", help="locate findings as the engine does")
    ap.add_argument("--once", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if not args.locate:
        Record.locate = _no_locate  # type: ignore[method-assign]
    if args.once:
        warm(args.file, args.once)
        print(*run(args.file, args.once))
        return 0
    unknown = unknown_selections([args.baseline, *args.select])
    if unknown:
        ap.error(f"no rule or prefix matches {', '.join(unknown)} (`sftlint rules` lists the codes)")
    with open(args.file, "rb") as fh:
        records = sum(1 for line in fh if line.strip())
    if args.profile:
        import cProfile

        warm(args.file, args.select[0])
        prof = cProfile.Profile()
        prof.enable()
        run(args.file, args.select[0])
        prof.disable()
        prof.dump_stats(args.profile)
        return 0
    selections = [args.baseline, *args.select]
    best: dict[str, float] = {}
    found: dict[str, int] = {}
    for _ in range(args.repeat):
        for sel in selections:
            # every selection runs with the baseline's rules (see the module's docstring)
            t, n = child(args.file, with_baseline(sel, args.baseline), args.locate)
            best[sel] = min(best.get(sel, t), t)
            found[sel] = n
    base = best[args.baseline]
    print(f"{records} records; {args.baseline}: {base:.2f} s ({base / records * 1e6:.0f} us/record)")
    for sel in args.select:
        extra = best[sel] - base
        off = off_by_default(sel)
        print(
            f"{sel:>8}: {best[sel]:.2f} s, +{extra:.2f} s over {args.baseline} "
            f"({extra / records * 1e6:.0f} us/record), {found[sel]} findings"
            + (f" (holds {', '.join(off)}: off by default)" if off else "")
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

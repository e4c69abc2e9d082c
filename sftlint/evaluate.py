"""Score model outputs with the same rules used on the training data (seed article, section 五).

The seed asks for evaluation on real data after training, beside the loss
curves.  The cheapest real check is to hold the model's answers to the very
format the training data was linted for: if the data taught "ReAct block,
``---``, reply", the share of outputs that follow it is a direct measure of
what the fine-tune learned.  Each selected rule gives a pass share (outputs
with no finding of that rule inside the model's turn) with a 95% Wilson
interval, which stays honest at the small sample sizes evaluation sets have;
two runs are compared with Newcombe's interval for the difference.

Inputs (``OUTPUTS.jsonl``):

* records in any supported format (messages, ShareGPT, Alpaca): the model's
  turn is the last assistant message (``all_turns=True`` scores every one);
* ``{"output": "...", "id": ...}`` lines: with ``reference`` (e.g. the
  ``val.jsonl`` the outputs were generated from) the output replaces the last
  assistant turn of the referenced record — ``id`` is a 0-based index into the
  reference or matches its records' ``id`` field, and lines without one pair
  by position — so the rules see the same system prompt and context as in
  training; without a reference, an optional ``prompt`` (text or messages)
  gives the context.

Pure Python: works without the training extra.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Z95 = 1.959963984540054
OUTPUT_KEYS = ("output", "response", "completion", "prediction")
NO_PROMPT = "(prompt not recorded)"


class EvalError(ValueError):
    """Unusable input (missing file, no outputs, reference mismatch): exit code 2."""


# --------------------------------------------------------------------------- statistics


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def newcombe(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """Difference p2 - p1 with Newcombe's hybrid score interval (method 10), for independent samples."""
    p1 = k1 / n1 if n1 else 0.0
    p2 = k2 / n2 if n2 else 0.0
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    d = p2 - p1
    lower = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    upper = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return d, max(-1.0, lower), min(1.0, upper)


# --------------------------------------------------------------------------- results


@dataclass
class RuleScore:
    code: str
    name: str
    passed: int
    total: int

    @property
    def share(self) -> float:
        return self.passed / self.total if self.total else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.passed, self.total)

    def to_dict(self) -> dict[str, Any]:
        lo, hi = self.interval
        return {
            "code": self.code,
            "name": self.name,
            "passed": self.passed,
            "total": self.total,
            "share": self.share,
            "ci95": [lo, hi],
        }


@dataclass
class EvalResult:
    path: str
    n: int  # outputs scored
    rules: list[RuleScore]
    overall: RuleScore  # outputs with no counted error/warning finding at all
    unreadable: int = 0
    outside: int = 0  # findings outside the model's turns (context problems), not counted
    failures: dict[str, list[int]] = field(default_factory=dict)  # code -> 0-based output indices

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "outputs": self.n,
            "unreadable_lines": self.unreadable,
            "findings_outside_output": self.outside,
            "overall": self.overall.to_dict(),
            "rules": [r.to_dict() for r in self.rules],
        }


# --------------------------------------------------------------------------- building records


def _read_lines(path: Path) -> tuple[list[Any], int]:
    rows: list[Any] = []
    bad = 0
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EvalError(f"{path}: cannot read ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise EvalError(f"{path}: not UTF-8 text ({exc})") from exc
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            bad += 1
    return rows, bad


def _is_output_line(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and any(isinstance(obj.get(k), str) for k in OUTPUT_KEYS)
        and not any(k in obj for k in ("messages", "conversations", "instruction"))
    )


def holds_output_lines(path: str | Path) -> bool:
    """Whether a file holds ``{"output": ...}`` lines (rather than full records)."""
    try:
        rows, _ = _read_lines(Path(path))
    except EvalError:
        return False
    return bool(rows) and all(_is_output_line(r) for r in rows)


def _reference_messages(reference: str | Path) -> tuple[list[list[dict[str, Any]]], dict[Any, int]]:
    """Messages of each reference record, and its ``id`` field -> position."""
    import sftlint
    from sftlint.train.export import Skip, convert

    convs: list[list[dict[str, Any]]] = []
    ids: dict[Any, int] = {}
    for rec in sftlint.load_records(reference):
        try:
            row = convert(rec, "messages")
        except Skip:
            row = {"messages": []}
        if isinstance(rec.data, dict) and "id" in rec.data and isinstance(rec.data["id"], (str, int)):
            ids[rec.data["id"]] = len(convs)
        convs.append(row["messages"])
    if not convs:
        raise EvalError(f"{reference}: no records")
    return convs, ids


def _with_output(context: list[dict[str, Any]], output: str) -> list[dict[str, Any]]:
    """Context up to (not including) its last assistant turn, then the model's output."""
    cut = len(context)
    for i in range(len(context) - 1, -1, -1):
        if context[i].get("role") == "assistant":
            cut = i
            break
    return [dict(m) for m in context[:cut]] + [{"role": "assistant", "content": output}]


def build_output_records(rows: Sequence[Any], reference: str | Path | None = None) -> list[dict[str, Any]]:
    """Messages records, one per ``{"output": ...}`` line, the output always last."""
    refs: list[list[dict[str, Any]]] = []
    ids: dict[Any, int] = {}
    if reference is not None:
        refs, ids = _reference_messages(reference)
    records = []
    for pos, obj in enumerate(rows):
        output = next(obj[k] for k in OUTPUT_KEYS if isinstance(obj.get(k), str))
        if refs:
            key = obj.get("id", obj.get("index", pos))
            if key in ids:
                ref_i = ids[key]
            elif isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(refs):
                ref_i = key
            else:
                raise EvalError(f"output {pos + 1}: id {key!r} matches no record of the reference")
            messages = _with_output(refs[ref_i], output)
        else:
            prompt = obj.get("prompt")
            if isinstance(prompt, list) and all(isinstance(m, dict) for m in prompt):
                context = [dict(m) for m in prompt]
            elif isinstance(prompt, str) and prompt.strip():
                context = [{"role": "user", "content": prompt}]
            else:
                context = [{"role": "user", "content": NO_PROMPT}]
            messages = [*context, {"role": "assistant", "content": output}]
        records.append({"messages": messages})
    return records


# --------------------------------------------------------------------------- scoring


#: Families not scored by default: J judges the JSONL file itself, D judges a training set
#: (duplicates, too few records, drift), not an answer.
EVAL_DEFAULT_IGNORE = ("J", "D")


def _selected_rules(select: Iterable[str] | None, ignore: Iterable[str] | None) -> list[type]:
    """Selected rule classes; by default those enabled by default, minus the J and D families."""
    from sftlint.config import Settings, select_rules
    from sftlint.plugins import default_registry

    rules = default_registry().rules
    settings = Settings(select=list(select) if select else None, ignore=list(ignore or []))
    chosen = select_rules(rules, settings)
    if not select:
        chosen = [r for r in chosen if not r.code.startswith(EVAL_DEFAULT_IGNORE)]
    return chosen


def _in_message(pointer: str, msg: Any) -> bool:
    prefixes = [msg.pointer] if msg.pointer else [s.pointer for s in msg.segments] + [msg.content_pointer]
    return any(p and (pointer == p or pointer.startswith(p + "/")) for p in prefixes)


def score(
    outputs: str | Path,
    *,
    reference: str | Path | None = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    all_turns: bool = False,
    options: dict[str, dict[str, Any]] | None = None,
) -> EvalResult:
    """Per-rule pass shares of the model outputs in ``outputs``."""
    import sftlint

    path = Path(outputs)
    if not path.is_file():
        raise EvalError(f"{path}: no such file")
    rows, bad = _read_lines(path)
    rules = _selected_rules(select, ignore)
    codes = [r.code for r in rules]
    if not codes:
        raise EvalError("no rules selected")
    lint_kwargs: dict[str, Any] = {"select": codes, "options": options}

    if rows and all(_is_output_line(r) for r in rows):
        records = build_output_records(rows, reference)
        from sftlint.config import discover_settings

        # In-memory records discover no configuration; use the one that applies to the outputs file.
        diags = sftlint.lint(records, config=discover_settings([str(path)]), **lint_kwargs)
        scored = [_scored_messages(r["messages"], all_turns=False) for r in records]
    else:
        if any(_is_output_line(r) for r in rows):
            raise EvalError(f'{path}: mixes {{"output": ...}} lines with full records; use one kind per file')
        if reference is not None:
            raise EvalError('--reference applies to {"output": ...} lines; these are full records')
        diags = sftlint.lint(str(path), **lint_kwargs)
        recs = list(sftlint.load_records(path))
        records = recs  # type: ignore[assignment]
        scored = [_scored_from_record(r, all_turns) for r in recs]
        index_of = {r.index: i for i, r in enumerate(recs)}
        bad += sum(
            1 for d in diags if d.code.startswith("J") and d.severity == "error" and d.record not in index_of
        )
        diags = [_reindex(d, index_of) for d in diags if d.record in index_of]
    n = len(scored)
    if n == 0:
        raise EvalError(f"{path}: no outputs to score")

    name_of = {r.code: r.name for r in rules}
    failed: dict[str, set[int]] = {c: set() for c in codes}
    any_failed: set[int] = set()
    outside = 0
    for d in diags:
        i = d.record
        if i is None or not (0 <= i < n) or d.code not in failed:
            continue
        pointer = d.pointer or ""
        if pointer and not any(_in_message(pointer, m) for m in scored[i]):
            outside += 1
            continue
        failed[d.code].add(i)
        if d.severity in ("error", "warning"):
            any_failed.add(i)
    scores = [RuleScore(c, name_of[c], n - len(failed[c]), n) for c in codes]
    overall = RuleScore("ALL", "no finding in the output", n - len(any_failed), n)
    return EvalResult(
        str(path),
        n,
        scores,
        overall,
        unreadable=bad,
        outside=outside,
        failures={c: sorted(v) for c, v in failed.items() if v},
    )


def _reindex(d: Any, index_of: dict[int, int]) -> Any:
    d.record = index_of[d.record]
    return d


class _Msg:
    """Pointer view of a message built in memory (``/messages/k``)."""

    __slots__ = ("content_pointer", "pointer", "segments")

    def __init__(self, k: int) -> None:
        self.pointer = f"/messages/{k}"
        self.content_pointer = self.pointer + "/content"
        self.segments: list[Any] = []


def _scored_messages(messages: list[dict[str, Any]], all_turns: bool) -> list[Any]:
    idx = [k for k, m in enumerate(messages) if m.get("role") == "assistant"]
    if not all_turns:
        idx = idx[-1:]
    return [_Msg(k) for k in idx]


def _scored_from_record(record: Any, all_turns: bool) -> list[Any]:
    msgs = [m for m in record.messages or [] if m.role == "assistant"]
    return msgs if all_turns else msgs[-1:]


# --------------------------------------------------------------------------- reporting


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def format_text(result: EvalResult) -> str:
    lines = [f"{result.path}: {result.n} outputs scored"]
    if result.unreadable:
        lines.append(
            f"warning: {result.unreadable} unreadable line(s) skipped (run `sftlint check` on the file)"
        )
    width = max(len(s.name) for s in [*result.rules, result.overall])
    lines.append(f"  {'rule':<5} {'name':<{width}}  {'pass':>11}  {'share':>6}  95% CI")
    for s in [*result.rules, result.overall]:
        lo, hi = s.interval
        lines.append(
            f"  {s.code:<5} {s.name:<{width}}  {s.passed:>5}/{s.total:<5}  {_pct(s.share)}  [{_pct(lo)}, {_pct(hi)}]"
        )
    if result.outside:
        lines.append(
            f"note: {result.outside} finding(s) lie outside the model's turns (in the prompt/context); not counted"
        )
    return "\n".join(lines)


@dataclass
class Comparison:
    code: str
    name: str
    a: RuleScore
    b: RuleScore
    diff: float
    lower: float
    upper: float

    @property
    def verdict(self) -> str:
        if self.lower > 0:
            return "B better"
        if self.upper < 0:
            return "B worse"
        return "no clear difference"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "diff": self.diff,
            "ci95": [self.lower, self.upper],
            "verdict": self.verdict,
        }


def compare(a: EvalResult, b: EvalResult) -> list[Comparison]:
    """Per rule (and overall): B's share minus A's, with Newcombe's 95% interval."""
    b_by_code = {s.code: s for s in [*b.rules, b.overall]}
    out = []
    for sa in [*a.rules, a.overall]:
        sb = b_by_code.get(sa.code)
        if sb is None:
            continue
        d, lo, hi = newcombe(sa.passed, sa.total, sb.passed, sb.total)
        out.append(Comparison(sa.code, sa.name, sa, sb, d, lo, hi))
    return out


def format_comparison(a: EvalResult, b: EvalResult, rows: list[Comparison]) -> str:
    lines = [f"A = {a.path} ({a.n} outputs)", f"B = {b.path} ({b.n} outputs)"]
    width = max((len(r.name) for r in rows), default=4)
    lines.append(
        f"  {'rule':<5} {'name':<{width}}  {'A':>6}  {'B':>6}  {'B-A':>7}  95% CI of B-A        verdict"
    )
    for r in rows:
        lines.append(
            f"  {r.code:<5} {r.name:<{width}}  {_pct(r.a.share)}  {_pct(r.b.share)}  {100 * r.diff:+6.1f}%  "
            f"[{100 * r.lower:+6.1f}%, {100 * r.upper:+6.1f}%]  {r.verdict}"
        )
    lines.append(
        "note: intervals treat A and B as independent samples (conservative when they answer the same prompts)"
    )
    return "\n".join(lines)

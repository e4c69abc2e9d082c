"""Score model outputs with the same rules used on the training data (seed article, section 五).

The seed asks for evaluation on real data after training, beside the loss
curves.  The cheapest real check is to hold the model's answers to the very
format the training data was linted for: if the data taught "ReAct block,
``---``, reply", the share of outputs that follow it is a direct measure of
what the fine-tune learned.  Each selected rule gives a pass share (outputs
with no finding of that rule inside the model's turn) with a 95% Wilson
interval, which stays honest at the small sample sizes evaluation sets have;
two runs on the same prompts are compared with an exact McNemar test on the
paired outcomes, two runs on different prompts with Newcombe's interval for
the difference of independent shares.

A score must not be fooled:

* a file that is not model outputs is an error (exit 2), never a 100% pass;
* a rule that does not apply to an output (R004 on a reply with no ReAct
  block) counts that output as not applicable, not as a pass
  (:mod:`sftlint.applicability`);
* the failing outputs of every rule are listed by id;
* degenerate text is scored too: a loop of repeated text, and an answer cut
  off without an end (:mod:`sftlint.analysis.degeneration`).

Inputs (``OUTPUTS.jsonl``), read by :mod:`sftlint.predictions`:

* records in any supported format (messages, ShareGPT, Alpaca): the model's
  turn is the last assistant message (``all_turns=True`` scores every one);
* ``{"output": "...", "id": ...}`` lines (``sftlint generate``), LLaMA-Factory
  ``generated_predictions.jsonl`` and OpenAI/vLLM batch output: with
  ``reference`` (e.g. the ``val.jsonl`` the outputs were generated from, or a
  batch input file) the output replaces the last assistant turn of the
  referenced record — ``id`` (``custom_id``) is a 0-based index into the
  reference or matches its records' ``id`` field, and lines without one pair
  by position — so the rules see the same system prompt and context as in
  training; without a reference, the line's ``prompt`` (text or messages)
  gives the context.

Pure Python: works without the training extra.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sftlint.predictions import Prediction, PredictionError

Z95 = 1.959963984540054
NO_PROMPT = "(prompt not recorded)"
#: Pass/fail/not applicable of one rule on one output.
PASS, FAIL, NA = "pass", "fail", "n/a"
#: Degeneration checks, scored beside the rules (they are not lint rules: training data is written
#: by people, generated text by a model that may loop or be cut off).
REPEAT = ("REP", "repeated-text")
CUTOFF = ("CUT", "cut-off")


class EvalError(ValueError):
    """Unusable input (missing file, unrecognised lines, no outputs, reference mismatch): exit code 2."""


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


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value: ``b`` pairs changed one way, ``c`` the other.

    Under "no difference" each discordant pair goes either way with chance 1/2,
    so the smaller count is binomial(b + c, 1/2); the p-value doubles its tail.
    """
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


# --------------------------------------------------------------------------- results


@dataclass
class RuleScore:
    code: str
    name: str
    passed: int
    total: int  # outputs the rule applies to
    not_applicable: int = 0

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
            "not_applicable": self.not_applicable,
            "share": self.share if self.total else None,
            "ci95": [lo, hi] if self.total else None,
        }


@dataclass
class EvalResult:
    path: str
    n: int  # outputs scored
    rules: list[RuleScore]
    overall: RuleScore  # outputs with no counted error/warning finding and no degeneration
    unreadable: int = 0
    outside: int = 0  # findings outside the model's turns (context problems), not counted
    failures: dict[str, list[int]] = field(default_factory=dict)  # code -> 0-based output indices
    kind: str = "records"  # what the file held (see sftlint.predictions.KINDS)
    ids: list[Any] = field(default_factory=list)  # per output: its id (or None)
    lines: list[int] = field(default_factory=list)  # per output: its 1-based line
    prompts: list[str] = field(default_factory=list)  # per output: a fingerprint of what it answers
    outcomes: dict[str, list[str]] = field(default_factory=dict)  # code -> PASS/FAIL/NA per output
    failed_requests: list[tuple[int, str]] = field(default_factory=list)  # batch lines without output
    details: dict[str, dict[int, str]] = field(default_factory=dict)  # code -> index -> first message

    def label(self, i: int) -> str:
        """How an output is named to the user: its id, else its line."""
        return (
            f"id {self.ids[i]!r} (line {self.lines[i]})"
            if self.ids[i] is not None
            else f"line {self.lines[i]}"
        )

    def failing(self, code: str) -> list[dict[str, Any]]:
        return [
            {
                "index": i,
                "id": self.ids[i],
                "line": self.lines[i],
                "message": self.details.get(code, {}).get(i),
            }
            for i in self.failures.get(code, [])
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "input": self.kind,
            "outputs": self.n,
            "unreadable_lines": self.unreadable,
            "failed_requests": [{"line": n, "reason": r} for n, r in self.failed_requests],
            "findings_outside_output": self.outside,
            "overall": self.overall.to_dict(),
            "rules": [r.to_dict() for r in self.rules],
            "failures": {c: self.failing(c) for c in self.failures},
        }


# --------------------------------------------------------------------------- building records


def _read_lines(path: Path) -> tuple[list[Any], int]:
    from sftlint.predictions import read_lines

    try:
        rows, bad = read_lines(path)
    except PredictionError as exc:
        raise EvalError(str(exc)) from exc
    return [obj for _, obj in rows], bad


def _is_output_line(obj: Any) -> bool:
    from sftlint.predictions import kind_of

    return kind_of(obj) is not None


def holds_output_lines(path: str | Path) -> bool:
    """Whether a file holds model-output lines (rather than full records)."""
    try:
        rows, _ = _read_lines(Path(path))
    except EvalError:
        return False
    return bool(rows) and all(_is_output_line(r) for r in rows)


def _reference_messages(reference: str | Path) -> tuple[list[list[dict[str, Any]]], dict[Any, int]]:
    """Messages of each reference record, and its ``id`` (``custom_id``) field -> position."""
    import sftlint
    from sftlint.predictions import batch_requests
    from sftlint.train.export import Skip, convert

    if not Path(reference).is_file():
        raise EvalError(f"{reference}: no such reference file")
    try:
        batch = batch_requests(reference)
    except PredictionError as exc:
        raise EvalError(str(exc)) from exc
    if batch is not None:  # an OpenAI/vLLM batch input file: custom_id -> request messages
        convs = list(batch.values())
        return convs, {k: i for i, k in enumerate(batch)}
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


def _last_assistant(context: list[dict[str, Any]]) -> int | None:
    for i in range(len(context) - 1, -1, -1):
        if context[i].get("role") == "assistant":
            return i
    return None


def _with_output(context: list[dict[str, Any]], output: str) -> list[dict[str, Any]]:
    """Context up to (not including) its last assistant turn, then the model's output."""
    cut = _last_assistant(context)
    cut = len(context) if cut is None else cut
    return [dict(m) for m in context[:cut]] + [{"role": "assistant", "content": output}]


def _prompt_messages(prompt: Any) -> list[dict[str, Any]]:
    """Messages from a line's own prompt: a messages list, ChatML text, or plain text."""
    if isinstance(prompt, list) and all(isinstance(m, dict) for m in prompt):
        return [dict(m) for m in prompt]
    if isinstance(prompt, str) and prompt.strip():
        return _rendered_prompt(prompt)
    return [{"role": "user", "content": NO_PROMPT}]


def _rendered_prompt(text: str) -> list[dict[str, Any]]:
    """Split a chat-template-rendered prompt (LLaMA-Factory keeps it so) back into turns where it can.

    ChatML (``<|im_start|>role\\n...<|im_end|>``) keeps its markers; with special
    tokens skipped, LLaMA-Factory's Qwen prompts read ``system\\n...\\nuser\\n...\\nassistant\\n``.
    Anything else is one user turn.
    """
    import re

    if "<|im_start|>" in text:
        turns = re.findall(r"<\|im_start\|>(\w+)\n(.*?)(?:<\|im_end\|>|$)", text, re.S)
        msgs = [
            {"role": r, "content": c.strip("\n")}
            for r, c in turns
            if r in ("system", "user", "assistant", "tool")
        ]
        while msgs and msgs[-1]["role"] == "assistant" and not msgs[-1]["content"]:
            msgs.pop()
        if msgs:
            return msgs
    parts = re.split(r"(?:^|\n)(system|user|assistant)\n", text)
    if len(parts) >= 3 and not parts[0].strip():
        msgs = [{"role": r, "content": c.strip("\n")} for r, c in zip(parts[1::2], parts[2::2], strict=False)]
        while msgs and msgs[-1]["role"] == "assistant" and not msgs[-1]["content"]:
            msgs.pop()
        if msgs and msgs[-1]["role"] == "user":
            return msgs
    return [{"role": "user", "content": text}]


@dataclass
class _Built:
    messages: list[dict[str, Any]]
    reference_answer: str | None


def _build(items: Sequence[Prediction], reference: str | Path | None) -> list[_Built]:
    refs: list[list[dict[str, Any]]] = []
    ids: dict[Any, int] = {}
    if reference is not None:
        refs, ids = _reference_messages(reference)
    out = []
    for pos, p in enumerate(items):
        if refs:
            key = p.key if p.key is not None else pos
            if key in ids:
                ref_i = ids[key]
            elif isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(refs):
                ref_i = key
            else:
                raise EvalError(
                    f"output {pos + 1} (line {p.line}): id {key!r} matches no record of the reference"
                )
            ctx = refs[ref_i]
            last = _last_assistant(ctx)
            answer = ctx[last].get("content") if last is not None else None
            out.append(_Built(_with_output(ctx, p.output), answer if isinstance(answer, str) else p.label))
        else:
            out.append(
                _Built([*_prompt_messages(p.prompt), {"role": "assistant", "content": p.output}], p.label)
            )
    return out


def build_output_records(rows: Sequence[Any], reference: str | Path | None = None) -> list[dict[str, Any]]:
    """Messages records, one per output line, the output always last."""
    from sftlint.predictions import parse

    try:
        preds = parse(list(enumerate(rows, start=1)))
    except PredictionError as exc:
        raise EvalError(str(exc)) from exc
    if preds is None:
        raise EvalError("no model-output lines")
    return [{"messages": b.messages} for b in _build(preds.items, reference)]


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


#: Options that differ for model outputs: T006 takes a training file whose replies mostly end
#: without a full stop for a file with that style, but a model's outputs are not a style: a
#: fine-tune that often stops mid-sentence must fail T006 however often it does.  Likewise T011
#: takes a file whose replies often claim one identity for a file written to train it (one
#: finding for the file); a fine-tune that says it is ChatGPT fails every output that says so.
#: (The caller's own ``options`` still win.)
EVAL_OPTIONS: dict[str, dict[str, Any]] = {
    "truncated-text": {"max-open-share": 1.0},
    "borrowed-identity": {"max-share": 1.0},
}


def _eval_options(options: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    merged = {name: dict(opts) for name, opts in EVAL_OPTIONS.items()}
    for name, opts in (options or {}).items():
        merged[name] = {**merged.get(name, {}), **opts}
    return merged


def _in_message(pointer: str, msg: Any) -> bool:
    prefixes = [msg.pointer] if msg.pointer else [s.pointer for s in msg.segments] + [msg.content_pointer]
    return any(p and (pointer == p or pointer.startswith(p + "/")) for p in prefixes)


def _memory_record(index: int, data: dict[str, Any], path: str) -> Any:
    """A :class:`Record` for a conversation built in memory, mapped as the messages format maps it."""
    from sftlint.plugins import default_registry
    from sftlint.record import FileInfo, Record

    rec = Record(FileInfo(path, "messages"), index, index + 1, index + 1, data, "")
    rec.format = "messages"
    rec.messages = default_registry().formats["messages"].to_messages(data)
    return rec


def _fingerprint(messages: Sequence[Any]) -> str:
    """What an output answers: its context (every turn before the scored one), hashed."""
    body = [(m["role"], m.get("content")) if isinstance(m, dict) else (m.role, m.content) for m in messages]
    return hashlib.sha1(json.dumps(body, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def score(
    outputs: str | Path,
    *,
    reference: str | Path | None = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    all_turns: bool = False,
    options: dict[str, dict[str, Any]] | None = None,
    degeneration: bool = True,
) -> EvalResult:
    """Per-rule pass shares of the model outputs in ``outputs``, over the outputs each rule applies to."""
    import sftlint
    from sftlint.analysis.degeneration import cut_off, ends_sentences, repetition
    from sftlint.applicability import applies
    from sftlint.predictions import parse, read_lines

    path = Path(outputs)
    if not path.is_file():
        raise EvalError(f"{path}: no such file")
    try:
        numbered, bad = read_lines(path)
        preds = parse(numbered, path)
    except PredictionError as exc:
        raise EvalError(str(exc)) from exc
    rules = _selected_rules(select, ignore)
    codes = [r.code for r in rules]
    if not codes:
        raise EvalError("no rules selected")
    lint_kwargs: dict[str, Any] = {"select": codes, "options": _eval_options(options)}

    finish: list[str | None] = []
    answers: list[str | None] = []
    failed_requests: list[tuple[int, str]] = []
    if preds is not None:
        kind = preds.kind
        failed_requests = preds.failed
        built = _build(preds.items, reference)
        data = [{"messages": b.messages} for b in built]
        from sftlint.config import discover_settings

        # In-memory records discover no configuration; use the one that applies to the outputs file.
        diags = sftlint.lint(data, config=discover_settings([str(path)]), **lint_kwargs) if data else []
        records = [_memory_record(i, d, str(path)) for i, d in enumerate(data)]
        scored = [[r.messages[-1]] if r.messages else [] for r in records]
        ids = [p.key for p in preds.items]
        lines = [p.line for p in preds.items]
        finish = [p.finish_reason for p in preds.items]
        answers = [b.reference_answer for b in built]
    else:
        kind = "records"
        if reference is not None:
            raise EvalError("--reference applies to model-output lines; these are full records")
        diags = sftlint.lint(str(path), **lint_kwargs)
        records = list(sftlint.load_records(path))
        for rec in records:
            if not rec.messages:
                raise EvalError(
                    f"{path}:{rec.line}: this record cannot be read as a conversation; see `sftlint check`"
                )
            if not any(m.role == "assistant" for m in rec.messages):
                raise EvalError(f"{path}:{rec.line}: the record has no assistant turn to score")
        scored = [_scored_from_record(r, all_turns) for r in records]
        index_of = {r.index: i for i, r in enumerate(records)}
        diags = [_reindex(d, index_of) for d in diags if d.record in index_of]
        ids = [
            r.data.get("id")
            if isinstance(r.data, dict) and isinstance(r.data.get("id"), (str, int))
            else None
            for r in records
        ]
        lines = [r.line for r in records]
        finish = [None] * len(records)
        answers = [None] * len(records)
    n = len(scored)
    if n == 0:
        if failed_requests:
            raise EvalError(
                f"{path}: every request failed (line {failed_requests[0][0]}: {failed_requests[0][1]})"
            )
        raise EvalError(f"{path}: no outputs to score")

    name_of = {r.code: r.name for r in rules}
    outcome: dict[str, list[str]] = {c: [NA] * n for c in codes}
    for c in codes:
        for i, rec in enumerate(records):
            if any(applies(c, rec, m, answers[i]) for m in scored[i]):
                outcome[c][i] = PASS
    failed_any: set[int] = set()
    details: dict[str, dict[int, str]] = {}
    outside = 0
    for d in diags:
        i = d.record
        if i is None or not (0 <= i < n) or d.code not in outcome:
            continue
        pointer = d.pointer or ""
        if pointer and not any(_in_message(pointer, m) for m in scored[i]):
            outside += 1
            continue
        outcome[d.code][i] = FAIL
        details.setdefault(d.code, {}).setdefault(i, d.message)
        if d.severity in ("error", "warning"):
            failed_any.add(i)

    scores: list[RuleScore] = []
    if degeneration:
        refs_end = ends_sentences(a for a in answers if a)
        rep, cut = [PASS] * n, [PASS] * n
        for i in range(n):
            for m in scored[i]:
                hit = repetition(m.content)
                if hit is not None:
                    rep[i] = FAIL
                    details.setdefault(REPEAT[0], {})[i] = (
                        f"repeats {hit[2][:30]!r} ({hit[1] - hit[0]} characters)"
                    )
                why = cut_off(m.content, finish[i], refs_end)
                if why is not None:
                    cut[i] = FAIL
                    details.setdefault(CUTOFF[0], {})[i] = why
        # T009 is the same detector: when it is scored, REP would only repeat it.
        checks = [(CUTOFF, cut)] if "T009" in codes else [(REPEAT, rep), (CUTOFF, cut)]
        for (code, name), res in checks:
            outcome[code] = res
            name_of[code] = name
            failed_any.update(i for i, o in enumerate(res) if o == FAIL)
    for c, res in outcome.items():
        applicable = [o for o in res if o != NA]
        scores.append(RuleScore(c, name_of[c], applicable.count(PASS), len(applicable), n - len(applicable)))
    overall = RuleScore("ALL", "no finding in the output", n - len(failed_any), n)
    return EvalResult(
        str(path),
        n,
        scores,
        overall,
        unreadable=bad,
        outside=outside,
        failures={
            c: [i for i, o in enumerate(res) if o == FAIL] for c, res in outcome.items() if FAIL in res
        },
        kind=kind,
        ids=ids,
        lines=lines,
        prompts=[_fingerprint(_context(records[i], scored[i])) for i in range(n)],
        outcomes=outcome,
        failed_requests=failed_requests,
        details=details,
    )


def _context(record: Any, scored: list[Any]) -> list[Any]:
    """The turns before the first scored one (what the model was asked)."""
    msgs = record.messages or []
    first = min((msgs.index(m) for m in scored if m in msgs), default=len(msgs))
    return msgs[:first]


def _reindex(d: Any, index_of: dict[int, int]) -> Any:
    d.record = index_of[d.record]
    return d


def _scored_from_record(record: Any, all_turns: bool) -> list[Any]:
    msgs = [m for m in record.messages or [] if m.role == "assistant"]
    return msgs if all_turns else msgs[-1:]


# --------------------------------------------------------------------------- reporting


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def format_text(result: EvalResult, show_failures: bool = False, limit: int = 20) -> str:
    from sftlint.predictions import KINDS

    what = KINDS.get(result.kind, "records")
    lines = [f"{result.path}: {result.n} outputs scored ({what})"]
    if result.unreadable:
        lines.append(
            f"warning: {result.unreadable} unreadable line(s) skipped (run `sftlint check` on the file)"
        )
    if result.failed_requests:
        first = result.failed_requests[0]
        lines.append(
            f"warning: {len(result.failed_requests)} request(s) have no output and are not scored "
            f"(line {first[0]}: {first[1]})"
        )
    width = max(len(s.name) for s in [*result.rules, result.overall])
    lines.append(f"  {'rule':<5} {'name':<{width}}  {'pass':>11}  {'share':>6}  95% CI            n/a")
    for s in [*result.rules, result.overall]:
        if s.total:
            lo, hi = s.interval
            cells = f"{s.passed:>5}/{s.total:<5}  {_pct(s.share)}  [{_pct(lo)}, {_pct(hi)}]"
        else:
            cells = f"{'-':>5}/{0:<5}  {'-':>6}  (applies to no output)"
        na = f"  {s.not_applicable}" if s.not_applicable else ""
        lines.append(f"  {s.code:<5} {s.name:<{width}}  {cells}{na}")
    if any(s.not_applicable for s in result.rules):
        lines.append(
            "note: n/a = outputs a rule does not apply to (e.g. R004 on a reply with no ReAct block); not counted"
        )
    if result.outside:
        lines.append(
            f"note: {result.outside} finding(s) lie outside the model's turns (in the prompt/context); not counted"
        )
    if show_failures:
        for s in result.rules:
            fails = result.failing(s.code)
            if not fails:
                continue
            lines.append(f"{s.code} {s.name}: {len(fails)} failing output(s)")
            for f in fails[:limit]:
                msg = f" — {f['message']}" if f["message"] else ""
                lines.append(f"  {result.label(f['index'])}{msg}")
            if len(fails) > limit:
                lines.append(f"  ... and {len(fails) - limit} more (--output-format json lists all)")
    elif result.failures:
        lines.append("note: --show-failures lists the failing outputs of each rule")
    return "\n".join(lines)


@dataclass
class Comparison:
    code: str
    name: str
    a: RuleScore
    b: RuleScore
    diff: float
    lower: float | None  # Newcombe interval (unpaired) ...
    upper: float | None
    paired: bool = False
    a_only: int = 0  # pairs A passed and B failed
    b_only: int = 0  # pairs B passed and A failed
    n_pairs: int = 0  # pairs where the rule applies to both outputs
    p_value: float | None = None  # ... or exact McNemar (paired)

    @property
    def verdict(self) -> str:
        if self.paired:
            if self.p_value is None or self.p_value >= 0.05:
                return "no clear difference"
            return "B better" if self.b_only > self.a_only else "B worse"
        if self.lower is None or self.upper is None:
            return "no clear difference"
        if self.lower > 0:
            return "B better"
        if self.upper < 0:
            return "B worse"
        return "no clear difference"

    def to_dict(self) -> dict[str, Any]:
        out = {
            "code": self.code,
            "name": self.name,
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "diff": self.diff,
            "verdict": self.verdict,
        }
        if self.paired:
            out |= {
                "test": "exact McNemar",
                "pairs": self.n_pairs,
                "a_pass_b_fail": self.a_only,
                "a_fail_b_pass": self.b_only,
                "p_value": self.p_value,
            }
        else:
            out |= {"test": "Newcombe interval (independent samples)", "ci95": [self.lower, self.upper]}
        return out


def pairing(a: EvalResult, b: EvalResult) -> list[tuple[int, int]] | None:
    """(A index, B index) of outputs answering the same prompt, or None when the runs are not paired.

    Paired when both answer the same set of prompts: by id where both give ids,
    else by position; the prompts themselves (their fingerprints) must agree.
    """
    if a.n != b.n:
        return None
    if all(k is not None for k in a.ids) and all(k is not None for k in b.ids):
        where = {k: j for j, k in enumerate(b.ids)}
        if len(where) != b.n or set(where) != set(a.ids):
            return None
        pairs = [(i, where[k]) for i, k in enumerate(a.ids)]
    else:
        pairs = [(i, i) for i in range(a.n)]
    if any(a.prompts[i] != b.prompts[j] for i, j in pairs):
        return None
    return pairs


def compare(a: EvalResult, b: EvalResult) -> list[Comparison]:
    """Per rule (and overall): B's share minus A's; paired runs with exact McNemar, others with Newcombe."""
    pairs = pairing(a, b)
    b_by_code = {s.code: s for s in [*b.rules, b.overall]}
    out = []
    for sa in [*a.rules, a.overall]:
        sb = b_by_code.get(sa.code)
        if sb is None:
            continue
        if pairs is not None:
            oa = _outcomes(a, sa.code)
            ob = _outcomes(b, sa.code)
            both = [(oa[i], ob[j]) for i, j in pairs if oa[i] != NA and ob[j] != NA]
            a_only = sum(1 for x, y in both if x == PASS and y == FAIL)
            b_only = sum(1 for x, y in both if x == FAIL and y == PASS)
            m = len(both)
            diff = (b_only - a_only) / m if m else 0.0
            out.append(
                Comparison(
                    sa.code,
                    sa.name,
                    sa,
                    sb,
                    diff,
                    None,
                    None,
                    True,
                    a_only,
                    b_only,
                    m,
                    mcnemar_exact(a_only, b_only),
                )
            )
        else:
            d, lo, hi = newcombe(sa.passed, sa.total, sb.passed, sb.total)
            out.append(Comparison(sa.code, sa.name, sa, sb, d, lo, hi))
    return out


def _outcomes(r: EvalResult, code: str) -> list[str]:
    if code == "ALL":
        failed = {i for c, res in r.outcomes.items() for i, o in enumerate(res) if o == FAIL}
        return [FAIL if i in failed else PASS for i in range(r.n)]
    return r.outcomes.get(code, [NA] * r.n)


def format_comparison(a: EvalResult, b: EvalResult, rows: list[Comparison]) -> str:
    lines = [f"A = {a.path} ({a.n} outputs)", f"B = {b.path} ({b.n} outputs)"]
    width = max((len(r.name) for r in rows), default=4)
    paired = bool(rows) and rows[0].paired
    if paired:
        lines.append(
            f"  {'rule':<5} {'name':<{width}}  {'A':>6}  {'B':>6}  {'pairs':>5}  {'A>B':>4}  {'B>A':>4}  "
            "McNemar p  verdict"
        )
        for r in rows:
            lines.append(
                f"  {r.code:<5} {r.name:<{width}}  {_share(r.a)}  {_share(r.b)}  {r.n_pairs:>5}  {r.a_only:>4}  "
                f"{r.b_only:>4}  {r.p_value:9.3g}  {r.verdict}"
            )
        lines.append(
            "note: A and B answer the same prompts: paired, exact McNemar test on the outputs where A and B "
            "differ (A>B: A passed, B failed); verdict at p < 0.05"
        )
    else:
        lines.append(
            f"  {'rule':<5} {'name':<{width}}  {'A':>6}  {'B':>6}  {'B-A':>7}  95% CI of B-A        verdict"
        )
        for r in rows:
            lines.append(
                f"  {r.code:<5} {r.name:<{width}}  {_share(r.a)}  {_share(r.b)}  {100 * r.diff:+6.1f}%  "
                f"[{100 * (r.lower or 0):+6.1f}%, {100 * (r.upper or 0):+6.1f}%]  {r.verdict}"
            )
        lines.append(
            "note: A and B do not answer the same prompts: independent samples, Newcombe's 95% interval of B-A"
        )
    return "\n".join(lines)


def _share(s: RuleScore) -> str:
    return _pct(s.share) if s.total else f"{'-':>6}"

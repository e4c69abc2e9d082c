"""A dataset rule's collector filled from pieces (``--jobs``: one piece per worker's range, merged
in range order by the main process) equals the collector filled serially, summary by summary,
and the rule's reduce reports the same findings.

The summaries are the real ones: the rules' own ``map`` on a seed-style corpus with planted
defects of every family (two files, so paths are renumbered on merge), cut into pieces at
several places; the caps that make a collector order-dependent (T002's listed occurrences per
form, the vote's pending turns, D004's prompt texts, D003's file names) are set small so the
merge has to cross them.
"""

from __future__ import annotations

import pickle
import sys
from array import array
from typing import Any

import pytest
from conftest import ROOT, filled_from_pieces
from sftlint.rules import dataset as dataset_rules
from sftlint.rules import text as text_rules

import sftlint
from sftlint.analysis.majority import Tally, VoteCollector
from sftlint.analysis.text import phrases
from sftlint.config import Settings
from sftlint.diagnostic import Finding, RecordRef
from sftlint.engine import Engine
from sftlint.plugins import build_registry
from sftlint.rule import Rule
from sftlint.run.ranges import fold, fresh_pieces, plan_ranges
from sftlint.spill import SpilledTexts

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
import itertools

from bench import corpus


def state(obj: Any) -> Any:
    """Everything a collector holds, dicts as ordered item lists (insertion order counts).

    A collector that finishes work lazily (D002 signs its texts in batches) is settled first:
    its pieces are settled when they are pickled.  What a collector names as its caches
    (``cache_slots``: D002's turns kept to spare reading records again) is left out."""
    settle = getattr(obj, "settle", None)
    if callable(settle):
        settle()
    if isinstance(obj, array):
        return (obj.typecode, obj.tolist())
    if isinstance(obj, SpilledTexts):  # what it holds, whether in memory or in its file
        return ("texts", [obj.get(k) for k in range(len(obj))])
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj)
    if isinstance(obj, dict):
        return [(state(k), state(v)) for k, v in obj.items()]
    if isinstance(obj, set):
        return ("set", len(obj))  # only ever counted (D003's file names, capped)
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        return [state(x) for x in obj]
    caches = getattr(type(obj), "cache_slots", ())  # what a piece may drop when pickled
    slots = [s for cls in type(obj).__mro__ for s in getattr(cls, "__slots__", ()) if s not in caches]
    if slots and not hasattr(obj, "_fields") and not hasattr(obj, "__dataclass_fields__"):
        return (type(obj).__name__, {s: state(getattr(obj, s)) for s in slots if hasattr(obj, s)})
    return obj


@pytest.fixture(scope="module")
def summaries(tmp_path_factory) -> tuple[Engine, dict[str, list[Any]]]:
    """Every dataset rule's summaries, in order, from two planted files."""
    d = tmp_path_factory.mktemp("merge")
    a, b = d / "a.jsonl", d / "b.jsonl"
    corpus.write_corpus(a, 900, seed=41, plant_defects=True, defect_rate=0.15)
    corpus.write_corpus(b, 400, seed=42, plant_defects=True, defect_rate=0.15)
    engine = Engine(Settings())
    engine.summaries = {code: [] for code in engine.summaries}
    for path in (a, b):
        for _ in engine.lint_path(str(path)):
            pass
    return engine, engine.summaries


CUTS = [[], [1], [450], [37, 38, 600, 901], list(range(0, 1300, 97)), list(range(1000, 2000, 13))]


def _mergeable(engine: Engine) -> list[Any]:
    rules = [r for r in engine.dataset_rules if hasattr(r.collector(), "merge")]
    codes = {r.code for r in rules}
    # every built-in collector that carries the most data merges at once
    assert {"D001", "D002", "D003", "D004", "T002", "T006", "T007", "T008", "R001", "K001"} <= codes
    return rules


def test_every_piece_cut_merges_to_the_serial_collector(summaries, monkeypatch):
    engine, items_by_code = summaries
    monkeypatch.setattr(text_rules, "MAX_LISTED", 3)  # T002: the cap is crossed inside pieces
    # T006: the first file's phrases pass the bound (given up on), the second file's do not
    monkeypatch.setattr(phrases, "PHRASES_MOST", _phrases_between(items_by_code["T006"]))
    for rule in _mergeable(engine):
        items = [s for s in items_by_code[rule.code] if s is not None]
        if not items:
            continue  # R008, R011 and C005 have nothing to say on this corpus
        serial = rule.collector()
        for s in items:
            serial.append(s)
        want = list(rule.reduce(serial))
        for cuts in CUTS:
            merged = filled_from_pieces(rule.collector(), items, [c for c in cuts if c < len(items)])
            assert state(merged) == state(serial), (rule.code, cuts)
            assert list(rule.reduce(merged)) == want, (rule.code, cuts)


def _phrases_between(tallies: list[Any]) -> int:
    """A bound on T006's distinct phrases that the first file's replies pass and the second
    file's do not (so a merge gives one file up, in some piece or across two, and keeps the other)."""
    per_file: dict[str, set[str]] = {}
    for t in tallies:
        if t is not None:
            per_file.setdefault(t.ref.path, set()).update(t.clauses)
    a, b = (len(v) for v in per_file.values())
    assert a > b > 0, (a, b)
    return (a + b) // 2


def test_t006_gives_up_a_file_that_passes_its_phrase_bound_as_the_serial_collector_does(
    summaries, monkeypatch
):
    engine, items_by_code = summaries
    monkeypatch.setattr(phrases, "PHRASES_MOST", _phrases_between(items_by_code["T006"]))
    rule = next(r for r in engine.dataset_rules if r.code == "T006")
    serial = rule.collector()
    for s in items_by_code["T006"]:
        if s is not None:
            serial.append(s)
    assert sorted(v is None for v in serial.phrases.counts.values()) == [False, True]


def test_the_corpus_gives_the_merges_something_to_do(summaries, monkeypatch):
    """Not vacuous: findings from the rules whose merges are order-dependent."""
    engine, items_by_code = summaries
    monkeypatch.setattr(text_rules, "MAX_LISTED", 3)
    by_code = {r.code: r for r in engine.dataset_rules}
    for code in ("T002", "D004", "R001", "D001", "D002"):
        rule = by_code[code]
        coll = rule.collector()
        for s in items_by_code[code]:
            if s is not None:
                coll.append(s)
        assert list(rule.reduce(coll)), code
    t002 = by_code["T002"].collector()
    for s in items_by_code["T002"]:
        t002.append(s)
    assert t002.unlisted  # the cap was crossed


def test_vote_dropping_and_prompt_text_caps_merge_exactly(summaries):
    _engine, items_by_code = summaries
    votes = [s for s in items_by_code["R001"] + items_by_code["K001"] if s is not None]
    # a file that starts below its majority (turns dropped from memory) and ends above it
    plain = "plain.jsonl"
    for i in range(300):
        lacking = i < 60 or i % 7 == 0
        missing = ((f"/messages/{2 * (i % 3) + 2}/content", None, None),) if lacking else ()
        votes.append(Tally(plain, i % 50 == 3, 0 if lacking else 3, missing, i, i + 1, i + 1))
    for max_pending in (1, 5, 40):
        serial = VoteCollector(0.5, max_pending)
        for t in votes:
            serial.append(t)
        for cuts in CUTS:
            merged = filled_from_pieces(
                VoteCollector(0.5, max_pending), votes, [c for c in cuts if c < len(votes)]
            )
            assert state(merged) == state(serial), (max_pending, cuts)
    assert any(v.first_dropped is not None for v in serial.files.values())
    prompts = [s for s in items_by_code["D004"] if s is not None]
    # prompts of a second file: seven versions, each text sent once, some records without one
    for i in range(200):
        version = (i * 5) % 7
        digest = 0 if i % 11 == 0 else 1000 + version
        text = f"你是客服助手，第 {version} 版。" if digest and i < 40 else None
        prompts.append((digest, text, "/messages/0/content" if digest else "", "p.jsonl", i, i + 1))
    assert sum(1 for p in prompts if p[1] is not None) > 2
    for limit in (0, 1, 2):
        serial = dataset_rules._PromptCollector(text_limit=limit)
        for s in prompts:
            serial.append(s)
        for cuts in CUTS:
            merged = filled_from_pieces(
                dataset_rules._PromptCollector(text_limit=limit),
                prompts,
                [c for c in cuts if c < len(prompts)],
            )
            assert state(merged) == state(serial), (limit, cuts)


def test_file_count_cap_survives_the_merge():
    many = [(f"f{i % 1500}.jsonl", i, i + 1) for i in range(3000)]
    serial = dataset_rules._Counter()
    for s in many:
        serial.append(s)
    merged = filled_from_pieces(dataset_rules._Counter(), many, [700, 1400, 2999])
    assert (
        (merged.n, merged.first, len(merged.files))
        == (serial.n, serial.first, len(serial.files))
        == (
            3000,
            many[0],
            1000,
        )
    )


class _AppendOnly:
    """A third-party collector with only ``append`` (no piece, no merge)."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def append(self, s: Any) -> None:
        self.seen.append(s)


def test_fold_merges_pieces_and_appends_lists():
    engine = Engine(Settings(select=["D001"]))
    plain = _AppendOnly()
    engine.summaries = {"D001": engine.summaries["D001"], "P001": plain}
    worker = Engine(Settings(select=["D001"]))
    worker.summaries = {"D001": worker.summaries["D001"], "P001": _AppendOnly()}
    pieces = fresh_pieces(worker)
    assert type(pieces["P001"]) is list  # no piece(): the items travel one by one
    assert type(pieces["D001"]) is type(engine.summaries["D001"])
    pieces["D001"].append((7, "a.jsonl", 0, 1))
    pieces["P001"].extend(["x", "y"])
    fold(engine, 1, [], pieces)
    assert plain.seen == ["x", "y"]
    assert list(engine.summaries["D001"].digests) == [7]


class _CountsPerFile(Rule):
    """## What it does
    Reports the first record of each file with the file's record count (a third-party dataset
    rule on the plain API: a list collector)."""

    code = "Z951"
    name = "counts-per-file"
    scope = "dataset"

    def map(self, record):
        return (record.path, record.index, record.line)

    def reduce(self, summaries):
        firsts: dict[str, tuple[int, int]] = {}
        counts: dict[str, int] = {}
        for path, index, line in summaries:
            firsts.setdefault(path, (index, line))
            counts[path] = counts.get(path, 0) + 1
        for path, (index, line) in firsts.items():
            yield Finding(f"{counts[path]} records", pointer="", ref=RecordRef(path, index, line, line))


class _AppendOnlyRule(_CountsPerFile):
    """## What it does
    The same with a collector that only has ``append``."""

    code = "Z952"
    name = "counts-append-only"

    def collector(self):
        return _AppendOnly()

    def reduce(self, summaries):
        return super().reduce(summaries.seen)


class _ThirdParty:
    @staticmethod
    @sftlint.hookimpl
    def sftlint_rules():
        return [_CountsPerFile, _AppendOnlyRule]


def test_third_party_dataset_rules_on_the_plain_api_work_under_jobs(tmp_path, monkeypatch):
    from sftlint import engine as engine_module
    from sftlint import plugins
    from sftlint.run import processes

    registry = build_registry(extra_plugins=(_ThirdParty,))
    monkeypatch.setattr(plugins, "default_registry", lambda: registry)
    monkeypatch.setattr(engine_module, "default_registry", lambda: registry)
    monkeypatch.setattr(processes, "SERIAL_BELOW_BYTES", 0)
    monkeypatch.setattr(processes, "MIN_RANGE_BYTES", 50_000)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    corpus.write_corpus(a, 300, seed=43)
    corpus.write_corpus(b, 120, seed=44)
    files = [str(a), str(b)]
    assert processes.wants_parallel(files, 2)
    assert len(plan_ranges(files, processes.range_bytes(files, 2))) > 4  # several ranges a file
    settings = {"select": ["Z95", "D001"]}
    serial = sftlint.lint([a, b], jobs=1, **settings)
    par = sftlint.lint([a, b], jobs=2, **settings)
    assert par == serial
    mine = sorted((d.code, d.path, d.message) for d in par if d.code.startswith("Z95"))
    assert mine == [
        ("Z951", str(a), "300 records"),
        ("Z951", str(b), "120 records"),
        ("Z952", str(a), "300 records"),
        ("Z952", str(b), "120 records"),
    ]


def test_d002_pieces_that_bring_their_turns_keep_the_first_turns_within_the_budget(summaries, monkeypatch):
    """D002 keeps the turns of the first records up to KEEP_CHARS characters (a serial collector
    counts them as its batches are signed, so it may keep a batch more).  Pieces told to bring
    theirs (while the main collector still wants them) merge, wherever the pieces are cut, to
    the serial collector's turns at the same positions, up to the first record that reaches the
    budget; a piece not told to leaves them behind when pickled."""
    engine, items_by_code = summaries
    rule = next(r for r in engine.dataset_rules if r.code == "D002")
    items = [s for s in items_by_code["D002"] if s is not None]
    whole = rule.collector()
    for s in items:
        whole.append(s)
    whole.settle()
    monkeypatch.setattr(dataset_rules, "KEEP_CHARS", whole.kept_chars // 3)
    serial = rule.collector()
    for s in items:
        serial.append(s)
    serial.settle()
    assert 0 < len(serial.kept) < len(serial.digests) // 2
    want, chars = {}, 0
    for k in sorted(serial.kept):
        if chars >= dataset_rules.KEEP_CHARS:
            break
        want[k] = serial.kept[k]
        chars += len(want[k][0])
    assert list(want) == list(range(len(want)))
    for cuts in CUTS:
        merged = rule.collector()
        bounds = [0, *[c for c in cuts if c < len(items)], len(items)]
        for lo, hi in itertools.pairwise(bounds):
            piece = merged.piece()
            if merged.wants_cache():
                piece.bring_cache()
            for s in items[lo:hi]:
                piece.append(s)
            merged.merge(pickle.loads(pickle.dumps(piece)))
        assert merged.kept == want and merged.kept_chars == chars, cuts
        assert not merged.wants_cache()
    left = rule.collector().piece()
    for s in items[:50]:
        left.append(s)
    assert left.kept and not pickle.loads(pickle.dumps(left)).kept


def test_d002_made_texts_hold_the_last_used_within_their_budget():
    made_texts = dataset_rules._MadeTexts
    entry, string = dataset_rules.ENTRY_CHARS, dataset_rules.STRING_CHARS
    texts = {k: (k * 2, k, k, "", "", ("", "")) for k in ("ab", "cd", "ef")}  # 8 characters, 7 strings
    assert (
        made_texts.size(("abcd", "ab", "cd", "m", "ab", ("1", "22"), (0, 2, 1, 1))) == 14 + entry + 7 * string
    )
    unit = made_texts.size(texts["ab"])
    assert unit == 8 + entry + 7 * string
    made = made_texts(unit + unit // 2)
    made.put(("a",), texts["ab"])
    made.put(("c",), texts["cd"])
    assert made.chars == unit and made.get(("a",)) is None  # the oldest went
    made = made_texts(2 * unit)
    made.put(("a",), texts["ab"])
    made.put(("c",), texts["cd"])
    assert made.get(("a",)) == texts["ab"]  # now the last used
    made.put(("e",), texts["ef"])
    assert made.get(("c",)) is None and made.get(("a",)) == texts["ab"] and made.chars == 2 * unit
    made.clear()
    assert made.get(("a",)) is None and made.chars == 0

"""Shared test helpers: the CLI run in-process, small files, the shared data folder."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

# Torch sizes its thread pools from these at import: on a shared 2-core machine its default (one thread
# per core, each spinning) made a 20-step run take 22-60 s instead of 3.6 s.  Set before any test
# imports torch; a value the caller exported wins.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
TORCH_THREADS = int(os.environ["OMP_NUM_THREADS"])
# The CLI answers an unchanged run from its results cache, keyed by files (inputs, settings, the
# code's files).  Tests patch code in-process, which no such key can see, so the suite runs
# without it; tests/test_results_cache.py turns it back on in a directory of its own.
os.environ.setdefault("SFTLINT_NO_CACHE", "1")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True, scope="session")
def _torch_threads():
    """Also pin torch's own count, in case something imported torch before the variables were set."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(TORCH_THREADS)
    yield


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` beside the clone (present in CI, absent in a user's clone)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (only present beside the project's CI clone)")
    return SHARED_DATA


def shared_strings() -> list[str]:
    """Every string value of every record in ``../shared/data``'s wild and sft files (empty when
    the folder is absent): the real texts that tests comparing a fast path with its reference
    run both on."""
    import contextlib

    import orjson

    out: list[str] = []

    def walk(x: object) -> None:
        if isinstance(x, str):
            out.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for path in sorted([*SHARED_DATA.glob("wild/*.json*"), *SHARED_DATA.glob("sft/*.json*")]):
        data = path.read_bytes()
        if path.suffix == ".json":
            walk(orjson.loads(data))
        else:
            for line in data.splitlines():
                with contextlib.suppress(orjson.JSONDecodeError):
                    walk(orjson.loads(line))
    return out


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out[:2000]!r}, err={self.err[:2000]!r})"


def run_cli(*args: str, stdin: bytes | None = None) -> CliResult:
    """Run ``sftlint`` in-process (fast) and capture its output and exit code."""
    from sftlint.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        sys.stdin = old_stdin
    return CliResult(code, out.getvalue(), err.getvalue())


def write_jsonl(path: Path, records: Iterable[object]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def chat(*turns: tuple[str, str], system: str | None = None) -> dict:
    """A messages record from ``(role, content)`` pairs."""
    msgs = [{"role": "system", "content": system}] if system else []
    msgs += [{"role": r, "content": c} for r, c in turns]
    return {"messages": msgs}


def alternating(*texts: str, system: str | None = None, **extra: object) -> dict:
    """A messages record whose turns alternate user, assistant, user …, with an optional system
    prompt first and any other keys of the record (``label``, ``tools``) after."""
    msgs = [{"role": "system", "content": system}] if system else []
    msgs += [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(texts)]
    return {"messages": msgs, **extra}


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


def fill_empty_slots(store, data: bytearray) -> None:
    """Write a key that no prefix has into every empty slot of a typo store's lookup table
    (``data``: the store file's bytes): a stray write that makes a lookup of an absent prefix
    probe every slot (the damaged-store tests)."""
    from sftlint.analysis.text.typo_store import _SLOT

    for i in range(1 << store.bits):
        (key, *_) = _SLOT.unpack_from(data, store._table_off + i * _SLOT.size)
        if not key:
            _SLOT.pack_into(data, store._table_off + i * _SLOT.size, 0xFFFFFFFF, 8, 0)


def filled_from_pieces(coll, items: list, cuts: list[int]):
    """``coll`` (a dataset rule's collector) filled from worker pieces cut at ``cuts``, each piece
    pickled as a worker sends it: what ``--jobs`` gives, to compare with the serial collector."""
    import itertools
    import pickle

    bounds = [0, *cuts, len(items)]
    for lo, hi in itertools.pairwise(bounds):
        piece = coll.piece()
        for s in items[lo:hi]:
            piece.append(s)
        coll.merge(pickle.loads(pickle.dumps(piece, protocol=pickle.HIGHEST_PROTOCOL)))
    return coll

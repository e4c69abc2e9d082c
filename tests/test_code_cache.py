"""The CLI's cache of generated code: a dataclass or forward reference made from stored code is
the one the builtin compiler makes, a bad file costs nothing, and a run with the cache reports
what a run without it does."""

from __future__ import annotations

import builtins
import dataclasses
import inspect
import subprocess
import sys
import typing
from typing import Any

import pytest

from sftlint import code_cache


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path))
    code_cache.uninstall()
    yield tmp_path
    code_cache.uninstall()


def _make(n: int = 0) -> list[type]:
    """A few dataclasses of every kind dataclasses writes methods for (``n`` varies the names,
    so each call compiles new texts)."""
    made = []
    for i in range(3):
        made.append(
            dataclasses.make_dataclass(
                f"Plain{n}_{i}",
                [("a", int, 0), ("b", "list[str]", dataclasses.field(default_factory=list))],
            )
        )
        made.append(
            dataclasses.make_dataclass(
                f"Frozen{n}_{i}", [("x", int | None, None), ("y", str, "y")], frozen=True, order=True
            )
        )
        made.append(dataclasses.make_dataclass(f"Slots{n}_{i}", [("z", Any, 0)], slots=True, eq=False))
    return made


def _shape(cls: type) -> list:
    """What a dataclass's generated methods are and do."""
    out: list[Any] = [cls.__name__]
    for name in ("__init__", "__repr__", "__eq__", "__lt__", "__hash__", "__setattr__"):
        fn = vars(cls).get(name)
        if fn is None or not inspect.isfunction(fn):
            out.append((name, fn))
            continue
        code = fn.__code__
        out.append((name, str(inspect.signature(fn)), fn.__annotations__, code.co_code, code.co_flags))
    obj = cls()
    out.append(repr(obj))
    out.append(obj == cls())
    if dataclasses.fields(cls)[0].name == "x":
        out.append(hash(obj) == hash(cls()))
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.x = 1  # type: ignore[attr-defined]
    return out


def test_dataclasses_from_stored_code_are_those_the_compiler_makes(cache_dir, monkeypatch):
    plain = [_shape(c) for c in _make()]
    assert code_cache.install() == 0  # no file yet
    assert [_shape(c) for c in _make()] == plain  # compiled now, through the cache
    assert code_cache.save_new() >= code_cache.MIN_NEW
    (path,) = cache_dir.glob("code-*.marshal")
    written = path.stat().st_ino

    code_cache.uninstall()
    assert code_cache.install() > 0
    compiled = []
    real = builtins.compile
    monkeypatch.setattr(builtins, "compile", lambda *a, **k: compiled.append(a) or real(*a, **k))
    assert [_shape(c) for c in _make()] == plain
    assert compiled == []  # every method came from the file
    assert code_cache.save_new() == 0  # nothing new: the file is not written again
    assert path.stat().st_ino == written


def test_annotations_stay_evaluated(cache_dir):
    """This module and code_cache have ``from __future__ import annotations``; the generated
    ``__init__`` must not inherit it (its annotations are the types, not their text)."""
    code_cache.install()
    (cls,) = [c for c in _make(7) if c.__name__ == "Frozen7_0"]
    assert cls.__init__.__annotations__["x"] == int | None
    assert cls.__init__.__annotations__["return"] is None


def test_forward_references_compile_as_before(cache_dir):
    texts = ["list[int]", "dict[str, Optional[int]]", "Record", "tuple[int, ...]"]
    plain = [typing.ForwardRef(t).__forward_code__ for t in texts]
    code_cache.install()
    cached = [typing.ForwardRef(t).__forward_code__ for t in texts]
    assert [c.co_code for c in cached] == [c.co_code for c in plain]
    assert [c.co_names for c in cached] == [c.co_names for c in plain]
    assert typing.ForwardRef(texts[1])._evaluate(vars(typing), {}, frozenset()) == dict[str, int | None]
    with pytest.raises(SyntaxError):
        typing.ForwardRef("not an expression(")


def test_uninstall_gives_the_builtins_back(cache_dir):
    code_cache.install()
    assert dataclasses.exec is code_cache._exec  # type: ignore[attr-defined]
    code_cache.uninstall()
    assert "exec" not in vars(dataclasses) and "compile" not in vars(typing)


@pytest.mark.parametrize("content", [b"", b"garbage", b"\xe3\x00\x00\x00\x00"])
def test_a_corrupt_or_foreign_file_is_ignored(cache_dir, content):
    code_cache.install()
    _make(1)
    code_cache.save_new()
    for path in cache_dir.glob("code-*.marshal"):
        path.write_bytes(content)
    code_cache.uninstall()
    assert code_cache.install() == 0
    assert [_shape(c) for c in _make(1)]  # compiled as usual


def test_a_damaged_file_is_not_read(cache_dir):
    code_cache.install()
    _make(2)
    code_cache.save_new()
    (path,) = cache_dir.glob("code-*.marshal")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    code_cache.uninstall()
    assert code_cache.install() == 0


def test_a_torn_file_is_not_read(cache_dir):
    code_cache.install()
    _make(3)
    code_cache.save_new()
    (path,) = cache_dir.glob("code-*.marshal")
    path.write_bytes(path.read_bytes()[:-10])  # a write cut short
    code_cache.uninstall()
    assert code_cache.install() == 0


@pytest.mark.parametrize("cache_file", ["code-*.marshal", "regex-*.marshal"])
def test_the_cli_reports_the_same_with_and_without_the_cache(tmp_path, cache_file):
    """Both start-up caches (compiled code here, compiled patterns in sftlint.regex_cache): the
    run that writes the file and the runs that read it report the same, and a run that finds
    every text in the file does not write it again."""
    data = tmp_path / "d.jsonl"
    data.write_text(
        '{"messages": [{"role": "user", "content": "退货要多久？"}, {"role": "assistant", '
        '"content": "审核通过后3-5个工作日原路退回，请您耐心等待和"}]}\n',
        encoding="utf-8",
    )
    env = {"SFTLINT_CACHE_DIR": str(tmp_path / "cache"), "PATH": ""}
    cmd = [sys.executable, "-m", "sftlint", "check", str(data), "--output-format", "json-lines"]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    (path,) = (tmp_path / "cache").glob(cache_file)
    second = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert first.returncode == second.returncode
    assert first.stdout == second.stdout and "T006" in first.stdout
    written = path.stat().st_ino
    third = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert third.stdout == first.stdout
    assert path.stat().st_ino == written  # every text was in the file: not written again

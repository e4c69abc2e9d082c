"""Compiled regular expressions kept between runs, as Python keeps bytecode.

A check compiles about 200 regular expressions before it reads its first record: the rules'
own (a class of CJK characters costs 2-5 ms: CPython's compiler fills a 64K map for it) and
the ones pydantic and the standard library compile on import.  That was more than a quarter
of a small check's start (440M of 1,570M instructions for ten records).  What the compiler
makes of a pattern, its code for the regex engine, depends only on the pattern, its flags and
the interpreter.  So the CLI stores it in the cache directory, keyed by the exact Python build
and the engine's version, and on the next start hands it straight to the engine and puts the
patterns into :mod:`re`'s own cache, where every ``re.compile`` of the process (ours,
pydantic's, the standard library's) finds them.

Best effort throughout: an interpreter without ``re._cache`` or with another ``_sre.compile``,
an unreadable or corrupt file, an unwritable cache directory: the patterns are compiled as
usual and nothing is reported.  Each entry is checked on loading (its pattern and flags must
come back), and a file from another build is never read (the key).
"""

from __future__ import annotations

import contextlib
import marshal
import re
import sys
from typing import Any

#: At most as many patterns as ``re``'s own cache holds (512 in CPython 3.11), where the stored
#: ones go at start: more could not stay there.  (It was 400: a small check of the default rules
#: compiles 416, so each run found the 16 the file had dropped missing and wrote it again.)
MAX_ENTRIES = getattr(re, "_MAXCACHE", 512)
#: A run writes the file only when it compiled at least this many patterns the file lacks (the
#: first run of a version).  The standard library builds a few patterns from sets, whose order
#: changes with each process's hash seed (tokenize's), and would rewrite it on every run.
MIN_NEW = 8
#: ... or one pattern this long that is not ASCII: a class of thousands of CJK characters, which
#: costs milliseconds to compile.  T001's Traditional-only and Simplified-only classes (2,705 and
#: 2,327 characters, 40M instructions together, a twentieth of a small check) are compiled only
#: by a run whose text holds a Traditional character or kana; as two new patterns they were never
#: stored, and every later start that met such a text compiled them again.  The patterns that
#: change from run to run are the standard library's, ASCII (tokenize's longest: 952 characters).
COSTLY_CHARS = 1000

_NAME = "regex"
#: The entries read at start, by their ``re._cache`` key.
_loaded: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _engine() -> Any:
    """``_sre`` where this interpreter compiles patterns the way this module expects, else None."""
    try:
        import _sre
        from re import _compiler, _parser  # noqa: F401 - their presence is what is checked
    except ImportError:
        return None
    if sys.implementation.name != "cpython" or not isinstance(getattr(re, "_cache", None), dict):
        return None
    return _sre


def _path() -> Any:
    from sftlint import __version__
    from sftlint.analysis.text.cache import cache_key, cache_path

    sre = _engine()
    magic, size = (sre.MAGIC, sre.CODESIZE) if sre else (0, 0)
    return cache_path(_NAME, cache_key(_NAME, __version__, sys.version, magic, size))


def preload() -> int:
    """Put the stored patterns into ``re``'s cache; how many were put there."""
    sre = _engine()
    if sre is None:
        return 0
    with contextlib.suppress(Exception):
        from sftlint.analysis.text.cache import read_digested, touch

        path = _path()
        payload = read_digested(path)
        if payload is None:
            return 0  # missing, torn or damaged: compiled as usual, and stored again at the end
        entries = marshal.loads(payload)
        cache = re._cache  # type: ignore[attr-defined]
        for entry in entries:
            kind, pattern, flags, code_flags, code, groups, groupindex, indexgroup = entry
            key = (str if kind == "s" else bytes, pattern, flags)
            if key in cache:  # compiled before the loading (an import of the CLI's own)
                _loaded[key] = entry
                continue
            compiled = sre.compile(pattern, code_flags, code, groups, groupindex, indexgroup)
            if compiled.pattern != pattern or compiled.flags != code_flags or compiled.groups != groups:
                break  # not what was stored: compile the rest as usual
            cache[key] = compiled
            _loaded[key] = entry
        touch(path)
    return len(_loaded)


def save_new() -> int:
    """Store the patterns compiled in this process that the file lacks; how many were new.

    Called at the end of a run: when nothing new was compiled (every start after the first)
    it only compares keys."""
    if _engine() is None:
        return 0
    cache = re._cache  # type: ignore[attr-defined]
    new = [k for k in list(cache) if k not in _loaded and _storable(k)]
    if len(new) < MIN_NEW and not any(_costly(k) for k in new):
        return 0
    made = []
    for key in new:
        with contextlib.suppress(Exception):
            made.append(_entry(key))
    entries = [*_loaded.values(), *made][-MAX_ENTRIES:]
    with contextlib.suppress(Exception):
        from sftlint.analysis.text.cache import remove_others, write_digested

        path = _path()
        write_digested(path, marshal.dumps(entries))
        remove_others(path, f"{_NAME}-*.marshal")
    for entry in made:
        _loaded[(str if entry[0] == "s" else bytes, entry[1], entry[2])] = entry
    return len(made)


def _costly(key: tuple[Any, ...]) -> bool:
    """Whether the pattern of ``key`` is a long non-ASCII one (see :data:`COSTLY_CHARS`)."""
    pattern = key[1]
    return type(pattern) is str and len(pattern) >= COSTLY_CHARS and not pattern.isascii()


def _storable(key: Any) -> bool:
    return (
        type(key) is tuple
        and len(key) == 3
        and key[0] in (str, bytes)
        and type(key[1]) is key[0]
        and type(key[2]) is int
        and not key[2] & re.DEBUG
    )


def _entry(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """What ``re._compiler.compile`` hands ``_sre.compile`` for ``key``'s pattern, marshal-able."""
    from re import _compiler, _parser

    kind, pattern, flags = key
    parsed = _parser.parse(pattern, flags)
    code = [int(c) for c in _compiler._code(parsed, flags)]
    groupindex = {str(name): int(i) for name, i in parsed.state.groupdict.items()}
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    return (
        "s" if kind is str else "b",
        pattern,
        int(flags),
        int(flags | parsed.state.flags),
        code,
        parsed.state.groups - 1,
        groupindex,
        tuple(indexgroup),
    )

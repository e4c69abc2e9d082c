"""Generated code kept between runs, as Python keeps bytecode for modules.

A check creates about 110 dataclasses before it reads its first record (ours, pluggy's and the
standard library's), and :mod:`dataclasses` writes each one's ``__init__``, ``__repr__``,
``__eq__``... as source text and compiles it with ``exec``: compiling is five sixths of making
a dataclass.  :mod:`typing` compiles the text of every string annotation it wraps in a
``ForwardRef`` (pydantic-core's schema types hold about 800).  Together that was 200M of the
1,170M instructions of a ten-record check.  What the compiler makes of a text depends only on
the text and the interpreter, so the CLI keeps the code objects in the cache directory, keyed
by the exact Python build, and hands ``exec`` and ``compile`` the stored code when the same
text comes again: :func:`install` puts a caching ``exec`` into :mod:`dataclasses`' namespace
and a caching ``compile`` into :mod:`typing`'s (each shadows the builtin of that name there,
and nowhere else).

The stored code is what the builtin would have compiled: same text, file name and mode, and
no inherited ``__future__`` flags (neither module has any, which :func:`install` checks).
Best effort throughout, as for :mod:`sftlint.regex_cache`: an unreadable, damaged or foreign
file, an unwritable cache directory, an interpreter whose modules look otherwise: texts are
compiled as usual and nothing is reported.
"""

from __future__ import annotations

import builtins
import contextlib
import marshal
import sys
from types import CodeType
from typing import Any

#: At most this many compiled texts are kept (a check makes about 1,300).
MAX_ENTRIES = 4000
#: A run writes the file only when it compiled at least this many texts the file lacks (the
#: first run of a version, or one that imported more, such as ``--fix``): fewer are not worth
#: rewriting half a megabyte.
MIN_NEW = 8

_NAME = "code"
#: What was read at start and what this process compiled since, by ``(mode, filename, text)``.
_codes: dict[tuple[str, str, str], CodeType] = {}
#: How many of :data:`_codes` came from the file.
_stored = 0
#: The modules whose ``exec`` / ``compile`` :func:`install` replaced (to undo it in tests).
_installed: list[tuple[Any, str]] = []


def _code(text: str, filename: str, mode: str) -> CodeType:
    """``compile(text, filename, mode)`` as a module without ``__future__`` imports runs it,
    from the store when this text was compiled before."""
    key = (mode, filename, text)
    code = _codes.get(key)
    if code is None:
        code = _codes[key] = builtins.compile(text, filename, mode, 0, True)
    return code


def _exec(source: Any, globals: Any = None, locals: Any = None, /, **kwargs: Any) -> None:
    """``exec`` for :mod:`dataclasses`, which passes the text of the methods it writes."""
    if globals is None:  # not how dataclasses calls it: run it where the caller would have
        frame = sys._getframe(1)
        globals, locals = frame.f_globals, frame.f_locals if locals is None else locals
    if type(source) is str:
        source = _code(source, "<string>", "exec")
    builtins.exec(source, globals, locals, **kwargs)


def _compile(
    source: Any, filename: Any, mode: str, flags: int = 0, dont_inherit: bool = False, optimize: int = -1
) -> Any:
    """``compile`` for :mod:`typing`, which compiles each forward reference's text."""
    if type(source) is str and type(filename) is str and flags == 0 and optimize == -1:
        return _code(source, filename, mode)
    # the caller (typing) has no __future__ flags to pass on: none from this module either
    return builtins.compile(source, filename, mode, flags, True, optimize)


def _targets() -> list[tuple[Any, str]]:
    """The modules and names to replace, or none where this interpreter's differ from what
    the replacements assume (a module compiled with ``__future__`` flags would pass them on)."""
    import __future__

    import dataclasses
    import typing

    out = []
    for module, name in ((dataclasses, "exec"), (typing, "compile")):
        if getattr(module, "annotations", None) is __future__.annotations:
            continue  # its exec/compile would inherit the flag; the stored code would not have it
        if name in vars(module):
            continue  # something else replaced it already
        out.append((module, name))
    return out


def install() -> int:
    """Read the stored code and route dataclasses' ``exec`` and typing's ``compile`` through
    it; how many entries were read.  Calling it again only reads nothing new."""
    global _stored
    if sys.implementation.name != "cpython" or _installed:
        return 0
    with contextlib.suppress(Exception):
        from sftlint.analysis.text.cache import read_digested, touch

        path = _path()
        payload = read_digested(path)
        if payload is not None:
            entries = marshal.loads(payload)
            if type(entries) is dict and all(_entry_ok(k, v) for k, v in entries.items()):
                _codes.update(entries)
                _stored = len(_codes)
                touch(path)
    for module, name in _targets():
        setattr(module, name, _exec if name == "exec" else _compile)
        _installed.append((module, name))
    return _stored


def uninstall() -> None:
    """Give the modules back their builtins and forget the store (for tests)."""
    global _stored
    for module, name in _installed:
        with contextlib.suppress(AttributeError):
            delattr(module, name)
    _installed.clear()
    _codes.clear()
    _stored = 0


def save_new() -> int:
    """Store the code compiled in this process that the file lacks; how many entries were new.

    Called at the end of a run: from the second run of a version on, nothing is new and it
    only counts."""
    new = len(_codes) - _stored
    if not _installed or new < MIN_NEW:
        return 0
    with contextlib.suppress(Exception):
        from sftlint.analysis.text.cache import remove_others, write_digested

        entries = dict(list(_codes.items())[-MAX_ENTRIES:])
        path = _path()
        write_digested(path, marshal.dumps(entries))
        remove_others(path, f"{_NAME}-*.marshal")
    return new


def _entry_ok(key: Any, value: Any) -> bool:
    return (
        type(key) is tuple
        and len(key) == 3
        and all(type(part) is str for part in key)
        and type(value) is CodeType
    )


def _path() -> Any:
    from sftlint import __version__
    from sftlint.analysis.text.cache import cache_key, cache_path

    return cache_path(_NAME, cache_key(_NAME, __version__, sys.version, sys.implementation.cache_tag))

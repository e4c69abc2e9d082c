"""On-disk cache for prepared text models (the typo detector's index).

Building the typo model from jieba's dictionary and pypinyin's tables takes a
few seconds; loading the prepared form takes a fraction of one.  The cache
lives in the user's cache directory and is keyed by everything the prepared
data depends on (our model version, the jieba and pypinyin versions, the
Python version, since :mod:`marshal` is version specific), so upgrading any of
them rebuilds it.  Files are written to a temporary name and renamed into
place, so a crash or two concurrent runs never leave a half-written cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

#: Environment variable that overrides the cache directory.
ENV_VAR = "SFTLINT_CACHE_DIR"
#: Other versions of a cache kept beside the current one however long ago they were used, most
#: recently used first (an old version about to return: a downgrade, a second checkout).
KEEP_OTHERS = 2
#: Versions used within this many seconds are never deleted.  Installations sharing the cache
#: directory (a project's virtualenv, pre-commit's own environment, CI images, several
#: checkouts: jieba at different paths, so different keys) would otherwise delete each other's
#: model and rebuild it, seconds of CPU, on every alternation, however many of them there are.
KEEP_USED_WITHIN = 14 * 24 * 3600


def cache_dir() -> Path:
    """Where prepared models live: ``$SFTLINT_CACHE_DIR``, else the XDG cache dir."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "sftlint"


def cache_key(*parts: object) -> str:
    """A short stable key from the versions (and anything else) a model depends on."""
    text = "|".join(str(p) for p in (*parts, sys.version_info[:2], marshal.version))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def cache_path(name: str, key: str) -> Path:
    return cache_dir() / f"{name}-{key}.marshal"


def load_or_build(name: str, key: str, build: Callable[[], Any], refresh: bool = False) -> Any:
    """Return the cached value for ``name``/``key``, building and storing it if absent
    (or, with ``refresh``, always).

    The value must be marshal-able (dicts, strings, numbers, tuples, sets).  A
    corrupt or unreadable cache file is rebuilt; an unwritable cache directory
    only costs the rebuild next time, never an error.
    """
    path = cache_path(name, key)
    if not refresh:
        try:
            # loads(read()) is several times faster than load(file) for big dicts
            value = marshal.loads(path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            pass
        else:
            touch(path)
            return value
    value = build()
    with contextlib.suppress(OSError):
        store(path, value)
        remove_others(path, f"{name}-*.marshal")  # versions nobody used lately are dead weight
    return value


def touch(path: Path) -> None:
    """Mark ``path`` as just used (its mtime orders the versions :func:`remove_others` keeps)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def store(path: Path, value: Any) -> None:
    """Write ``value`` to ``path`` atomically (temporary file, then rename)."""
    atomic_write(path, lambda fh: marshal.dump(value, fh))


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Let ``write`` fill a temporary file beside ``path``, then rename it into place.

    Readers see the old file or the new one, never a half-written one, even
    when two processes build the same cache at once.
    """
    import tempfile  # only writers need it (a read-only start stays light)

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_others(path: Path, pattern: str, keep: int = KEEP_OTHERS) -> None:
    """Delete the files matching ``pattern`` beside ``path`` that nobody used lately: all but
    ``path``, the versions used within :data:`KEEP_USED_WITHIN` (other installations') and the
    ``keep`` most recently used others."""
    import time

    recent = time.time() - KEEP_USED_WITHIN
    with contextlib.suppress(OSError):
        others = []
        for old in path.parent.glob(pattern):
            if old != path and not old.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    others.append((old.stat().st_mtime, old))
        others.sort(reverse=True)
        for mtime, old in others[keep:]:
            if mtime < recent:
                old.unlink(missing_ok=True)

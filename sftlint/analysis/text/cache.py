"""On-disk cache for prepared text models (the typo detector's index).

Building the typo model from jieba's dictionary and pypinyin's tables takes a
few seconds; loading the prepared form takes a fraction of one.  The cache
lives in the user's cache directory and is keyed by everything the prepared
data depends on (our model version, the *content* of jieba's and pypinyin's
data files, the Python version, since :mod:`marshal` is version specific), so
upgrading any of them rebuilds it, and environments holding the same data
(every CI run's fresh virtualenv, pre-commit's, tox's) share one model.
Files are written to a temporary name and renamed into place, so a crash or
two concurrent runs never leave a half-written cache.

The directory stays bounded whatever happens: each time a file is written, the
other versions of its kind beyond the :data:`KEEP_OTHERS` most recently used
are deleted (:func:`remove_others`), and so are temporary files a killed
writer left behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import stat
import struct
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

#: Environment variable that overrides the cache directory.
ENV_VAR = "SFTLINT_CACHE_DIR"
#: Other versions of a model kept beside the current one, the most recently used, however
#: recently the rest were used.  Environments with the same data share one version, so these
#: are other sftlint, jieba, pypinyin or Python versions in use at once (a project's checkout
#: and pre-commit's pinned release, a downgrade); up to this many more than one can alternate
#: without deleting each other's model.  A typo model is about 45 MB (its memory-mapped store
#: and its whole form), so the directory holds at most about five times that.
KEEP_OTHERS = 4
#: The same for small files (the entry-point lists, one per environment, and the aliases from
#: data files' paths to their content, a few dozen bytes each).
KEEP_SMALL = 32
#: A temporary file older than this is a writer's that died (a build takes seconds).
STALE_TMP_SECONDS = 3600
#: How much of a data file :func:`content_digest` reads at a time.
_CHUNK = 1 << 20
#: Files of :func:`write_digested` start with the CRC-32 and the length of the rest.
_HEADER = struct.Struct("<II")


def cache_dir() -> Path:
    """Where prepared models live: ``$SFTLINT_CACHE_DIR``, else the XDG cache dir."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "sftlint"


#: Bumped when the files' layout changes (2: :func:`load_or_build`'s behind a CRC-32, the typo
#: store's blocks too), so that sftlint versions sharing a cache directory (a checkout and
#: pre-commit's pinned release) keep files of their own instead of rebuilding each other's.
LAYOUT = 2


def cache_key(*parts: object) -> str:
    """A short stable key from the versions (and anything else) a model depends on."""
    text = "|".join(str(p) for p in (*parts, sys.version_info[:2], marshal.version, LAYOUT))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def cache_path(name: str, key: str) -> Path:
    return cache_dir() / f"{name}-{key}.marshal"


def load_or_build(
    name: str,
    key: str,
    build: Callable[[], Any],
    refresh: bool = False,
    *,
    valid: Callable[[Any], bool] | None = None,
    keep: int = KEEP_OTHERS,
    companions: Sequence[str] = (),
) -> Any:
    """Return the cached value for ``name``/``key``, building and storing it if absent
    (or, with ``refresh``, always).

    The value must be marshal-able (dicts, strings, numbers, tuples, sets).  A
    corrupt or unreadable cache file, or one whose value ``valid`` refuses, is
    rebuilt; an unwritable cache directory only costs the rebuild next time,
    never an error.  Writing prunes the other versions to ``keep``
    (:func:`remove_others`); ``companions`` are the patterns of other files
    keyed alike (a model's other forms), kept or deleted with it.
    """
    path = cache_path(name, key)
    if not refresh:
        # behind a CRC-32 (read_digested): a bit flipped in a string would still unmarshal, as
        # another word or character class, and change the findings of every run after it
        payload = read_digested(path)
        if payload is not None:
            try:
                # loads(bytes) is several times faster than load(file) for big dicts
                value = marshal.loads(payload)
            except (EOFError, ValueError, TypeError):
                pass
            else:
                if valid is None or valid(value):
                    touch(path)
                    return value
    value = build()
    with contextlib.suppress(OSError):
        store(path, value)
        remove_others(path, f"{name}-*.marshal", *companions, keep=keep)
    return value


def touch(path: Path) -> None:
    """Mark ``path`` as just used (its mtime orders the versions :func:`remove_others` keeps)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def store(path: Path, value: Any) -> None:
    """Write ``value`` to ``path`` atomically (temporary file, then rename), behind its CRC-32
    (:func:`write_digested`)."""
    write_digested(path, marshal.dumps(value))


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


def read_digested(path: Path) -> bytes | None:
    """What :func:`write_digested` stored at ``path``; None where the file is missing, torn or
    damaged (its length or CRC-32 does not match).

    Why a CRC, not a cryptographic digest: it guards against accidents (a torn write, a bad
    block), which a CRC-32 catches as surely, and BLAKE2 over the two start-up files (800 KB)
    cost 12M instructions of a small check's 770M, CRC-32 3M."""
    try:
        with open_regular(path) as fh:
            data = fh.read()
    except OSError:
        return None
    if len(data) < _HEADER.size:
        return None
    crc, length = _HEADER.unpack_from(data)
    payload = data[_HEADER.size :]
    return payload if length == len(payload) and crc == zlib.crc32(payload) else None


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """``open(path, "rb")`` of a cache file, refusing (OSError) what is not a regular file: a
    FIFO in the file's place would block the open, and the run with it, forever.

    Refused too: a file another user owns, or one anyone may write.  What
    the caches hold is run (compiled code) or unpickled (stored findings), so a cache directory
    that others can write to (``SFTLINT_CACHE_DIR=/tmp/shared``) must not let them plant an
    entry: such a file is a miss, and the run lints (and rebuilds) as if it were absent.  (A
    group-writable file is trusted: with the usual umask 002 and a group of one's own, every
    file is.)"""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{path}: not a regular file")
        if _MY_UID is not None and (st.st_uid != _MY_UID or st.st_mode & stat.S_IWOTH):
            raise OSError(f"{path}: owned by another user or writable by anyone: not trusted")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


#: The user whose cache files are trusted (None where the platform has no user ids).
_MY_UID: int | None = os.geteuid() if hasattr(os, "geteuid") else None


def write_digested(path: Path, payload: bytes) -> None:
    """Store ``payload`` atomically behind its CRC-32 and length, for :func:`read_digested`."""
    header = _HEADER.pack(zlib.crc32(payload), len(payload))
    atomic_write(path, lambda fh: fh.write(header + payload))


def _key_of(name: str, pattern: str) -> str | None:
    """The key that ``pattern``'s one ``*`` stands for in file ``name``, or None if it does not match."""
    prefix, _, suffix = pattern.partition("*")
    if len(name) <= len(prefix) + len(suffix) or not (name.startswith(prefix) and name.endswith(suffix)):
        return None
    key = name[len(prefix) : len(name) - len(suffix)]
    return key if key.isalnum() else None


def remove_others(path: Path, *patterns: str, keep: int = KEEP_OTHERS) -> None:
    """Keep ``path``'s version and the ``keep`` most recently used others; delete the rest.

    ``patterns`` are globs with one ``*`` standing for the key (``typo-store-*.bin``); the
    files of one key under every pattern are one version, as recent as the most recently
    used of them (:func:`touch`), kept or deleted together.  ``path``'s own version is never
    deleted, however old.  Temporary files of these kinds older than
    :data:`STALE_TMP_SECONDS` (a writer killed mid-write) go too.  Best effort: a file that
    cannot be read or deleted is left alone.
    """
    import time

    current = next((k for p in patterns if (k := _key_of(path.name, p)) is not None), None)
    prefixes = tuple(p.partition("*")[0] for p in patterns)
    versions: dict[str, list[Any]] = {}  # key -> [last use, files]
    old_tmp = time.time() - STALE_TMP_SECONDS
    with contextlib.suppress(OSError), os.scandir(path.parent) as entries:
        for entry in entries:
            name = entry.name
            if not name.startswith(prefixes):
                continue
            try:
                mtime = entry.stat(follow_symlinks=False).st_mtime
            except OSError:
                continue
            if name.endswith(".tmp"):
                if mtime < old_tmp:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                continue
            key = next((k for p in patterns if (k := _key_of(name, p)) is not None), None)
            if key is None or key == current:
                continue
            version = versions.setdefault(key, [mtime, []])
            version[0] = max(version[0], mtime)
            version[1].append(entry.path)
    ranked = sorted(versions.items(), key=lambda kv: (kv[1][0], kv[0]), reverse=True)
    for _, (_, files) in ranked[keep:]:
        for file in files:
            with contextlib.suppress(OSError):
                os.unlink(file)


def content_digest(name: str, files: Sequence[str | None]) -> str:
    """A digest of the content of ``files``, the same wherever and whenever they were installed.

    Hashing a model's data files (16 MB for the typo model, about 15 ms) on every start would
    cost more than the rest of a small check's use of the model, so the digest is found
    through an *alias*: a tiny file named by the files' paths, sizes and modification times,
    holding the digest.  Only a new installation (or a changed file) hashes; a missing or
    damaged alias is simply made again.  A file that cannot be read gives a key of the
    identities alone (the build that needs the file will fail as it would anyway).
    """
    ident: list[tuple[str, int, int]] = []
    for file in files:
        try:
            st = os.stat(file) if file else None
        except OSError:
            st = None
        if file is None or st is None:
            return cache_key(name, "unreadable", list(files))
        ident.append((file, st.st_size, st.st_mtime_ns))
    alias = cache_dir() / f"{name}-{cache_key(name, ident)}.alias"
    with contextlib.suppress(OSError), open_regular(alias) as fh:
        text = fh.read()
        if _is_digest(text):
            touch(alias)
            return text[:-1].decode("ascii")
    digest = _hash_files(files)
    if digest is None:
        return cache_key(name, "unreadable", ident)
    with contextlib.suppress(OSError):
        atomic_write(alias, lambda fh: fh.write(digest.encode("ascii") + b"\n"))
        remove_others(alias, f"{name}-*.alias", keep=KEEP_SMALL)
    return digest


#: Hex digits in a digest that :func:`content_digest` hands out.
_DIGEST_HEX = 32


def _is_digest(text: bytes) -> bool:
    return (
        len(text) == _DIGEST_HEX + 1
        and text.endswith(b"\n")
        and all(c in b"0123456789abcdef" for c in text[:-1])
    )


def _hash_files(files: Sequence[str | None]) -> str | None:
    """SHA-256 of the files' names, sizes and bytes, in order (None if one cannot be read)."""
    h = hashlib.sha256()
    try:
        for file in files:
            if file is None:
                return None
            with open(file, "rb") as fh:
                h.update(f"{os.path.basename(file)}\0{os.fstat(fh.fileno()).st_size}\0".encode())
                while chunk := fh.read(_CHUNK):
                    h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()[:_DIGEST_HEX]

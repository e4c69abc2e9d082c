"""Which files a run lints: paths as given, directories searched for data files."""

from __future__ import annotations

import os
from collections.abc import Iterable

DATA_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz")
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


def is_data_file(name: str) -> bool:
    return name.endswith(DATA_SUFFIXES)


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Files to lint, in a stable order.  Directories are searched recursively
    for ``*.jsonl``/``*.json`` (and their ``.gz``); paths given explicitly are
    kept as they are (so ``sftlint check data.txt`` still lints it)."""
    out: list[str] = []
    for path in paths:
        if path != "-" and os.path.isdir(path):
            found = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                found.extend(os.path.join(root, f) for f in files if is_data_file(f))
            out.extend(sorted(found))
        else:
            out.append(path)
    return out

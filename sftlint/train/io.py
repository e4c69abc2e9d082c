"""Small file helpers for the training module: JSONL in, atomic JSONL out.

Outputs are written to a temporary file in the target directory and moved
into place with ``os.replace``, so an interrupted ``split`` or ``export``
never leaves a half-written training file that a trainer would later read
(``datasets`` aborts a whole load on one truncated line).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sftlint.atomic import new_file_mode


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a JSONL file written by this module (skips blank lines).

    Only for files we wrote ourselves or that already passed the linter; user
    data goes through ``sftlint.load_records`` so that bad lines are findings.
    """
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def dumps(obj: Any) -> str:
    """One JSONL line: compact, non-ASCII kept readable (Chinese stays Chinese)."""
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


def write_jsonl_atomic(path: str | Path, rows: Iterable[Any]) -> int:
    """Write ``rows`` as JSONL to ``path`` atomically; return the number of rows."""
    return write_text_atomic(path, (dumps(r) + "\n" for r in rows))


def write_text_atomic(path: str | Path, chunks: Iterable[str]) -> int:
    """Write text chunks to ``path`` via a temp file + ``os.replace``; return the chunk count."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            for chunk in chunks:
                fh.write(chunk)
                count += 1
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, new_file_mode())  # mkstemp makes 0600; the user's umask decides
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return count

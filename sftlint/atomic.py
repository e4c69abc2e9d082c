"""Atomic file replacement: write a temporary file beside the target, then rename.

Anything that rewrites a user's file goes through here, so an interrupted run
leaves either the old file or the new one, never half of each.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import IO


def new_file_mode() -> int:
    """Permissions a plain ``open(path, "w")`` would give a new file: 0o666 less the umask.

    ``tempfile.mkstemp`` creates its file 0600 whatever the umask; a file the tool
    writes for the user (a split, a config, a fixed dataset) must be readable as
    any other file they make (0644 under umask 022), so the temp file is chmod-ed
    before it is moved into place.
    """
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_writer(
    path: str, mode: str = "wb", like: os.stat_result | None = None, errors: str = "strict"
) -> Iterator[IO]:
    """Write ``path`` through a temporary file renamed over it.  ``like``: the stat of the file
    being replaced, whose mode and (where permitted) owner the new file keeps; ``errors``: how a
    text file encodes what UTF-8 cannot (a report quoting a lone surrogate)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".sftlint-", suffix=".tmp", dir=directory)
    text = {"encoding": "utf-8", "newline": "", "errors": errors}
    try:
        with os.fdopen(fd, mode, **(text if "b" not in mode else {})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if like is None:
            with contextlib.suppress(FileNotFoundError):
                like = os.stat(path)
        if like is not None:  # an existing file keeps its permissions and (where permitted) owner
            os.chmod(tmp, like.st_mode & 0o7777)
            with contextlib.suppress(OSError):  # only root may give a file away
                os.chown(tmp, like.st_uid, like.st_gid)
        else:
            os.chmod(tmp, new_file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str, text: str) -> None:
    with atomic_writer(path, "w") as fh:
        fh.write(text)

"""``sftlint check --watch``: check again whenever a checked file or the configuration changes.

Polling, not OS notifications: it needs no dependency, behaves the same on every platform and
file system (network mounts included), and a dataset folder holds few enough files that a stat
of each twice a second costs nothing next to a lint run.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence

from sftlint.config import CONFIG_FILES

#: Seconds between two looks at the files.
POLL_S = 0.5


def snapshot(paths: Sequence[str], config: str | None) -> dict[str, tuple[int, int]]:
    """``path -> (mtime_ns, size)`` of every data file below ``paths`` and of the config files
    that could apply (the explicit one, or those found upward from where discovery starts: the
    first path, as :func:`sftlint.config.discover_settings` does, else the current directory)."""
    from sftlint.files import expand_paths

    named = [p for p in paths if p != "-"]
    watched = [p for p in expand_paths(named) if os.path.isfile(p)]
    if config:
        watched.append(config)
    else:
        here = os.path.abspath(named[0] if named else os.getcwd())
        if not os.path.isdir(here):
            here = os.path.dirname(here)
        for directory in (here, *_parents(here)):
            watched.extend(os.path.join(directory, name) for name in CONFIG_FILES)
    out: dict[str, tuple[int, int]] = {}
    for path in watched:
        try:
            st = os.stat(path)
        except OSError:
            continue
        out[path] = (st.st_mtime_ns, st.st_size)
    return out


def _parents(path: str) -> list[str]:
    out = []
    while True:
        parent = os.path.dirname(path)
        if parent == path:
            return out
        out.append(parent)
        path = parent


def watch(check: Callable[[], int], paths: Sequence[str], config: str | None, poll: float = POLL_S) -> int:
    """Run ``check`` now and after every change, until interrupted; return the last exit code."""
    if "-" in paths:
        sys.stderr.write("sftlint: error: --watch cannot watch standard input\n")
        return 2
    seen = snapshot(paths, config)  # before the check: a change made while it runs is seen
    code = check()
    try:
        while True:
            sys.stderr.write("Watching for changes (Ctrl-C to stop) ...\n")
            sys.stderr.flush()
            while True:
                time.sleep(poll)
                now = snapshot(paths, config)
                if now != seen:
                    break
            changed = sorted(p for p in now.keys() | seen.keys() if now.get(p) != seen.get(p))
            seen = now
            sys.stdout.write(f"\n[{time.strftime('%H:%M:%S')}] changed: {', '.join(changed)}\n")
            sys.stdout.flush()
            code = check()
    except KeyboardInterrupt:
        return code

"""The reporter interface and the run summary every reporter receives at the end."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, ClassVar

from sftlint.diagnostic import Diagnostic
from sftlint.fixes import can_rewrite


@dataclass
class RunSummary:
    """What a run found, for the closing lines of a report."""

    counts: Counter[str] = field(default_factory=Counter)  # by severity
    by_code: Counter[str] = field(default_factory=Counter)
    names: dict[str, str] = field(default_factory=dict)  # code -> name
    fixable: Counter[str] = field(default_factory=Counter)  # by code: fixes `--fix` would apply
    hidden_fixes: int = 0  # unsafe fixes that `--unsafe-fixes` would add
    fixed: int = 0
    files: int = 0
    records: int = 0
    baselined: int = 0
    suppressed: int = 0  # reviewed findings silenced by the suppressions file
    errors: list[str] = field(default_factory=list)  # internal errors (exit 2)
    unsafe_fixes: bool = False  # --unsafe-fixes: unsafe fixes count as fixable
    _rewritable: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)

    def add(self, d: Diagnostic) -> None:
        """Count ``d``: the findings it stands for (a closing diagnostic counts every finding past
        ``max-findings-per-record``, and the fixes it carries)."""
        n = d.count
        self.counts[d.severity] += n
        self.by_code[d.code] += n
        self.names[d.code] = d.name
        if d.fix is None:
            return
        rewritable = self._rewritable.get(d.path)
        if rewritable is None:  # asked once a path: it looks at the file system
            rewritable = self._rewritable[d.path] = can_rewrite(d.path)
        if not rewritable:
            return  # a .gz file or standard input: nothing `--fix` could write back
        fixes = d.data.get("fixes", 1) if n > 1 else 1
        if d.fix.applicability == "safe" or self.unsafe_fixes:
            self.fixable[d.code] += fixes
        else:
            self.hidden_fixes += fixes


class Reporter:
    """Base class: subclasses write diagnostics to ``stream`` as they arrive."""

    name: ClassVar[str] = ""
    #: whether this format may be mixed with human text (statistics, summary)
    human: ClassVar[bool] = False

    def __init__(
        self, stream: IO[str], *, color: bool = False, root: str | None = None, show_fixes: bool = True
    ) -> None:
        self.stream = stream
        self.color = color
        self.root = root
        self.show_fixes = show_fixes

    #: each path's relative form, worked out once a run (``os.path.relpath`` reads the working
    #: directory, and a file may have thousands of findings)
    _relpaths: dict[str, str] | None = None

    #: whether ``--fix`` can write to each path (:func:`can_rewrite` looks at the file system)
    _rewritable: dict[str, bool] | None = None

    def rewritable(self, path: str) -> bool:
        cache = self._rewritable
        if cache is None:
            cache = self._rewritable = {}
        known = cache.get(path)
        if known is None:
            known = cache[path] = can_rewrite(path)
        return known

    def relpath(self, path: str) -> str:
        cache = self._relpaths
        if cache is None:
            cache = self._relpaths = {}
        rel = cache.get(path)
        if rel is None:
            rel = cache[path] = self._relpath(path)
        return rel

    def _relpath(self, path: str) -> str:
        if path in ("-", "<memory>", "<dataset>") or not self.root:
            return path
        try:
            rel = os.path.relpath(path, self.root)
        except ValueError:
            return path
        return path if rel.startswith("..") else rel

    def start(self) -> None:
        pass

    def diagnostic(self, d: Diagnostic) -> None:
        raise NotImplementedError

    def finish(self, summary: RunSummary) -> None:
        pass

"""``.gitignore`` matching, written here so the core needs no extra dependency.

Follows git's documented rules (gitignore(5)): blank lines and ``#`` comments
are skipped, ``!`` re-includes, a trailing ``/`` matches directories only, a
pattern with a slash anywhere but at its end is anchored to the directory of
its ``.gitignore`` and one without matches at any depth, ``*`` and ``?`` stop
at ``/``, ``**`` spans directories.  Deeper ``.gitignore`` files and later
lines win.  As in git, nothing below an ignored directory can be re-included:
the walk never enters such a directory.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pattern:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _class(pat: str, i: int) -> tuple[str, int] | None:
    """A ``[...]`` character class starting at ``pat[i]``: its regex and the index after it."""
    j = i + 1
    if j < len(pat) and pat[j] in "!^":
        j += 1
    if j < len(pat) and pat[j] == "]":
        j += 1
    while j < len(pat) and pat[j] != "]":
        j += 1
    if j >= len(pat):
        return None
    body = pat[i + 1 : j]
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    body = body.replace("\\", "\\\\")
    return ("[^/" if negate else "[") + body + "]", j + 1


def translate(pat: str) -> str:
    """The regex (without anchors) of one glob in git's dialect."""
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if c == "*":
            if pat.startswith("**", i) and (i == 0 or pat[i - 1] == "/"):
                end = i + 2
                if end == n:
                    out.append(".*")
                    i = end
                    continue
                if pat[end] == "/":
                    out.append("(?:.*/)?")
                    i = end + 1
                    continue
            while i < n and pat[i] == "*":
                i += 1
            out.append("[^/]*")
            continue
        if c == "?":
            out.append("[^/]")
        elif c == "[":
            cls = _class(pat, i)
            if cls is not None:
                out.append(cls[0])
                i = cls[1]
                continue
            out.append(re.escape(c))
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pat[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def parse_line(line: str) -> Pattern | None:
    """One line of a ``.gitignore``, or None for a blank line or a comment."""
    line = line.rstrip("\n").rstrip("\r")
    # trailing spaces are ignored unless escaped with a backslash
    while line.endswith(" ") and not line.endswith("\\ "):
        line = line[:-1]
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    if negate or line.startswith(("\\!", "\\#")):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    body = translate(line)
    regex = ("" if anchored else "(?:.*/)?") + body
    return Pattern(re.compile(f"^{regex}$", re.DOTALL), negate, dir_only)


def parse(text: str) -> list[Pattern]:
    return [p for p in map(parse_line, text.splitlines()) if p is not None]


def _read(path: str) -> tuple[Pattern, ...]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return tuple(parse(fh.read()))
    except OSError:
        return ()


def within(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` or below it (both absolute)."""
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives
        return False


def find_git_root(start: str) -> str | None:
    """The nearest directory at or above ``start`` that holds ``.git``."""
    here = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


Layer = tuple[str, tuple[Pattern, ...]]


class GitIgnore:
    """The ``.gitignore`` files that apply below a directory, read once each.

    Layers come from the enclosing git repository's root down (its
    ``.git/info/exclude`` first); outside a repository, from the directory the
    walk starts at down.
    """

    def __init__(self) -> None:
        self._layers: dict[str, tuple[Layer, ...]] = {}
        self._files: dict[str, tuple[Pattern, ...]] = {}

    def _read(self, path: str) -> tuple[Pattern, ...]:
        """A .gitignore's rules, read once per walk (a new walk sees edits)."""
        got = self._files.get(path)
        if got is None:
            got = self._files[path] = _read(path)
        return got

    def layers(self, directory: str, top: str | None = None) -> tuple[Layer, ...]:
        """The rule layers in force for entries of ``directory`` (absolute)."""
        cached = self._layers.get(directory)
        if cached is not None:
            return cached
        root = find_git_root(directory)
        stop = root or top or directory
        parent = os.path.dirname(directory)
        if directory == stop or parent == directory or not within(directory, stop):
            inherited: tuple[Layer, ...] = ()
            if root is not None and directory == root:
                info = self._read(os.path.join(root, ".git", "info", "exclude"))
                if info:
                    inherited = ((root, info),)
        else:
            inherited = self.layers(parent, top)
        own = self._read(os.path.join(directory, ".gitignore"))
        result = (*inherited, (directory, own)) if own else inherited
        self._layers[directory] = result
        return result

    def ignored(self, path: str, is_dir: bool, top: str | None = None) -> bool:
        """Whether ``path`` (absolute) is ignored by the rules of its directory."""
        decision = False
        for base, patterns in self.layers(os.path.dirname(path), top):
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            if rel.startswith("../"):
                continue
            for p in patterns:
                if p.dir_only and not is_dir:
                    continue
                if p.regex.match(rel):
                    decision = not p.negate
        return decision

    def ignored_with_parents(self, path: str, top: str | None = None) -> bool:
        """Whether ``path`` or any directory above it (up to the repository root) is ignored."""
        path = os.path.abspath(path)
        root = find_git_root(os.path.dirname(path))
        if root is None:
            # outside a repository: the .gitignore files from the working directory down
            cwd = os.getcwd()
            root = top or (cwd if within(path, cwd) else os.path.dirname(path))
        top = root
        chain = []
        here = path
        while within(here, root) and here != root:
            chain.append(here)
            parent = os.path.dirname(here)
            if parent == here:
                break
            here = parent
        for k, p in enumerate(reversed(chain)):
            is_dir = k < len(chain) - 1 or os.path.isdir(p)
            if self.ignored(p, is_dir, top):
                return True
        return False

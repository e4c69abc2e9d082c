"""Configuration: discovery, validation and rule selection.

Settings come from ``[tool.sftlint]`` in ``pyproject.toml`` or from an
``sftlint.toml`` (top-level keys), found by walking up from the first path
being linted; CLI flags override them.  Everything is validated: an unknown key
or a value of the wrong type is a :class:`ConfigError` naming the key, which
the CLI turns into exit code 2 — a typo in configuration must never silently
disable a check.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from sftlint.rule import Rule, RuleOptions

CONFIG_FILES = ("sftlint.toml", "pyproject.toml")


class ConfigError(Exception):
    """Invalid configuration or selection (exit code 2)."""


@dataclass
class Settings:
    """Resolved settings for one run."""

    select: list[str] | None = None  # None: the rules enabled by default
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    fail_on: Literal["error", "warning"] = "error"
    format: str | None = None  # input format name; None = auto-detect per file
    output_format: str | None = None
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule name/code -> options
    max_record_bytes: int | None = None
    suppressions: str | None = None  # the suppressions file (relative to the config file)
    #: seconds a record's rules may take together before the running one is stopped and
    #: reported (a hanging plugin rule); 0 turns the limit off
    record_time_limit: float = 10.0
    #: findings of one rule on one record listed one by one; the rest become one closing
    #: diagnostic that counts them and carries all their fixes (0: no limit)
    max_findings_per_record: int = 100
    config_path: str | None = None
    #: file selection (globs relative to the config file's directory, see sftlint.files)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    #: ``[tool.sftlint.format]`` as a table: a column mapping (see sftlint.formats.mapping)
    format_mapping: dict[str, Any] | None = None

    @property
    def config_dir(self) -> str | None:
        """The directory of the config file these settings came from (globs are relative to it)."""
        if self.config_path is None or self.config_path.startswith("<"):
            return None
        return os.path.dirname(os.path.abspath(self.config_path))

    def merged(self, **overrides: Any) -> Settings:
        """A copy with the non-None overrides applied (CLI flags win)."""
        values = {k: v for k, v in overrides.items() if v is not None}
        new = Settings(**{**self.__dict__, **values})
        return new


# -- reading -----------------------------------------------------------------

_KEYS = {
    "select": list,
    "extend-select": list,
    "ignore": list,
    "per-file-ignores": dict,
    "fail-on": str,
    "format": str,
    "output-format": str,
    "rules": dict,
    "max-record-bytes": int,
    "exclude": list,
    "extend-exclude": list,
    "respect-gitignore": bool,
    "suppressions": str,
    "record-time-limit": float,
    "max-findings-per-record": int,
}
#: Numeric keys that must be > 0, and those that must be >= 0.
_POSITIVE = {"max-record-bytes"}
_NON_NEGATIVE = {"record-time-limit"}


def _type_name(t: type) -> str:
    return {
        list: "a list of strings",
        dict: "a table",
        str: "a string",
        int: "an integer",
        bool: "true or false",
        float: "a number",
    }[t]


def settings_from_mapping(table: Mapping[str, Any], source: str) -> Settings:
    """Validate a ``[tool.sftlint]`` table into :class:`Settings`."""
    settings = Settings(config_path=source)
    for key, value in table.items():
        norm = key.replace("_", "-")
        expected = _KEYS.get(norm)
        if expected is None:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{source}: unknown key {key!r} in [tool.sftlint] (known keys: {known})")
        if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"{source}: {key!r} must be {_type_name(expected)}, got {value!r}")
        if norm == "format" and isinstance(value, dict):
            from sftlint.formats.mapping import MappingError, spec_from_config

            try:
                spec_from_config(value, source)
            except MappingError as exc:
                raise ConfigError(str(exc)) from None
            settings.format_mapping = value
            continue
        if expected is float:
            pass  # checked below with the range
        elif expected is not int and not isinstance(value, expected):
            raise ConfigError(f"{source}: {key!r} must be {_type_name(expected)}, got {value!r}")
        if expected is list and not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{source}: {key!r} must be a list of strings, got {value!r}")
        attr = norm.replace("-", "_")
        if norm == "per-file-ignores":
            for pattern, codes in value.items():
                if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                    raise ConfigError(
                        f"{source}: per-file-ignores[{pattern!r}] must be a list of rule selectors"
                    )
        if norm in _POSITIVE and not value > 0:
            raise ConfigError(f"{source}: {key!r} must be a positive number, got {value!r}")
        if norm == "max-findings-per-record" and value < 0:
            raise ConfigError(f"{source}: {key!r} must be a number >= 0 (0: no limit), got {value!r}")
        if norm in _NON_NEGATIVE and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
        ):
            raise ConfigError(
                f"{source}: {key!r} must be a number of seconds >= 0 (0: no limit), got {value!r}"
            )
        if norm == "fail-on" and value not in ("error", "warning"):
            raise ConfigError(f'{source}: \'fail-on\' must be "error" or "warning", got {value!r}')
        if norm == "rules":
            for rule_name, options in value.items():
                if not isinstance(options, dict):
                    raise ConfigError(f"{source}: [tool.sftlint.rules.{rule_name}] must be a table")
        setattr(settings, attr, value)
    return settings


def load_config_file(path: str | os.PathLike[str]) -> Settings:
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: configuration file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    tool = doc.get("tool", {})
    if not isinstance(tool, dict):
        if path.name == "pyproject.toml":
            raise ConfigError(f"{path}: 'tool' must be a table ([tool.sftlint]), got {tool!r}")
        tool = {}
    if path.name == "pyproject.toml":
        table = tool.get("sftlint", {})
    else:
        table = tool.get("sftlint", doc) if "tool" in doc else doc
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.sftlint] must be a table, got {table!r}")
    return settings_from_mapping(table, str(path))


def find_config(start: str | os.PathLike[str]) -> Path | None:
    """The nearest ``sftlint.toml`` or ``pyproject.toml`` with ``[tool.sftlint]``."""
    here = Path(start).resolve()
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml":
                try:
                    with open(candidate, "rb") as fh:
                        doc = tomllib.load(fh)
                except OSError:
                    continue
                except tomllib.TOMLDecodeError as exc:
                    raise ConfigError(f"{candidate}: invalid TOML: {exc}") from exc
                tool = doc.get("tool", {})
                if not isinstance(tool, dict):
                    raise ConfigError(f"{candidate}: 'tool' must be a table ([tool.sftlint]), got {tool!r}")
                if "sftlint" not in tool:
                    continue
            return candidate
    return None


def discover_settings(paths: Iterable[str], config: str | None = None) -> Settings:
    """Settings from ``config`` if given, else found upward from the first path."""
    if config is not None:
        return load_config_file(config)
    first = next((p for p in paths if p != "-"), None)
    start = first if first is not None else os.getcwd()
    found = find_config(start)
    return load_config_file(found) if found else Settings()


# -- selection -----------------------------------------------------------------


def _match(selector: str, rules: Mapping[str, type[Rule]]) -> list[str]:
    sel = selector.strip()
    if sel.upper() == "ALL":
        return list(rules)
    if sel in rules:
        return [sel]
    upper = sel.upper()
    if upper in rules:
        return [upper]
    by_name = [code for code, r in rules.items() if r.name == sel.lower()]
    if by_name:
        return by_name
    prefix = [code for code in rules if code.startswith(upper)]
    if prefix and upper[:1].isalpha():
        return prefix
    raise ConfigError(
        f"unknown rule selector {selector!r} (use a code like R003, a prefix like R or K1, "
        "a rule name like action-colons, or ALL; `sftlint rules` lists them)"
    )


def _expand(selectors: Iterable[str], rules: Mapping[str, type[Rule]]) -> set[str]:
    out: set[str] = set()
    for sel in selectors:
        out.update(_match(sel, rules))
    return out


def select_rules(rules: Mapping[str, type[Rule]], settings: Settings) -> list[type[Rule]]:
    """The rule classes a run uses: select (or defaults) + extend-select - ignore."""
    if settings.select is None:
        chosen = {code for code, r in rules.items() if r.default_enabled}
    else:
        chosen = _expand(settings.select, rules)
    chosen |= _expand(settings.extend_select, rules)
    chosen -= _expand(settings.ignore, rules)
    return [rules[code] for code in sorted(chosen)]


def config_root(settings: Settings) -> str:
    """The directory that globs in the configuration are relative to: the directory of the
    config file that set them (as ruff does), else the current directory."""
    if settings.config_path and os.path.isfile(settings.config_path):
        return os.path.dirname(os.path.abspath(settings.config_path))
    return os.getcwd()


def relative_to_config(path: str, settings: Settings) -> str:
    """``path`` as the configuration's globs see it: relative to :func:`config_root`, with
    ``/`` separators, so a glob means the same files from any working directory."""
    if path in ("-", "") or path.startswith("<"):
        return path
    rel = os.path.relpath(os.path.abspath(path), config_root(settings))
    return rel.replace(os.sep, "/")


def glob_matches(pattern: str, rel_path: str) -> bool:
    """Does a configuration glob match a config-relative path?  A pattern with a ``/`` is
    anchored at the config's directory (``legacy/*.jsonl``, ``data/**``); one without
    matches the file name in any directory (``*.gz``, ``old.jsonl``)."""
    pattern = pattern.removeprefix("./")
    if "/" not in pattern.rstrip("/"):
        return fnmatch.fnmatch(rel_path.rsplit("/", 1)[-1], pattern)
    if pattern.endswith("/**") and (rel_path + "/").startswith(pattern[:-2]):
        return True
    return fnmatch.fnmatch(rel_path, pattern)


def ignored_for_path(path: str, settings: Settings, rules: Mapping[str, type[Rule]]) -> set[str]:
    """Codes ignored for ``path`` by ``per-file-ignores`` (globs relative to the config file's
    directory, so ``cd legacy && sftlint check a.jsonl`` hides what ``sftlint check legacy/a.jsonl`` does)."""
    out: set[str] = set()
    if not settings.per_file_ignores:
        return out
    rel = relative_to_config(path, settings)
    for pattern, selectors in settings.per_file_ignores.items():
        if glob_matches(pattern, rel):
            out |= _expand(selectors, rules)
    return out


COMMON_RULE_KEYS = ("severity",)


def rule_options(rule: type[Rule], settings: Settings) -> tuple[RuleOptions, str | None]:
    """Validated options for ``rule`` and its severity override (if any)."""
    from pydantic import ValidationError

    raw: dict[str, Any] = {}
    for key in (rule.name, rule.code):
        if key in settings.rules:
            raw.update(settings.rules[key])
    severity = raw.pop("severity", None)
    if severity is not None and severity not in ("error", "warning", "info"):
        raise ConfigError(
            f"[tool.sftlint.rules.{rule.name}] severity must be error, warning or info, got {severity!r}"
        )
    values = {k.replace("-", "_"): v for k, v in raw.items()}
    if not values:
        return rule.Options.defaults(), severity
    try:
        return rule.Options(**values), severity
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p).replace("_", "-") for p in err["loc"])
            if err["type"] == "extra_forbidden":
                known = ", ".join(k.replace("_", "-") for k in rule.Options.model_fields) or "none"
                problems.append(f"unknown option {key!r} (known: {known})")
            else:
                problems.append(f"{key!r}: {err['msg']}")
        raise ConfigError(f"[tool.sftlint.rules.{rule.name}] " + "; ".join(problems)) from None


def check_settings(settings: Settings, rules: Mapping[str, type[Rule]]) -> None:
    """What can only be checked once the rules are known, or what came from flags: every
    selector in ``per-file-ignores`` names rules, numbers are in range."""
    for pattern, selectors in settings.per_file_ignores.items():
        try:
            _expand(selectors, rules)
        except ConfigError as exc:
            raise ConfigError(f"per-file-ignores[{pattern!r}]: {exc}") from None
    limit = settings.max_record_bytes
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ConfigError(f"max-record-bytes must be a positive number of bytes, got {limit!r}")
    cap = settings.max_findings_per_record
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
        raise ConfigError(f"max-findings-per-record must be a whole number >= 0 (0: no limit), got {cap!r}")
    seconds = settings.record_time_limit
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise ConfigError(f"record-time-limit must be a number of seconds >= 0, got {seconds!r}")


def check_rule_tables(settings: Settings, rules: Mapping[str, type[Rule]]) -> None:
    """Every ``[tool.sftlint.rules.X]`` must name a known rule."""
    names = {r.name for r in rules.values()} | set(rules)
    for key in settings.rules:
        if key not in names:
            raise ConfigError(
                f"[tool.sftlint.rules.{key}]: no rule named {key!r} (`sftlint rules` lists names and codes)"
            )

"""The plugin manager: discovers built-in and third-party plugins via pluggy.

Built-ins register through the same ``sftlint`` entry-point group as external
plugins.  A plugin that fails to import or whose hook raises is *reported*
(see :attr:`PluginRegistry.errors`), never fatal: the run goes on with the rest
and the CLI exits 2 so the failure is not silently ignored.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pluggy

from sftlint import hookspecs

if TYPE_CHECKING:
    from sftlint.formats.base import InputFormat
    from sftlint.report.base import Reporter
    from sftlint.rule import Rule

# Fallback when the distribution metadata is not installed (running from a
# source tree): the same modules the entry points name.
_BUILTIN_PLUGINS = {
    "formats": "sftlint.formats",
    "reporters": "sftlint.report",
    "rules": "sftlint.rules",
}


@dataclass
class PluginInfo:
    name: str
    module: str
    distribution: str
    version: str


@dataclass
class PluginRegistry:
    """Everything the plugins provided, collected once per process."""

    manager: pluggy.PluginManager
    plugins: list[PluginInfo] = field(default_factory=list)
    rules: dict[str, type[Rule]] = field(default_factory=dict)  # by code
    formats: dict[str, InputFormat] = field(default_factory=dict)
    reporters: dict[str, type[Reporter]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def rule_by_name(self) -> dict[str, type[Rule]]:
        return {r.name: r for r in self.rules.values()}


def _new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def _environment_key() -> str:
    """What the installed entry points depend on: the interpreter and every directory on
    ``sys.path`` with its modification time (installing, upgrading or removing a
    distribution adds or removes an entry in its site directory, which changes that time)."""
    import os
    import sys

    from sftlint.analysis.text.cache import cache_key

    dirs = []
    for entry in sys.path:
        try:
            dirs.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            continue
    return cache_key("entry-points", sys.executable, dirs)


def _scan_entry_points() -> tuple[tuple[str, str, str, str], ...]:
    """``(name, value, distribution, version)`` of every ``sftlint`` entry point, from metadata."""
    from importlib.metadata import entry_points

    out = []
    for ep in entry_points(group=hookspecs.PROJECT):
        dist = getattr(ep, "dist", None)
        out.append(
            (
                ep.name,
                ep.value,
                dist.name if dist is not None else "?",
                dist.version if dist is not None else "?",
            )
        )
    return tuple(out)


def discovered_entry_points(refresh: bool = False) -> tuple[tuple[str, str, str, str], ...]:
    """The ``sftlint`` entry points, cached on disk per environment.

    Scanning the metadata of every installed distribution costs about 50 ms, a sixth of
    what a pre-commit run may take; the cache is keyed by :func:`_environment_key`, so
    any install or removal on ``sys.path`` makes a fresh scan.  So does any other change
    to a directory on ``sys.path`` (the working directory under ``python -m``, a test's
    temporary directory): the key changes with every file created there, one small file
    each time, which is why only the :data:`~sftlint.analysis.text.cache.KEEP_SMALL` most
    recently used are kept.
    """
    from sftlint.analysis.text.cache import KEEP_SMALL, load_or_build

    return load_or_build(
        "entry-points",
        _environment_key(),
        _scan_entry_points,
        refresh=refresh,
        valid=_are_entries,
        keep=KEEP_SMALL,  # one small file per environment (and per change to its sys.path)
    )


def _are_entries(value: Any) -> bool:
    """Whether a cached value has the shape :func:`_scan_entry_points` returns (a damaged or
    foreign file is scanned again, never misread)."""
    return type(value) is tuple and all(
        type(e) is tuple and len(e) == 4 and all(type(f) is str for f in e) for e in value
    )


def _load_value(value: str) -> Any:
    """What an entry point's ``module:attr`` value names (``ep.load()`` without the metadata)."""
    module, _, attr = value.partition(":")
    obj: Any = importlib.import_module(module.strip())
    attr = attr.split("[", 1)[0].strip()
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


def _load_all(
    entries: tuple[tuple[str, str, str, str], ...],
) -> tuple[list[tuple[str, str, str, str, Any]], list[tuple[str, str, Exception]]]:
    """Import every entry point: ``(entry, its object)`` for those that load, the failures apart."""
    loaded: list[tuple[str, str, str, str, Any]] = []
    failed: list[tuple[str, str, Exception]] = []
    for name, value, dist_name, version in entries:
        try:
            loaded.append((name, value, dist_name, version, _load_value(value)))
        except Exception as exc:
            failed.append((name, dist_name, exc))
    return loaded, failed


def _load_entry_points(pm: pluggy.PluginManager, registry: PluginRegistry) -> None:
    entries = discovered_entry_points()
    loaded, failed = _load_all(entries)
    if failed:  # perhaps a stale cache: ask the metadata itself once
        fresh = discovered_entry_points(refresh=True)
        if fresh != entries:
            loaded, failed = _load_all(fresh)
    for name, dist_name, exc in failed:  # a broken plugin must not break the run
        registry.errors.append(f"plugin {name!r} ({dist_name}) failed to load: {type(exc).__name__}: {exc}")
    builtin_modules = set(_BUILTIN_PLUGINS.values())
    seen_builtin = set()
    for name, value, dist_name, version, module in loaded:
        if value in builtin_modules:
            if value in seen_builtin:
                continue
            seen_builtin.add(value)
        try:
            pm.register(module, name=name if value not in builtin_modules else value)
        except Exception as exc:
            registry.errors.append(
                f"plugin {name!r} ({dist_name}) failed to load: {type(exc).__name__}: {exc}"
            )
            continue
        registry.plugins.append(PluginInfo(name, value, dist_name, version))
    # Source-tree fallback: built-ins that no installed metadata announced.
    for name, modname in _BUILTIN_PLUGINS.items():
        if modname in seen_builtin:
            continue
        module = importlib.import_module(modname)
        pm.register(module, name=modname)
        from sftlint import __version__

        registry.plugins.append(PluginInfo(name, modname, "sftlint", __version__))


def _call_each(pm: pluggy.PluginManager, hookname: str, registry: PluginRegistry) -> list[tuple[str, Any]]:
    """Call a collecting hook plugin by plugin, so one failing plugin is isolated."""
    results = []
    hook = getattr(pm.hook, hookname)
    builtin = set(_BUILTIN_PLUGINS.values())
    # Built-ins first, so that on a duplicate code the built-in rule is kept
    # and the third-party one is reported.
    impls = sorted(hook.get_hookimpls(), key=lambda impl: impl.plugin_name not in builtin)
    for impl in impls:
        try:
            value = impl.function()
        except Exception as exc:
            registry.errors.append(
                f"plugin {impl.plugin_name!r}: hook {hookname} raised {type(exc).__name__}: {exc}"
            )
            continue
        if value is not None:
            results.append((impl.plugin_name, value))
    return results


def build_registry(extra_plugins: tuple[object, ...] = ()) -> PluginRegistry:
    """Discover plugins and collect their rules, formats and reporters."""
    pm = _new_manager()
    registry = PluginRegistry(manager=pm)
    _load_entry_points(pm, registry)
    for plugin in extra_plugins:
        pm.register(plugin)
        registry.plugins.append(PluginInfo(getattr(plugin, "__name__", repr(plugin)), "", "(api)", ""))
    pm.check_pending()

    owner: dict[str, str] = {}
    for plugin_name, rules in _call_each(pm, "sftlint_rules", registry):
        if not isinstance(rules, (list, tuple)):
            registry.errors.append(
                f"plugin {plugin_name!r}: hook sftlint_rules returned {_short(rules)}, not a list of Rule classes"
            )
            continue
        for rule in rules:
            problem = _rule_problem(rule)
            if problem:
                registry.errors.append(f"plugin {plugin_name!r} returned {_short(rule)}, which {problem}")
                continue
            code = rule.code
            if code in registry.rules:
                registry.errors.append(
                    f"duplicate rule code {code}: provided by {owner[code]!r} and {plugin_name!r}"
                )
                continue
            rule.plugin = plugin_name
            registry.rules[code] = rule
            owner[code] = plugin_name
    for plugin_name, formats in _call_each(pm, "sftlint_input_formats", registry):
        if not isinstance(formats, (list, tuple)):
            registry.errors.append(
                f"plugin {plugin_name!r}: hook sftlint_input_formats returned {_short(formats)}, not a list"
            )
            continue
        for fmt in formats:
            name = getattr(fmt, "name", None)
            if not isinstance(name, str) or not callable(getattr(fmt, "to_messages", None)):
                registry.errors.append(
                    f"plugin {plugin_name!r} returned {_short(fmt)}, which is not an input format "
                    "(an InputFormat with a name)"
                )
                continue
            registry.formats.setdefault(name, fmt)
    for plugin_name, reporters in _call_each(pm, "sftlint_output_formats", registry):
        if not isinstance(reporters, dict):
            registry.errors.append(
                f"plugin {plugin_name!r}: hook sftlint_output_formats returned {_short(reporters)}, "
                "not a dict of name -> Reporter class"
            )
            continue
        for name, reporter in reporters.items():
            if not isinstance(name, str) or not isinstance(reporter, type):
                registry.errors.append(
                    f"plugin {plugin_name!r}: output format {_short(name)} -> {_short(reporter)} is not "
                    "a name and a Reporter class"
                )
                continue
            registry.reporters.setdefault(name, reporter)
    return registry


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _rule_problem(rule: Any) -> str | None:
    """Why ``rule`` cannot be registered, or None."""
    import re

    from sftlint.rule import Rule

    if not (isinstance(rule, type) and issubclass(rule, Rule)):
        return "is not a Rule subclass"
    code = getattr(rule, "code", None)
    if not isinstance(code, str) or not re.fullmatch(r"[A-Z][A-Z0-9]*[0-9]{3}", code):
        return f"has no valid code (got {_short(code)}; a family letter and three digits, like R003)"
    if not isinstance(getattr(rule, "name", None), str):
        return "has no name"
    if getattr(rule, "scope", None) not in ("file", "record", "dataset"):
        return f"has an unknown scope {_short(getattr(rule, 'scope', None))}"
    return None


@lru_cache(maxsize=1)
def default_registry() -> PluginRegistry:
    """The process-wide registry (plugins are discovered once)."""
    return build_registry()


def detect_format(registry: PluginRegistry, sample: list[Any], path: str) -> str | None:
    """The first answer of the ``sftlint_detect_format`` implementations, plugins before the
    built-in detector.  Each is called on its own, so one that raises (reported, by name) or
    answers with something that is not a known format's name does not silence the others."""
    hook = registry.manager.hook.sftlint_detect_format
    builtin = set(_BUILTIN_PLUGINS.values())
    impls = list(reversed(hook.get_hookimpls()))  # pluggy's own order: last registered first
    impls.sort(key=lambda impl: impl.plugin_name in builtin)
    for impl in impls:
        try:
            answer = impl.function(sample=sample, path=path, formats=registry.formats)
        except Exception as exc:
            message = (
                f"plugin {impl.plugin_name!r}: hook sftlint_detect_format raised {type(exc).__name__}: {exc}"
            )
            if message not in registry.errors:
                registry.errors.append(message)
            continue
        if answer is None:
            continue
        if isinstance(answer, str) and answer in registry.formats:
            return answer
        message = (
            f"plugin {impl.plugin_name!r}: hook sftlint_detect_format answered {_short(answer)}, "
            "which is no known input format"
        )
        if message not in registry.errors:
            registry.errors.append(message)
    return None

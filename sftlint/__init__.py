"""sftlint: a linter for supervised fine-tuning (SFT) chat datasets.

Public API::

    import sftlint
    diagnostics = sftlint.lint("data/train.jsonl", select=["S", "R"])
    for d in sftlint.lint_iter(records_in_memory): ...
    sftlint.list_rules()

Plugins use :data:`hookimpl`, :class:`Rule` and :class:`Diagnostic`.  Names are
imported lazily so that ``import sftlint`` stays cheap for the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sftlint.hookspecs import hookimpl

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sftlint.api import lint, lint_iter, lint_ray, list_rules, load_records
    from sftlint.diagnostic import Diagnostic, Edit, Finding, Fix
    from sftlint.record import Message, Record
    from sftlint.rule import Rule, RuleOptions

_LAZY = {
    "lint": "sftlint.api",
    "lint_iter": "sftlint.api",
    "lint_ray": "sftlint.api",
    "list_rules": "sftlint.api",
    "load_records": "sftlint.api",
    "Diagnostic": "sftlint.diagnostic",
    "Finding": "sftlint.diagnostic",
    "Fix": "sftlint.diagnostic",
    "Edit": "sftlint.diagnostic",
    "Message": "sftlint.record",
    "Record": "sftlint.record",
    "Rule": "sftlint.rule",
    "RuleOptions": "sftlint.rule",
}

__all__ = [
    "Diagnostic",
    "Edit",
    "Finding",
    "Fix",
    "Message",
    "Record",
    "Rule",
    "RuleOptions",
    "__version__",
    "hookimpl",
    "lint",
    "lint_iter",
    "lint_ray",
    "list_rules",
    "load_records",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sftlint' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

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


def _rules_of_a_source_checkout() -> None:
    """Make ``sftlint.rules`` importable when ``sftlint`` is imported from a source checkout.

    Why: the built-in rules live in the checkout's top-level ``rules/`` folder and are
    installed as ``sftlint.rules``.  ``python -m`` and ``python -c`` put the current directory
    first on ``sys.path``, so in a checkout's root after a plain ``pip install .`` the
    checkout's ``sftlint/`` folder shadows the installed package and ``sftlint.rules`` does not
    exist: ``python -m sftlint check ...`` and ``import sftlint`` failed there.  Installed
    packages hold ``rules/`` inside them, and an editable install maps it: both are left alone.
    """
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    if os.path.isdir(os.path.join(here, "rules")):
        return  # an installed package: the rules are inside it
    import importlib.util

    if importlib.util.find_spec(__name__ + ".rules") is not None:
        return  # an editable install maps the folder
    init = os.path.join(os.path.dirname(here), "rules", "__init__.py")
    if not os.path.isfile(init):
        return
    spec = importlib.util.spec_from_file_location(
        __name__ + ".rules", init, submodule_search_locations=[os.path.dirname(init)]
    )
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    globals()["rules"] = module  # as the import system sets a submodule on its parent


_rules_of_a_source_checkout()

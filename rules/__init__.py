"""sftlint's built-in rules: a plugin like any other.

Registered through the ``sftlint`` entry-point group.  Each family lives in
its own module and exposes ``RULES``; modules are imported only when the
engine asks for rules, and heavy dependencies (jieba, tokenizers) are imported
inside the rules that need them, at first use.
"""

from __future__ import annotations

import importlib

from sftlint.hookspecs import hookimpl

#: family modules, in catalog order
FAMILIES = (
    "structure",
    "weights",
    "react",
    "react_line",
    "tools",
    "preference",
    "knowledge",
    "text",
    "replies",
    "dataset",
)


@hookimpl
def sftlint_rules() -> list:
    rules: list = []
    for family in FAMILIES:
        module = importlib.import_module(f"{__name__}.{family}")
        rules.extend(module.RULES)
    return rules

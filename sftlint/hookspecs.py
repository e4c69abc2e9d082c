"""Every hook sftlint calls, typed and documented (the plugin contract).

Plugins implement these with :data:`sftlint.hookimpl` and register through the
``sftlint`` entry-point group, exactly as the built-in rules, input formats and
reporters do::

    [project.entry-points.sftlint]
    my_rules = "my_package.plugin"
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from sftlint.formats.base import InputFormat
    from sftlint.report.base import Reporter
    from sftlint.rule import Rule

PROJECT = "sftlint"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def sftlint_rules() -> list[type[Rule]]:
    """Return the rule classes this plugin provides.

    Codes must be unique across all plugins: a duplicate code is an error
    (exit 2) naming both plugins.  Import heavy dependencies inside the rule's
    methods, not at module import, so that ``sftlint check`` stays fast.
    """


@hookspec
def sftlint_input_formats() -> list[InputFormat]:
    """Return input formats (objects mapping a raw record to messages)."""


@hookspec(firstresult=True)
def sftlint_detect_format(sample: list[Any], path: str, formats: dict[str, InputFormat]) -> str | None:
    """Name the input format of a file from its first parsed records.

    The first implementation that returns a name wins (pluggy calls plugins
    registered later first, so a third-party plugin can override detection).
    ``formats`` maps every registered format name to its object.
    """


@hookspec
def sftlint_output_formats() -> dict[str, type[Reporter]]:
    """Return reporters by ``--output-format`` name."""

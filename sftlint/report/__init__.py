"""Built-in output formats, registered as a plugin through the ``sftlint`` entry point."""

from __future__ import annotations

from sftlint.hookspecs import hookimpl
from sftlint.report.base import Reporter, RunSummary

__all__ = ["Reporter", "RunSummary"]


@hookimpl
def sftlint_output_formats() -> dict[str, type[Reporter]]:
    from sftlint.report.machine import (
        GithubReporter,
        JsonLinesReporter,
        JsonReporter,
        JunitReporter,
        SarifReporter,
    )
    from sftlint.report.text import ConciseReporter, FullReporter, GroupedReporter

    return {
        r.name: r
        for r in (
            FullReporter,
            ConciseReporter,
            GroupedReporter,
            JsonReporter,
            JsonLinesReporter,
            SarifReporter,
            GithubReporter,
            JunitReporter,
        )
    }

"""Hook implementations: sftlint calls these through pluggy."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sftlint import hookimpl
from sftlint.diagnostic import Diagnostic, Finding
from sftlint.record import Record
from sftlint.report.base import Reporter, RunSummary
from sftlint.rule import Rule, RuleOptions


class DisclaimerOptions(RuleOptions):
    #: Phrases the assistant must not open with.
    phrases: tuple[str, ...] = ("作为一个AI", "作为一个人工智能", "作为AI语言模型", "As an AI")


class AiDisclaimer(Rule):
    """## What it does
    Reports assistant replies that call themselves an AI ("作为一个AI…").

    ## Why is this bad?
    A customer-service model should answer as the brand's assistant; the disclaimer is a habit
    of general chat models that leaks into SFT data copied from them.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "能帮我订票吗？"}, {"role": "assistant", "content": "作为一个AI，我无法为您订票。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "能帮我订票吗？"}, {"role": "assistant", "content": "抱歉，目前不支持在线订票，您可以拨打客服热线办理。"}]}
    ```
    """

    code = "P001"
    name = "ai-disclaimer"
    severity = "warning"
    Options = DisclaimerOptions

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        self._pattern = re.compile("|".join(re.escape(p) for p in self.options.phrases))

    def check(self, record: Record) -> Iterator[Finding]:
        for m in record.messages or ():
            if m.role != "assistant":
                continue
            for hit in self._pattern.finditer(m.content):
                yield self.finding(
                    f"the assistant calls itself an AI: {hit.group()!r}", msg=m, span=hit.span()
                )


class TsvReporter(Reporter):
    """``--output-format tsv``: path, line, column, code, message."""

    name = "tsv"

    def diagnostic(self, d: Diagnostic) -> None:
        self.stream.write(f"{d.path}\t{d.line}\t{d.column}\t{d.code}\t{d.message}\n")

    def finish(self, summary: RunSummary) -> None:
        pass


@hookimpl
def sftlint_rules() -> list[type[Rule]]:
    return [AiDisclaimer]


@hookimpl
def sftlint_output_formats() -> dict[str, type[Reporter]]:
    return {"tsv": TsvReporter}

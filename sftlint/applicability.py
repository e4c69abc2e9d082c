"""Whether a rule has anything to say about one model output (for ``sftlint eval``).

A rule that stays quiet because it does not apply is not a pass: R004
(ReAct layout) is silent on a reply with no ReAct block at all, so counting
its silence as a pass scored a model that never writes a block better on
R004 than one that learned the format.  ``eval`` therefore counts, per rule,
the outputs it *applies to*, and reports the others as not applicable.

What "applies" means follows each family's own scope, as its rules document:

* R001 and R005 need ReAct to be asked for: by the system prompt, by the
  reference answer the output replaces, or by a block in the conversation;
* every other R rule (R002–R004, R006 and later ones) looks only at turns
  that are ReAct blocks;
* K rules need retrieved context in the prompt (or a system prompt that says
  the turns carry it);
* every other rule applies to every output.

A finding always means the rule applied.  Pure Python.
"""

from __future__ import annotations

from sftlint.record import Message, Record

#: Rules that need ReAct to be asked for (every other R rule looks only at ReAct blocks).
REACT_ASKED = frozenset({"R001", "R005"})


def _system(record: Record) -> str | None:
    msgs = record.messages or []
    return msgs[0].content if msgs and msgs[0].role == "system" else None


def _is_block(text: str) -> bool:
    from sftlint.analysis.react import parse_turn

    return bool(text) and parse_turn(text).is_block


def _react_asked(record: Record, output: Message, reference_answer: str | None) -> bool:
    from sftlint.analysis.react import prompt_requests_react

    if prompt_requests_react(_system(record)):
        return True
    if reference_answer is not None and _is_block(reference_answer):
        return True
    return any(m.role == "assistant" and _is_block(m.content) for m in record.messages or [])


def _has_retrieval(record: Record) -> bool:
    from sftlint.analysis.retrieval import message_contexts, prompt_mentions_retrieval

    if prompt_mentions_retrieval(_system(record)):
        return True
    return any(contexts for _, contexts in message_contexts(record))


def applies(code: str, record: Record, output: Message, reference_answer: str | None = None) -> bool:
    """Whether rule ``code`` applies to ``output`` (an assistant message of ``record``)."""
    if code in REACT_ASKED:
        return _react_asked(record, output, reference_answer)
    if code.startswith("R"):
        return _is_block(output.content)
    if code.startswith("K"):
        return _has_retrieval(record)
    return True

"""Which records offer their reply as an example of what not to say.

KTO data (TRL's unpaired preference format, LLaMA-Factory's ``kto_en_demo.json``) marks each
record's reply desirable (``"label": true``) or undesirable (``"label": false``).  An
undesirable reply is the training signal itself: the trainer lowers its probability, so a reply
there that is cut off, loops, or is full of HTML is the example working as meant, not a defect
to fix.  Rules that judge a reply's quality stay quiet on those replies; the prompt is still
read by the model either way and stays checked.

The rejected side of a preference pair (DPO, ORPO, reward-model data) is the same kind of
example: the engine lints it as a second conversation of the record (``Record.side``), and the
same rules leave its reply alone.  Defects a pipeline makes (garbled bytes, a missing answer)
are still reported there.
"""

from __future__ import annotations

from sftlint.record import Record


def undesirable_reply(record: Record) -> bool:
    """True when the reply being read is offered as what not to say: the record labels it
    undesirable (KTO's ``label: false``), or it is a preference pair's rejected side."""
    if record.side:
        return True
    data = record.data
    return type(data) is dict and data.get("label") is False

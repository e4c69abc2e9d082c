"""Telling the user's Ctrl-C and a SIGTERM apart from a rule that raises KeyboardInterrupt or
SystemExit.

A rule (a plugin's, say) may raise ``KeyboardInterrupt`` or ``SystemExit``; the engine treats
that as the rule failing, not as the end of the run.  The CLI installs a SIGINT handler that
notes a real Ctrl-C here first, so the engine lets that one stop the run, and a SIGTERM handler
that raises :class:`Terminated`, a ``SystemExit`` no rule raises, so the engine lets it end the
run too (it once reported a ``kill`` as rule T009 crashing, and the check went on).
"""

from __future__ import annotations

import signal
from typing import Any

_USER_INTERRUPT = [False]


class Terminated(SystemExit):
    """The process was asked to stop (SIGTERM): the run ends with exit status 128 + signal."""


def on_sigterm(signum: int, _frame: Any) -> None:
    """The CLI's SIGTERM handler: unwinds like Ctrl-C (so a ``--fix`` in progress removes its
    temporary file), through every rule and the engine."""
    raise Terminated(128 + signum)


def note_user_interrupt() -> None:
    _USER_INTERRUPT[0] = True


def user_interrupted() -> bool:
    """Whether a KeyboardInterrupt is the user's.  Without the CLI's handler it cannot be told
    apart, so it is taken as the user's (the Python API keeps Python's usual behaviour)."""
    return _USER_INTERRUPT[0] or signal.getsignal(signal.SIGINT) is signal.default_int_handler


def on_sigint(_signum: int, _frame: Any) -> None:
    """The CLI's SIGINT handler."""
    note_user_interrupt()
    raise KeyboardInterrupt

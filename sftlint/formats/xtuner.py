"""XTuner's conversation records: ``{"conversation": [{"system", "input", "output"}, ...]}``.

XTuner (InternLM) publishes one layout for its incremental pre-training, single-turn and
multi-turn data (``docs/*/user_guides/dataset_format.md``): a record's ``conversation`` is a list
of exchanges, each an object with the prompt side (``system``, ``input``: no loss) and the trained
side (``output``).  ``system`` is usually on the first exchange only, but its template reads it on
any exchange.  Its encoder also reads three optional keys per exchange: ``output_with_loss``
(``false``: the output is context, not trained on), ``need_eos_token`` and ``sep``.

Each exchange becomes a system message (when ``system`` is a non-empty string), a user message
(``input``) and an assistant message (``output``), each pointed at exactly
(``/conversation/0/input``).  An exchange without ``input`` is an empty user turn, as XTuner
reads it (its template takes a missing input for ""), not an assistant turn after another.  The documented pre-training shape, one exchange whose ``system``
and ``input`` are empty, is the output alone: no empty user turn is made up for it.
"""

from __future__ import annotations

from typing import Any

from sftlint.formats.base import InputFormat
from sftlint.formats.turns import text_message, turn_keys
from sftlint.record import Message

KEY = "conversation"
#: keys that make an exchange another format's turn (role/content, from/value, human/assistant)
OTHER_TURN_KEYS = frozenset({"role", "content", "from", "value", "human", "assistant"})
#: the optional keys XTuner's encoder reads on an exchange, with their JSON types
FLAGS = {"output_with_loss": bool, "need_eos_token": bool}


def _opt_text(value: Any) -> bool:
    """``system`` and ``input`` may be missing or null (XTuner's template reads them as "")."""
    return value is None or type(value) is str


class XTunerFormat(InputFormat):
    name = "xtuner"
    description = 'XTuner: {"conversation": [{"system", "input", "output"}, {"input", "output"}, ...]}'
    schema_file = "xtuner.schema.json"
    role_names = "system, input, output"

    def sniff(self, obj: Any) -> bool:
        if not isinstance(obj, dict) or not isinstance(obj.get(KEY), list):
            return False
        keys = turn_keys(obj[KEY])
        return bool({"input", "output"} & keys) and not (OTHER_TURN_KEYS & keys)

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict:
            return False
        turns = obj.get(KEY)
        if type(turns) is not list or not turns:
            return False
        for t in turns:
            if type(t) is not dict or type(t.get("output")) is not str:
                return False
            if not (_opt_text(t.get("input")) and _opt_text(t.get("system"))):
                return False
            for flag, kind in FLAGS.items():
                if flag in t and type(t[flag]) is not kind:
                    return False
            if "sep" in t and type(t["sep"]) is not str:
                return False
        return True

    def is_document(self, obj: Any) -> bool:
        """The pre-training shape: one exchange with no system and no input, only the text."""
        turns = obj.get(KEY) if isinstance(obj, dict) else None
        return (
            isinstance(turns, list)
            and len(turns) == 1
            and isinstance(turns[0], dict)
            and not any(turns[0].get(k) for k in ("system", "input"))
        )

    def to_messages(self, obj: Any) -> list[Message]:
        if not isinstance(obj, dict):
            return []
        turns = obj.get(KEY)
        out: list[Message] = []
        if not isinstance(turns, list):
            return out
        pretraining = self.is_document(obj)
        for i, t in enumerate(turns):
            if not isinstance(t, dict):
                continue
            ptr = f"/{KEY}/{i}"
            system = t.get("system")
            if system is not None and system != "":  # a non-string one is kept for S001's pointer
                text_message("system", system, f"{ptr}/system", out, ptr)
            if not pretraining:
                # XTuner's template reads a null or missing input as "" (``template_map_fn``:
                # ``exchange.get("input", "")``): the output then answers nothing, the same empty
                # user turn either way (S003 names a missing one; its pointer is where it belongs)
                value = t.get("input")
                text_message("user", "" if value is None else value, f"{ptr}/input", out, ptr)
            if "output" in t:
                text_message("assistant", t["output"], f"{ptr}/output", out, ptr)
                if t.get("output_with_loss") is False:
                    out[-1].weight = 0
        return out


__all__ = ["XTunerFormat"]

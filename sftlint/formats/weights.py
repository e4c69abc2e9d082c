"""Per-turn loss weights and training flags: the keys trainers read on a turn object.

A turn object may say how much its tokens count in the loss.  Each trainer has its own key:

* ``weight`` -- OpenAI chat fine-tuning: the integer 0 or 1, on assistant messages only (0: the
  message is context, not trained on).  axolotl's ``sharegpt`` strategy read the same key on
  every ShareGPT turn (0 masks the turn).
* ``loss_weight`` -- LLaMA-Factory v1: a float on every message; its converters write 0.0 on
  system and user turns and 1.0 on assistant turns, and other values scale the turn's loss.
* ``loss`` -- ms-swift: ``true``/``false`` on assistant turns (it takes effect there only).
* ``loss_scale`` -- ms-swift >= 4.2: a float on assistant turns (``loss: false`` wins over it).
* ``train`` -- axolotl's ``chat_template`` strategy with ``message_field_training: train`` (the
  key its documentation uses): ``true``/``false`` per turn.

:func:`turn_weight` is what :attr:`sftlint.record.Message.weight` holds: the weight the trainer
reading the turn's key gives it, or None where the turn sets none (or sets a value no trainer reads
as one; S015 reports it).  The S014-S016 rules read the keys themselves (:data:`WEIGHT_KEYS`).
"""

from __future__ import annotations

from typing import Any

#: The per-turn keys, in the order :func:`turn_weight` reads them.
WEIGHT_KEYS = ("weight", "loss_weight", "loss", "loss_scale", "train")

#: Who reads each key (for messages).
TRAINERS = {
    "weight": "OpenAI fine-tuning",
    "loss_weight": "LLaMA-Factory v1",
    "loss": "ms-swift",
    "loss_scale": "ms-swift",
    "train": "axolotl",
}

#: Keys whose value is a flag (``true``/``false``); the others are numbers.
FLAG_KEYS = frozenset({"loss", "train"})


def is_number(value: Any) -> bool:
    """An int or a float, not a bool (``True == 1`` in Python, but JSON's true is no weight)."""
    return type(value) is int or type(value) is float


def turn_weight(turn: dict[str, Any]) -> float | None:
    """The loss weight ``turn`` gives itself, or None where it sets none a trainer reads.

    ``weight`` and ``loss_weight`` are taken as written (numbers only); ms-swift's ``loss:
    false`` is 0 whatever ``loss_scale`` says, else ``loss_scale``, else ``loss: true`` is 1;
    axolotl's ``train`` is 1 or 0."""
    w = turn.get("weight")
    if is_number(w):
        return w
    w = turn.get("loss_weight")
    if is_number(w):
        return w
    loss = turn.get("loss")
    if loss is False:
        return 0
    w = turn.get("loss_scale")
    if is_number(w):
        return w
    if loss is True:
        return 1
    train = turn.get("train")
    if type(train) is bool:
        return 1 if train else 0
    return None

"""Per-turn loss weights: how the formats read each trainer's key (OpenAI ``weight``, LLaMA-Factory
v1 ``loss_weight``, ms-swift ``loss`` / ``loss_scale``, axolotl ``train``) into ``Message.weight``."""

from __future__ import annotations

import json

import pytest

import sftlint
from sftlint.formats.weights import turn_weight


def user(text: str, **keys) -> dict:
    return {"role": "user", "content": text, **keys}


def bot(text: str, **keys) -> dict:
    return {"role": "assistant", "content": text, **keys}


def lf(role: str, text: str, weight) -> dict:
    """A LLaMA-Factory v1 message: content parts with ``value``, a ``loss_weight``."""
    return {"role": role, "content": [{"type": "text", "value": text}], "loss_weight": weight}


def write(tmp_path, records, name="data.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# Message.weight: what the trainer reads from each key


@pytest.mark.parametrize(
    ("turn", "weight"),
    [
        ({"role": "assistant", "content": "x"}, None),
        ({"role": "assistant", "content": "x", "weight": 0}, 0),
        ({"role": "assistant", "content": "x", "weight": True}, None),
        ({"role": "assistant", "content": "x", "loss_weight": 0.5}, 0.5),
        ({"role": "assistant", "content": "x", "loss": False, "loss_scale": 2.0}, 0),
        ({"role": "assistant", "content": "x", "loss": True, "loss_scale": 2.0}, 2.0),
        ({"role": "assistant", "content": "x", "loss": True}, 1),
        ({"role": "assistant", "content": "x", "train": False}, 0),
        ({"role": "assistant", "content": "x", "train": "false"}, None),
    ],
)
def test_turn_weight(turn, weight):
    assert turn_weight(turn) == weight


def test_every_format_maps_the_weight_onto_its_messages(tmp_path):
    path = write(
        tmp_path,
        [
            {"messages": [lf("user", "在吗", 0.0), lf("assistant", "在的。", 1.0)]},
            {"messages": [user("在吗"), bot("在的。", weight=0)]},
        ],
    )
    first, second = sftlint.load_records(path)
    assert [m.weight for m in first.messages] == [0.0, 1.0]
    assert [m.weight for m in second.messages] == [None, 0]
    sg = write(
        tmp_path,
        [
            {
                "conversations": [
                    {"from": "human", "value": "在吗"},
                    {"from": "gpt", "value": "在的", "weight": 0},
                ]
            }
        ],
        "sg.jsonl",
    )
    (rec,) = sftlint.load_records(sg)
    assert [m.weight for m in rec.messages] == [None, 0]
    # LLaMA-Factory v1 preference pairs: each side's turns keep their weights
    dpo = {
        "chosen_messages": [lf("user", "在吗", 0.0), lf("assistant", "在的，请讲。", 1.0)],
        "rejected_messages": [lf("user", "在吗", 0.0), lf("assistant", "不在。", 1.0)],
    }
    (rec,) = sftlint.load_records(write(tmp_path, [dpo], "dpo.jsonl"))
    assert [m.weight for m in rec.messages] == [0.0, 1.0]

"""Per-turn loss weights (S014-S016): what they must catch, what they must leave alone, and how the
formats read the keys (OpenAI ``weight``, LLaMA-Factory v1 ``loss_weight``, ms-swift ``loss`` /
``loss_scale``, axolotl ``train``) into ``Message.weight``."""

from __future__ import annotations

import json

import pytest

import sftlint
from sftlint.formats.weights import turn_weight
from sftlint.run import processes as parallel

SELECT = ["S014", "S015", "S016"]
SYSTEM = "你是某电商平台的客服助手，请礼貌、准确地回答用户的问题。"


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


def found(tmp_path, records, select=SELECT, **kwargs):
    return [d for d in sftlint.lint(write(tmp_path, records), select=select, **kwargs) if d.code in select]


# A multi-turn OpenAI record as the fine-tuning guide writes one: the first reply is context (weight 0),
# the second is trained on (weight 1).
GUIDE = {
    "messages": [
        {"role": "system", "content": SYSTEM},
        user("我的快递到哪了？"),
        bot("请提供订单号，我帮您查询。", weight=0),
        user("2024051812345"),
        bot("您的包裹已到达上海转运中心，预计明天送达。", weight=1),
    ]
}

# LLaMA-Factory v1 records as its converters write them: 0.0 on system and user, 1.0 on replies.
LF_RECORDS = [
    {"messages": [lf("system", SYSTEM, 0.0), lf("user", q, 0.0), lf("assistant", a, 1.0)]}
    for q, a in [
        ("运费谁出？", "七天无理由退货的运费由我们承担。"),
        ("可以换货吗？", "可以，签收后七天内可在订单页申请换货。"),
        ("退款几天到账？", "审核通过后3-5个工作日原路退回。"),
        ("发票怎么开？", "在订单详情页点击“申请发票”即可。"),
        ("能改收货地址吗？", "发货前可以在订单页修改收货地址。"),
    ]
]


# ---------------------------------------------------------------------------
# S014: a record that trains nothing


def test_s014_one_masked_reply_is_reported_at_its_weight(tmp_path):
    diags = found(
        tmp_path, [{"messages": [user("运费谁出？"), bot("质量问题的退货运费由我们承担。", weight=0)]}]
    )
    assert [(d.code, d.pointer, d.line, d.severity) for d in diags] == [
        ("S014", "/messages/1/weight", 1, "error")
    ]
    d = diags[0]
    line = write(
        tmp_path, [{"messages": [user("运费谁出？"), bot("质量问题的退货运费由我们承担。", weight=0)]}]
    )
    text = line.read_text(encoding="utf-8").splitlines()[0]
    assert text[d.column - 1] == "0"  # the column is the weight's value
    assert "trains nothing" in d.message and "`weight: 0`" in d.message and "`weight: 1`" in d.message


def test_s014_every_reply_masked_in_a_multi_turn_record_is_one_finding_on_the_last(tmp_path):
    rec = {
        "messages": [
            user("我的快递到哪了？"),
            bot("请提供订单号。", weight=0),
            user("2024051812345"),
            bot("已到达上海转运中心。", weight=0),
        ]
    }
    diags = found(tmp_path, [rec])
    assert [(d.code, d.pointer) for d in diags] == [("S014", "/messages/3/weight")]
    assert "all 2 of its assistant turns are masked" in diags[0].message


@pytest.mark.parametrize(
    ("keys", "said"),
    [
        ({"loss_weight": 0.0}, "`loss_weight: 0.0`"),  # LLaMA-Factory v1
        ({"loss": False}, "`loss: false`"),  # ms-swift
        ({"loss": False, "loss_scale": 2.0}, "`loss: false`"),  # ms-swift: loss false wins
        ({"loss_scale": 0.0}, "`loss_scale: 0.0`"),
        ({"train": False}, "`train: false`"),  # axolotl message_field_training
    ],
)
def test_s014_reads_every_trainers_key(tmp_path, keys, said):
    diags = found(tmp_path, [{"messages": [user("运费谁出？"), bot("由我们承担。", **keys)]}])
    assert [d.code for d in diags] == ["S014"] and said in diags[0].message


def test_s014_in_sharegpt_turns(tmp_path):
    rec = {
        "conversations": [
            {"from": "human", "value": "在吗"},
            {"from": "gpt", "value": "在的，请讲。", "weight": 0},
        ]
    }
    diags = found(tmp_path, [rec])
    assert [(d.code, d.pointer) for d in diags] == [("S014", "/conversations/1/weight")]


def test_s014_leaves_alone_records_that_train_something(tmp_path):
    records = [
        GUIDE,  # OpenAI's own example: one reply masked, one trained
        {"messages": [user("在吗"), bot("在的。", weight=1)]},  # all ones
        {"messages": [user("在吗"), bot("在的。")]},  # no weights at all
        {"messages": [lf("user", "在吗", 0.0), lf("assistant", "在的。", 0.5)]},  # a scaled reply trains
        {"messages": [user("运费"), bot("我们出。", loss=True, loss_scale=2.0)]},
        # a masked reply whose prompt LLaMA-Factory trains: S016's to judge, not "nothing trained"
        {"messages": [lf("user", "在吗", 1.0), lf("assistant", "在的。", 0.0)]},
    ]
    assert [d for d in found(tmp_path, records) if d.code == "S014"] == []


def test_s014_a_string_zero_is_s015s_not_a_masked_turn(tmp_path):
    diags = found(tmp_path, [{"messages": [user("在吗"), bot("在的。", weight="0")]}])
    assert [d.code for d in diags] == ["S015"]


# ---------------------------------------------------------------------------
# S015: a value the trainer refuses or misreads


@pytest.mark.parametrize(
    ("keys", "words"),
    [
        ({"weight": 0.5}, "takes only 0 or 1"),
        ({"weight": 2}, "takes only 0"),
        ({"weight": -1}, "takes only 0"),
        ({"weight": "1"}, 'the string "1"'),
        ({"weight": True}, "`weight` is true"),
        ({"weight": None}, "`weight` is null"),
        ({"loss_weight": "1.0"}, "TypeError"),
        ({"loss_weight": None}, "TypeError"),
        ({"loss_weight": -1.0}, "negative"),
        ({"loss_scale": -0.5}, "trained away from this reply"),
        ({"train": "false"}, "non-empty string is true"),
    ],
)
def test_s015_reports_the_value_at_its_key(tmp_path, keys, words):
    key = next(iter(keys))
    diags = found(
        tmp_path, [{"messages": [user("运费谁出？"), bot("七天无理由退货的运费由我们承担。", **keys)]}]
    )
    s015 = [d for d in diags if d.code == "S015"]
    assert [(d.pointer, d.severity) for d in s015] == [(f"/messages/1/{key}", "error")]
    assert words in s015[0].message


def test_s015_a_sharegpt_weight_is_judged_as_axolotl_reads_it(tmp_path):
    rec = {
        "conversations": [
            {"from": "human", "value": "在吗"},
            {"from": "gpt", "value": "在的，请讲。", "weight": 0.5},
        ]
    }
    diags = found(tmp_path, [rec])
    assert [(d.code, d.pointer) for d in diags] == [("S015", "/conversations/1/weight")]
    assert "axolotl" in diags[0].message and "OpenAI" not in diags[0].message


def test_a_bad_weight_is_no_longer_a_schema_violation_and_the_record_is_read(tmp_path):
    """The messages schema bounded ``weight`` to [0, 1]: S001 said "2 is greater than the maximum"
    and 0.5 passed.  Now S015 says both, and the other rules read the record as before."""
    recs = [
        {"messages": [user("运费谁出？"), bot("   ", weight=2)]},
        {"messages": [user("能换货吗？"), bot("可以，七天内申请。", weight=0.5)]},
    ]
    diags = found(tmp_path, recs, select=["S001", "S003", "S015"])
    assert sorted((d.line, d.code) for d in diags) == [(1, "S003"), (1, "S015"), (2, "S015")]


def test_s015_leaves_alone_values_the_trainers_take(tmp_path):
    records = [
        GUIDE,
        {"messages": [user("在吗"), bot("在的。", weight=1.0)]},
        {"messages": [lf("user", "在吗", 0.0), lf("assistant", "在的。", 0.3)]},  # LLaMA-Factory scales
        {"messages": [lf("user", "在吗", 0.0), lf("assistant", "在的。", 2.0)]},
        {"messages": [user("运费"), bot("我们出。", loss=True, loss_scale=2.0)]},  # ms-swift >= 4.2
        {"messages": [user("运费"), bot("我们出。", train=True)]},
        {"messages": [user("运费", train=False), bot("我们出。", train="true")]},  # "true" is true
    ]
    assert [d for d in found(tmp_path, records) if d.code == "S015"] == []


# ---------------------------------------------------------------------------
# S016: a weight on a prompt turn


def test_s016_a_trained_prompt_in_a_file_that_masks_its_prompts(tmp_path):
    records = [*LF_RECORDS]
    records[3] = {
        "messages": [
            lf("system", SYSTEM, 0.0),
            lf("user", "发票怎么开？", 1.0),
            lf("assistant", "在订单详情页申请。", 1.0),
        ]
    }
    diags = found(tmp_path, records)
    assert [(d.code, d.line, d.pointer, d.severity) for d in diags] == [
        ("S016", 4, "/messages/1/loss_weight", "warning")
    ]
    assert "4 of the file's 5 weighted user turns are masked with 0" in diags[0].message
    assert "LLaMA-Factory v1" in diags[0].message
    text = (tmp_path / "data.jsonl").read_text(encoding="utf-8").splitlines()[3]
    assert text[diags[0].column - 1 :].startswith("1.0")


def test_s016_is_quiet_where_the_file_trains_its_prompts_on_purpose(tmp_path):
    everywhere = [
        {
            "messages": [
                lf("user", m["messages"][1]["content"][0]["value"], 1.0),
                lf("assistant", "好的。", 1.0),
            ]
        }
        for m in LF_RECORDS
    ]
    assert found(tmp_path, everywhere) == []
    # a good share of the file trains its prompts: no convention to break
    half = [*LF_RECORDS[:3], *everywhere[3:]]
    assert found(tmp_path, half, select=["S016"]) == []


def test_s016_is_quiet_on_the_real_llamafactory_v1_file(shared_data):
    """LLaMA-Factory's own v1 demo: 500 records, 0.0 on every user turn, 1.0 on every reply."""
    path = shared_data / "wild" / "lf_v1_sft_demo.jsonl"
    records = list(sftlint.load_records(path))
    assert {tuple(m.weight for m in r.messages) for r in records} == {(0.0, 1.0)}
    assert [d for d in sftlint.lint(path, select=SELECT) if d.code in SELECT] == []


def test_s016_a_weight_the_trainer_ignores_on_prompts_is_reported_whatever_the_file_does(tmp_path):
    records = [
        {"messages": [user("运费谁出？", weight=1), bot("由我们承担。")]},  # OpenAI: assistant messages only
        {"messages": [user("能换货吗？", loss=True), bot("可以。")]},  # ms-swift: assistant turns only
        {
            "messages": [
                {"role": "system", "content": SYSTEM, "loss_scale": 1.0},
                user("发票？"),
                bot("可以开。"),
            ]
        },
    ]
    diags = found(tmp_path, records)
    assert [(d.code, d.line, d.pointer) for d in diags] == [
        ("S016", 1, "/messages/0/weight"),
        ("S016", 2, "/messages/0/loss"),
        ("S016", 3, "/messages/0/loss_scale"),
    ]
    assert "OpenAI fine-tuning reads `weight` on assistant turns only" in diags[0].message
    assert "ms-swift reads `loss` on assistant turns only" in diags[1].message


def test_s016_leaves_alone_a_zero_on_a_prompt(tmp_path):
    records = [{"messages": [user("运费谁出？", weight=0), bot("由我们承担。", weight=1)]}, *LF_RECORDS]
    assert found(tmp_path, records) == []


def test_s016_majority_is_an_option(tmp_path):
    records = [*LF_RECORDS]
    records[4] = {"messages": [lf("user", "发票怎么开？", 1.0), lf("assistant", "在订单详情页申请。", 1.0)]}
    # 4 of 5 user turns masked: over the default 0.75, under 0.9
    assert [d.code for d in found(tmp_path, records)] == ["S016"]
    strict = found(tmp_path, records, options={"prompt-loss-weight": {"majority": 0.9}})
    assert strict == []


def test_s016_under_jobs_2_reports_what_the_serial_run_does(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "SERIAL_BELOW_BYTES", 0)
    monkeypatch.setattr(parallel, "RANGE_BYTES", 2_000)
    monkeypatch.setattr(parallel, "MIN_RANGE_BYTES", 1_000)
    records = LF_RECORDS * 8
    records[17] = {"messages": [lf("user", "发票怎么开？", 1.0), lf("assistant", "在订单详情页申请。", 1.0)]}
    path = write(tmp_path, records)
    serial = sftlint.lint(path, select=SELECT, jobs=1)
    assert [(d.code, d.line) for d in serial] == [("S016", 18)]
    assert sftlint.lint(path, select=SELECT, jobs=2) == serial


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

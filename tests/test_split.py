"""`sftlint split`: drops records with errors (counted per code), deterministic, no near-duplicate leaks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, chat, run_cli, write_jsonl

from sftlint.train.io import read_jsonl
from sftlint.train.split import (
    assign_groups,
    jaccard,
    near_duplicate_groups,
    normalise,
    rows_per_band,
    shingles,
    split_file,
)

EXAMPLE = ROOT / "examples" / "customer_service.jsonl"


def example_records() -> list[dict]:
    return list(read_jsonl(EXAMPLE))


PLAIN_QA = [
    ("怎么开发票？", "确认收货后，在订单详情页点击“申请发票”即可。"),
    ("退款多久到账？", "退款成功后，余额支付立即到账，银行卡支付需要三到七个工作日。"),
    ("可以改收货地址吗？", "订单发货前可以在订单详情页点击“修改地址”自行修改。"),
    ("会员怎么取消自动续费？", "请在开通时使用的支付渠道里关闭自动扣款。"),
    ("优惠券为什么用不了？", "请确认优惠券在有效期内，并且订单金额达到了使用门槛。"),
    ("怎么注销账号？", "在“设置-账号与安全-注销账号”中提交申请，七天后完成注销。"),
    ("提现失败怎么办？", "请先查看失败原因，按提示核对银行卡信息或完成实名认证。"),
    ("预售商品什么时候发货？", "支付尾款后，商品会在商品页标注的时间内发出。"),
]


def plain_records() -> list[dict]:
    """Single-turn Q&A without ReAct or retrieval (mixing them with the example would trip R001/K001)."""
    return [chat(("user", q), ("assistant", a), system="你是电商平台的客服助手。") for q, a in PLAIN_QA]


def test_example_split_is_clean_complete_and_deterministic(tmp_path) -> None:
    res = run_cli("split", EXAMPLE, "--val", "0.1", "--seed", "7", "-o", tmp_path / "a")
    assert res.code == 0, res
    assert "60 records read, 60 without error findings" in res.out
    train, val = list(read_jsonl(tmp_path / "a/train.jsonl")), list(read_jsonl(tmp_path / "a/val.jsonl"))
    assert (len(train), len(val)) == (56, 4)  # one knowledge-base article's four dialogues
    originals = {json.dumps(r, sort_keys=True, ensure_ascii=False) for r in example_records()}
    produced = [json.dumps(r, sort_keys=True, ensure_ascii=False) for r in train + val]
    assert set(produced) == originals and len(produced) == 60  # nothing lost, nothing invented
    # Same seed -> byte-identical files; another seed -> another validation set.
    assert run_cli("split", EXAMPLE, "--seed", "7", "-o", tmp_path / "b").code == 0
    for name in ("train.jsonl", "val.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert run_cli("split", EXAMPLE, "--seed", "8", "-o", tmp_path / "c").code == 0
    assert (tmp_path / "c/val.jsonl").read_bytes() != (tmp_path / "a/val.jsonl").read_bytes()
    # The outputs pass the linter themselves (what the trainer will read).
    assert run_cli("check", tmp_path / "a/train.jsonl", tmp_path / "a/val.jsonl").code == 0
    assert not [p for p in (tmp_path / "a").iterdir() if p.name.endswith(".tmp")]


def test_records_with_errors_are_dropped_and_counted_per_code(tmp_path) -> None:
    good = example_records()[:20]
    bad_empty = chat(("user", "物流怎么还没到？"), ("assistant", "  "))  # S003
    bad_role = {
        "messages": [{"role": "客服", "content": "您好"}, {"role": "assistant", "content": "好的"}]
    }  # S002
    bad_last = chat(
        ("user", "在吗？"), ("assistant", "在的，请问有什么可以帮您？"), ("user", "我要退款")
    )  # S005
    path = write_jsonl(
        tmp_path / "data.jsonl", [*good[:10], bad_empty, bad_role, *good[10:], bad_last, bad_empty]
    )
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"messages": [{"role": "user", "content": "断了\n')  # J001: a truncated line
    res = run_cli("split", path, "--val", "0.2", "-o", tmp_path / "out", "--output-format", "json")
    assert res.code == 0, res
    out = res.json()
    assert out["records"] == 25 and out["kept"] == 20 and out["dropped"] == 5
    assert out["dropped_by_code"]["S003"] == 2
    assert out["dropped_by_code"]["S005"] == 1
    assert out["dropped_by_code"]["J001"] == 1
    assert "S002" in out["dropped_by_code"]
    assert out["train"] + out["val"] == 20 and out["val"] == 4
    kept = list(read_jsonl(tmp_path / "out/train.jsonl")) + list(read_jsonl(tmp_path / "out/val.jsonl"))
    assert all(m["content"].strip() for r in kept for m in r["messages"])
    text = run_cli("split", path, "-o", tmp_path / "out2")
    assert "dropped 5 record(s) with error findings" in text.out and "S003 x2" in text.out


def test_data_read_through_a_column_mapping_is_split_as_check_reads_it(tmp_path) -> None:
    """`sftlint check` reads a file through [format] in the configuration or a LLaMA-Factory
    dataset_info.json (formats.md); split read it without them and dropped every record as
    'unmapped'."""
    turns = [("客户", "我要退货"), ("客服", "好的，请提供订单号。")]
    records = [{"id": i, "turns": [{"who": w, "said": f"{s}{i}"} for w, s in turns]} for i in range(10)]
    mapped = tmp_path / "mapped"
    mapped.mkdir()
    (mapped / "sftlint.toml").write_text(
        '[format]\nmessages = "turns"\nrole = "who"\ncontent = "said"\n'
        '[format.roles]\nuser = "客户"\nassistant = "客服"\n',
        encoding="utf-8",
    )
    described = tmp_path / "described"
    described.mkdir()
    info = {"d": {"file_name": "data.jsonl", "formatting": "sharegpt", "columns": {"messages": "turns"}}}
    info["d"]["tags"] = {
        "role_tag": "who",
        "content_tag": "said",
        "user_tag": "客户",
        "assistant_tag": "客服",
    }
    (described / "dataset_info.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    for folder in (mapped, described):
        path = write_jsonl(folder / "data.jsonl", records)
        assert run_cli("check", "--select", "S", path).code == 0
        res = run_cli("split", path, "--val", "0.2", "-o", folder / "out", "--output-format", "json")
        assert res.code == 0, res
        assert res.json()["kept"] == 10 and res.json()["dropped"] == 0, (folder.name, res.json())
        kept = list(read_jsonl(folder / "out/train.jsonl"))
        assert kept[0]["messages"][0]["role"] == "user", kept[0]


def test_warnings_do_not_drop_but_ignore_and_select_change_what_drops(tmp_path) -> None:
    recs = plain_records()
    placeholder = chat(
        ("user", "你好，我是{{name}}"), ("assistant", "您好，请问有什么可以帮您？")
    )  # S007 warning
    empty = chat(("user", "在吗"), ("assistant", ""))  # S003 error
    path = write_jsonl(tmp_path / "d.jsonl", [*recs, placeholder, empty])
    assert run_cli("split", path, "-o", tmp_path / "o", "--output-format", "json").json()["kept"] == 9
    res = run_cli("split", path, "-o", tmp_path / "o", "--ignore", "S003", "--output-format", "json")
    assert res.json()["kept"] == 10
    # Mixing in ReAct/retrieval records leaves the plain ones alone: their own system prompt
    # asks for neither ReAct nor retrieval, so they vote apart from the records whose prompt
    # does.  The same plain turns without a prompt of their own are the file's majority's errors.
    mixed = write_jsonl(tmp_path / "m.jsonl", [*example_records()[:12], *recs])
    out = run_cli("split", mixed, "-o", tmp_path / "o", "--output-format", "json").json()
    assert out["kept"] == 12 + len(recs) and out["dropped"] == 0
    bare = [chat(*[(m["role"], m["content"]) for m in r["messages"] if m["role"] != "system"]) for r in recs]
    mixed = write_jsonl(tmp_path / "b.jsonl", [*example_records()[:12], *bare])
    out = run_cli("split", mixed, "-o", tmp_path / "o", "--output-format", "json").json()
    assert out["kept"] == 12 and out["dropped_by_code"] == {"K001": len(recs), "R001": len(recs)}
    out = run_cli("split", mixed, "-o", tmp_path / "o", "--select", "S", "--output-format", "json").json()
    assert out["kept"] == 12 + len(recs)


def near_dup_variants() -> list[dict]:
    """The example's records plus near-copies of three of them (punctuation, one word, spacing changed)."""
    base = example_records()
    variants = []
    for k, i in enumerate((3, 17, 42)):
        rec = json.loads(json.dumps(base[i]))
        msg = rec["messages"][-1]
        if k == 0:
            msg["content"] = msg["content"].replace("，", "、").replace("。", "！")
        elif k == 1:
            msg["content"] = msg["content"].replace("请", "麻烦", 1)
        else:
            rec["messages"][1]["content"] = " " + rec["messages"][1]["content"].replace("？", "? ")
        variants.append(rec)
    return [*base, *variants]


def test_near_duplicates_are_grouped() -> None:
    rows = near_dup_variants()
    texts = ["\n".join(m["content"] for m in r["messages"] if m["role"] != "system") for r in rows]
    groups = near_duplicate_groups(texts)
    assert groups[60] == groups[3] and groups[61] == groups[17] and groups[62] == groups[42]
    # Different dialogues, even on the same topic with the same knowledge base, stay apart.
    assert len(set(groups)) == 60


@pytest.mark.parametrize("seed", range(6))
def test_near_duplicates_land_on_the_same_side(tmp_path, seed: int) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", near_dup_variants())
    res = split_file(path, tmp_path / "out", val_fraction=0.3, seed=seed, group_by="none")
    assert res.groups == 3 and res.grouped == 6
    sides = {i: "val" for i in res.val_indices} | {i: "train" for i in res.train_indices}
    for a, b in ((3, 60), (17, 61), (42, 62)):
        assert sides[a] == sides[b]
    assert abs(len(res.val) - round(63 * 0.3)) <= 1


def test_group_assignment_never_splits_a_group_and_keeps_training_data() -> None:
    groups = [0] * 8 + [8, 9]  # one big group of 8 and two singletons
    val = assign_groups(groups, 0.2, seed=0)
    assert val == {8, 9}
    assert (
        assign_groups([0] * 5, 0.2, seed=0) == set()
    )  # one group: nothing can be held out without all of it
    assert assign_groups([0, 0, 0, 3], 0.1, seed=0) == {3}  # target 0.4 rounds up to 1
    assert assign_groups(list(range(10)), 0.0, seed=0) == set()


def test_normalisation_and_jaccard() -> None:
    assert normalise("请问 您的账号，是否？") == normalise("请问您的账号是否")
    a, b = (
        shingles(normalise("请问您的账号是大陆地区的账号吗")),
        shingles(normalise("请问您的账号是大陆地区的账号吗？")),
    )
    assert jaccard(a, b) == 1.0
    assert jaccard(a, shingles("完全不同的一句话内容")) < 0.1
    # The banding parameters keep recall high at the chosen threshold.
    for t in (0.5, 0.8, 0.9):
        r = rows_per_band(t)
        assert 1 - (1 - t**r) ** (64 // r) >= 0.99


def test_export_format_and_unfit_records_are_reported(tmp_path) -> None:
    multi = chat(
        ("user", "怎么开发票？"),
        ("assistant", "请问订单确认收货了吗？"),
        ("user", "收货了"),
        ("assistant", "在订单详情页申请即可。"),
    )
    path = write_jsonl(tmp_path / "d.jsonl", [*plain_records(), multi, multi])
    res = run_cli("split", path, "--to", "prompt-completion", "--val", "0.25", "-o", tmp_path / "o")
    assert res.code == 0, res
    assert "skipped 2 record(s) that do not fit the export format" in res.out
    assert "2 assistant turns" in res.out
    rows = list(read_jsonl(tmp_path / "o/train.jsonl")) + list(read_jsonl(tmp_path / "o/val.jsonl"))
    assert len(rows) == len(PLAIN_QA)
    assert {r["prompt"][1]["content"] for r in rows} == {q for q, _ in PLAIN_QA}
    # Alpaca holds multi-turn conversations too, the earlier turns in LLaMA-Factory's history.
    res = run_cli("split", path, "--to", "alpaca", "--val", "0.25", "-o", tmp_path / "a")
    assert res.code == 0 and "do not fit" not in res.out, res
    rows = list(read_jsonl(tmp_path / "a/train.jsonl")) + list(read_jsonl(tmp_path / "a/val.jsonl"))
    assert len(rows) == len(PLAIN_QA) + 2
    assert [r["history"] for r in rows if "history" in r] == [
        [["怎么开发票？", "请问订单确认收货了吗？"]]
    ] * 2
    assert all(
        r["system"] == "你是电商平台的客服助手。" and r["input"] == "" for r in rows if "history" not in r
    )


def test_bad_paths_and_arguments(tmp_path) -> None:
    assert run_cli("split", tmp_path / "missing.jsonl", "-o", tmp_path).code == 2
    assert run_cli("split", EXAMPLE, "--val", "1.5", "-o", tmp_path).code == 2
    assert run_cli("split", EXAMPLE, "--threshold", "0", "-o", tmp_path).code == 2
    empty = write_jsonl(tmp_path / "bad.jsonl", [chat(("user", "x"), ("assistant", ""))])
    res = run_cli("split", empty, "-o", tmp_path / "o")
    assert res.code == 1  # nothing left to train on


def test_real_dataset_duplicates_stay_together(shared_data: Path, tmp_path) -> None:
    """LLaMA-Factory's alpaca_zh_demo holds exact duplicates (e.g. records 116 and 612)."""
    res = split_file(shared_data / "sft" / "llamafactory_alpaca_zh_demo.json", tmp_path, 0.1, seed=3)
    assert res.groups >= 5
    val_set = set(res.val_indices)
    assert (115 in val_set) == (611 in val_set)
    assert len(res.train) + len(res.val) == len(res.clean.records)


def _article(record: dict) -> str:
    """The knowledge-base article a dialogue was written from: its first retrieved context's question."""
    user = next(m["content"] for m in record["messages"] if m["role"] == "user")
    return user.split("Knowledge Base Result:", 1)[1].split("处理方法是", 1)[0].strip()


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_no_article_is_on_both_sides_by_default(tmp_path, seed: int) -> None:
    res = run_cli("split", EXAMPLE, "--val", "0.1", "--seed", seed, "-o", tmp_path)
    assert res.code == 0, res
    assert "grouped by retrieved context: 60 records in 15 group(s)" in res.out
    assert "each article's dialogues stay on one side" in res.out
    train, val = list(read_jsonl(tmp_path / "train.jsonl")), list(read_jsonl(tmp_path / "val.jsonl"))
    assert val and train
    assert not {_article(r) for r in train} & {_article(r) for r in val}
    # Without grouping the same split leaks articles (what the issue found: all 6 validation records did).
    leak = tmp_path / "none"
    assert (
        run_cli("split", EXAMPLE, "--val", "0.1", "--seed", seed, "-o", leak, "--group-by", "none").code == 0
    )
    train_n, val_n = list(read_jsonl(leak / "train.jsonl")), list(read_jsonl(leak / "val.jsonl"))
    assert {_article(r) for r in train_n} & {_article(r) for r in val_n}


def test_group_by_field_and_system_prompt(tmp_path) -> None:
    records = []
    for i, (q, a) in enumerate(PLAIN_QA * 2):
        rec = chat(("user", f"{q}（第{i}次）"), ("assistant", a), system=f"你是客服助手，负责店铺{i % 3}。")
        rec["shop"] = i % 3
        records.append(rec)
    path = write_jsonl(tmp_path / "d.jsonl", records)
    for key, n_groups in (("field:shop", 3), ("system", 3)):
        out = tmp_path / key.replace(":", "_")
        res = run_cli("split", path, "--val", "0.3", "-o", out, "--group-by", key, "--output-format", "json")
        assert res.code == 0, res
        data = res.json()
        assert data["group_by"] == key and data["key_groups"] == n_groups
        val = list(read_jsonl(out / "val.jsonl"))
        train = list(read_jsonl(out / "train.jsonl"))
        assert val and train
        assert not {r["messages"][0]["content"] for r in train} & {r["messages"][0]["content"] for r in val}
    # A plain file has no retrieval: auto groups by nothing beyond near-duplicates, and says nothing.
    res = run_cli("split", path, "-o", tmp_path / "auto")
    assert "grouped by" not in res.out
    bad = run_cli("split", path, "-o", tmp_path / "x", "--group-by", "article")
    assert bad.code == 2 and "--group-by" in bad.err

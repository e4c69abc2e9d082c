"""D002's optional C kernels (``sftlint._dedup_native``) and the turns its collector keeps give
what the pure-Python verification gives.

The Python functions (:func:`rules.dataset.jaccard` on sets of 5-character slices,
:func:`rules.dataset.normalise`) are the reference: the native ``jaccard`` must return the same
float and ``fold_words`` the same text wherever it answers, on real text (``../shared/data``
when present), on random text of every str kind, and at the edges.  The whole rule must report
the same pairs with the same similarities whether it verifies natively or in Python, and
whether it takes the candidates' turns from what it kept while streaming or reads them again.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest
from conftest import shared_strings
from sftlint.rules import dataset as D

import sftlint
from sftlint import spill
from sftlint.analysis import minhash as M
from sftlint.config import Settings
from sftlint.engine import Engine

try:
    from sftlint import _dedup_native as native
except ImportError:  # not built: the Python path is all there is
    native = None

needs_native = pytest.mark.skipif(
    native is None, reason="sftlint._dedup_native not built (no C compiler at install): Python path only"
)


def python_jaccard(a: str, b: str) -> float:
    sa, sb = D.shingles(a), D.shingles(b)
    inter = len(sa & sb)
    return inter / (len(sa) + len(sb) - inter)


def python_normalise(monkeypatch: pytest.MonkeyPatch, text: str) -> str:
    with monkeypatch.context() as m:
        m.setattr(D, "NATIVE", None)
        m.setattr(D, "_fold_bytes", None)
        return D.normalise(text)


def fold_table() -> bytes:
    np = pytest.importorskip("numpy")
    return M._fold_table(np).tobytes()


ALPHABETS = [
    "abcde",  # ASCII: one-byte strings
    "的是了不在有人这中大为上",  # two-byte strings
    "的是了𠀀𠀁",  # four-byte strings (outside the BMP)
    "éàüß",  # Latin-1
]


def random_text(rng: random.Random) -> str:
    alphabet = "".join(rng.sample(ALPHABETS, rng.randint(1, len(ALPHABETS))))
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 60)))


@needs_native
def test_native_jaccard_is_the_python_one_on_random_text_of_every_kind():
    rng = random.Random(5)
    for _ in range(3000):
        a = random_text(rng)
        # b: a with a few edits (similar), or another text (dissimilar), or a itself
        b = rng.choice([a, random_text(rng), "".join(c if rng.random() > 0.1 else rng.choice(a) for c in a)])
        assert native.jaccard(a, b) == python_jaccard(a, b), (a, b)
        assert native.jaccard(b, a) == python_jaccard(a, b), (a, b)


@needs_native
def test_native_jaccard_counts_repeated_shingles_once_and_tells_keys_apart():
    # "aaaaaaa" has one distinct shingle; keys that differ only in one code point's high bits
    assert native.jaccard("aaaaaaa", "aaaaa") == 1.0
    assert native.jaccard("abcde", "abcdf") == 0.0
    assert native.jaccard("\U00020000bcde", "\u0000bcde") == 0.0
    assert native.jaccard("abcdefgh", "abcdexyz") == python_jaccard("abcdefgh", "abcdexyz")
    with pytest.raises(ValueError):
        native.jaccard("abcd", "abcde")  # short texts are Python's (a whole-text shingle)


@needs_native
def test_the_rules_jaccard_gives_pythons_for_short_and_long_texts():
    for a, b in [
        ("", ""),
        ("ab", "ab"),
        ("ab", "abcdef"),
        ("abcdef", "abcdefg"),
        ("我的退款呢", "我的退款呢吧"),
    ]:
        assert D.jaccard(a, b) == python_jaccard(a, b)
        assert D._Shingled(a).jaccard(b) == python_jaccard(a, b)


def test_native_jaccard_is_the_python_one_on_the_shared_data(monkeypatch):
    if native is None:
        pytest.skip("sftlint._dedup_native not built")
    texts = [python_normalise(monkeypatch, t) for t in shared_strings()[:4000]]
    texts = [t for t in texts if len(t) >= 5]
    if not texts:
        pytest.skip("../shared/data is absent (a clone without the shared data)")
    rng = random.Random(1)
    for a in texts[:1500]:
        b = rng.choice(texts)
        assert native.jaccard(a, b) == python_jaccard(a, b)


@needs_native
def test_fold_words_is_the_python_normalise_wherever_it_answers(monkeypatch):
    table = fold_table()
    samples = [
        "我的退款怎么还没到账？订单号是 1234。",
        "Ｈｅｌｌｏ，ＷＯＲＬＤ！ foo_bar …… ①②",
        "Thought: I need to search.\nAction: search[东京]\u3000\u00a0",
        "Ｃａｆé ＭＥＮＵ",
        "",
    ]
    rng = random.Random(3)
    samples += [random_text(rng) for _ in range(500)]
    samples += shared_strings()[:5000]
    answered = 0
    for text in samples:
        got = native.fold_words(text, table)
        if got is not None:
            answered += 1
            assert got == python_normalise(monkeypatch, text), text
    assert answered > len(samples) // 2  # most real text folds a character at a time


@needs_native
def test_fold_words_leaves_texts_that_compose_or_expand_to_python(monkeypatch):
    table = fold_table()
    for text in ["cafe\u0301", "straße", "ﬁnance", "한국어"]:
        assert native.fold_words(text, table) is None
    monkeypatch.setattr(D, "NATIVE", native)
    monkeypatch.setattr(D, "_fold_bytes", table)
    assert (
        D.normalise("cafe\u0301 straße")
        == python_normalise(monkeypatch, "cafe\u0301 straße")
        == "caféstrasse"
    )


def near_copies(tmp_path, records: int = 120) -> str:
    """A file of customer-service records, a third of them an earlier one with a few edits."""
    rng = random.Random(11)
    words = ["退款", "订单", "物流", "发票", "会员", "积分", "优惠券", "地址", "快递", "售后", "换货", "客服"]
    rows: list[dict] = []
    for i in range(records):
        if rows and rng.random() < 0.35:
            rec = orjson.loads(orjson.dumps(rng.choice(rows)))
            for msg in rec["messages"]:
                if rng.random() < 0.5:  # re-punctuated: the same text once normalised
                    msg["content"] = msg["content"].replace("，", ", ").replace("。", ".")
                else:  # a character changed
                    chars = list(msg["content"])
                    chars[rng.randrange(len(chars))] = rng.choice("的一是在不了有和")
                    msg["content"] = "".join(chars)
        else:
            topic = rng.sample(words, 4)
            rec = {
                "messages": [
                    {
                        "role": "user",
                        "content": f"第{i}位顾客问：我的{topic[0]}和{topic[1]}怎么处理？编号{i * 7919}。",
                    },
                    {
                        "role": "assistant",
                        "content": f"您好，关于{topic[2]}的问题，请您先在个人中心查看{topic[3]}的状态，"
                        f"如果{i}小时内仍未更新，请联系人工客服为您处理。我们会在{topic[0]}办结后短信通知您，"
                        f"{topic[1]}的进度也可以在订单详情页随时查看，感谢您的耐心等待。",
                    },
                ]
            }
        rows.append(rec)
    path = tmp_path / "near.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return str(path)


def d002(path: str) -> list[tuple[int, str]]:
    return [(d.line, d.message) for d in sftlint.lint(path, select=["D002"]) if d.code == "D002"]


class _Unwritten(spill.SpilledTexts):
    """D002's written texts as where the temporary file cannot be made: none read back."""

    def get(self, k: int) -> None:
        return None


@pytest.mark.parametrize("keep", [0, D.KEEP_CHARS])
@pytest.mark.parametrize("hold", [1, spill.TEXTS_HOLD])
def test_kept_turns_written_texts_and_native_kernels_give_the_pairs_that_reading_again_in_python_gives(
    tmp_path, monkeypatch, keep, hold
):
    path = near_copies(tmp_path)
    with monkeypatch.context() as m:
        m.setattr(D, "KEEP_CHARS", 0)  # every candidate read again from the file
        m.setattr(D, "SpilledTexts", _Unwritten)
        m.setattr(D, "NATIVE", None)
        m.setattr(D, "_fold_bytes", None)
        reference = d002(path)
    assert len(reference) > 10 and all("(similarity" in msg for _, msg in reference)
    monkeypatch.setattr(D, "KEEP_CHARS", keep)
    monkeypatch.setattr(spill, "TEXTS_HOLD", hold)  # the texts written to the file, or held
    assert d002(path) == reference


def test_the_written_texts_decide_where_the_file_changed_after_it_was_read(tmp_path, monkeypatch):
    """A file rewritten (here emptied) between reading it and the reduce: the conversations
    written while streaming still give each pair's exact similarity, where reading the records
    again gave only the estimate."""
    path = near_copies(tmp_path)
    monkeypatch.setattr(D, "KEEP_CHARS", 0)
    monkeypatch.setattr(spill, "TEXTS_HOLD", 512)  # most of them in the temporary file
    want = d002(path)

    def changed_midway(texts: type) -> list[tuple[int, str]]:
        Path(path).write_bytes(original)
        with monkeypatch.context() as m:
            m.setattr(D, "SpilledTexts", texts)
            engine = Engine(Settings(select=["D002"]))
            assert not list(engine.lint_path(path))
            Path(path).write_bytes(b"")
            return [(d.line, d.message) for d in engine.finish() if d.code == "D002"]

    original = Path(path).read_bytes()
    assert changed_midway(spill.SpilledTexts) == want
    estimated = changed_midway(_Unwritten)
    assert estimated and all("estimated similarity" in msg for _, msg in estimated)


def test_records_in_memory_give_the_pairs_the_file_gives(tmp_path):
    path = near_copies(tmp_path)
    records = [orjson.loads(line) for line in Path(path).read_bytes().splitlines()]
    found = [d for d in sftlint.lint(records, select=["D002"]) if d.code == "D002"]
    assert found and all("estimated" not in d.message for d in found)
    assert [d.message for d in found] == [msg for _, msg in d002(path)]


def _verification_file(tmp_path) -> tuple[str, list]:
    """Records built so that a whole conversation can be alike while one side is not: a long
    shared question with an entirely different short answer."""
    question = (
        "我在网上商城买了一台洗衣机，订单显示已经签收，但是我一直没有收到货，快递员说放在了小区门口的快递柜，"
        "可是我查了快递柜也没有取件码，联系商家客服一直没有人回复，请问我现在应该怎么处理才能拿到货或者退款？"
        "另外这台洗衣机是参加双十一活动时用优惠券买的，如果退款的话优惠券还能不能退回到我的账户里面，"
        "还有我当时选择了分期付款，已经还了第一期，退款以后剩下的分期会不会自动取消，手续费是不是也会退？"
    )
    answer = "您好，请先联系物流核实签收记录。"
    other = "本店不提供维修，请前往官方网点。"
    rows = [
        [question, answer],  # 0
        [question, other],  # 1: the whole alike with 0, the answers not
        [question.replace("双十一", "六一八"), answer],  # 2: alike with 0 on both sides
        [
            "今天天气怎么样？适合出去跑步吗？我想在晚上去公园慢跑一个小时。",
            "今天晚上有小雨，建议您在室内锻炼。",
        ],  # 3
        [question, answer + "祝您生活愉快。"],  # 4: its digest will not match: read as unreadable
        [question, answer],  # 5
    ]
    records = [
        {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]} for q, a in rows
    ]
    path = tmp_path / "verify.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return str(path), list(sftlint.load_records(str(path)))


def _every_text_whole(threshold, cands, records, readable):
    """The decision made the plain way, the reference: each pair on all its texts, in order."""
    texts = {k: D.dialogue_texts(records[k]) for k in readable}
    chosen = {}
    for i, pairs in cands.items():
        for j, est in pairs:
            if i in texts and j in texts:
                sim = D.jaccard(texts[i][0], texts[j][0])
                if sim >= threshold - 1e-9 and D._both_sides_alike(texts[i], texts[j]):
                    chosen[i] = (j, sim, "similarity")
                    break
            elif est >= threshold - 1e-9:
                chosen[i] = (j, est, "estimated similarity")
                break
    return chosen


@pytest.mark.parametrize("keep", [False, True])
def test_two_step_verification_decides_as_comparing_every_text_whole(tmp_path, keep):
    """The verification makes the whole texts first and the sides only for the pairs whose whole
    texts reach the threshold; its decisions must be those of comparing every pair on all its
    texts: a pair alike as a whole but not on its answers is passed over for a later candidate,
    an unreadable candidate falls back on the estimate only where it comes first."""
    from array import array

    path, records = _verification_file(tmp_path)
    loc = D._Locations()
    for r in records:
        loc.add(path, r.index, r.line)
    digests = array("Q", [D._digest(r) for r in records])
    digests[4] ^= 1  # changed since it was collected: cannot be read again
    kept = {}
    if keep:
        for k, r in enumerate(records):
            contents = D._turn_contents(r)
            kept[k] = (
                D.PART_SEP.join(c for _, c in contents),
                tuple(role for role, _ in contents),
                D.media_key(r.data),
            )
        del kept[4]
    cands = {
        # 1 alike only as a whole, 3 not at all: 0 is chosen, before the unreadable 4's estimate
        5: [(1, 0.9), (3, 0.9), (0, 0.7), (4, 0.9)],
        2: [(1, 0.95), (4, 0.85), (0, 0.9)],  # 1 passed over, then 4 unreadable: its estimate
        3: [(4, 0.5)],  # unreadable, and the estimate is short of the threshold: nothing
        1: [(0, 0.9)],  # alike as a whole, not on the answers: nothing
    }
    whole = [D.dialogue_text(r) for r in records]
    assert D.jaccard(whole[5], whole[1]) >= 0.8 and D.jaccard(whole[2], whole[1]) >= 0.8  # as a whole
    want = _every_text_whole(0.8, cands, records, [k for k in range(len(records)) if k != 4])
    assert want[5][:1] == (0,) and want[2] == (4, 0.85, "estimated similarity") and set(want) == {5, 2}
    D._MADE_TEXTS.clear()
    try:
        got = D._verify_block(0.8, cands, loc, digests, {path: "messages"}, None, kept)
        assert got == want
        # again, with the texts the first call made held (whole texts, and all the texts of the
        # records whose pairs got that far)
        assert D._verify_block(0.8, cands, loc, digests, {path: "messages"}, None, kept) == want
    finally:
        D._MADE_TEXTS.clear()


def test_made_texts_hold_all_the_texts_in_place_of_a_whole_text():
    made = D._MadeTexts(10_000)
    made.put(("a",), "abcdef")
    assert made.get(("a",)) == "abcdef" and made.chars == 6 + D.ENTRY_CHARS + D.STRING_CHARS
    full = ("abcdef", "abc", "def", "", "abc", ("", ""))
    made.put(("a",), full)  # all the texts replace the whole text alone
    full_size = 15 + D.ENTRY_CHARS + 7 * D.STRING_CHARS
    assert made.get(("a",)) == full and made.chars == full_size
    made.put(("a",), "abcdef")  # and a whole text never replaces them
    assert made.get(("a",)) == full and made.chars == full_size


def test_made_texts_count_what_each_entry_costs_beyond_its_characters():
    # Short whole texts: the entries' own objects bound how many are held, not only their
    # characters (a gigabyte of one-exchange records held 80 MB under a 32 MB budget).
    budget = 20 * (D.ENTRY_CHARS + D.STRING_CHARS)
    made = D._MadeTexts(budget)
    for n in range(1_000):
        made.put(n, f"问{n}")
    assert made.chars <= budget
    assert len(made.texts) < 20 and made.get(999) == "问999" and made.get(0) is None


def test_made_texts_are_emptied_for_the_blocks_of_other_files_or_formats():
    # The keys hold a file's id in its run: a worker verifying the blocks of another run must
    # not take the texts made for this one.
    D._MADE_TEXTS.clear()
    try:
        made = D._made_texts_for(["a.jsonl"], {"a.jsonl": "messages"})
        made.put(D._made_key(7, 0, None), "abcdef")
        assert D._made_texts_for(["a.jsonl"], {"a.jsonl": "messages"}).get(7) == "abcdef"
        assert D._made_texts_for(["a.jsonl"], {"a.jsonl": "sharegpt"}).get(7) is None
        made.put(7, "abcdef")
        assert D._made_texts_for(["b.jsonl"], {"b.jsonl": "sharegpt"}).get(7) is None
    finally:
        D._MADE_TEXTS.clear()


def test_made_keys_tell_files_and_frames_apart():
    frame = ("请回答", "谢谢")
    keys = {
        D._made_key(7, 0, None),
        D._made_key(7, 1, None),
        D._made_key(7, 0, frame),
        D._made_key(8, 0, None),
    }
    assert len(keys) == 4 and D._made_key(7, 0, None) == 7

"""D rules on seed-style customer-service records: what they must catch and what they must leave alone."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import unicodedata
from array import array
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, SHARED_DATA, chat, run_cli, write_jsonl
from hypothesis import given, settings
from hypothesis import strategies as st
from sftlint.rules import dataset as D

import sftlint
from sftlint.analysis import minhash

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench import corpus

SYSTEM = "你是电商平台的客服助手，请根据知识库结果礼貌、准确地回答用户的问题。"


def _codes(diags, code):
    return [d for d in diags if d.code == code]


def _dialogues(n, seed=0):
    return list(corpus.generate(n, seed=seed))


# ---------------------------------------------------------------------------
# D001


def test_d001_points_every_later_copy_at_the_first(tmp_path):
    recs = _dialogues(60, seed=1)
    copy = json.loads(json.dumps(recs[3]))
    data = [*recs[:10], copy, *recs[10:20], copy, *recs[20:]]
    path = write_jsonl(tmp_path / "train.jsonl", data)
    found = _codes(sftlint.lint(path), "D001")
    assert [d.line for d in found] == [11, 22]
    assert all(d.data["first_line"] == 4 and d.data["first_record"] == 3 for d in found)
    assert "line 4" in found[0].message and "3 copies in all" in found[0].message
    assert all(d.severity == "warning" and d.pointer == "" for d in found)


def test_d001_identical_means_same_json_value_not_same_text(tmp_path):
    rec = chat(("user", "我的快递到哪了？"), ("assistant", "您的快递已到达本市分拣中心。"), system=SYSTEM)
    reordered = {"messages": [{"content": m["content"], "role": m["role"]} for m in rec["messages"]]}
    path = tmp_path / "d.jsonl"
    path.write_text(
        json.dumps(rec, ensure_ascii=False)
        + "\n"
        + json.dumps(reordered, ensure_ascii=False, indent=None)
        + "\n",
        encoding="utf-8",
    )
    assert [d.line for d in _codes(sftlint.lint(path), "D001")] == [2]


def test_d001_across_files_is_one_dataset(tmp_path):
    recs = _dialogues(80, seed=2)
    train = write_jsonl(tmp_path / "train.jsonl", recs[:60])
    evals = write_jsonl(tmp_path / "eval.jsonl", [*recs[60:], recs[7]])
    found = _codes(sftlint.lint([train, evals]), "D001")
    assert len(found) == 1
    d = found[0]
    assert d.path == str(evals) and d.line == 21
    assert f"{train}:8" in d.message


def test_d001_leaves_distinct_records_alone(tmp_path):
    path = write_jsonl(tmp_path / "clean.jsonl", _dialogues(300, seed=3))
    assert _codes(sftlint.lint(path, select=["D"]), "D001") == []


def test_d001_collector_costs_20_bytes_per_record():
    rule = D.DuplicateRecord()
    coll = rule.collector()
    for i in range(1000):
        coll.append((i * 7919, "a.jsonl", i, i + 1))
    per_record = (
        coll.digests.itemsize + coll.loc.index.itemsize + coll.loc.line.itemsize + coll.loc.path_id.itemsize
    )
    assert len(coll.digests) == 1000 and per_record == 20


# ---------------------------------------------------------------------------
# D002


def test_normalise_folds_width_case_space_and_punctuation():
    assert (
        D.normalise("您好， Ｗｏｒｌｄ！ 订单 ４２。")
        == D.normalise("您好,world 订单42")
        == "您好world订单42"
    )


_NFKC_ALPHABET = (
    "中文的是，。？！：；（）“”、《》…　\u00a0ＡＢｃ１２％＆＠＿｀～＝<=>\u0338e\u0301\u0308\u0327"
    "\u1100\u1161\u11a8가ﬁ™½①\u212b\uf900abcXYZ 019_-.,\u3099\u304b\u30ab\uff76\uff9e"
)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_NFKC_ALPHABET, max_size=40) | st.text(max_size=20))
def test_fast_nfkc_equals_unicodedata(text):
    """The fast path replaces full-width punctuation by its decomposition before NFKC: the result
    must be NFKC's own, also next to combining marks, jamo and compatibility characters."""
    import unicodedata

    assert D.nfkc(text) == unicodedata.normalize("NFKC", text)


_TURN_ALPHABET = _NFKC_ALPHABET + "\u03a3\u03c2\u00df\u0130\U0001d49c\U0001f600\U00020000\u2460\uff3f_"


def _joined_normalised(turns: list[str]) -> str:
    """:func:`D.dialogue_text` of turns (every turn normalised alone, empty ones left out)."""
    return "\x1f".join(t for t in map(D.normalise, turns) if t)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_TURN_ALPHABET, max_size=30), min_size=1, max_size=6), st.integers(5, 30))
def test_folded_turns_give_the_normalised_dialogue(turns, min_chars):
    """D002's map folds (NFKC, case) the joined turns at once and leaves removing what is not a
    word to the batch: that must be every turn normalised alone and joined, also where a turn is
    empty once normalised, starts with a combining mark or ends with a full-width ``＝`` that
    NFKC composes with the next character; and signed in arrays it is that text's signature,
    or nothing where it is shorter than min-chars."""
    folded = D.fold_turns(turns)
    want = _joined_normalised(turns)
    assert folded is not None and minhash.words_of_parts(folded) == want
    long_enough = len(want) >= min_chars
    for arrays in (True, False):  # in arrays, and in plain Python (numpy not installed)
        batch = minhash.Batch()
        left, np = minhash._plain_left, minhash._np
        minhash._plain_left = 0
        if not arrays:
            minhash._np = False
        try:
            for _ in range(3):  # in a block with others
                batch.add_parts(folded, min_chars)
                batch.add_raw(D.joined_turns(turns), min_chars)  # folded in arrays where it can be
            words: list[str | None] = []
            got = batch.sign(words)
        finally:
            minhash._plain_left, minhash._np = left, np
        assert got == [minhash._sign(want, None) if long_enough else None] * 6
        # what was signed, which D002's verification reads back instead of the record
        assert words == [want if long_enough else None] * 6


def _table_folds() -> list[tuple[str, int]]:
    np = pytest.importorskip("numpy")
    table = minhash._fold_table(np)
    return [(chr(cp), int(v)) for cp, v in enumerate(table.tolist()) if v != minhash._UNFOLDED]


def test_the_fold_table_folds_each_code_point_as_fold_does():
    """Every code point the table folds alone folds to fold() of it, or, where that is several
    characters none of them a word, to a space (which the batch drops as fold()'s would be);
    the CJK ideographs to themselves; the separator of parts to itself and nothing else to it."""
    np = pytest.importorskip("numpy")
    folds = _table_folds()
    assert len(folds) > 31_000
    for c, v in folds:
        f = minhash.fold(c)
        assert chr(v) == f or (v == 0x20 and len(f) > 1 and not any(ch.isalnum() for ch in f)), hex(ord(c))
        assert (v == ord(minhash.PART_SEP)) == (c == minhash.PART_SEP)
    table = minhash._fold_table(np)
    for lo, hi in minhash._FOLD_SAME:
        assert (table[lo:hi] == np.arange(lo, hi)).all()
        assert all(
            unicodedata.decomposition(chr(cp)) == "" and chr(cp).casefold() == chr(cp) for cp in range(lo, hi)
        )
    # the multi-character folds the batch leaves to fold(): a word among them
    assert {c for c in "ßﬁ½İ\u0149" if table[ord(c)] == minhash._UNFOLDED} == set("ßﬁ½İ\u0149")
    # combining marks, jamo and the half-width voiced marks (NFKC makes them combining)
    assert all(table[ord(c)] == minhash._UNFOLDED for c in "\u0301\u0338\u3099\u1161\u11a8\uff9e\uff9f")


def test_no_code_point_the_table_folds_composes_with_what_precedes_it():
    """A table's fold of a text is the concatenation of its characters' folds because no
    character it folds, nor the first character of its decomposition, is the second of a
    canonical composition or a combining mark: checked against every composition of this
    Python's Unicode, and on every pair of a sample of the characters it folds."""
    seconds = set()
    for cp in range(0x110000):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<"):
            parts = d.split()
            if len(parts) == 2:
                seconds.add(chr(int(parts[1], 16)))
    folds = _table_folds()
    for c, _ in folds:
        first = unicodedata.normalize("NFKD", c)[0]
        assert first not in seconds and unicodedata.combining(first) == 0, hex(ord(c))
    rng = random.Random(5)
    sample = [c for c, _ in folds if ord(c) < 0x3100 or ord(c) >= 0xFF00] + [
        c for c, _ in rng.sample(folds, 300)
    ]
    sample = rng.sample(sample, 700)
    for a in sample:
        fa = minhash.fold(a)
        for b in sample:
            assert minhash.fold(a + b) == fa + minhash.fold(b), (hex(ord(a)), hex(ord(b)))


def test_raw_texts_folded_in_arrays_and_by_fold_in_one_block_sign_as_folded_texts():
    """A block of joined turns where some texts hold a character the table does not fold alone
    (a combining mark, Hangul, ß, ℃, an astral letter): those are folded by fold(), the others
    in arrays, and every signature is that of the text folded first."""
    pytest.importorskip("numpy")
    texts = [
        "您好，请问ＡＢＣ订单（１２３）什么时候发货？\x1f亲，您的订单预计明天发货……",
        "Café au lait, s'il vous plaît: e\u0301 composed.\x1fOui, voilà ＦＩＮＥ！",
        "오늘 날씨가 어때요?\x1f맑고 따뜻합니다, 산책하기 좋아요.",
        "温度是３７℃吗？\x1fStraße und Maß, ﬁne ½ \U0001d49c\U0001d49c 可以。",
        "Ｔｈｉｓ　ｉｓ　ＦＵＬＬ－ＷＩＤＴＨ，ＡＮＤ　ｍｉｘｅｄ　Ｃａｓｅ．\x1f好的😀👍",
    ]
    want_batch, raw = minhash.Batch(), minhash.Batch()
    left = minhash._plain_left
    minhash._plain_left = 0
    try:
        for text in texts * 2:
            want_batch.add_parts(minhash.fold(text), 8)
            raw.add_raw(text, 8)
        want, got = want_batch.sign(), raw.sign()
    finally:
        minhash._plain_left = left
    assert got == want and all(want)


def test_folding_is_left_to_the_plain_path_where_it_cannot_be_exact():
    assert D.fold_turns(["有\x1f分隔符", "答"]) is None  # a turn holds the separator itself
    assert D.fold_turns(["长" * (D._PIECE + 1)]) is None  # long: normalised a piece at a time
    assert D.fold_turns(["Ａ，b"]) == "a,b"


def test_the_word_table_is_the_regex_on_every_code_point():
    np = pytest.importorskip("numpy")
    every = "".join(map(chr, range(0x110000)))
    want = bytearray(0x110000)
    for m in re.finditer(r"[^\W_]+", every):
        want[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    got = minhash._words(np, np.arange(0x110000, dtype=np.uint32))
    assert got.tobytes() == bytes(want)


def _folded_and_normalised(path: Path) -> list[tuple[str | None, str, str | None]]:
    return [
        (D.folded_dialogue(r), D.dialogue_text(r), D.joined_turns([c for _, c in D._turn_contents(r)]))
        for r in sftlint.load_records(path)
        if r.messages
    ]


def _check_folded(pairs: list[tuple[str | None, str, str | None]], name: str) -> None:
    folded = [(f, t, j) for f, t, j in pairs if f is not None]
    assert len(folded) >= 0.9 * len(pairs), name  # the fast path is the common one
    assert all((f is None) == (j is None) for f, _, j in pairs), name
    want = [minhash._sign(t, None) if len(t) >= 20 else None for _, t, _ in folded]
    batch, raw = minhash.Batch(), minhash.Batch()
    left = minhash._plain_left
    minhash._plain_left = 0
    try:
        for f, t, j in folded:
            assert minhash.words_of_parts(f) == t, name
            batch.add_parts(f, 20)
            raw.add_raw(j, 20)  # folded in arrays, or by fold() where a character is not in the table
        got, got_raw = batch.sign(), raw.sign()
    finally:
        minhash._plain_left = left
    assert got == want, name
    assert got_raw == want, name


def test_folded_dialogues_of_the_seed_corpus(tmp_path):
    path = tmp_path / "seed.jsonl"
    corpus.write_corpus(path, 400, seed=17, plant_defects=True)
    _check_folded(_folded_and_normalised(path), "seed")


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data (real datasets) is not present")
def test_folded_dialogues_of_the_real_data():
    """On every real file: the folded text, normalised in arrays, gives the dialogue text and
    its signature, record by record."""
    for path in sorted(p for d in ("wild", "sft") for p in (SHARED_DATA / d).glob("*.json*")):
        _check_folded(_folded_and_normalised(path), path.name)


def test_signature_is_deterministic_across_processes():
    text = D.normalise("您的退款仍在审核中，审核通常在一到三个工作日内完成，请您耐心等待。") * 3
    here = D.signature(text).hex()
    code = (
        f"from sftlint.rules.dataset import signature, normalise;print(signature(normalise({text!r})).hex())"
    )
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        assert out.stdout.strip() == here


def _exact_jaccard(a, b):
    sa = {a[i : i + D.SHINGLE] for i in range(len(a) - D.SHINGLE + 1)}
    sb = {b[i : i + D.SHINGLE] for i in range(len(b) - D.SHINGLE + 1)}
    return len(sa & sb) / len(sa | sb)


def test_minhash_estimate_tracks_exact_jaccard():
    """On real-looking dialogue texts with a range of overlaps, the estimate is unbiased and
    within a few standard errors of the exact Jaccard similarity."""
    errors = []
    for seed in (5, 6, 7):  # 450 pairs: the mean of one seed's 150 moves by about 0.01
        rng = random.Random(seed)
        texts = [D.normalise(json.dumps(r, ensure_ascii=False)) for r in _dialogues(40, seed=seed)]
        for _ in range(150):
            a = rng.choice(texts)
            cut = rng.randrange(0, len(a) // 2)
            b = a[: len(a) - cut] + rng.choice(texts)[: rng.randrange(0, 200)]
            exact = _exact_jaccard(a, b)
            est = D.estimate(D.signature(a), D.signature(b))
            errors.append(est - exact)
    mean = sum(errors) / len(errors)
    assert abs(mean) < 0.03, mean
    assert max(abs(e) for e in errors) < 0.25
    assert sum(abs(e) < 0.12 for e in errors) / len(errors) > 0.9


def test_short_texts_are_not_similar_for_sharing_empty_bins():
    a = D.normalise("请问退款什么时候到账呢谢谢您")
    b = D.normalise("快递已经到达本市分拣中心了啊")
    assert D.estimate(D.signature(a), D.signature(b)) < 0.3


def test_d002_finds_planted_near_duplicates_and_no_false_pairs(tmp_path):
    """The generator's near-duplicates (re-spaced, re-punctuated, a word changed) are found,
    pointing at their source; nothing else in 1,500 distinct dialogues is paired."""
    path = tmp_path / "corpus.jsonl"
    truth = tmp_path / "truth.jsonl"
    corpus.write_corpus(path, 1500, seed=11, plant_defects=True, truth=truth, defect_rate=0.1)
    planted = {}
    for line in truth.read_text().splitlines():
        t = json.loads(line)
        if t["code"] == "D002":
            planted[t["line"]] = t["source_line"]
    assert len(planted) >= 10
    found = {d.line: d.data["first_line"] for d in sftlint.lint(path, select=["D002"])}
    assert found == planted


def test_d002_exact_copies_are_left_to_d001(tmp_path):
    recs = _dialogues(30, seed=4)
    path = write_jsonl(tmp_path / "d.jsonl", [*recs, recs[2]])
    diags = sftlint.lint(path, select=["D001", "D002"])
    assert [d.code for d in diags] == ["D001"]


def _picture(image: str | None, question: str, answer: str, parts: bool = False) -> dict:
    """A LLaMA-Factory multimodal record (``images`` beside ``<image>`` in the text), or with the
    image as a content part (``parts``, LLaMA-Factory v1 / OpenAI)."""
    if parts:
        user = [{"type": "image_url", "value": image}, {"type": "text", "value": question}]
        return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]}
    rec = {
        "messages": [
            {"role": "user", "content": "<image>" + question},
            {"role": "assistant", "content": answer},
        ]
    }
    if image is not None:
        rec["images"] = [image]
    return rec


@pytest.mark.parametrize("parts", [False, True])
def test_d002_one_question_about_two_pictures_is_two_examples(parts, tmp_path):
    question = "What is in the picture? Please describe it in detail."
    answer = "A small grey cat is sleeping on a red sofa next to a window."
    recs = [
        *_dialogues(20, seed=5),
        _picture("data/img/1.jpg", question, answer, parts),
        _picture(
            "data/img/2.jpg", question, answer.replace("a window", "the window"), parts
        ),  # another picture
        _picture(
            "data/img/1.jpg", question + " ", answer.replace("a window.", "a window!"), parts
        ),  # the same one
    ]
    path = write_jsonl(tmp_path / "mm.jsonl", recs)
    found = [(d.line, d.data["first_line"]) for d in sftlint.lint(path, select=["D002"])]
    assert found == [(23, 21)]
    assert D.media_key(recs[0]) == "" and D.media_key(recs[20]) != D.media_key(recs[21])
    assert D.media_key(recs[20]) == D.media_key(recs[22])


def test_d002_decides_on_the_exact_similarity_not_the_estimate(tmp_path):
    """Two generated records (``bench/corpus.py``, 40,000 records, seed 0: lines 14299 and 15117)
    whose MinHash estimate is 0.83 but whose exact similarity is 0.77: read again from the
    file, the pair is not reported.  Passed in memory, the records are read again from the copy
    the engine writes of them, and the pair is not reported either (it was, on the estimate,
    before the copy: the API and the CLI disagreed on the same records)."""
    path = FIXTURES / "dataset" / "estimate_false_pair.jsonl"
    a, b = sftlint.load_records(path)
    ta, tb = D.dialogue_text(a), D.dialogue_text(b)
    assert D.estimate(D.signature(ta), D.signature(tb)) >= 0.8 > D.jaccard(ta, tb)
    assert _codes(sftlint.lint(path, select=["D002"]), "D002") == []
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert _codes(sftlint.lint(records, select=["D002"]), "D002") == []
    # a generator of records, read once, is copied as it is read
    assert _codes(sftlint.lint((r for r in records), select=["D002"]), "D002") == []


def test_d002_a_pair_the_estimate_underrates_is_still_found(tmp_path):
    """Candidates come from VERIFY_MARGIN below the threshold: a pair at exact similarity >= 0.8
    is reported even when its estimate falls under 0.8."""
    rng = random.Random(7)
    base = chat(
        ("user", "请问我上周买的空气净化器怎么还没发货？订单号是20240315001，已经等了五天了。"),
        (
            "assistant",
            "您好，非常抱歉让您久等了。我查询到您的订单因为仓库备货延迟，预计明天上午从杭州仓发出，"
            "发货后您会收到短信通知，届时可以在订单详情里查看物流信息。",
        ),
        ("user", "那能不能帮我加急处理一下？我家里老人过敏，比较着急用。"),
        (
            "assistant",
            "理解您的心情，我已经为您的订单提交了加急申请，仓库会优先安排出库，"
            "如果明天中午前还没有物流更新，您可以直接回复我，我再帮您跟进。",
        ),
    )

    def text(rec):
        return "\x1f".join(D.normalise(m["content"]) for m in rec["messages"])

    case = None
    for _ in range(3000):
        near = json.loads(json.dumps(base))
        for _ in range(4):  # four characters changed: about 0.82 similar
            m = rng.choice(near["messages"])
            chars = list(m["content"])
            chars[rng.randrange(len(chars))] = rng.choice("的了是在我有和就不人都一")
            m["content"] = "".join(chars)
        ta, tb = text(base), text(near)
        exact, est = D.jaccard(ta, tb), D.estimate(D.signature(ta), D.signature(tb))
        if exact >= 0.8 and est < 0.8:
            case = near
            break
    assert case is not None, "no underrated pair in 3,000 tries"
    filler = _dialogues(30, seed=31)
    path = write_jsonl(tmp_path / "d.jsonl", [base, *filler, case])
    (d,) = _codes(sftlint.lint(path, select=["D002"]), "D002")
    assert d.line == 32 and d.data["first_line"] == 1
    assert d.data["similarity"] >= 0.8 and "(similarity" in d.message


def test_d002_respaced_and_repunctuated_copy_is_similarity_one(tmp_path):
    recs = _dialogues(30, seed=6)
    near = json.loads(json.dumps(recs[5]))
    for m in near["messages"]:
        if m["role"] != "system":
            m["content"] = m["content"].replace("，", ", ").replace("。", ". ")
    path = write_jsonl(tmp_path / "d.jsonl", [*recs, near])
    (d,) = _codes(sftlint.lint(path), "D002")
    assert d.line == 31 and d.data["first_line"] == 6 and d.data["similarity"] == 1.0
    assert "line 6" in d.message and ">= 0.8" in d.message


def test_d002_ignores_shared_retrieval_context_and_system_prompt(tmp_path):
    """Records on one topic share the system prompt and the retrieved knowledge-base text;
    different questions and answers are not near-duplicates."""
    kb = " Knowledge Base Result: " + corpus.TOPICS[0].kb
    a = chat(
        ("user", "我的退款怎么还没到账？" + kb),
        ("assistant", "请问您在退款申请页面看到的状态是“退款成功”吗？"),
        system=corpus.SYSTEM,
    )
    b = chat(
        ("user", "退的钱到现在都没收到，订单号是 1234。" + kb),
        ("assistant", "麻烦您先看一下退款申请的状态，是否已经显示成功了？"),
        system=corpus.SYSTEM,
    )
    path = write_jsonl(tmp_path / "d.jsonl", [a, b])
    assert _codes(sftlint.lint(path, select=["D002"]), "D002") == []


_PASSAGE = (
    "Sam's granddad was going to take Sam and his two brothers, James and Evan, on vacation. "
    "They could choose to go to the lake or the beach. If they chose the lake, they would get to "
    "go on their granddad's boat. If they chose the beach, there would be sand to dig in. All "
    "three boys began to clap and cheer for the beach! On the road the boys played a game: "
    "whoever counted the most big trucks would be the winner. Evan counted nine trucks, James "
    "counted seven and Sam counted twelve, so Sam won. At the beach they built a castle and Evan "
    "used a piece of driftwood to make a bridge over the moat."
)


def test_d002_same_passage_with_another_question_is_not_a_near_duplicate(tmp_path):
    """Reading-comprehension sets ask several questions about one long passage: the whole
    conversations are over 0.8 alike, but the replies differ entirely, so each record is its
    own example (fireact's MCTest records).  The same question copied with its reasoning
    re-worded a little is still reported."""
    first = chat(
        ("user", f"Question: {_PASSAGE}\nWho won the counting trucks game?"),
        ("assistant", "A. Evan\nB. James\nC. Sam\nThought: Sam counted twelve trucks.\nAction: finish[C]"),
    )
    other_question = chat(
        ("user", f"Question: {_PASSAGE}\nWhat did Evan use to make a bridge?"),
        ("assistant", "A. A shovel\nB. A piece of wood\nThought: driftwood is wood.\nAction: finish[B]"),
    )
    path = write_jsonl(tmp_path / "d.jsonl", [first, other_question])
    assert _codes(sftlint.lint(path, select=["D002"]), "D002") == []

    reworded = chat(
        ("user", f"Question: {_PASSAGE}\nWho won the counting trucks game?"),
        (
            "assistant",
            "A. Evan\nB. James\nC. Sam\nThought: Sam counted twelve trucks, the most.\nAction: finish[C]",
        ),
    )
    path = write_jsonl(tmp_path / "e.jsonl", [first, reworded])
    (d,) = _codes(sftlint.lint(path, select=["D002"]), "D002")
    assert d.data["first_line"] == 1


def test_d002_another_greeting_with_the_templated_reply_is_not_a_near_duplicate(tmp_path):
    """An identity set answers "hi" and "hello" with one templated reply on purpose: the prompts
    share nothing, so the pair is two examples, although the long reply makes them 0.9 alike."""
    reply = "Hello! I am {{name}}, an AI assistant developed by {{author}}. How can I assist you today?"
    path = write_jsonl(
        tmp_path / "d.jsonl",
        [chat(("user", "hi"), ("assistant", reply)), chat(("user", "hello"), ("assistant", reply))],
    )
    assert D.jaccard(*(D.dialogue_text(r) for r in sftlint.load_records(path))) >= 0.8
    assert _codes(sftlint.lint(path, select=["D002"]), "D002") == []


def test_d002_threshold_option_is_validated(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", _dialogues(3))
    (tmp_path / "sftlint.toml").write_text("[rules.near-duplicate]\nthreshold = 0.5\n", encoding="utf-8")
    res = run_cli("check", path, "--config", tmp_path / "sftlint.toml")
    assert res.code == 2 and "threshold" in res.err


def test_d002_stricter_threshold_reports_fewer(tmp_path):
    recs = _dialogues(40, seed=8)
    near = json.loads(json.dumps(recs[1]))
    last = [m for m in near["messages"] if m["role"] == "assistant"][-1]
    last["content"] += "另外提醒您，如果还有其他问题，欢迎随时联系在线客服，我们会尽快为您处理。"
    path = write_jsonl(tmp_path / "d.jsonl", [*recs, near])
    loose = _codes(sftlint.lint(path, select=["D002"]), "D002")
    strict = _codes(
        sftlint.lint(path, select=["D002"], options={"near-duplicate": {"threshold": 0.99}}), "D002"
    )
    assert len(loose) == 1 and strict == []


def test_d002_collector_costs_148_bytes_per_record():
    coll = D.NearDuplicate().collector()
    sig = D.signature(D.normalise("您的退款仍在审核中，审核通常在一到三个工作日内完成。"))
    for i in range(100):
        coll.append((sig, i, "a.jsonl", i, i + 1))
    assert len(coll.sigs) == 100 * D.NUM_HASHES * 2 == 100 * 128
    assert coll.digests.itemsize + 12 + len(sig) == 148


# ---------------------------------------------------------------------------
# D003


def test_d003_small_dataset_is_an_info_that_does_not_fail(tmp_path):
    path = write_jsonl(tmp_path / "small.jsonl", _dialogues(10, seed=9))
    (d,) = _codes(sftlint.lint(path), "D003")
    assert d.severity == "info" and d.line == 1 and "10 records" in d.message and "50" in d.message
    res = run_cli("check", path, "--select", "D003")
    assert res.code == 0 and "D003" in res.out


def test_d003_counts_the_whole_run_not_each_file(tmp_path):
    recs = _dialogues(60, seed=10)
    a = write_jsonl(tmp_path / "a.jsonl", recs[:30])
    b = write_jsonl(tmp_path / "b.jsonl", recs[30:])
    assert _codes(sftlint.lint([a, b]), "D003") == []
    (d,) = _codes(sftlint.lint(a), "D003")
    assert "30 records" in d.message


def test_d003_min_records_option(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", _dialogues(60, seed=12))
    assert _codes(sftlint.lint(path), "D003") == []
    (d,) = _codes(sftlint.lint(path, options={"too-few-records": {"min-records": 100}}), "D003")
    assert "60 records" in d.message and "100" in d.message


# ---------------------------------------------------------------------------
# D004


def test_d004_reports_the_old_prompt_and_says_where_it_differs(tmp_path):
    recs = _dialogues(60, seed=13)
    recs[17]["messages"][0]["content"] = corpus.SYSTEM_OLD
    path = write_jsonl(tmp_path / "d.jsonl", recs)
    (d,) = _codes(sftlint.lint(path), "D004")
    assert d.line == 18 and d.pointer == "/messages/0/content"
    assert "59 of 60 records" in d.message and "first at line 1" in d.message
    assert "回复时尽量简洁" in d.message and "每次回复都要使用" in d.message


def test_d004_whitespace_only_and_missing_prompt(tmp_path):
    recs = _dialogues(20, seed=14)
    recs[3]["messages"][0]["content"] = corpus.SYSTEM + " "
    del recs[8]["messages"][0]
    path = write_jsonl(tmp_path / "d.jsonl", recs)
    found = {d.line: d.message for d in _codes(sftlint.lint(path), "D004")}
    assert set(found) == {4, 9}
    assert "only in whitespace" in found[4]
    assert "no system prompt" in found[9]


def test_d004_quiet_when_prompts_vary_by_design(tmp_path):
    recs = [
        chat(("user", "你好"), ("assistant", "您好，请问有什么可以帮您？"), system=f"你是{name}的客服助手。")
        for name in ("甲店", "乙店", "丙店", "丁店", "戊店")
    ]
    path = write_jsonl(tmp_path / "d.jsonl", recs)
    assert _codes(sftlint.lint(path, select=["D004"]), "D004") == []


def test_d004_quiet_on_a_consistent_dataset(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", _dialogues(200, seed=15))
    assert _codes(sftlint.lint(path, select=["D004"]), "D004") == []


def test_d004_production_prompt_flags_even_the_majority(tmp_path):
    recs = _dialogues(10, seed=16)
    recs[0]["messages"][0]["content"] = "新版提示词：你是客服助手。"
    path = write_jsonl(tmp_path / "d.jsonl", recs)
    found = _codes(
        sftlint.lint(
            path, options={"system-prompt-drift": {"production-prompt": "新版提示词：你是客服助手。"}}
        ),
        "D004",
    )
    assert [d.line for d in found] == list(range(2, 11))
    assert all("production prompt" in d.message for d in found)


def test_d004_across_files(tmp_path):
    recs = _dialogues(40, seed=17)
    recs[35]["messages"][0]["content"] = corpus.SYSTEM_OLD
    a = write_jsonl(tmp_path / "a.jsonl", recs[:30])
    b = write_jsonl(tmp_path / "b.jsonl", recs[30:])
    (d,) = _codes(sftlint.lint([a, b]), "D004")
    assert d.path == str(b) and d.line == 6 and f"first at {a}:1" in d.message


# ---------------------------------------------------------------------------
# D005


def _long_record(chars: int) -> dict:
    turn = "请问我的退款什么时候能到账？订单号是 20240315001，已经等了好几天了。"
    user = (turn * (chars // len(turn) + 1))[:chars]
    return chat(("user", user), ("assistant", "您的退款仍在审核中，请耐心等待。"), system=SYSTEM)


def test_d005_approximation_flags_a_long_record_and_names_the_message(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [_long_record(12000), _long_record(3000)])
    (d,) = _codes(sftlint.lint(path), "D005")
    assert d.line == 1 and d.severity == "error" and d.pointer == "/messages/1"
    assert "approximation" in d.message and "8,192-token" in d.message


def test_d005_window_option(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [_long_record(3000)])
    assert _codes(sftlint.lint(path), "D005") == []
    (d,) = _codes(sftlint.lint(path, options={"context-overflow": {"context-window": 2048}}), "D005")
    assert "2,048-token" in d.message


def test_d005_quiet_on_the_corpus(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", _dialogues(200, seed=18))
    assert _codes(sftlint.lint(path, select=["D005"]), "D005") == []


def test_d005_missing_tokenizer_is_a_configuration_error(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [_long_record(100)])
    cfg = tmp_path / "sftlint.toml"
    cfg.write_text(f'[rules.context-overflow]\ntokenizer = "{tmp_path / "nope.json"}"\n', encoding="utf-8")
    res = run_cli("check", path, "--config", cfg)
    assert res.code == 2 and "nope.json" in res.err and "does not exist" in res.err


def test_collectors_take_plain_lists_too():
    """reduce() also accepts a list of summaries (a caller that collected them itself)."""
    rule = D.DuplicateRecord()
    found = list(rule.reduce([(1, "a", 0, 1), (2, "a", 1, 2), (1, "a", 2, 3)]))
    assert [f.ref.line for f in found] == [3]
    assert isinstance(rule.collector().digests, array)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=2 * D.NUM_HASHES, max_size=2 * D.NUM_HASHES), st.data())
def test_integer_agreement_equals_the_bytes_estimate(a, data):
    """near_pairs compares signatures read as integers; it must count agreeing values exactly
    as estimate() does on the bytes."""
    b = bytearray(a)
    for k in data.draw(st.lists(st.integers(0, D.NUM_HASHES - 1), max_size=D.NUM_HASHES)):
        b[2 * k] ^= data.draw(st.integers(0, 255))
        b[2 * k + 1] ^= data.draw(st.integers(0, 255))
    b = bytes(b)
    assert minhash.agreement(int.from_bytes(a, "little"), int.from_bytes(b, "little")) == D.estimate(a, b)


_FEW_SHOT = (
    'Interact with a household to solve a task by following the structured "Action Knowledge". '
    "The guidelines are:\n[Goto(receptacle)] -> Open(receptacle)\n[Goto(receptacle), Open(receptacle)] "
    "-> Take(object, from: receptacle)\n[Goto(receptacle), Take(object, from: receptacle)] -> "
    "Put(object, in/on: receptacle)\nHere is an example:\n"
    + "".join(
        f"> Think: No keychain found on shelf {k}, I'll check the next shelf.\n> go to shelf {k - 1}\n"
        f"On the shelf {k - 1}, you see a statue {k}.\n"
        for k in range(40, 1, -1)
    )
    + "> take keychain 2 from drawer 1\nYou pick up the keychain 2 from the drawer 1.\n"
)


def _episode(task: str, obj: str, places: list[str], found: str) -> dict:
    steps = "".join(
        f"> Think: No {obj} found on {p}, I'll check the next receptacle.\n> go to {p}\nOn the {p}, you see nothing.\n"
        for p in places
    )
    return chat(
        ("user", f"{_FEW_SHOT}\nHere is the task: You are in the middle of a room. Your task is to: {task}"),
        (
            "assistant",
            f"> Think: To solve the task, I need to find and take a {obj}, then {task}\n{steps}"
            f"> go to {found}\nOn the {found}, you see a {obj} 1.\n> take {obj} 1 from {found}",
        ),
    )


def test_d002_two_episodes_under_one_few_shot_prompt_are_not_near_duplicates(tmp_path):
    """KnowAgent's ALFWorld records share a 4,000-character few-shot prompt and write their
    trajectories in one template: two different episodes are 0.9 alike overall with replies
    only half alike; each is its own example.  The same episode with its task re-worded is
    still reported."""
    first = _episode("put a box in diningtable.", "box", ["sofa 1", "armchair 1", "sidetable 2"], "dresser 1")
    other = _episode("put a pillow in armchair.", "pillow", ["sofa 1", "armchair 1", "sidetable 2"], "bed 1")
    path = write_jsonl(tmp_path / "d.jsonl", [first, other])
    texts = [D.dialogue_texts(r) for r in sftlint.load_records(path)]
    assert D.jaccard(texts[0][0], texts[1][0]) >= 0.8  # the shared prompt makes them alike overall
    assert 0.5 <= D.jaccard(texts[0][2], texts[1][2]) < 0.7  # the templated trajectories half alike
    assert _codes(sftlint.lint(path, select=["D002"]), "D002") == []

    reworded = _episode(
        "put some box on diningtable.", "box", ["sofa 1", "armchair 1", "sidetable 2"], "dresser 1"
    )
    path = write_jsonl(tmp_path / "e.jsonl", [first, reworded])
    (d,) = _codes(sftlint.lint(path, select=["D002"]), "D002")
    assert d.data["first_line"] == 1


# -- D002: successive steps of an agent episode written a step per record ---------------------

_API_DOCS = (
    '{"apiCode": "ToolSearcher", "description": "Searches for relevant tools in library based on the '
    'keywords.", "parameters": {"keywords": {"type": "str"}}}\n'
    '{"apiCode": "ServiceAvailabilityChecker", "description": "Checks whether a provider offers a '
    'service.", "parameters": {"provider": {"type": "str"}, "service": {"type": "str"}}}\n'
)
_STEP_INSTRUCTION = (
    "Generate an API request in the format of [ApiName(key1='value1', key2='value2', ...)] based on "
    "the user's utterance and available API requests.\nAPI descriptions:\n"
)
_USER = "User: Find a healthcare provider that can perform a knee replacement surgery in New York City.\n"


def _api_step(history: list[tuple[str, str]], action: str) -> dict:
    """An API-Bank training record: the episode so far (each request with its result) in the
    input, the next request as the output."""
    done = "".join(f"API-Request: [{a}]->{r}\n" for a, r in history)
    return {
        "instruction": _STEP_INSTRUCTION,
        "input": f"{_API_DOCS}{_USER}{done}Generate API Request: ",
        "output": f"API-Request: [{action}]",
    }


_CHECK_A = 'ServiceAvailabilityChecker(provider="Hospital A", service="Knee Replacement Surgery")'
_CHECK_B = 'ServiceAvailabilityChecker(provider="Hospital B", service="Knee Replacement Surgery")'
_SEARCH = (
    "ToolSearcher(keywords='knee replacement providers')",
    "{'providers': ['Hospital A', 'Hospital B', 'Hospital C']}",
)


def test_d002_successive_steps_of_one_episode_are_two_examples(tmp_path):
    """API-Bank writes an episode a step per record, the steps so far in the input: the step
    that checks Hospital B holds the step that checked Hospital A, and the two are 0.9 alike,
    yet each teaches its own request.  A later step that sends the earlier request again (an
    agent re-running it) trains one target twice and is still reported."""
    first = _api_step([_SEARCH], _CHECK_A)
    nxt = _api_step([_SEARCH, (_CHECK_A, "{'available': False}")], _CHECK_B)
    path = write_jsonl(tmp_path / "d.jsonl", [first, nxt])
    texts = [D.dialogue_texts(r) for r in sftlint.load_records(path)]
    assert D.jaccard(texts[0][0], texts[1][0]) >= 0.8
    assert D.jaccard(texts[0][2], texts[1][2]) >= 0.7  # the two requests differ in one letter
    assert _codes(sftlint.lint(path, select=["D002"]), "D002") == []

    again = _api_step([_SEARCH, (_CHECK_A, "{'error': 'timeout'}")], _CHECK_A)
    path = write_jsonl(tmp_path / "e.jsonl", [first, again])
    (d,) = _codes(sftlint.lint(path, select=["D002"]), "D002")
    assert d.data["first_line"] == 1


def test_d002_a_copy_whose_reply_repeats_its_prompt_is_still_reported(tmp_path):
    """An edit task whose answer repeats the text given (nothing to correct) holds its reply in
    its prompt, and so does its copy: the reply is no more in the copy's prompt than in its own,
    so the pair is not a step and its successor, and the copy is reported."""
    text = "The committee approved the new budget for the library after a long discussion last week"
    first = chat(("user", f"Fix the grammar of this sentence: {text}"), ("assistant", f"{text}."))
    copy = chat(
        ("user", f"Fix the grammar of this sentence:  {text}"), ("assistant", f"{text}, nothing to fix.")
    )
    path = write_jsonl(tmp_path / "d.jsonl", [first, copy])
    (d,) = _codes(sftlint.lint(path, select=["D002"]), "D002")
    assert d.data["first_line"] == 1


def test_d001_groups_copies_alike_in_arrays_and_in_python(monkeypatch):
    """From PLAIN_PAIRS_BELOW records D001 groups the digests with numpy; the copies, their
    first record and the group sizes are the ones the plain sort gives."""
    pytest.importorskip("numpy")
    rng = random.Random(11)
    for n in (0, 1, 2, 40, 2500):
        pool = [rng.getrandbits(64) for _ in range(max(1, n // 3))] + [0, 2**64 - 1]
        digests = array("Q", (rng.choice(pool) for _ in range(n)))
        monkeypatch.setattr(minhash, "PLAIN_PAIRS_BELOW", 10**9)
        plain = list(D._copies(digests))
        monkeypatch.setattr(minhash, "PLAIN_PAIRS_BELOW", 0)
        assert list(D._copies(digests)) == plain
        monkeypatch.setattr(D, "ROWS_AT_A_TIME", 7)  # the arrays' rows taken a few at a time
        assert list(D._copies(digests)) == plain
        monkeypatch.undo()
        assert n < 40 or len(plain) > n // 2


def test_d001_alone_does_not_import_numpy_for_a_small_dataset(tmp_path):
    """Importing numpy costs about 0.1 s of CPU, more than grouping a few thousand digests in
    plain Python: D001 without D002 finds the copies of 2,500 records without it (D002 imports
    it to sign its texts)."""
    recs = _dialogues(2500, seed=4)
    path = write_jsonl(tmp_path / "d.jsonl", [*recs, recs[10], recs[2000]])
    code = (
        "import sys, sftlint\n"
        f"found = [(d.line, d.data['first_line']) for d in sftlint.lint({str(path)!r}, select=['D001'])]\n"
        "print(found, 'numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[0] == "[(2501, 11), (2502, 2001)] False"


# -- D002: examples generated from a table's rows are not near-duplicates ----------------------

_TABLE = "table: 1-1007688-1\ncolumns: Year, Typhus, Typhoid fever, Relapsing fever, Smallpox, Malaria\n"


def _wikisql(year: str) -> tuple[str, str]:
    return (
        f"{_TABLE}Q: what is the typhoid fever number for the year {year}",
        f"SELECT Typhoid fever FROM 1-1007688-1 WHERE Year = '{year}'",
    )


def test_d002_rows_of_one_table_asked_for_different_numbers_are_two_examples(tmp_path):
    """WikiSQL-style records (MLX's LoRA example data): one table, the same question for 1929
    and for 1934, the answer carrying the year.  Two examples, as messages and as TRL text; the
    same question re-worded around the same year is still a near-duplicate."""
    q29, a29 = _wikisql("1929")
    q34, a34 = _wikisql("1934")
    reworded = q29.replace("what is the typhoid fever number", "tell me the typhoid fever number")
    for rows in (
        [chat(("user", q29), ("assistant", a29)), chat(("user", q34), ("assistant", a34))],
        [{"text": f"{q29}\nA: {a29}"}, {"text": f"{q34}\nA: {a34}"}],
    ):
        path = write_jsonl(tmp_path / "rows.jsonl", rows)
        texts = [D.dialogue_texts(r) for r in sftlint.load_records(path)]
        assert D.jaccard(texts[0][0], texts[1][0]) >= 0.8  # alike enough to be a pair
        assert _codes(sftlint.lint(path, select=["D002"]), "D002") == []
    path = write_jsonl(
        tmp_path / "copy.jsonl",
        [chat(("user", q29), ("assistant", a29)), chat(("user", reworded), ("assistant", a29))],
    )
    assert len(_codes(sftlint.lint(path, select=["D002"]), "D002")) == 1


def test_d002_a_copy_whose_numbers_differ_only_in_a_tool_result_is_still_reported(tmp_path):
    """The same question answered twice with a tool's other result (glaive's currency demo: a
    rate of 425.50, then 420.00, which the reply repeats) is one example generated twice; a
    word replaced in the question and again in the answer is a paraphrased copy."""

    def convert(rate: str) -> dict:
        return {
            "messages": [
                {
                    "role": "user",
                    "content": "Hi, I need to convert 500 US dollars to Euros. Can you help me with that?",
                },
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {
                            "type": "function",
                            "function": {
                                "name": "convert_currency",
                                "arguments": '{"amount": 500, "from": "USD", "to": "EUR"}',
                            },
                        }
                    ],
                },
                {"role": "tool", "content": f'{{"converted_amount": {rate}, "from": "USD", "to": "EUR"}}'},
                {"role": "assistant", "content": f"Sure, 500 US dollars is approximately {rate} Euros."},
            ]
        }

    path = write_jsonl(tmp_path / "tool.jsonl", [convert("425.50"), convert("420.00")])
    assert len(_codes(sftlint.lint(path, select=["D002"]), "D002")) == 1
    at = chat(
        ("user", "Who headlined the halftime show at Super Bowl LIX?"),
        (
            "assistant",
            "Kendrick Lamar headlined the halftime show at Super Bowl LIX, featuring SZA as a guest.",
        ),
    )
    at_for = json.loads(json.dumps(at).replace(" at Super", " for Super"))
    path = write_jsonl(tmp_path / "para.jsonl", [at, at_for])
    assert len(_codes(sftlint.lint(path, select=["D002"]), "D002")) == 1


def _aqua(speed: str, total: str, letter: str, lead: str = "Hmmm, my stream of consciousness:") -> dict:
    """An Alpaca-CoT AQuA record: a word problem with five options, its rationale computing with
    the problem's numbers (the option list's line breaks written out, as the file writes them)."""
    return {
        "instruction": (
            f"John left home and drove at the rate of {speed} mph for 2 hours. He stopped for lunch "
            "then drove for another 3 hours at the rate of 55 mph to reach his destination. How many "
            "miles did John drive?\\nOptions:\\n(A) 235 miles.\\n(B) 245 miles.\\n(C) 255 miles."
            f"\\n(D) 265 miles.\\n(E) 275 miles. {lead}"
        ),
        "input": "",
        "output": (
            "The total distance D traveled by John is given by\\n"
            f"D = {speed} * 2 + 3 * 55 = {total} miles. So, the answer is ({letter})."
        ),
    }


def _platform(man: str, options: str, man_distance: str, platform: str, letter: str) -> dict:
    """AQuA's train-and-platform problem: its rationale writes 72000/3600, inside which a
    three-digit option of the other problem (200) lies by chance."""
    return {
        "instruction": (
            "A train traveling at 72 kmph crosses a platform in 30 seconds and a man standing on the "
            f"platform in {man} seconds. What is the length of the platform in meters?\\nOptions:\\n"
            f"{options}\\n(D) 600 meters\\n(E) Cannot be determined Stream of consciousness first, "
            "then make a decision:"
        ),
        "input": "",
        "output": (
            "Speed of the train in metres/sec = 72000/3600 = 20\\nDistance travelled by train to cross "
            "the platform = 30 * 20 = 600 = Length of train + Length of platform\\nDistance travelled "
            f"by train to cross the man = {man} * 20 = {man_distance} = Length of train\\nLength of "
            f"platform = 600 - {man_distance} = {platform}\nThus, the answer is ({letter})."
        ),
    }


def test_d002_a_word_problem_generated_again_with_other_numbers_is_two_examples(tmp_path):
    """AQuA-RAT (Alpaca-CoT) writes a problem again with other numbers, and the rationale
    computes with them: 45 mph gives `45 * 2 + 3 * 55 = 255`, 35 mph gives `35 * 2 + 3 * 55 =
    235`.  The normalised text glues the formula into one run of digits (452355255), where 45
    is not found; the runs as written keep it.  Two tasks, not a copy.  The same problem with
    other distractors or another lead-in, its rationale the same, is still reported, and so is
    a copy whose question changed a number its rationale does not write again."""
    forty_five, thirty_five = _aqua("45", "255", "C"), _aqua("35", "235", "A")
    path = write_jsonl(tmp_path / "aqua.jsonl", [forty_five, thirty_five])
    texts = [D.dialogue_texts(r) for r in sftlint.load_records(path)]
    assert D.jaccard(texts[0][0], texts[1][0]) >= 0.8  # alike enough to be a pair
    assert "452355255" in texts[0][2]  # the formula glued into one run once normalised
    assert texts[0][5] == ("45 2 3 55 235 245 255 265 275", "45 2 3 55 255")  # the runs as written
    assert _codes(sftlint.lint(path, select=["D002"]), "D002") == []

    relead = _aqua("45", "255", "C", lead="Let's think first. Stream of consciousness:")
    path = write_jsonl(tmp_path / "lead.jsonl", [forty_five, relead])
    assert len(_codes(sftlint.lint(path, select=["D002"]), "D002")) == 1
    # the question's 45 became 40, the rationale still computes 45 * 2: a copy with an edit
    edited = {**forty_five, "instruction": forty_five["instruction"].replace("rate of 45", "rate of 40")}
    path = write_jsonl(tmp_path / "edit.jsonl", [forty_five, edited])
    assert len(_codes(sftlint.lint(path, select=["D002"]), "D002")) == 1


def test_d002_a_number_inside_a_longer_run_as_written_is_not_written_again(tmp_path):
    """AQuA's platform problem with 20 and 16 seconds: options 200 and 280, each rationale
    writing its own answer.  Both rationales write 72000, which holds 200, so the normalised
    reading (a number of three digits is found inside a longer run) says the other writes 200
    too; as written, 72000 is a number of its own.  Two tasks.  The pair whose second problem
    kept the first one's options and answer is a copy, still reported."""
    twenty = _platform("20", "(A) 200 meters\\n(B) 360 meters\\n(C) 420 meters", "400", "200", "A")
    sixteen = _platform("16", "(A) 240 meters\\n(B) 360 meters\\n(C) 280 meters", "320", "280", "C")
    path = write_jsonl(tmp_path / "platform.jsonl", [twenty, sixteen])
    assert _codes(sftlint.lint(path, select=["D002"]), "D002") == []
    retitled = {**twenty, "instruction": twenty["instruction"].replace("A train traveling", "A train moving")}
    path = write_jsonl(tmp_path / "copy.jsonl", [twenty, retitled])
    assert len(_codes(sftlint.lint(path, select=["D002"]), "D002")) == 1


def test_d002_documents_two_items_in_one_frame_are_two_examples(tmp_path):
    """Documents (TRL text, MLX's LoRA data) that repeat one frame around different items:
    WikiSQL's table schema before two questions on different columns, 0.83 alike because of
    it.  A document copied with a few edits in place is still reported."""
    schema = "table: 1-10236830-1\ncolumns: Nomination, Actors Name, Film Name, Director, Country\n"
    film = f"{schema}Q: What was the film that vadim ilyenko directed?\nA: SELECT Film Name FROM 1-10236830-1 WHERE Director = 'Vadim Ilyenko'"
    actor = f"{schema}Q: What was the actors name that vadim ilyenko directed?\nA: SELECT Actors Name FROM 1-10236830-1 WHERE Director = 'Vadim Ilyenko'"
    path = write_jsonl(tmp_path / "docs.jsonl", [{"text": film}, {"text": actor}])
    texts = [D.dialogue_texts(r) for r in sftlint.load_records(path)]
    assert D.jaccard(texts[0][0], texts[1][0]) >= 0.8
    assert _codes(sftlint.lint(path, select=["D002"]), "D002") == []
    article = (
        "The council approved the new bridge on Tuesday after a long debate about its cost. "
        "Work will start in spring and the old ferry will run until the bridge opens next year."
    )
    edited = (
        article.replace("approved", "has approved").replace("spring", "the spring").replace("year.", "year!")
    )
    path = write_jsonl(tmp_path / "copy.jsonl", [{"text": article}, {"text": edited}])
    assert len(_codes(sftlint.lint(path, select=["D002"]), "D002")) == 1


# -- D002: a frame that most records of a file repeat in their user turns ----------------------

_INSTRUCTION = (
    "I want you to be a good multi-hop question answerer, solving a question answering task with "
    "interleaving Thought, Action, Observation steps. Thought can reason about the current situation, "
    "and Action can be four types:\n"
    "(1) BingSearch[query], which searches the exact detailed query on the Internet and returns the "
    "relevant information to the query. Be specific and precise with your query to increase the chances "
    'of getting relevant results. For example, instead of searching for "dogs", you can search for '
    '"popular dog breeds in the United States".\n'
    "(2) Retrieve[entity], which retrieves the exact entity on Wikipedia and returns the first paragraph "
    "if it exists. If not, it will return some similar entities to retrieve. For example, Retrieve[Milhouse]\n"
    "(3) Lookup[keyword], which returns the next sentence containing keyword in the last passage "
    "successfully found by Retrieve or BingSearch. For example, Lookup[river]\n"
    "(4) Finish[answer], which returns a definite answer. For example, Finish[Richard Nixon] (If it is a "
    "judgement question, please Finish[yes] or Finish[no])\n"
    "You may take as many steps as necessary.\n"
)

#: (question, thought, action, the action's argument: the reply)
_STEPS = [
    (
        "The famous painting The Scream, created by Edvard Munch, is painted in which style?",
        "The Scream is a famous expressionist painting.",
        "BingSearch",
        "Edvard Munch's style",
    ),
    (
        "The largest living species of lizard, found in Indonesia, is?",
        "The largest living species of lizard is the Komodo dragon.",
        "BingSearch",
        "popular dog breeds in the United States",
    ),
    (
        "Which river flows through the city of Budapest?",
        "Several rivers cross Hungary; I should look the city up.",
        "Retrieve",
        "Budapest",
    ),
    (
        "Who wrote the novel One Hundred Years of Solitude?",
        "I believe it was a Colombian author.",
        "BingSearch",
        "author of One Hundred Years of Solitude",
    ),
    (
        "What is the smallest country in the world by area?",
        "It is probably a city state in Europe.",
        "Retrieve",
        "Vatican City",
    ),
    (
        "The famous children's book series featuring a young wizard is what?",
        "The famous children's book series featuring a young wizard is Harry Potter.",
        "BingSearch",
        "popular dog breeds in the United States",
    ),
    (
        "In which year did the Berlin Wall fall?",
        "That was at the end of the Cold War.",
        "BingSearch",
        "Berlin Wall fall year",
    ),
    ("Which element has the chemical symbol Fe?", "Fe comes from a Latin word.", "Retrieve", "Iron"),
    (
        "What is the tallest mountain in Africa?",
        "It is a dormant volcano in Tanzania.",
        "Retrieve",
        "Mount Kilimanjaro",
    ),
    (
        "Who painted the ceiling of the Sistine Chapel?",
        "A Renaissance artist painted it in the early 1500s.",
        "BingSearch",
        "Sistine Chapel ceiling painter",
    ),
    (
        "What is the capital city of Australia?",
        "It is not Sydney, it is a planned city.",
        "Retrieve",
        "Canberra",
    ),
    (
        "How many moons does the planet Mars have?",
        "Mars has two small moons, I think.",
        "BingSearch",
        "number of moons of Mars",
    ),
]


def _step(question: str, thought: str, action: str, target: str) -> dict:
    """An AutoAct-style record: the instruction every record repeats, then its own question, a
    thought and the action to take; the reply is the action's argument."""
    return {
        "input": f"{_INSTRUCTION}Question:{question}\nThought: {thought}\nAction: {action}",
        "output": target,
    }


def test_d002_records_that_repeat_one_instruction_with_other_questions_are_not_near_duplicates(tmp_path):
    """Every record's input repeats a 1,000-character instruction (AutoAct's data, no system
    prompt to leave out) and only a short question and thought differ: two records with
    different questions and the same reply are 0.8 alike through the instruction alone.  The
    prompts are compared without what most records of the file repeat, so they are two
    examples; a question copied with a few edits is still reported."""
    rows = [_step(*s) for s in _STEPS]
    path = write_jsonl(tmp_path / "steps.jsonl", rows)
    records = list(sftlint.load_records(path))
    texts = [D.dialogue_texts(r) for r in records]
    assert D.jaccard(texts[1][0], texts[5][0]) >= 0.8  # the instruction makes them alike overall
    assert D.jaccard(texts[1][1], texts[5][1]) >= 0.5  # and their prompts too
    assert _codes(sftlint.lint(path, select=["D002"]), "D002") == []
    frame = D.learn_frame([D.first_user_turn(r) for r in records])
    assert frame is not None and frame[0].startswith("iwantyoutobeagoodmultihop") and len(frame[0]) > 700
    assert (
        D.jaccard(*D._unframed_prompts(*(D.dialogue_texts(r, frame) for r in (records[1], records[5])))) < 0.5
    )

    # the same question asked again, re-worded a little: a near-duplicate under any frame
    question, thought, action, target = _STEPS[1]
    copy = _step(question.replace("is?", "is what?"), thought.replace("living ", "living, "), action, target)
    path = write_jsonl(tmp_path / "copied.jsonl", [*rows, copy])
    (d,) = _codes(sftlint.lint(path, select=["D002"]), "D002")
    assert (d.line, d.data["first_line"]) == (13, 2)
    # a copy edited inside the instruction: only what both records share of it is left out
    inside = dict(copy, input=copy["input"].replace("four types", "four kinds"))
    a, b = (
        D.dialogue_texts(r, frame)
        for r in sftlint.load_records(write_jsonl(tmp_path / "x.jsonl", [rows[1], inside]))
    )
    assert D.jaccard(*D._unframed_prompts(a, b)) >= 0.5
    path = write_jsonl(tmp_path / "inside.jsonl", [*rows, inside])
    (d,) = _codes(sftlint.lint(path, select=["D002"]), "D002")
    assert (d.line, d.data["first_line"]) == (13, 2)


_D2Q_INSTRUCTION = "你现在是一个问题生成模型，请根据下面文档生成一个问题，文档："
_D2Q_DOCUMENT = (
    "绿茶属于不发酵茶，保留了较多的茶多酚和维生素C，清热解暑，比较适合在夏季饮用；红茶属于全发酵茶，"
    "性质温和，刺激性较小，更适合胃寒的人在冬季饮用。两种茶都含有咖啡因，睡前不宜多喝，空腹也不宜饮浓茶。"
)


def _d2q(question: str, document: str = _D2Q_DOCUMENT) -> dict:
    return {"instruction": _D2Q_INSTRUCTION, "input": document, "output": question}


def test_d002_questions_on_one_document_about_two_things_it_names_are_two_examples(tmp_path):
    """Questions generated from one document (doc2query): the document is most of the text, so
    two questions that differ in one word are 0.97 alike overall.  Asked of two things the
    document names (绿茶 and 红茶), they are two examples; the same question written again with
    a word added, or with a word the document does not write (乌龙茶), is still a near-duplicate."""
    green = _d2q("绿茶比较适合在一年中的什么季节饮用？")
    black = _d2q("红茶比较适合在一年中的什么季节饮用？")
    path = write_jsonl(tmp_path / "d2q.jsonl", [green, black])
    texts = [D.dialogue_texts(r) for r in sftlint.load_records(path)]
    assert D.jaccard(texts[0][0], texts[1][0]) >= 0.8 and D.jaccard(texts[0][2], texts[1][2]) >= 0.7
    assert _codes(sftlint.lint(path, select=["D002"]), "D002") == []
    for again in (
        "请问绿茶比较适合在一年中的什么季节饮用？",  # a word added
        "乌龙茶比较适合在一年中的什么季节饮用？",  # a tea the document does not name
    ):
        path = write_jsonl(tmp_path / "again.jsonl", [green, _d2q(again)])
        (d,) = _codes(sftlint.lint(path, select=["D002"]), "D002")
        assert (d.line, d.data["first_line"]) == (2, 1), again
    # the document must name both: under one that names only green tea, 红茶 is an edit
    only_green = _D2Q_DOCUMENT.replace("红茶", "这种茶")
    path = write_jsonl(
        tmp_path / "one.jsonl", [_d2q(green["output"], only_green), _d2q(black["output"], only_green)]
    )
    assert len(_codes(sftlint.lint(path, select=["D002"]), "D002")) == 1


def test_d002_a_frame_after_the_question_is_left_out_too(tmp_path):
    """The shared text may follow the question (a format demand after each question): the
    same."""
    rows = [
        {"instruction": f"{q}\n\n{_INSTRUCTION}", "output": target} for q, _thought, _action, target in _STEPS
    ]
    path = write_jsonl(tmp_path / "after.jsonl", rows)
    records = list(sftlint.load_records(path))
    texts = [D.dialogue_texts(r) for r in records]
    assert D.jaccard(texts[1][0], texts[5][0]) >= 0.8
    assert _codes(sftlint.lint(path, select=["D002"]), "D002") == []
    frame = D.learn_frame([D.first_user_turn(r) for r in records])
    assert frame is not None and frame[1].endswith("youmaytakeasmanystepsasnecessary")


def test_d002_a_file_of_copies_is_still_reported_though_all_of_it_is_shared(tmp_path):
    """When the text most records repeat is the whole record (a file of one record copied with
    edits here and there), what is left of the prompts is the edits or nothing: the copies are
    reported as before."""
    rng = random.Random(5)
    question, thought, action, target = _STEPS[3]
    base = _step(question, thought, action, target)
    rows = []
    for _ in range(12):
        words = base["input"].split(" ")
        k = rng.randrange(len(words))
        words[k] = words[k].upper() if rng.random() < 0.5 else words[k] + ","
        rows.append({"input": " ".join(words), "output": target + rng.choice(["", ".", " "])})
    path = write_jsonl(tmp_path / "copies.jsonl", rows)
    found = _codes(sftlint.lint(path, select=["D002"]), "D002")
    assert len(found) + len(_codes(sftlint.lint(path, select=["D001"]), "D001")) == 11
    assert found and all(d.data["first_line"] == 1 for d in found)

    # copies with letters replaced anywhere in the input (inside the shared text or the
    # question), as the templated benchmark corpus edits them: every copy is still reported
    rows = [base]
    for _ in range(19):
        chars = list(base["input"])
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(chars))
            chars[at] = "xq"[chars[at] == "x"] if chars[at].isalpha() else chars[at]
        rows.append({"input": "".join(chars), "output": target})
    path = write_jsonl(tmp_path / "edited.jsonl", rows)
    found = sftlint.lint(path, select=["D001", "D002"])  # (an edit of a non-letter is no edit: D001)
    assert sorted(d.line for d in found) == list(range(2, 21)) and len(_codes(found, "D002")) > 12
    records = list(sftlint.load_records(path))
    assert D.learn_frame([D.first_user_turn(r) for r in records]) is not None  # a frame was learned


def test_learn_frame_takes_what_more_than_half_of_the_sample_shares():
    head, tail = "sharedinstructiontext", "answerinjson"
    turns = [f"{head}question{n}about{w}{tail}" for n, w in enumerate("abcdefghij")]
    assert D.learn_frame(turns) == (f"{head}question", tail)
    # shared by half or fewer: no frame
    half = [f"{head}{n}x" for n in range(5)] + [f"other{n}y{n}" for n in range(5)]
    assert D.learn_frame(half) is None
    # six of ten share a longer start: the longest that more than half share
    six = [f"{head}more{n}" for n in range(6)] + [f"{head}{n}" for n in range(4)]
    assert D.learn_frame(six)[0] == f"{head}more"
    assert D.learn_frame(turns[: D.FRAME_MIN_RECORDS - 1]) is None


def test_d002_frames_with_jobs_and_standard_input(tmp_path, monkeypatch):
    """The frame is learned in the main process from the collected records and sent with each
    verification block: ``--jobs 2`` (verification in the workers) and piped input give what
    one process gives on the file."""
    import io

    question, thought, action, target = _STEPS[1]
    copy = _step(question.replace("is?", "is what?"), thought, action, target)
    rows = [_step(*s) for s in _STEPS] * 1 + [copy]
    # more records, each with its own question, so that the frame is learned from a sample
    rows += [
        _step(f"What is {n} times {n + 7}?", "Arithmetic.", "Finish", str(n * (n + 7))) for n in range(60)
    ]
    path = write_jsonl(tmp_path / "steps.jsonl", rows)
    monkeypatch.setattr(D, "PARALLEL_VERIFY_MIN", 1)
    serial = sftlint.lint([path], jobs=1, select=["D002"])
    assert [(d.line, d.data["first_line"]) for d in serial] == [(13, 2)]
    assert sftlint.lint([path], jobs=2, select=["D002"]) == serial
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    piped = sftlint.lint(["-"], jobs=1, select=["D002"])
    assert [(d.line, d.message) for d in piped] == [(d.line, d.message) for d in serial]


def _step_records() -> list[dict]:
    """A coding agent's episode written a step per record in TRL's prompt/completion form: each
    prompt holds the steps so far (assistant calls, tool results), each completion the next step."""
    system = {
        "role": "system",
        "content": "You are a helpful coding agent. Use tools when needed. Respond with tool calls in "
        "this format:\ninvoke tool tool_name with arg1 is value1\nWhen finished, give a clear final answer.",
    }
    user = {"role": "user", "content": "Create hello.txt containing 'hello world' and verify the contents."}
    write = {
        "role": "assistant",
        "content": "Creating the file, then reading it back to verify.\n\n"
        "invoke tool write_file with path is hello.txt with content is hello world\n",
    }
    wrote = {"role": "tool", "content": "Wrote 1 lines to hello.txt"}
    read = {"role": "assistant", "content": "invoke tool read_file with path is hello.txt"}
    shown = {"role": "tool", "content": "hello world"}
    done = {"role": "assistant", "content": "Verified: `hello.txt` contains `hello world`."}
    return [
        {"prompt": [system, user], "completion": [write]},
        {"prompt": [system, user, write, wrote], "completion": [read]},
        {"prompt": [system, user, write, wrote, read, shown], "completion": [done]},
    ]


def test_d002_leaves_successive_prompt_completion_steps_alone():
    """Each step's prompt holds the earlier steps' replies as context (TRL learns the completion
    only): neighbouring steps are 0.8-0.9 alike, and each teaches its own next step."""
    assert [d for d in sftlint.lint(_step_records(), select=["D002"])] == []


def test_d002_still_reports_a_prompt_completion_step_written_twice():
    """The same step twice, its request re-worded by a character or two: a near-duplicate."""
    steps = _step_records()
    copy = json.loads(json.dumps(steps[1]))
    copy["prompt"][1]["content"] = "Create hello.txt containing 'hello world', and verify the contents!"
    diags = sftlint.lint([*steps, copy], select=["D002"])
    assert [(d.code, d.record) for d in diags] == [("D002", 3)]

"""Analyses kept per distinct text (templated data repeats whole turns) give what computing
them again gives, and the memo stays bounded."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.analysis.text import language, truncation
from sftlint.analysis.text.memo import PerText


def test_a_text_is_kept_from_its_second_lookup():
    """The first lookup of a text only notes its hash (text that never repeats costs the memo
    no text); the second computes it again and keeps it; later ones are answered."""
    calls: list[str] = []
    memo = PerText(lambda t: calls.append(t) or len(t))
    assert [memo[t] for t in ["你好，世界", "hello", "你好，世界", "hello"]] == [5, 5, 5, 5]
    assert calls == ["你好，世界", "hello", "你好，世界", "hello"] and set(memo) == {"你好，世界", "hello"}
    assert [memo[t] for t in ["hello", "你好，世界", "once"]] == [5, 5, 4]
    assert len(calls) == 5 and "once" not in memo and memo.chars == 10


def test_the_texts_seen_once_are_bounded(monkeypatch):
    from sftlint.analysis.text import memo as M

    monkeypatch.setattr(M, "SEEN_PER_GENERATION", 3)
    calls: list[str] = []
    memo = PerText(lambda t: calls.append(t) or len(t))
    for t in ["a", "b", "c", "d"]:  # the fourth starts a new generation of bits
        memo[t]
    assert memo.noted == 1 and not memo
    assert len(memo.seen) == len(memo.seen_older) == M.SEEN_BITS // 8  # fixed memory
    memo["a"]  # still noted (the older generation): kept now
    assert "a" in memo
    for t in ["e", "f", "g"]:
        memo[t]
    memo["b"]  # two generations back: noted again, not kept
    assert "b" not in memo and calls.count("b") == 2
    memo.clear()
    assert memo.noted == 0 and not any(memo.seen) and not any(memo.seen_older)


def test_the_memo_is_bounded_by_characters():
    calls: list[str] = []
    memo = PerText(lambda t: calls.append(t) or len(t), limit=10, longest=4)
    for t in ["aaaa", "bbbb", "cccc"]:
        memo[t]  # seen once: noted
    for t in ["aaaa", "bbbb", "cccc"]:  # the third would pass 10 characters: a new generation
        assert memo[t] == 4
    assert list(memo) == ["cccc"] and memo.chars == 4 and list(memo.older) == ["aaaa", "bbbb"]
    assert memo["aaaa"] == 4 and len(calls) == 6  # the older one still answers
    assert list(memo) == ["cccc", "aaaa"]  # and the text moved to the new one
    memo["dddd"]
    assert memo["dddd"] == 4 and list(memo) == ["dddd"] and list(memo.older) == ["cccc", "aaaa"]
    assert memo["bbbb"] == 4 and calls[-1] == "bbbb"  # two generations back: forgotten
    memo["x" * 5]
    assert memo["x" * 5] == 5 and "x" * 5 not in memo  # longer than `longest`: not kept
    memo.clear()
    assert memo.chars == 0 and not memo and not memo.older


def test_a_repeated_text_stays_while_others_pass():
    """A text that comes back within a generation is computed twice (its first lookup only
    notes it), however many others pass."""
    calls: list[str] = []
    memo = PerText(lambda t: calls.append(t) or len(t), limit=100, longest=10)
    for k in range(1000):
        memo["系统提示"]
        memo[f"{k:08d}"]
    assert calls.count("系统提示") == 2 and len(calls) == 1002
    # the texts looked up once are not kept (but for the few whose bit another text had set)
    assert "系统提示" in memo and len(memo) + len(memo.older) < 20


def test_repeated_turns_get_the_same_answers():
    texts = [
        "高血压患者平时饮食需要注意哪些问题？",
        "People with high blood pressure should eat less salt and more vegetables.",
        "您的退款仍在审核中，审核通常在一到三个工作日内完成，请您耐心等待，",
        "请把这段话翻译成英文：今天天气很好。",
    ]
    first = [
        (
            language.detect(t),
            language.detect(t, matrix=True),
            truncation.find_truncation(t),
            language.asks_for_language(t),
        )
        for t in texts
    ]
    again = [
        (
            language.detect(t),
            language.detect(t, matrix=True),
            truncation.find_truncation(t),
            language.asks_for_language(t),
        )
        for t in texts
    ]
    assert first == again
    assert first[0][0].code == "zh" and first[1][0].code == "en"
    assert first[2][2][0].where == "end" and first[3][3] is True
    found = truncation.find_truncation(texts[2])
    found.clear()  # a caller's list is its own: the memo keeps its answer
    assert truncation.find_truncation(texts[2]) == first[2][2]


def test_a_finished_last_character_is_what_the_terminal_pattern_matches():
    """T006's shortcut (a text ending in one of these characters is never cut at its end) reads
    the same characters as the pattern the end test uses."""
    for cp in range(0x30000):
        c = chr(cp)
        if 0xD800 <= cp < 0xE000:
            continue
        assert (truncation._TERMINAL.search("中文" + c) is not None) == (c in truncation._TERMINAL_CHARS), (
            hex(cp)
        )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet="账帐号户其他它登录陆部分份全额成想象像重叠迭唯惟一密码失败的是", max_size=30),
        max_size=8,
    )
)
def test_t002_variant_spans_once_per_text_are_the_scan(texts):
    """T002's scan is memoised per distinct text: a text met again gets the list of its first
    scan, and that list is the scan's (guards included)."""
    from sftlint.analysis.text import variants

    for text in texts + texts:
        variants.variant_spans(text)  # (a text is kept from its second lookup)
        first = variants.variant_spans(text)
        assert first == variants._variant_spans(text)
        assert variants.variant_spans(text) is first


def test_a_large_runs_caches_of_texts_are_emptied_before_its_reduces(tmp_path):
    """The memos and T001's caches of lines hold tens of megabytes at the end of a large run,
    and nothing after the records reads them: the engine empties them before the dataset
    rules' reduces, where a run's memory peaks, and the findings are the same.  A small run
    (under FORGET_TEXTS_FROM records) keeps them for the next (``--watch``)."""
    from sftlint.rules import text as T

    import sftlint
    from sftlint.analysis.text import memo as M

    records = [
        {
            "messages": [
                {"role": "user", "content": f"第{i % 3}个问题：账号怎么注销？"},
                {"role": "assistant", "content": "在设置里找到帐号管理，以经可以注销了。"},
            ]
        }
        for i in range(12)
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    seen: dict[str, int] = {}
    original = M.forget_texts

    def forget_and_look() -> None:
        # what the caches hold when the records are done, then after they are emptied
        det = T._DETECTORS[()]
        seen["memos"] = sum(len(m) + len(m.older) for m in M.live_memos())
        seen["lines"] = len(det._cache.data) + len(det._runs.data)
        original()
        seen["memos after"] = sum(len(m) + len(m.older) for m in M.live_memos())
        seen["lines after"] = len(det._cache.data) + len(det._runs.data) + det._cache.chars

    import sftlint.engine as E

    E.forget_texts = forget_and_look
    try:
        kept = sftlint.lint(str(path))
        assert not seen  # a small run keeps them (--watch checks its texts again)
        E.FORGET_TEXTS_FROM, small = 10, E.FORGET_TEXTS_FROM
        try:
            found = sftlint.lint(str(path))
        finally:
            E.FORGET_TEXTS_FROM = small
    finally:
        E.forget_texts = original
    assert [(d.code, d.line, d.span) for d in kept] == [(d.code, d.line, d.span) for d in found]
    assert seen["memos"] > 0 and seen["lines"] > 0
    assert seen["memos after"] == 0 and seen["lines after"] == 0
    assert "T001" in {d.code for d in found}
    assert [(d.code, d.line, d.span) for d in sftlint.lint(str(path))] == [
        (d.code, d.line, d.span) for d in found
    ]

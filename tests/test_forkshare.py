"""The log forked workers share (sftlint/analysis/forkshare.py) and T001's use of it: a worker
takes the runs another worker analysed instead of analysing them again, with the same findings."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from sftlint.analysis.forkshare import ForkLog
from sftlint.analysis.text.typo import TypoDetector

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _in_child(work: Callable[[], Any]) -> Any:
    """Run ``work`` in a forked child and return its (pickled) result."""
    receive, send = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 0
        try:
            data = pickle.dumps(work())
        except BaseException as exc:  # report it to the parent
            data, code = pickle.dumps(exc), 1
        with os.fdopen(send, "wb") as fh:
            fh.write(data)
        os._exit(code)
    os.close(send)
    with os.fdopen(receive, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    result = pickle.loads(data)
    if os.waitstatus_to_exitcode(status) != 0:
        raise result
    return result


def test_without_a_fork_nothing_is_written_or_read():
    log = ForkLog()
    log.write(b"kept to itself")
    assert log.read() == []


def test_forked_children_read_each_others_entries_in_order():
    log = ForkLog()
    first = _in_child(lambda: ([log.write(b"a%d" % i) for i in range(3)], log.read())[1])
    assert first == []  # nothing from others yet; its own entries are not read back
    second = _in_child(lambda: (log.read(), log.write(b"b"), log.read())[::2])
    assert second == ([b"a0", b"a1", b"a2"], [])  # each entry once
    assert log.read() == [b"a0", b"a1", b"a2", b"b"]  # the parent reads every slot
    assert log.read() == []


def test_an_entry_seen_in_part_is_read_again_later():
    log = ForkLog()

    def write_then_damage() -> None:
        log.write(b"whole")
        log.write(b"torn entry")
        # the second entry's first payload byte as a reader could see it before the write ends
        at = log._base(log._slot) + log._end - len(b"torn entry")
        log._mm[at] = ord("X")

    _in_child(write_then_damage)
    assert log.read() == [b"whole"]  # the checksum stops the reader at the damaged entry
    at = log._base(1) + 8 + 8 + len(b"whole") + 8
    log._mm[at] = ord("t")  # the write completes
    assert log.read() == [b"torn entry"]


def test_a_full_slot_takes_no_more_entries():
    log = ForkLog(slots=2, slot_bytes=64)
    _in_child(lambda: [log.write(bytes(20)) for _ in range(5)])
    assert log.read() == [bytes(20)] * 2  # 8 + 2 * 28 bytes fit in 64
    # more forks than slots: the extra child only reads
    _in_child(lambda: log.write(b"x"))
    _in_child(lambda: log.write(b"y"))
    assert log.read() == [b"x"]


def test_a_grandchild_only_reads():
    log = ForkLog()

    def child() -> list[bytes]:
        log.write(b"child")
        _in_child(lambda: log.write(b"grandchild"))
        return log.read()

    assert _in_child(child) == []
    assert log.read() == [b"child"]


TEXTS = [
    "您好，您的优惠卷已经发放到账户，请注意查收。",
    "我以经申请退款了，怎么还没到账？",
    "请您先申情退款，我们审核后会原路退回。\n请输入手机收到的验正码，五分钟内有效。",
    "这件衣服很票亮，我很喜欢。",
    "凌星法或径向速度法都能发现系外行星。",
    "他在T恤上印了字，X光片也拿到了。",
    "请核对您的收获地址是否正确，稍侯为您发货。",
    "今天天气很好，我们去公园散步吧。",
]


def _detect_counting(det: TypoDetector, texts: list[str]) -> tuple[list[Any], int]:
    """``det``'s findings and counts for ``texts``, with the runs it analysed itself."""
    analysed = 0
    real = det._analyse_run

    def counting(run: str, flags: int) -> Any:
        nonlocal analysed
        analysed += 1
        return real(run, flags)

    det._analyse_run = counting  # type: ignore[method-assign]
    return [det.detect_counted(t) for t in texts], analysed


@pytest.mark.parametrize("mode", ["lazy", "full"])
def test_workers_share_analysed_runs_with_the_same_findings(mode):
    alone = TypoDetector(mode="full")
    expected = [alone.detect_counted(t) for t in TEXTS]
    assert sum(len(found) for found, _, _ in expected) >= 6  # the texts hold typos to share
    shared = TypoDetector(mode=mode)
    shared.share_across_forks()
    half = len(TEXTS) // 2
    first = _in_child(lambda: _detect_counting(shared, TEXTS[:half]))
    second = _in_child(lambda: _detect_counting(shared, TEXTS))
    assert first[0] == expected[:half]
    assert second[0] == expected  # the same typos, characters and proposals
    assert first[1] > 0 and second[1] > 0
    # the second analysed only the runs the first had not
    assert first[1] + second[1] == _detect_counting(TypoDetector(mode=mode), TEXTS)[1]
    # a whitelist view shares the caches, and applies its whitelist to shared runs
    view = shared.with_whitelist(["优惠卷"])
    third, analysed = _in_child(lambda: _detect_counting(view, TEXTS[:1]))
    assert analysed == 0
    assert third == [TypoDetector(mode="full").with_whitelist(["优惠卷"]).detect_counted(TEXTS[0])]
    assert third != expected[:1]  # the whitelist took the finding away


def test_a_detector_not_shared_analyses_for_itself():
    det = TypoDetector(mode="full")
    _in_child(lambda: _detect_counting(det, TEXTS))
    _, analysed = _in_child(lambda: _detect_counting(det, TEXTS))
    assert analysed == _detect_counting(TypoDetector(mode="full"), TEXTS)[1]

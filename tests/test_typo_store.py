"""The typo store's batch lookup (:meth:`Store.blocks`) against one :meth:`Store.block` per prefix."""

from __future__ import annotations

import pytest
from conftest import fill_empty_slots
from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.analysis.text.typo_store import _SLOT, DamagedStore, Store, write_store

_CHARS = "已经以词一丁七\ue800\ue801aZ0é\U00020000"
_PREFIXES = st.text(alphabet=_CHARS, min_size=1, max_size=3)


def _store(tmp_path_factory, keys: list[str]) -> Store:
    blocks = {
        k: ({k: i}, {}, (), {}, ()) if len(k) == 2 else (i, i, "a", "b", 0.1, "") for i, k in enumerate(keys)
    }
    path = tmp_path_factory.mktemp("store") / "s.bin"
    write_store(path, {"total": 7}, blocks)
    return Store(path)


@settings(max_examples=60, deadline=None)
@given(
    stored=st.lists(st.text(alphabet=_CHARS, min_size=1, max_size=2), max_size=40, unique=True),
    asked=st.lists(_PREFIXES, max_size=40),
)
def test_blocks_is_block_for_each_prefix(tmp_path_factory, stored, asked):
    store = _store(tmp_path_factory, stored)
    expected = []
    for p in asked:
        value = store.block(p)
        if value is not None:
            expected.append((p, value))
    reads = store.reads
    store.reads = 0
    assert store.blocks(asked) == expected
    assert store.reads == reads  # misses are not reads, in either
    words, store._words = store._words, None  # a big-endian machine's path: block() for each
    assert store.blocks(asked) == expected
    store._words = words
    store.close()


def test_blocks_of_a_store_whose_table_was_overwritten_is_damaged(tmp_path_factory):
    store = _store(tmp_path_factory, ["已经", "已"])
    path = store.path
    data = bytearray(path.read_bytes())
    fill_empty_slots(store, data)
    store.close()
    path.write_bytes(data)
    damaged = Store(path)
    with pytest.raises(DamagedStore):
        damaged.blocks(["龘龘"])
    damaged.close()


def test_blocks_of_a_damaged_block_is_damaged(tmp_path_factory):
    store = _store(tmp_path_factory, ["已经"])
    path = store.path
    data = bytearray(path.read_bytes())
    for i in range(1 << store.bits):
        key, length, offset = _SLOT.unpack_from(data, store._table_off + i * _SLOT.size)
        if key:
            data[offset + length - 1] ^= 1
    store.close()
    path.write_bytes(data)
    damaged = Store(path)
    assert damaged.blocks(["经已", "x"]) == []  # absent prefixes read nothing
    with pytest.raises(DamagedStore):
        damaged.blocks(["已经"])
    damaged.close()


class _RecordingStore:
    """A store stand-in that records the prefixes the detector's lazy tables ask for."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def meta(self) -> dict:
        return {}

    def blocks(self, prefixes):
        self.asked.append(list(prefixes))
        return []


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(alphabet="已经以词一丁七的是a\ue800", min_size=1, max_size=6), max_size=12))
def test_need_asks_for_every_character_and_pair_once_in_the_order_of_before(texts):
    """``_Lazy.need`` builds the set of a short string's pairs and characters at once; the
    prefixes it asks the store for, and their order, are those of the set built pair by pair
    then character by character (the order the blocks are read into the tables)."""
    from sftlint.analysis.text.typo import _Lazy

    store = _RecordingStore()
    lazy = _Lazy(store)  # type: ignore[arg-type]
    probed: set[str] = set()
    expected = []
    for s in texts:
        new = {s[i : i + 2] for i in range(len(s) - 1)}
        new.update(s)
        new = new.difference(probed)
        if new:
            expected.append(list(new))
            probed.update(new)
        lazy.need(s)
    assert store.asked == expected
    assert lazy.probed == probed

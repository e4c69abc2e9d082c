"""The typo model as a memory-mapped file read on demand: a small check costs a few probes.

Loading the whole prepared model (a few hundred thousand dictionary words and
homophone keys) takes a few tenths of a second, more than a pre-commit hook
may spend on ten records.  A text only ever asks about strings built from its
own characters, and every multi-character key the detector looks up starts
with a two-character prefix found in the text (or, for a homophone key or a
proposed correction, a text character next to a pronunciation code or a
proposed character).  So the model is stored in *blocks*, one per
two-character prefix, each a small :mod:`marshal` blob holding the words,
homophone-index keys and rare proper nouns that start with it, and one per
character (its readings and counts); an open-addressing hash table over the
keys (fixed-size slots, Fibonacci hashing, linear probing) finds a block
with one or two ``struct`` reads of the memory map.

Layout (little-endian)::

    header   magic, format version, table bits, table offset, meta offset,
             meta length, block count, file length (a truncated file is refused)
    table    2**bits slots of (key u32, length u32, offset u64); key 0 = empty;
             key = ord(first) << 16 | ord(second) for a pair, ord(char) for
             a character (all in the BMP)
    meta     marshal blob + its CRC-32 u32: version and totals
    blocks   marshal blob + its CRC-32 u32, one per prefix or character (a slot's
             length counts the CRC)

Each blob is checked against its CRC-32 when it is read (a few hundred bytes), so a
damaged block (a bad sector, a stray write) is :class:`DamagedStore`, never a crash of
the rule on every record nor a word silently changed; the detector then loads the whole
model and the damaged file is removed, to be written again by the next run.

The file is written to a temporary name and renamed into place
(:func:`sftlint.analysis.text.cache.atomic_write`), so readers never see half a file.
"""

from __future__ import annotations

import marshal
import mmap
import os
import struct
import sys
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sftlint.analysis.text.cache import atomic_write, open_regular

MAGIC = b"SFTTYPO\x01"
FORMAT_VERSION = 3
_HEADER = struct.Struct("<8sIIQQQQQ")
_SLOT = struct.Struct("<IIQ")
_CRC = struct.Struct("<I")
#: The CRC-32 of any bytes followed by their own CRC-32 (little-endian): a blob is checked with
#: one call over the bytes as they lie (marshal ignores the four bytes after the object).
_RESIDUE = 0x2144DF1C


class DamagedStore(ValueError):
    """A blob of the store does not match its CRC-32."""


def _framed(value: Any) -> bytes:
    blob = marshal.dumps(value)
    return blob + _CRC.pack(zlib.crc32(blob))


#: Whether the table's little-endian 32-bit words are this machine's own (``memoryview.cast("I")``).
_NATIVE_WORDS = sys.byteorder == "little" and struct.calcsize("I") == 4

_GOLDEN = 0x9E3779B1  # 2**32 / golden ratio: Fibonacci hashing spreads clustered code points


def prefix_key(prefix: str) -> int:
    """The 32-bit table key of a one- or two-character prefix (0 if it cannot be stored).

    A single character's key is its code point, below 2**16; a pair's is
    above it, since its first character is a CJK or private-use one.
    """
    if len(prefix) == 1:
        a = ord(prefix)
        return a if 0 < a <= 0xFFFF else 0
    a, b = ord(prefix[0]), ord(prefix[1])
    if a > 0xFFFF or b > 0xFFFF or a < 0x100:
        return 0
    return (a << 16) | b


def _home(key: int, bits: int) -> int:
    return ((key * _GOLDEN) & 0xFFFFFFFF) >> (32 - bits)


def write_store(
    path: Path, meta: Any, blocks: Mapping[str, Any] | Iterable[tuple[str, Any]], count: int | None = None
) -> None:
    """Write ``meta`` and one blob per one- or two-character prefix to ``path`` atomically.

    ``blocks`` is a mapping, or an iterable of ``(prefix, value)`` pairs with ``count`` an
    upper bound of how many there are: the blobs are then written as they come, so the
    caller never holds every block at once (building the model's store stays within the
    memory of the model itself).
    """
    if isinstance(blocks, Mapping):
        items: Iterable[tuple[str, Any]] = blocks.items()
        count = len(blocks)
    else:
        items = blocks
        if count is None:
            raise ValueError("count is required when blocks is not a mapping")
    bits = 4
    while (1 << bits) < 2 * count:  # load factor <= 0.5: short probe runs
        bits += 1
    size = 1 << bits
    meta_blob = _framed(meta)
    table_off = _HEADER.size
    meta_off = table_off + size * _SLOT.size
    table = bytearray(size * _SLOT.size)
    mask = size - 1

    def write(fh: Any) -> None:
        fh.write(bytes(_HEADER.size))  # header and table are written last, once known
        fh.write(table)
        fh.write(meta_blob)
        pos = meta_off + len(meta_blob)
        n = 0
        for prefix, value in items:
            key = prefix_key(prefix) if 1 <= len(prefix) <= 2 else 0
            if not key:
                continue
            n += 1
            if n > count:
                raise ValueError(f"more than the announced {count} blocks")
            blob = _framed(value)
            i = _home(key, bits)
            while _SLOT.unpack_from(table, i * _SLOT.size)[0]:
                i = (i + 1) & mask
            _SLOT.pack_into(table, i * _SLOT.size, key, len(blob), pos)
            fh.write(blob)
            pos += len(blob)
        fh.seek(0)
        fh.write(_HEADER.pack(MAGIC, FORMAT_VERSION, bits, table_off, meta_off, len(meta_blob), n, pos))
        fh.write(table)

    atomic_write(path, write)


class Store:
    """A read-only view of a store file.  Raises :class:`ValueError` if it is not one."""

    def __init__(self, path: Path) -> None:
        with open_regular(path) as fh:
            self._identity = _identity(os.fstat(fh.fileno()))
            self._mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        mm = self._mm
        if len(mm) < _HEADER.size:
            raise ValueError(f"{path}: too short for a typo store")
        magic, version, bits, table_off, meta_off, meta_len, count, end = _HEADER.unpack_from(mm, 0)
        if magic != MAGIC or version != FORMAT_VERSION or not 4 <= bits <= 30:
            raise ValueError(f"{path}: not a typo store of format {FORMAT_VERSION}")
        if end != len(mm) or meta_off + meta_len > end or table_off + (1 << bits) * _SLOT.size > meta_off:
            raise ValueError(f"{path}: truncated typo store")
        self.path = path
        self.bits = bits
        self.count = count
        self._table_off = table_off
        self._meta = (meta_off, meta_len)
        #: blocks read so far (an observable measure of how much of the model a run touched)
        self.reads = 0
        self._meta_value = self._value(meta_off, meta_len)  # a damaged one refuses the file
        #: the lookup table as 32-bit words (key, length, offset low, offset high per slot),
        #: where the machine's byte order is the file's (see :meth:`blocks`)
        self._words = (
            memoryview(mm)[table_off : table_off + (1 << bits) * _SLOT.size].cast("I")
            if _NATIVE_WORDS
            else None
        )

    def _value(self, off: int, n: int) -> Any:
        """The blob at ``off`` (``n`` bytes with its CRC), checked; :class:`DamagedStore` if not."""
        data = self._mm[off : off + n]
        if zlib.crc32(data) != _RESIDUE or n <= _CRC.size:
            raise DamagedStore(f"{self.path}: a damaged block at offset {off}")
        try:
            return marshal.loads(data)
        except (EOFError, ValueError, TypeError) as exc:  # (a CRC cannot vouch for everything)
            raise DamagedStore(f"{self.path}: a damaged block at offset {off}: {exc}") from exc

    def meta(self) -> Any:
        return self._meta_value

    def discard(self) -> None:
        """Remove the file, if it is still this store's (another run may have replaced it with
        a sound one meanwhile): the next run writes it again from the whole model."""
        try:
            if _identity(os.stat(self.path)) == self._identity:
                os.unlink(self.path)
        except OSError:
            pass

    def block(self, prefix: str) -> Any | None:
        """The value stored for a one- or two-character ``prefix``, or None."""
        key = prefix_key(prefix)
        if not key:
            return None
        mm, unpack, base, step = self._mm, _SLOT.unpack_from, self._table_off, _SLOT.size
        crc32 = zlib.crc32
        mask = (1 << self.bits) - 1
        i = _home(key, self.bits)
        for _ in range(mask + 1):  # (a sound table is at most half full: an empty slot comes)
            k, n, off = unpack(mm, base + i * step)
            if k == key:
                self.reads += 1
                data = mm[off : off + n]
                if crc32(data) == _RESIDUE and n > _CRC.size:  # (inline: thousands per small check)
                    try:
                        return marshal.loads(data)
                    except (EOFError, ValueError, TypeError):
                        pass
                return self._value(off, n)  # raises DamagedStore
            if k == 0:
                return None
            i = (i + 1) & mask
        # every slot taken: the table was overwritten (it is written at most half full), and
        # probing on would never end
        raise DamagedStore(f"{self.path}: a damaged lookup table (no empty slot)")

    def blocks(self, prefixes: Iterable[str]) -> list[tuple[str, Any]]:
        """``(prefix, value)`` for each of ``prefixes`` that has a block, in their order.

        :meth:`block` for each, with the key, the home slot and the probe inline, and the table
        read as 32-bit words of a memory view rather than unpacked: a run's new prefixes come a
        few at a time, tens of thousands of them on diverse text before the detector switches
        to the whole model, two in three without a block, and a probe by :meth:`block` cost
        about 7,000 instructions (a ``range`` of the table's size for its loop, a ``struct``
        unpack through the memory map's buffer), this one about a quarter of that
        (tests/test_typo_store.py compares the two)."""
        words = self._words
        if words is None:  # a big-endian machine: the table's words are not its own
            found = [(p, self.block(p)) for p in prefixes]
            return [(p, v) for p, v in found if v is not None]
        mm, crc32, loads = self._mm, zlib.crc32, marshal.loads
        mask = (1 << self.bits) - 1
        shift = 32 - self.bits
        out: list[tuple[str, Any]] = []
        for p in prefixes:
            if len(p) == 1:
                key = ord(p)
                if not 0 < key <= 0xFFFF:
                    continue
            else:  # (as prefix_key: the first two characters)
                a, b = ord(p[0]), ord(p[1])
                if a > 0xFFFF or b > 0xFFFF or a < 0x100:
                    continue
                key = (a << 16) | b
            i = ((key * _GOLDEN) & 0xFFFFFFFF) >> shift
            k = words[i << 2]
            left = mask  # (a sound table is at most half full: an empty slot comes)
            while k != key and k:
                if not left:
                    raise DamagedStore(f"{self.path}: a damaged lookup table (no empty slot)")
                left -= 1
                i = (i + 1) & mask
                k = words[i << 2]
            if not k:
                continue
            j = i << 2
            n, off = words[j + 1], words[j + 2] | words[j + 3] << 32
            self.reads += 1
            data = mm[off : off + n]
            sound = crc32(data) == _RESIDUE and n > _CRC.size
            if sound:
                try:
                    value = loads(data)
                except (EOFError, ValueError, TypeError):
                    sound = False
            if not sound:
                value = self._value(off, n)  # raises DamagedStore
            if value is not None:
                out.append((p, value))
        return out

    def close(self) -> None:
        if self._words is not None:
            self._words.release()  # (a map with an exported view cannot be closed)
        self._mm.close()


def _identity(st: os.stat_result) -> tuple[int, int, int]:
    """The file itself (a writer renames a new one into place), not its times (opening a
    store touches it)."""
    return (st.st_dev, st.st_ino, st.st_size)

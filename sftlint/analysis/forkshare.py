"""An append-only log that processes forked from one parent share, one writer each.

``--jobs N`` forks N workers that each check a part of the input.  An analysis memoised
per distinct text (T001's runs of Chinese) is then done once per worker that meets the
text, not once per run: on text whose sentences recur across the file every worker met
nearly every distinct sentence, so two workers did the analysis twice (issue 19).  With
this log a worker writes each result it computes, and before computing one it reads what
the other workers have written since it last looked.

The log is one anonymous shared mapping, made in the parent just before its first fork
after the log was created (:func:`os.register_at_fork`), so a run that never forks never
maps it.  Each process the parent forks gets a slot of its own to write; the parent and
the processes its children fork only read.  A slot starts with the length its writer has
committed, then entries ``[size u32][crc32 u32][payload]``.  A writer appends an entry and
then raises the committed length; a reader takes entries up to that length and stops at
the first whose checksum does not match (an entry whose write it saw only in part), to
read it again next time.  A full slot takes no more entries: its writer's results are
then its own, as without the log.

Nothing here knows what the payloads mean; a payload must be a pure function's result,
so that a worker that reads it instead of computing it finds the same.
"""

from __future__ import annotations

import mmap
import os
import struct
import zlib
from typing import Any

#: Slots in the mapping (writers: forked processes; further ones only read).
SLOTS = 8
#: Bytes of one slot (untouched pages of the mapping take no memory).
SLOT_BYTES = 32 << 20
_HEAD = struct.Struct("<Q")  # the mapping's slots in use, and each slot's committed length
_ENTRY = struct.Struct("<II")  # an entry's payload size and checksum


class ForkLog:
    """Payloads (bytes) written by the processes forked from the one that made this log.

    :meth:`write` appends in a forked process that has a slot (and does nothing
    elsewhere); :meth:`read` gives the payloads the other processes wrote since the
    last call, in each writer's order."""

    def __init__(self, slots: int = SLOTS, slot_bytes: int = SLOT_BYTES) -> None:
        self.slots = slots
        self.slot_bytes = slot_bytes
        self._mm: Any = None
        self._owner = os.getpid()
        self._forks = 0  # slots handed out (in the owner)
        self._given = 0  # the slot the next child gets (0: none)
        self._slot = 0  # this process's slot (0: it only reads)
        #: whether this process writes to its slot (it has one, and it is not full): a caller
        #: can skip making a payload otherwise
        self.writing = False
        self._end = _HEAD.size  # where this process's next entry goes in its slot
        self._read: dict[int, int] = {}  # slot -> bytes of it read
        os.register_at_fork(before=self._before_fork, after_in_child=self._after_fork)

    def _before_fork(self) -> None:
        self._given = 0
        if os.getpid() != self._owner:
            return  # a worker's own children only read
        if self._mm is None:
            try:
                self._mm = mmap.mmap(-1, _HEAD.size + self.slots * self.slot_bytes)
            except (OSError, ValueError, OverflowError):
                return
        if self._forks < self.slots:
            self._forks += 1
            self._given = self._forks
            _HEAD.pack_into(self._mm, 0, self._forks)

    def _after_fork(self) -> None:
        self._slot = self._given
        self.writing = self._given > 0
        self._end = _HEAD.size
        self._read = {}

    def _base(self, slot: int) -> int:
        return _HEAD.size + (slot - 1) * self.slot_bytes

    def write(self, payload: bytes) -> None:
        """Append ``payload`` to this process's slot (nothing without one, or when full)."""
        mm = self._mm
        if not self.writing or mm is None:
            return
        end = self._end + _ENTRY.size + len(payload)
        if end > self.slot_bytes:
            self.writing = False  # full: the rest of this process's results stay its own
            return
        base = self._base(self._slot)
        at = base + self._end
        _ENTRY.pack_into(mm, at, len(payload), zlib.crc32(payload))
        mm[at + _ENTRY.size : base + end] = payload
        _HEAD.pack_into(mm, base, end)  # committed: readers now take the entry
        self._end = end

    def read(self) -> list[bytes]:
        """The payloads the other writers committed since the last call."""
        mm = self._mm
        if mm is None:
            return []
        out: list[bytes] = []
        used = min(_HEAD.unpack_from(mm, 0)[0], self.slots)
        for slot in range(1, used + 1):
            if slot == self._slot:
                continue
            base = self._base(slot)
            done = self._read.get(slot, _HEAD.size)
            committed = min(_HEAD.unpack_from(mm, base)[0], self.slot_bytes)
            if committed <= done:
                continue
            chunk = mm[base + done : base + committed]
            pos, n = 0, len(chunk)
            while pos + _ENTRY.size <= n:
                size, crc = _ENTRY.unpack_from(chunk, pos)
                stop = pos + _ENTRY.size + size
                if stop > n:
                    break
                payload = chunk[pos + _ENTRY.size : stop]
                if zlib.crc32(payload) != crc:
                    break  # seen in part: read again next time
                out.append(payload)
                pos = stop
            self._read[slot] = done + pos
        return out

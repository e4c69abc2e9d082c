"""The CLI's cache of compiled regular expressions: what it stores comes back as the same
patterns, a bad file costs nothing, and a run with it reports what a run without it does."""

from __future__ import annotations

import re
from re import _compiler

import pytest

from sftlint import regex_cache
from sftlint.analysis.text.zh import HAN_CHARS

PATTERNS = [
    (f"([{HAN_CHARS}]{{2,1000}})", 0),
    (r"(?P<label>(?i:Thought|Action))[ \t]*[:：](?P<rest>.*)$", re.M),
    (r"(?<![A-Za-z])([A-Za-z]+)$", 0),
    (r"```.*?(?:```|\Z)|`[^`\n]+`", re.S),
    ("翻译|译成|用(?:英|日|韩)[文语]", 0),
    (r"\bCAFÉ\b", re.I),
    (rb"\x00+|\xef\xbb\xbf", 0),
    (r"""(?x) (\d{1,3}) (?:\.(\d{1,3}))*  # numbered items: 1. 2.1""", 0),
    (r"(?a)\w+@\w+\.(?:com|cn)", 0),
]
SAMPLES = [
    "Thought: 我需要查一下订单\nAction：查询订单[12345]\n",
    "```py\nx = 1\n``` and `code` café Café CAFÉ ends with word",
    "请把这句话翻译成英文，用英文回答，然后用日语再说一遍",
]


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(regex_cache, "_loaded", {})
    re.purge()
    yield tmp_path
    re.purge()


def _behaviour(p: re.Pattern) -> list:
    out = [p.pattern, p.flags, p.groups, dict(p.groupindex)]
    for s in SAMPLES:
        subject = s.encode() if isinstance(p.pattern, bytes) else s
        out.append([(m.span(), m.groups()) for m in p.finditer(subject)])
    return out


def test_stored_patterns_come_back_and_match_as_freshly_compiled_ones(cache_dir):
    for pattern, flags in PATTERNS:
        re.compile(pattern, flags)
    assert regex_cache.save_new() >= len(PATTERNS)
    (path,) = cache_dir.glob("regex-*.marshal")
    written = path.stat().st_ino
    re.compile("one more")
    assert regex_cache.save_new() == 0  # a few new ones are not worth writing the file again
    assert path.stat().st_ino == written

    re.purge()
    regex_cache._loaded.clear()
    assert regex_cache.preload() >= len(PATTERNS)
    for pattern, flags in PATTERNS:
        loaded = re._cache[(type(pattern), pattern, flags)]
        assert re.compile(pattern, flags) is loaded  # re finds it: no compiling
        assert _behaviour(loaded) == _behaviour(_compiler.compile(pattern, flags))


def test_one_costly_pattern_is_stored_though_few_are_new(cache_dir):
    """A run that compiles fewer than MIN_NEW new patterns leaves the file alone, unless one of
    them is a long non-ASCII class (T001's script classes, compiled only for some texts)."""
    for pattern, flags in PATTERNS:
        re.compile(pattern, flags)
    regex_cache.save_new()
    re.compile("x" * (regex_cache.COSTLY_CHARS + 10))  # long but ASCII: not costly
    assert regex_cache.save_new() == 0
    big = "[" + "".join(chr(0x4E00 + i) for i in range(regex_cache.COSTLY_CHARS)) + "]"
    re.compile(big)
    assert regex_cache.save_new() == 2  # written: the class and the ASCII one with it
    re.purge()
    regex_cache._loaded.clear()
    regex_cache.preload()
    assert (str, big, 0) in re._cache


@pytest.mark.parametrize("content", [b"", b"garbage", b"\xe3\x00\x00\x00\x00"])
def test_a_corrupt_or_foreign_file_is_ignored(cache_dir, content):
    for pattern, flags in PATTERNS:
        re.compile(pattern, flags)
    re.compile("abc+")
    regex_cache.save_new()
    for path in cache_dir.glob("regex-*.marshal"):
        path.write_bytes(content)
    re.purge()
    regex_cache._loaded.clear()
    assert regex_cache.preload() == 0
    assert re.compile("abc+").match("abccc")


def test_a_damaged_file_is_not_read(cache_dir):
    for pattern, flags in PATTERNS:
        re.compile(pattern, flags)
    re.compile("first")
    regex_cache.save_new()
    (path,) = cache_dir.glob("regex-*.marshal")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit of one entry
    path.write_bytes(bytes(data))
    re.purge()
    regex_cache._loaded.clear()
    assert regex_cache.preload() == 0
    assert (str, "first", 0) not in re._cache

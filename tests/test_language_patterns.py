"""T008's language patterns, rewritten for speed, decide exactly as the plain patterns they replace.

The plain patterns are kept here as the reference: an ``IGNORECASE`` alternation, one regex
for a code line, a noise pattern with every alternative, and a count per character.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from conftest import shared_strings
from hypothesis import given, settings
from hypothesis import strategies as st

from sftlint.analysis.text import language as L

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

REF_ASKS = re.compile(
    r"翻译|译成|译为|译文|中译|英译|用(?:英|日|韩|法|德|俄|西班牙|葡萄牙|意大利|中)[文语]|[英日韩法德俄中]文(?:回答|回复|写|版)|"
    r"translat|in (?:english|chinese|japanese|korean|french|german|spanish|portuguese|russian|italian)|"
    r"英语|日语|韩语|法语|德语|俄语|西班牙语|葡萄牙语|意大利语|English|Chinese|Japanese|French|German|Spanish|"
    r"language|语言|lyrics|歌词|poem|prompt|提示词|midjourney|[英日韩法德俄]文|"
    r"翻譯|譯成|譯為|翻訳|訳し|訳す|に訳|(?:英|日本|日|韓国|韓|中国|中|法|德|俄|フランス|ドイツ|スペイン|ロシア|イタリア)語|"
    r"번역|영문|가사|(?:영|한국|중국|일본|프랑스|독일|스페인|러시아|이탈리아|포르투갈|아랍)어",
    re.I,
)
REF_CODE_LINE = re.compile(
    r"^\s*(?:#include|#define|#if|import |from \S+ import|def |class |public |private |function |"
    r"const |let |var |return\b|SELECT |INSERT |CREATE |<\?|<!|\$ |>>>|case \S+:|break\b|else\b)|[;{}]\s*$|"
    r"^\s{4,}\S|=\s*[\[{(\"']|\w\.\w+\(|\w\(\)"
)
REF_NOISE = re.compile(
    r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|</?[A-Za-z][^<>]{0,200}>|&[#\w]+;|[\w-]+\.(?:py|js|ts|json|md|txt|cpp|h|java|html|css)\b"
)

TEXTS = [
    "请把这段话翻译成英文：今天天气很好。",
    "请用英文回答：什么是机器学习？",
    "Answer IN ENGLISH please.",
    "Please TRANSLATE this: bonjour",
    "mistranslation happens",
    "写一首诗的LYRICS",
    "Give me a Midjourney PROMPT for a cat",
    "ın english",  # dotless i: IGNORECASE matches it for i
    "다음 문구를 프랑스어로 번역하세요.",
    "건강을 유지하기 위한 세 가지 팁을 알려주세요.",
    "İN FRENCH",  # dotted capital I
    "ſpanish",  # long s
    "\u212aorean",  # Kelvin sign
    "in  english",
    "这是一个普通的问题，没有提到任何语言。",
    "This sentence says nothing about that.",
    "下载地址 https://example.com/a.py 和 foo.json，联系 a.b+c@mail.example.com 或 <b>粗体</b> &amp; x",
    "文件名是 train_data.json，脚本是 run.py。",
    "邮箱：用户名@公司.中国",
    "a.py-b.js file.py+foo@bar.com",
    "x = [1, 2]\nif (a) {\n  foo.bar(1);\n}\n    indented code\nobj.method() 调用\n普通的一行中文。\nreturn x\n中文;  \n",
    "def f():\n    return 1\nimport os\nfrom a import b\n<?php\n>>> 1+1\ncase x:\nelse\n",
    "只是中文，没有代码。\n第二行也是中文（括号）。\n第三行：f() 和 a.b(c)",
    "ひらがなとカタカナの文章です。漢字も少し。",
    "한국어 문장입니다. 中文混合。",
    "Это русский текст. 中文。",
    "هذا نص عربي",
    "ภาษาไทยข้อความ",
    # code-looking lines after the first, blank and whitespace-only lines, CRLF, other spaces
    "第一行是中文。\r\nimport os\r\n第三行。\r\n",
    "中文说明\n   \n    缩进四格的一行\n",
    "中文说明\n\t\n  \n结尾;\u3000\n",
    "说明 =\n[1, 2]\n再说明\n",
    "one\n\n\ndef f\n",
    "中文 x = (1)\n中文\n中文\n中文",
    "a {\n中文\n中文\n中文\n中文",
    "   \n\x0b\x0creturn\n中文一行\n中文两行\n中文三行",
]


def _ref_prose(text: str) -> str:
    """:func:`L.prose` as it was written first: every line tested on its own."""
    text = L._CODE.sub(" ", text)
    lines = [ln for ln in text.split("\n") if ln.strip()]
    kept = [ln for ln in lines if REF_CODE_LINE.search(ln) is None]
    if lines and len(lines) - len(kept) >= L.CODE_SHARE * len(lines):
        return ""
    return REF_NOISE.sub(" ", "\n".join(kept))


def test_ignorecase_extras_are_every_code_point_ignorecase_matches():
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    for letter in "abcdefghijklmnopqrstuvwxyz":
        matched = set(re.findall(letter, everything, re.I))
        assert matched == {letter, letter.upper(), *L._CASE_EXTRA.get(letter, "")}, letter


@pytest.mark.parametrize("text", TEXTS)
def test_fast_patterns_match_the_plain_ones(text):
    assert (L.ASKS_FOR_LANGUAGE.search(text) is None) == (REF_ASKS.search(text) is None)
    for line in text.split("\n"):
        assert L._code_line(line) == (REF_CODE_LINE.search(line) is not None), line
    noise = L._NOISE_BY["@" in text, L._HAS_EXT.search(text) is not None]
    assert noise.sub(" ", text) == REF_NOISE.sub(" ", text)
    for one in (L._HAN, L._KANA, L._HANGUL, L._THAI):
        runs = re.compile(one.pattern + "+")
        assert L._count(runs, text) == len(one.findall(text))
    assert L.prose(text) == _ref_prose(text)


def test_fast_patterns_match_the_plain_ones_on_the_shared_data():
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not checked out next to the repository")
    for text in shared_strings():
        assert (L.ASKS_FOR_LANGUAGE.search(text) is None) == (REF_ASKS.search(text) is None)
        for line in text.split("\n"):
            assert L._code_line(line) == (REF_CODE_LINE.search(line) is not None)
        noise = L._NOISE_BY["@" in text, L._HAS_EXT.search(text) is not None]
        assert noise.sub(" ", text) == REF_NOISE.sub(" ", text)
        assert L._count(L._HAN_RUNS, text) == len(L._HAN.findall(text))
        assert L.prose(text) == _ref_prose(text)


def test_address_and_file_name_runs_are_bounded():
    """An address or file name takes at most 64 word characters before its "@" or extension:
    a long Chinese run (word characters too) in a text that also holds an address is no
    longer rescanned from each of its characters, and no longer erased whole."""
    run = "中文内容" * 500
    text = f"联系 a@b.com。{run}x@y.com 和 {run}main.py"
    body = L.prose(text)
    assert "a@b.com" not in body and "main.py" not in body
    assert len(L._HAN.findall(body)) >= 2 * (len(run) - 64)


def _general_detect(text: str, matrix: bool, monkeypatch) -> object:
    """``_detect`` with the weights of every script computed and compared (the path it takes
    when a rare script is present): the reference for its shortcut on Han and Latin text."""
    with monkeypatch.context() as m:
        m.setattr(L, "_RARE_SCRIPTS", re.compile(""))
        return L._detect(text, matrix)


def test_the_han_and_latin_shortcut_decides_as_every_weight_does(monkeypatch):
    # ties between Han and Latin go to Han (a mixed question read by its Chinese grammar)
    texts = [
        *TEXTS,
        "",
        "ab",
        "中文",
        "中文ab",
        "abcd中文",
        "中文中文ab",
        "abc def 中文中文中",
        "的是中文中文 ab cd ef",
    ]
    if SHARED.is_dir():
        texts += shared_strings()
    for text in texts:
        for matrix in (False, True):
            assert L._detect(text, matrix) == _general_detect(text, matrix, monkeypatch), text[:80]


#: texts where blank lines, tags and the noise pattern meet (a tag across a blank line, a
#: ``<`` that starts no tag, whitespace-only lines, an address, a file name, an entity)
_BODY_TEXTS = [
    "中文说明 <b\n\n\n  \nclass='x'> 粗体 </b> 结尾",
    "< 思考：根据知识库结果\n\n动作：查询\n观察：等待 >\n--- 好的",
    # a tag across blank lines: 204 characters between "<a" and ">" here, 194 once the ten
    # blank lines are gone, so prose erases it (Han characters and all) and keeps its lines
    "前<a " + "中" * 140 + "\n" * 11 + "文" * 52 + ">后 English words here",
    "中文 &amp; 中文 &nbsp; 文字 &#12345; 结尾",
    "中文\n\u3000\n\t\nmore text here please\n\r\n结尾",
    "见 https://例子.com/中文路径 和 www.例子.cn，邮箱 张三abc@mail.cn，文件 数据.json &nbsp; 完",
    "ひらがなのテキスト\n\n中文的一行没有假名内容\n\nThis is English。",
    "2 < 3 and 5 > 4\n\n中文中文中文",
]


def _texts_for_body() -> list[str]:
    texts = [*TEXTS, *_BODY_TEXTS]
    if SHARED.is_dir():
        texts += shared_strings()
    return texts


def test_counting_in_the_body_counts_as_in_prose():
    """``_detect`` counts in ``_body`` (blank lines may stay; Latin words and rare scripts
    looked for in what the Han runs leave): every count is the one made in ``prose``."""
    for text in _texts_for_body():
        body, ref = L._body(text), L.prose(text)
        rest, runs = L._HAN_RUNS.subn(" ", body)
        assert len(body) - len(rest) + runs == len(L._HAN.findall(ref)), text[:80]
        assert L._LATIN_WORD.findall(rest) == L._LATIN_WORD.findall(ref), text[:80]
        assert (L._RARE_SCRIPTS.search(rest) is None) == (L._RARE_SCRIPTS.search(ref) is None)
        for p in (
            L._KANA,
            L._HANGUL,
            L._THAI,
            L._CYRILLIC_WORD,
            L._ARABIC_WORD,
            L._ZH_GRAMMAR,
            L._JA_GRAMMAR,
        ):
            assert len(p.findall(body)) == len(p.findall(ref)), (p.pattern, text[:80])
        assert L._bilingual_cjk(body) == L._bilingual_cjk(ref), text[:80]


def test_detect_decides_as_when_it_counted_in_prose(monkeypatch):
    texts = _texts_for_body()
    new = [(L._detect(t, False), L._detect(t, True)) for t in texts]
    monkeypatch.setattr(L, "_body", L.prose)
    old = [(L._detect(t, False), L._detect(t, True)) for t in texts]
    assert new == old


_BODY_ALPHABET = "中文的是了ひのは한글яب a Zb\n\n \t\u3000<>/`~@.&;:#=(){}[]_-wht" + "py"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_BODY_ALPHABET, max_size=60))
def test_body_and_prose_count_alike_on_random_mixtures(text):
    body, ref = L._body(text), L.prose(text)
    rest, runs = L._HAN_RUNS.subn(" ", body)
    assert len(body) - len(rest) + runs == len(L._HAN.findall(ref))
    assert L._LATIN_WORD.findall(rest) == L._LATIN_WORD.findall(ref)
    assert (L._RARE_SCRIPTS.search(rest) is None) == (L._RARE_SCRIPTS.search(ref) is None)
    assert L._bilingual_cjk(body) == L._bilingual_cjk(ref)


#: characters at the edges of what the census tells apart: Han blocks and their neighbours
#: (U+4DBF/U+4DC0), kana and the punctuation sharing their rows, Hangul, Thai, Cyrillic,
#: Arabic, Latin-1 and Latin Extended letters (× and ÷ are in the class), astral characters
#: and lone surrogates
_CENSUS_ALPHABET = (
    "\u33ff\u3400\u4cff\u4d00\u4dbf\u4dc0\u4e00\u9fff\ua000\uf8ff\uf900\ufaff\ufb00"
    "\u3000\u3002\u303f\u3040\u30ff\u3100\u3130\u318f\u31f0\u31ff"
    "\uff0c\uff65\uff66\uff9f\uffa0\uac00\ud7af\ud7b0\u1100\u11ff\u0e00\u0e7f\u0e80"
    "\u0400\u04ff\u0600\u06ff\u00bf\u00c0\u00d7\u00f7\u00ff\u0100\u024f\u0250"
    "\U0001f600\U00020000\ud800\udfff"
    "中文的。，ab Zz09\n?@`"
)


_UNTOLD_ROWS = re.compile(
    "[\u0100-\u02ff\u0400-\u04ff\u0600-\u06ff\u0e00-\u0eff\u1100-\u11ff\u3100-\u31ff\u4d00-\u4dff\uac00-\ud7ff]"
)


def _census_reference(body: str) -> tuple[int, int] | None:
    if L._RARE_SCRIPTS.search(body) is not None:
        return None
    return len(L._HAN.findall(body)), len(L._LATIN_WORD.findall(body))


def _assert_census(body: str) -> None:
    got, ref = L._census(body), _census_reference(body)
    # None is always allowed (the regular expressions count); a count must be the classes'
    assert got is None or got == ref, body[:80]
    # and it answers every text without a character of the rows it leaves to them
    if ref is not None and _UNTOLD_ROWS.search(body) is None:
        assert got == ref, body[:80]


def test_census_counts_as_the_classes_do():
    for text in _texts_for_body():
        _assert_census(L._body(text))
        _assert_census(text)
    assert L._census("中文的ab，こんにちは") is None
    assert L._census("中文的ab，これ cd e") is None
    assert L._census("中文 Ab cd é ×x ӿ") is None
    assert L._census("中文 Ab cd éa ×x") == (2, 4)  # × is in the class
    assert L._census("「中文」。\U00020000 ab") == (2, 1)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=_CENSUS_ALPHABET, max_size=40))
def test_census_counts_as_the_classes_do_on_random_mixtures(text):
    _assert_census(text)

"""T008's optional C kernels (``sftlint._text_native``) give what the Python code gives.

``language._census_py`` is the reference of the native census, which must return the same
value for every string: on the texts and bodies the language tests use, on every string of
``../shared/data`` when it is present, on random mixtures of the characters at the edges of
what the census tells apart (hypothesis), and on every str kind (Latin-1, UCS-2, UCS-4, lone
surrogates).  The native ``body_marks`` only lets ``language._body`` skip steps: the body must
be the one made with every step tried (the Python path), on the same texts and on random
mixtures of code, markup and Chinese.  The native ``pair_starts`` must find T002's forms where
``variants._form_starts_py`` (``re.finditer`` of their alternation) does.  Where the extension was not built (no compiler), these
tests skip and the module runs the Python code.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import shared_strings
from hypothesis import given, settings
from hypothesis import strategies as st
from test_language_patterns import _BODY_TEXTS, _CENSUS_ALPHABET, SHARED, TEXTS

from sftlint.analysis.text import language as L
from sftlint.analysis.text import variants as V
from sftlint.analysis.text.native import NATIVE_KERNELS

try:
    from sftlint import _text_native as native
except ImportError:  # not built: the Python path is all there is
    native = None

needs_native = pytest.mark.skipif(
    native is None, reason="sftlint._text_native not built (no C compiler at install): Python path only"
)

EDGES = [
    "",
    "a",
    "ab",
    "ab ",
    " ab",
    "abc\u00e9\u00d7\u00f7\u00ff",
    "\u00bfab\u00c0",
    "中文",
    "中文ab中cd",
    "\u4dbf\u4dc0",  # U+4Dxx: the census leaves the row to the classes
    "\u3400\u9fff\uf900\ufaff\u33ff\ua000\uf8ff\ufb00",
    "\u3000\u3002\u303f。，！？",  # Chinese punctuation in the kana rows
    "\u3040",
    "\u30ff",
    "\uff65\uff66",
    "\uff9f",
    "\uffa0ab",
    "\u0100ab",  # Latin Extended A
    "ab\u0250cd",  # IPA: neither letter nor untold
    "ab\U0001f600cd\U00020000",  # outside the BMP
    "ab\ud800cd\udfff",  # lone surrogates
    "x" * 100_000 + "中",
]


@needs_native
@pytest.mark.skipif(
    os.environ.get("SFTLINT_PURE_PYTHON", "0") not in ("", "0"), reason="the Python path is forced"
)
def test_the_module_is_the_one_language_uses():
    assert native.KERNELS == NATIVE_KERNELS
    assert L._census is native.census
    assert L._body_marks is native.body_marks
    assert V._form_starts is V._form_starts_native


def _body_every_step(text: str) -> str:
    """``language._body`` with every step tried, as without the C kernel."""
    marks = L._body_marks
    L._body_marks = L._all_marks
    try:
        return L._body(text)
    finally:
        L._body_marks = marks


@needs_native
@pytest.mark.parametrize("text", EDGES)
def test_native_census_at_the_edges(text):
    assert native.census(text) == L._census_py(text)


@needs_native
def test_native_census_on_the_language_texts_and_the_shared_data():
    texts = [*TEXTS, *_BODY_TEXTS]
    if SHARED.is_dir():
        texts += shared_strings()
    for text in texts:
        for one in (text, L._body(text)):
            assert native.census(one) == L._census_py(one), one[:80]


@needs_native
@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=_CENSUS_ALPHABET, max_size=40))
def test_native_census_on_random_mixtures(text):
    assert native.census(text) == L._census_py(text)


@needs_native
def test_native_census_takes_only_str():
    with pytest.raises(TypeError):
        native.census(b"ab")
    with pytest.raises(TypeError):
        native.body_marks(b"ab")
    with pytest.raises(TypeError):
        native.pair_starts("ab", b"ab")
    with pytest.raises(ValueError):
        native.pair_starts("ab", "abc")


FORM_EDGES = [
    "",
    "账",
    "账号",
    "转账号",  # 转账 first: 账号 overlaps it
    "账账号",
    "帐号帐号其他其它",
    "到账户",
    "全部份额",
    "登陆月球，无法登陆账号",
    "a账号b\U0001f600其他\ud800帐号",
    "x" * 1000 + "账号",
    # characters whose low byte is a form's first character's (the byte filter lets them by)
    "".join(chr((ord(f[0]) & 0xFF) | hi << 8) for f in V._FORMS for hi in (0x4E, 0x00, 0x01)) + "号",
]


def _form_texts() -> list[str]:
    texts = [*FORM_EDGES, *TEXTS, *_BODY_TEXTS]
    if SHARED.is_dir():
        texts += shared_strings()
    return texts


@needs_native
def test_native_form_starts_on_the_edges_and_the_shared_data():
    for text in _form_texts():
        assert native.pair_starts(text, V._PAIRS) == V._form_starts_py(text), text[:80]


_FORM_ALPHABET = "".join(sorted({c for f in V._FORMS for c in f})) + "中文。a\U0001f600"


@needs_native
@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=_FORM_ALPHABET, max_size=40))
def test_native_form_starts_on_random_mixtures(text):
    assert native.pair_starts(text, V._PAIRS) == V._form_starts_py(text)


BODY_EDGES = [
    *EDGES,
    "<",
    "<a",
    "</",
    "</a",
    "< 思考：\n动作：{}\n--- 好的",
    "~~",
    "~~~",
    "x~~~",
    "`",
    ":/",
    "://",
    "ww.",
    "www",
    "www.",
    "a.",
    "a.p",
    "a.P",
    "@",
    "&",
    "(",
    "\n",
    "\n#",
    "   \t",
    "    x",
    "\n\u3000\u3000\u3000\u3000中文",
    "\r\nimport os",
    "中文\n\x0b\x0c\x1c\x1dreturn",
    "文本\u2028<b>粗体</b>",
]


@needs_native
@pytest.mark.parametrize("text", BODY_EDGES)
def test_body_with_marks_at_the_edges(text):
    assert L._body(text) == _body_every_step(text)


@needs_native
def test_body_with_marks_on_the_language_texts_and_the_shared_data():
    texts = [*TEXTS, *_BODY_TEXTS]
    if SHARED.is_dir():
        texts += shared_strings()
    for text in texts:
        assert L._body(text) == _body_every_step(text), text[:80]


#: pieces of code, markup, addresses and Chinese prose, joined at random
_BODY_PIECES = [
    *"中文的。，<>/`~@.&;:#=(){}[]_- \t\n\u3000wapyjs",
    "import ",
    "def ",
    "return",
    "SELECT ",
    "<?",
    "<!",
    "$ ",
    ">>>",
    "    ",
    "<b>",
    "</b>",
    "```",
    "~~~",
    "https://",
    "www.",
    "a@b.com",
    "x.py",
    "&amp;",
    "f()",
    "= [",
    "思考：",
]


@needs_native
@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_BODY_PIECES), max_size=20).map("".join))
def test_body_with_marks_on_random_pieces(text):
    assert L._body(text) == _body_every_step(text)


def test_pure_python_is_forced_by_the_environment():
    code = (
        "from sftlint.analysis.text import language as L; "
        "from sftlint.analysis.text import variants as V; "
        "print(L._census is L._census_py and L._body_marks is L._all_marks "
        "and V._form_starts is V._form_starts_py)"
    )
    env = {**os.environ, "SFTLINT_PURE_PYTHON": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"

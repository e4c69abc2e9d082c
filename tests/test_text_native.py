"""T008's optional C census (``sftlint._text_native.census``) gives what the Python one gives.

``language._census_py`` is the reference: the native census must return the same value for
every string: on the texts and bodies the language tests use, on every string of
``../shared/data`` when it is present, on random mixtures of the characters at the edges of
what the census tells apart (hypothesis), and on every str kind (Latin-1, UCS-2, UCS-4, lone
surrogates).  Where the extension was not built (no compiler), these tests skip and
``language._census`` is the Python function.
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
def test_the_module_is_the_one_language_uses():
    assert native.KERNELS == L.NATIVE_KERNELS
    assert L._census is native.census


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


def test_pure_python_is_forced_by_the_environment():
    code = "from sftlint.analysis.text import language as L; print(L._census is L._census_py)"
    env = {**os.environ, "SFTLINT_PURE_PYTHON": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"

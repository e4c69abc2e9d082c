"""The optional C kernels of the text analyses (``sftlint._text_native``), or None.

Built by ``setup.py`` where a compiler is found.  Each kernel does in one call and one pass
what the Python code beside it does in many calls (T008's census and body marks in
:mod:`~sftlint.analysis.text.language`, T002's scan in :mod:`~sftlint.analysis.text.variants`):
on the short turns of chat data the calls cost more than their passes.  The Python code is the
reference and stays; ``tests/test_text_native.py`` checks that both give the same results.
"""

from __future__ import annotations

from typing import Any

from sftlint.native import native_module

#: The kernels' interface the Python code calls (``KERNELS`` in ``sftlint/_text_native.c``).
NATIVE_KERNELS = 3

#: The kernels in use, or None for the pure-Python code (not built, built from another version
#: of the source, or ``SFTLINT_PURE_PYTHON`` set).
NATIVE: Any = native_module("_text_native", NATIVE_KERNELS)

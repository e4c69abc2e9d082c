"""The optional C kernels of the text analyses (``sftlint._text_native``), or None.

Built by ``setup.py`` where a compiler is found.  Each kernel does in one call and one pass
what the Python code beside it does in many calls (T008's census and body marks in
:mod:`~sftlint.analysis.text.language`, T002's scan in :mod:`~sftlint.analysis.text.variants`):
on the short turns of chat data the calls cost more than their passes.  The Python code is the
reference and stays; ``tests/test_text_native.py`` checks that both give the same results.
"""

from __future__ import annotations

import os
from typing import Any

#: The kernels' interface the Python code calls (``KERNELS`` in ``sftlint/_text_native.c``).
NATIVE_KERNELS = 3


def _load() -> Any:
    """``sftlint._text_native``, or None: not built, built from another version of the source
    (an editable install keeps the module it built; ``pip install -e .`` again rebuilds it),
    or ``SFTLINT_PURE_PYTHON`` set to anything but ``0``."""
    if os.environ.get("SFTLINT_PURE_PYTHON", "0") not in ("", "0"):
        return None
    try:
        from sftlint import _text_native
    except ImportError:
        return None
    return _text_native if getattr(_text_native, "KERNELS", None) == NATIVE_KERNELS else None


#: The kernels in use, or None for the pure-Python code.
NATIVE: Any = _load()

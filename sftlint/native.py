"""The optional C extensions, found or not.

``setup.py`` builds ``sftlint._typo_native`` (T001), ``sftlint._dedup_native`` (D002) and
``sftlint._text_native`` (T008, T002) where a compiler is found; where it is not, sftlint runs the pure-Python code, which gives the same
findings.  Each caller names the interface version it was written for (the ``KERNELS`` constant
of the C source): an editable install keeps the module it built while the source moves on, and
a stale module is ignored rather than called with the wrong arguments.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

#: Set to anything but ``0`` (or empty) to run the pure-Python code even where the extensions
#: are built (the reference the native kernels are tested against).
PURE_PYTHON_ENV = "SFTLINT_PURE_PYTHON"


def native_module(name: str, kernels: int) -> ModuleType | None:
    """``sftlint.<name>`` if it is built and its ``KERNELS`` is ``kernels``, else None (also
    under :data:`PURE_PYTHON_ENV`)."""
    if os.environ.get(PURE_PYTHON_ENV, "0") not in ("", "0"):
        return None
    try:
        module = importlib.import_module(f"sftlint.{name}")
    except ImportError:
        return None
    return module if getattr(module, "KERNELS", None) == kernels else None

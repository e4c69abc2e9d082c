"""Build configuration beside pyproject.toml: the optional native kernels.

``sftlint._typo_native`` (``sftlint/_typo_native.c``) speeds up T001's dictionary work,
``sftlint._dedup_native`` (``sftlint/_dedup_native.c``) D002's exact verification and
``sftlint._text_native`` (``sftlint/_text_native.c``) T008's census and T002's scan; all are C99 with
nothing beyond Python.h (and ``sftlint/_native_str.h``, the str check the last two share).  They
are optional: where they cannot be compiled (no compiler, no Python headers) setuptools warns
and installs sftlint without them, and sftlint runs the pure-Python code, which gives the same
findings (``SFTLINT_PURE_PYTHON=1`` forces that path).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "sftlint._typo_native",
            sources=["sftlint/_typo_native.c"],
            optional=True,
        ),
        Extension(
            "sftlint._dedup_native",
            sources=["sftlint/_dedup_native.c"],
            depends=["sftlint/_native_str.h"],
            optional=True,
        ),
        Extension(
            "sftlint._text_native",
            sources=["sftlint/_text_native.c"],
            depends=["sftlint/_native_str.h"],
            optional=True,
        ),
    ]
)

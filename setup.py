"""Build configuration beside pyproject.toml: the optional native kernels of T001.

``sftlint._typo_native`` (``sftlint/_typo_native.c``, C99, nothing beyond Python.h) speeds up
the typo model's dictionary work.  It is optional: where it cannot be compiled (no compiler,
no Python headers) setuptools warns and installs sftlint without it, and sftlint runs the
pure-Python code, which gives the same findings (``SFTLINT_PURE_PYTHON=1`` forces that path).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "sftlint._typo_native",
            sources=["sftlint/_typo_native.c"],
            optional=True,
        )
    ]
)

"""``python -m sftlint``: the same CLI as the ``sftlint`` script.

Why: where the console script is not on PATH (a venv that is not activated, ``pip install
--user`` without ``~/.local/bin`` on PATH, a pre-commit ``language: system`` hook calling a
given interpreter), ``python -m sftlint check ...`` still works, as ``python -m ruff`` does.
"""

import sys

from sftlint.cli import main

if __name__ == "__main__":
    sys.exit(main())

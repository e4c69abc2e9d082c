"""``sftlint check`` imports numpy (D002's signatures) with one OpenBLAS thread: numpy's
OpenBLAS starts a spinning thread per core on import, a third of the import's CPU, and sftlint
never multiplies matrices.  A user's own setting stands; other commands are left alone."""

from __future__ import annotations

import os
import subprocess
import sys

RECORD = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello."}]}\n'

_SHOW = (
    "import os, sys\n"
    "from sftlint import cli\n"
    "code = cli.main(sys.argv[1:])\n"
    "print(os.environ.get('OPENBLAS_NUM_THREADS'))\n"
)


def _blas_threads(tmp_path, *args: str, env_value: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    env["SFTLINT_CACHE_DIR"] = str(tmp_path / "cache")
    if env_value is not None:
        env["OPENBLAS_NUM_THREADS"] = env_value
    out = subprocess.run(
        [sys.executable, "-c", _SHOW, *args], env=env, capture_output=True, text=True, check=True
    ).stdout
    return out.strip().splitlines()[-1]


def test_check_takes_one_blas_thread_unless_the_user_set_it(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(RECORD, encoding="utf-8")
    assert _blas_threads(tmp_path, "check", str(path), "-q") == "1"
    assert _blas_threads(tmp_path, "check", str(path), "-q", env_value="4") == "4"
    assert _blas_threads(tmp_path, "rule", "D002") == "None"

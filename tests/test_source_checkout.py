"""``import sftlint`` and ``python -m sftlint`` from a source checkout's root.

After a plain ``pip install .`` the checkout's own ``sftlint/`` folder shadows the installed
package there (``python -m`` and ``-c`` put the current directory first on ``sys.path``), and
the built-in rules live beside it in ``rules/``, not inside it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_rules_are_found_from_a_checkout_that_shadows_the_installed_package(tmp_path):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "sftlint").symlink_to(ROOT / "sftlint")
    (checkout / "rules").symlink_to(ROOT / "rules")
    (checkout / "a.jsonl").write_text(
        '{"messages": [{"role": "user", "content": "你好"}, {"role": "user", "content": "在吗"}]}\n',
        encoding="utf-8",
    )
    # -S: no .pth files, so no editable-install finder maps `sftlint.rules` for us, as after
    # a plain `pip install .`; the dependencies still come from site-packages
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    code = (
        "import sys, sftlint; "
        "d = sftlint.lint('a.jsonl'); "
        "print(sftlint.rules.__file__); print(sorted({x.code for x in d}))"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=checkout, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    rules_file, codes = out.stdout.splitlines()
    assert Path(rules_file).parent == checkout / "rules"
    assert "S004" in codes  # two user turns in a row: the built-in rules ran

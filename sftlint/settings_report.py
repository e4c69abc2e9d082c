"""``sftlint check --show-settings``: the resolved configuration, and where each value came from.

A setting can come from three places (the default, the config file found upward or named with
``--config``, a command-line flag); when a check does something unexpected, the first question
is which of them won.  The answer is printed as TOML-like lines, each with its origin.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from sftlint.config import Settings, config_root


def _toml(value: Any) -> str:
    if value is None:
        return "(none)"
    return json.dumps(value, ensure_ascii=False)


def show_settings(from_file: Settings, resolved: Settings, engine: Any, cache: str | None = None) -> str:
    """The text ``--show-settings`` prints for ``resolved`` settings (``from_file``: before the
    command line was applied) and the rules ``engine`` runs; ``cache`` says whether an unchanged
    run would be answered from the results cache, and from where."""
    default = Settings()
    config = from_file.config_path
    lines = [f"config file: {config or '(none found; defaults)'}"]
    if config:
        lines.append(f"globs are relative to: {config_root(resolved)}")
    lines.append("")
    for f in fields(Settings):
        if f.name in ("config_path", "rules"):
            continue
        value = getattr(resolved, f.name)
        if value != getattr(from_file, f.name):
            origin = "command line"
        elif value != getattr(default, f.name):
            origin = config or "default"
        else:
            origin = "default"
        lines.append(f"{f.name.replace('_', '-'):<18} = {_toml(value):<40} # {origin}")
    for rule, options in sorted(resolved.rules.items()):
        origin = "command line" if options != from_file.rules.get(rule) else (config or "default")
        for key, value in sorted(options.items()):
            lines.append(f"rules.{rule}.{key} = {_toml(value)}  # {origin}")
    codes = [r.code for r in engine.rules]
    lines += ["", f"enabled rules ({len(codes)}): {' '.join(codes)}"]
    if cache is not None:
        lines.append(f"results cache: {cache}")
    return "\n".join(lines) + "\n"

"""The checks of OpenAI's chat fine-tuning data-preparation recipe, re-implemented as a baseline.

The recipe ("Data preparation and analysis for chat model fine-tuning", OpenAI Cookbook) loads a
JSONL file and, for every example, counts *format errors* (not a dict, no ``messages`` list, a
message without ``role``/``content``, an unrecognised key or role, missing content, no assistant
message) and *token counts* (per example, 3 tokens per message and 1 per name on top of the
content, and the assistant tokens), then reports the distributions and the examples over the
context limit.  It is what a team runs when it runs anything; ``bench/dataset.py`` times it next
to ``sftlint check`` on the same file, so the cost of sftlint's extra rules is known.

The recipe counts tokens with tiktoken's ``cl100k_base``, whose data tiktoken downloads on first
use; the benchmark machine is offline, so this baseline counts with sftlint's documented
approximation (:func:`sftlint.analysis.tokens.approx_tokens`), the same counter D005 uses by default.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from sftlint.analysis.tokens import approx_tokens

ALLOWED_KEYS = {"role", "content", "name", "function_call", "weight", "tool_calls", "tool_call_id"}
ROLES = {"system", "user", "assistant", "function", "tool"}
TOKEN_LIMIT = 16_385


def num_tokens(messages: list[dict[str, Any]]) -> int:
    total = 3  # every reply is primed with <|start|>assistant<|message|>
    for m in messages:
        total += 3
        for key, value in m.items():
            if isinstance(value, str):
                total += approx_tokens(value)
            if key == "name":
                total += 1
    return total


def check_file(path: str | Path) -> dict[str, Any]:
    """Format errors and token statistics of one JSONL file, as the recipe computes them."""
    errors: Counter[str] = Counter()
    lengths: list[int] = []
    assistant_tokens: list[int] = []
    examples = 0
    with open(path, "rb") as fh:
        for line in fh:
            if not line.strip():
                continue
            examples += 1
            try:
                ex = orjson.loads(line)
            except orjson.JSONDecodeError:
                errors["invalid_json"] += 1
                continue
            if not isinstance(ex, dict):
                errors["data_type"] += 1
                continue
            messages = ex.get("messages")
            if not isinstance(messages, list) or not messages:
                errors["missing_messages_list"] += 1
                continue
            for m in messages:
                if not isinstance(m, dict) or "role" not in m or "content" not in m:
                    errors["message_missing_key"] += 1
                    continue
                if any(k not in ALLOWED_KEYS for k in m):
                    errors["message_unrecognized_key"] += 1
                if m.get("role") not in ROLES:
                    errors["unrecognized_role"] += 1
                content = m.get("content")
                if (not content and not m.get("function_call") and not m.get("tool_calls")) or not (
                    content is None or isinstance(content, str)
                ):
                    errors["missing_content"] += 1
            if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
                errors["example_missing_assistant_message"] += 1
            good = [m for m in messages if isinstance(m, dict)]
            lengths.append(num_tokens(good))
            assistant_tokens.append(
                sum(
                    approx_tokens(m["content"])
                    for m in good
                    if m.get("role") == "assistant" and isinstance(m.get("content"), str)
                )
            )
    return {
        "examples": examples,
        "format_errors": dict(errors),
        "over_limit": sum(n > TOKEN_LIMIT for n in lengths),
        "tokens": sum(lengths),
        "assistant_tokens": sum(assistant_tokens),
    }

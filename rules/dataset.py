"""Placeholder: this family's rules are being written (see the issue tracker)."""

RULES: list = []

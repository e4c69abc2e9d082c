"""The :class:`InputFormat` interface: how a raw record becomes messages.

Each format ships a JSON Schema (``schemas/<name>.schema.json``).  Checking a
record against it with jsonschema costs far more than parsing the record, so
every format also has ``quick_check``: a few type tests written by hand that
*imply* schema validity (a test checks that on generated records).  Only
records that fail the quick check go through jsonschema, whose errors become
S001 findings with their pointers.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any, ClassVar

from sftlint.locate import join_pointer
from sftlint.record import Message


class InputFormat:
    """Base class for input formats (built-in and plugin-provided)."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    #: file name under ``sftlint/formats/schemas`` (plugins override ``schema``)
    schema_file: ClassVar[str | None] = None
    #: the role values the format defines, as S002 lists them
    role_names: ClassVar[str] = "system, user, assistant, tool"
    #: whether a record holds several conversations to lint (preference data: chosen and rejected)
    multi_view: ClassVar[bool] = False
    #: whether a record is a conversation whose turn order means something (a plain
    #: document, TRL's language-modeling ``{"text"}``, is one message and no turns)
    conversational: ClassVar[bool] = True
    #: the JSON type of the format's records: an object, or (``message-list``) an array
    record_type: ClassVar[type] = dict

    def sniff(self, obj: Any) -> bool:
        """Whether a parsed record looks like this format (for auto-detection)."""
        raise NotImplementedError

    def quick_check(self, obj: Any) -> bool:
        """Cheap test; True must imply that ``obj`` satisfies the schema."""
        return not self.schema_errors(obj)

    def to_messages(self, obj: Any) -> list[Message]:
        """Map a record to messages.  Must not raise on schema-invalid input:
        skip what cannot be mapped (S001 reports it)."""
        raise NotImplementedError

    def views(self, obj: Any) -> list[list[Message]]:
        """The conversations a record holds, each linted on its own (``multi_view`` formats).

        The first is what :meth:`to_messages` returns; findings shared by several views
        (in a common prompt) are reported once.
        """
        return [self.to_messages(obj)]

    @cached_property
    def schema(self) -> dict[str, Any] | None:
        if self.schema_file is None:
            return None
        from importlib import resources  # on first use: most runs never read a schema

        text = resources.files("sftlint.formats").joinpath("schemas", self.schema_file).read_text("utf-8")
        return json.loads(text)

    @cached_property
    def _validator(self) -> Any:
        import jsonschema

        schema = self.schema
        if schema is None:
            return None
        cls = jsonschema.validators.validator_for(schema)
        return cls(schema)

    def schema_errors(self, obj: Any) -> list[tuple[str, str]]:
        """``(pointer, message)`` for each schema violation (the slow path)."""
        validator = self._validator
        if validator is None:
            return []
        return described_errors(validator, obj)


def described_errors(validator: Any, obj: Any) -> list[tuple[str, str]]:
    """``(pointer, message)`` for each violation of ``validator``'s schema by ``obj``."""

    errors = [e for error in validator.iter_errors(obj) for e in _narrow(error)]
    errors.sort(key=lambda e: list(map(str, e.absolute_path)))
    return [(join_pointer(*e.absolute_path), _describe(e)) for e in errors]


def _narrow(error: Any) -> list[Any]:
    """An ``anyOf`` whose value has the type of exactly one alternative failed inside that
    alternative: the errors there (``messages/1/content/0 must be object, got string``), not
    ``messages/1/content must be string or null or array, got array``."""
    if error.validator != "anyOf" or not error.context:
        return [error]
    kind = _json_type(error.instance)
    matching = []
    for i, alternative in enumerate(error.schema.get("anyOf", [])):
        types = alternative.get("type") if isinstance(alternative, dict) else None
        types = [types] if isinstance(types, str) else types or []
        if kind in types or (kind == "number" and "integer" in types):
            matching.append(i)
    if len(matching) != 1:
        return [error]
    inner = [e for e in error.context if e.relative_schema_path and e.relative_schema_path[0] == matching[0]]
    return [e for sub in inner for e in _narrow(sub)] or [error]


def _describe(error: Any) -> str:
    """A short, user-facing rendering of a jsonschema error."""
    where = "/".join(map(str, error.absolute_path)) or "record"
    if error.validator == "required":
        return error.message.replace("is a required property", f"is required in {where}")
    alternatives = error.schema.get("anyOf", []) if error.validator == "anyOf" else []
    if alternatives and all(isinstance(s, dict) and s.get("required") for s in alternatives):
        keys = " or ".join(repr(k) for s in alternatives for k in s["required"])
        return f"{keys} (not empty) is required in {where}"
    if error.validator in ("type", "anyOf"):
        expected = error.schema.get("type")
        if expected is None and error.validator == "anyOf":
            expected = [s.get("type") for s in error.schema.get("anyOf", []) if isinstance(s, dict)]
        if isinstance(expected, list):
            expected = " or ".join(str(e) for e in expected if e)
        return f"{where} must be {expected}, got {_json_type(error.instance)}"
    if error.validator == "minItems":
        return f"{where} must not be empty"
    return f"{where}: {error.message}"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__

"""Column mappings: any record shape, read the way its owner says.

Two sources describe a shape:

- ``[tool.sftlint.format]`` in the configuration, either with sftlint's short keys
  (``messages``, ``role``, ``content``, ``system``, ``tools``, ``roles``) or with
  LLaMA-Factory's vocabulary (``formatting``, ``columns``, ``tags``, ``ranking``);
- a LLaMA-Factory ``dataset_info.json`` whose entry names the file (``file_name``,
  relative to the ``dataset_info.json``'s folder; a folder name covers the files in
  it).  The file is then read as LLaMA-Factory's parser and converter read it:

  * ``formatting`` is ``alpaca`` (default), ``sharegpt`` or ``openai``;
  * without ``columns`` the defaults hold (``instruction``/``input``/``output``,
    ``conversations``); with ``columns``, every column it does not name is unset
    (LLaMA-Factory reads each with a default of None), so an unnamed ``history`` or
    ``system`` is not read;
  * likewise ``tags`` (``from``/``value``/``human``/``gpt``/``observation``/
    ``function_call``/``system`` by default) unset every tag they do not name: a
    role value no tag names is an unknown role (S002), as LLaMA-Factory drops the
    example;
  * alpaca: the user turn is ``prompt`` + ``"\\n"`` + ``query`` (each only when
    non-empty), ``history`` pairs come first, ``system`` is the system prompt;
  * sharegpt/openai: a first message whose role is ``system_tag`` is the system
    prompt, ``function_tag`` turns are tool calls, ``observation_tag`` turns tool
    results;
  * ``ranking``: ``chosen`` and ``rejected`` (strings for alpaca, turn objects for
    sharegpt) are two answers to the same prompt; both are linted.

  Entries loaded from a hub (``hf_hub_url``, ``ms_hub_url``, ``om_hub_url``,
  ``script_url``, ``cloud_file_name``) do not describe a local file, as in
  LLaMA-Factory.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from sftlint.formats.base import InputFormat
from sftlint.formats.turns import COMMON_ROLES, text_message, turns_to_messages
from sftlint.locate import escape_token
from sftlint.record import Message


class MappingError(ValueError):
    """A mapping that cannot be used (the configuration is wrong: exit 2)."""


ALPACA_DEFAULTS = {"prompt": "instruction", "query": "input", "response": "output"}
SHAREGPT_DEFAULTS = {"messages": "conversations"}
COLUMN_NAMES = (
    "prompt",
    "query",
    "response",
    "history",
    "messages",
    "system",
    "tools",
    "images",
    "videos",
    "audios",
    "chosen",
    "rejected",
    "kto_tag",
)
TAG_DEFAULTS = {
    "role_tag": "from",
    "content_tag": "value",
    "user_tag": "human",
    "assistant_tag": "gpt",
    "observation_tag": "observation",
    "function_tag": "function_call",
    "system_tag": "system",
}
HUB_KEYS = ("hf_hub_url", "ms_hub_url", "om_hub_url", "script_url", "cloud_file_name")


@dataclass
class Spec:
    """How to read one shape: what LLaMA-Factory's ``DatasetAttr`` says, in sftlint's terms."""

    formatting: str = "alpaca"  # alpaca, sharegpt (also openai)
    columns: dict[str, str | None] = field(default_factory=dict)
    role_key: str = "from"
    content_key: str = "value"
    roles: dict[str, str] = field(default_factory=dict)  # raw role value -> canonical role
    call_roles: frozenset[str] = frozenset()
    ranking: bool = False
    origin: str = ""


def spec_from_llamafactory(entry: dict[str, Any], origin: str) -> Spec:
    """The spec of one ``dataset_info.json`` entry (LLaMA-Factory's ``DatasetAttr.join``)."""
    formatting = entry.get("formatting", "alpaca")
    if formatting not in ("alpaca", "sharegpt", "openai"):
        raise MappingError(f"{origin}: formatting must be alpaca, sharegpt or openai, got {formatting!r}")
    ranking = bool(entry.get("ranking", False))
    if "columns" in entry:
        cols = entry["columns"]
        if not isinstance(cols, dict):
            raise MappingError(f"{origin}: columns must be an object")
        columns = {name: cols.get(name) for name in COLUMN_NAMES}
    else:
        columns = {name: None for name in COLUMN_NAMES} | ALPACA_DEFAULTS | SHAREGPT_DEFAULTS
    if "tags" in entry:
        raw_tags = entry["tags"]
        if not isinstance(raw_tags, dict):
            raise MappingError(f"{origin}: tags must be an object")
        tags = {name: raw_tags.get(name) for name in TAG_DEFAULTS}
    else:
        tags = dict(TAG_DEFAULTS)
    for name, value in [*columns.items(), *tags.items()]:
        if value is not None and not isinstance(value, str):
            raise MappingError(f"{origin}: {name} must be a string, got {value!r}")
    roles = {}
    for tag, role in (
        ("user_tag", "user"),
        ("assistant_tag", "assistant"),
        ("observation_tag", "tool"),
        ("function_tag", "assistant"),
        ("system_tag", "system"),
    ):
        if tags[tag] is not None:
            roles.setdefault(tags[tag], role)  # type: ignore[arg-type]
    return Spec(
        "alpaca" if formatting == "alpaca" else "sharegpt",
        columns,
        tags["role_tag"] or "from",
        tags["content_tag"] or "value",
        roles,
        frozenset({tags["function_tag"]}) if tags["function_tag"] else frozenset(),
        ranking,
        origin,
    )


SHORT_KEYS = {"messages", "role", "content", "system", "tools", "roles"}
LLAMAFACTORY_KEYS = {"formatting", "columns", "tags", "ranking"}


def spec_from_config(table: dict[str, Any], source: str) -> Spec:
    """Validate ``[tool.sftlint.format]`` into a spec (raises :class:`MappingError`)."""
    where = f"{source}: [tool.sftlint.format]"
    keys = {k.replace("_", "-") for k in table}
    unknown = keys - SHORT_KEYS - LLAMAFACTORY_KEYS
    if unknown:
        known = ", ".join(sorted(SHORT_KEYS | LLAMAFACTORY_KEYS))
        raise MappingError(f"{where}: unknown key {sorted(unknown)[0]!r} (known keys: {known})")
    if keys & LLAMAFACTORY_KEYS:
        if keys & SHORT_KEYS:
            raise MappingError(
                f"{where}: use either the short keys (messages, role, content, ...) or LLaMA-Factory's "
                "(formatting, columns, tags, ranking), not both"
            )
        return spec_from_llamafactory(table, where)
    for key in ("messages", "role", "content", "system", "tools"):
        if key in table and not isinstance(table[key], str):
            raise MappingError(f"{where}: {key!r} must be a string, got {table[key]!r}")
    if "messages" not in table:
        raise MappingError(f"{where}: 'messages' (the column holding the turns) is required")
    roles = dict(COMMON_ROLES) if "roles" not in table else {}
    given = table.get("roles", {})
    if not isinstance(given, dict):
        raise MappingError(f"{where}: 'roles' must be a table of role = value(s)")
    for role, values in given.items():
        if role not in ("system", "user", "assistant", "tool"):
            raise MappingError(f"{where}: roles.{role}: the roles are system, user, assistant, tool")
        values = [values] if isinstance(values, str) else values
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise MappingError(f"{where}: roles.{role} must be a string or a list of strings")
        for v in values:
            roles[v] = role
    columns = {name: None for name in COLUMN_NAMES}
    columns.update(messages=table["messages"], system=table.get("system"), tools=table.get("tools"))
    return Spec(
        "sharegpt",
        columns,
        table.get("role", "role"),
        table.get("content", "content"),
        roles,
        frozenset({"function_call"}) & frozenset(roles),
        False,
        where,
    )


def _ptr(key: str) -> str:
    return "/" + escape_token(key)


class MappedFormat(InputFormat):
    """A record shape described by a :class:`Spec`."""

    def __init__(self, spec: Spec, name: str = "mapping") -> None:
        self.spec = spec
        self.name = name  # type: ignore[misc]
        self.description = f"column mapping from {spec.origin}"  # type: ignore[misc]
        self.multi_view = spec.ranking  # type: ignore[misc]
        raw = sorted(spec.roles)
        self.role_names = ", ".join(raw) if raw else "none"  # type: ignore[misc]

    # -- shape ------------------------------------------------------------------
    def col(self, name: str) -> str | None:
        return self.spec.columns.get(name)

    def sniff(self, obj: Any) -> bool:
        if not isinstance(obj, dict):
            return False
        if self.spec.formatting == "sharegpt":
            return isinstance(obj.get(self.col("messages") or ""), list)
        return (self.col("prompt") or "") in obj and (
            (self.col("response") or "") in obj or (self.col("chosen") or "") in obj
        )

    @property
    def schema(self) -> dict[str, Any]:  # type: ignore[override]
        s = self.spec
        props: dict[str, Any] = {}
        required: list[str] = []
        string = {"type": "string"}
        if s.formatting == "alpaca":
            for name in ("prompt", "query", "response", "system"):
                if self.col(name):
                    props[self.col(name)] = string  # type: ignore[index]
            if self.col("history"):
                pair = {"type": "array", "minItems": 2, "maxItems": 2, "items": string}
                props[self.col("history")] = {"type": ["array", "null"], "items": pair}  # type: ignore[index]
            if s.ranking:
                for name in ("chosen", "rejected"):
                    if self.col(name):
                        props[self.col(name)] = string  # type: ignore[index]
                        required.append(self.col(name))  # type: ignore[arg-type]
            elif self.col("response"):
                required.append(self.col("response"))  # type: ignore[arg-type]
        else:
            turn = {
                "type": "object",
                "required": [s.role_key, s.content_key],
                "properties": {s.role_key: string, s.content_key: {"type": ["string", "null", "array"]}},
            }
            if self.col("messages"):
                props[self.col("messages")] = {"type": "array", "minItems": 1, "items": turn}  # type: ignore[index]
                required.append(self.col("messages"))  # type: ignore[arg-type]
            if self.col("system"):
                props[self.col("system")] = string  # type: ignore[index]
            if s.ranking:
                for name in ("chosen", "rejected"):
                    if self.col(name):
                        props[self.col(name)] = turn  # type: ignore[index]
                        required.append(self.col(name))  # type: ignore[arg-type]
        if self.col("tools"):
            props[self.col("tools")] = {"type": ["string", "array", "object"]}  # type: ignore[index]
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": self.description,
            "type": "object",
            "required": required,
            "properties": props,
        }

    def quick_check(self, obj: Any) -> bool:
        if type(obj) is not dict:
            return False
        s = self.spec
        tools = self.col("tools")
        if tools and tools in obj and not isinstance(obj[tools], (str, list, dict)):
            return False
        if s.formatting == "alpaca":
            for name in ("prompt", "query", "response", "system"):
                key = self.col(name)
                if key and key in obj and type(obj[key]) is not str:
                    return False
            hist = self.col("history")
            if hist and obj.get(hist) is not None:
                pairs = obj[hist]
                if type(pairs) is not list or any(
                    type(p) is not list or len(p) != 2 or any(type(x) is not str for x in p) for p in pairs
                ):
                    return False
            needed = ("chosen", "rejected") if s.ranking else ("response",)
            return all(
                not self.col(n) or type(obj.get(self.col(n))) is str  # type: ignore[arg-type]
                for n in needed
            )
        key = self.col("messages")
        if key:
            turns = obj.get(key)
            if type(turns) is not list or not turns or not all(self._turn_ok(m) for m in turns):
                return False
        system = self.col("system")
        if system and system in obj and type(obj[system]) is not str:
            return False
        if s.ranking:
            return all(not self.col(n) or self._turn_ok(obj.get(self.col(n))) for n in ("chosen", "rejected"))  # type: ignore[arg-type]
        return True

    def _turn_ok(self, m: Any) -> bool:
        s = self.spec
        if type(m) is not dict or type(m.get(s.role_key)) is not str or s.content_key not in m:
            return False
        return isinstance(m[s.content_key], (str, list)) or m[s.content_key] is None

    # -- messages ---------------------------------------------------------------
    def _prompt(self, obj: dict[str, Any]) -> list[Message]:
        s = self.spec
        out: list[Message] = []
        system = self.col("system")
        if s.formatting == "alpaca":
            if system and isinstance(obj.get(system), str) and obj[system]:
                text_message("system", obj[system], _ptr(system), out)
            hist = self.col("history")
            if hist and isinstance(obj.get(hist), list):
                for k, pair in enumerate(obj[hist]):
                    if isinstance(pair, list) and len(pair) == 2:
                        text_message("user", pair[0], f"{_ptr(hist)}/{k}/0", out)
                        text_message("assistant", pair[1], f"{_ptr(hist)}/{k}/1", out)
            segs = []
            for name in ("prompt", "query"):
                key = self.col(name)
                if key and isinstance(obj.get(key), str) and obj[key]:
                    segs.append((_ptr(key), obj[key]))
            from sftlint.formats.alpaca import user_turn

            if segs:
                out.append(user_turn(segs, len(out)))
            elif self.col("prompt"):
                text_message("user", obj.get(self.col("prompt")), _ptr(self.col("prompt")), out)  # type: ignore[arg-type]
            return out
        turns = obj.get(self.col("messages") or "")
        first_is_system = (
            isinstance(turns, list)
            and turns
            and isinstance(turns[0], dict)
            and type(turns[0].get(s.role_key)) is str  # a list or object is no role (nor a dict key)
            and s.roles.get(turns[0][s.role_key]) == "system"
        )
        if system and not first_is_system and isinstance(obj.get(system), str) and obj[system]:
            text_message("system", obj[system], _ptr(system), out)
        if self.col("messages"):
            base = _ptr(self.col("messages"))  # type: ignore[arg-type]
            turns_to_messages(turns, base, s.role_key, s.content_key, s.roles, out, s.call_roles, strict=True)
        return out

    def _answer(self, obj: dict[str, Any], name: str, out: list[Message]) -> list[Message]:
        key = self.col(name)
        if not key or key not in obj:
            return out
        value = obj[key]
        s = self.spec
        if s.formatting == "alpaca" or not isinstance(value, dict):
            text_message("assistant", value, _ptr(key), out)
            return out
        tmp: list[Message] = []
        turns_to_messages(
            [value], _ptr(key), s.role_key, s.content_key, s.roles, tmp, s.call_roles, strict=True
        )
        from sftlint.formats.conversation import rebase

        for m in rebase(tmp, _ptr(key) + "/0", _ptr(key)):
            m.index = len(out)
            out.append(m)
        return out

    @property
    def pretraining(self) -> bool:
        """An alpaca mapping with no response column: LLaMA-Factory's pre-training text, not chat
        (no turn is learned as an answer, so the conversation rules have nothing to judge)."""
        s = self.spec
        return s.formatting == "alpaca" and not s.ranking and not self.col("response")

    def views(self, obj: Any) -> list[list[Message]]:
        if not isinstance(obj, dict) or self.pretraining:
            return [[]]
        if self.spec.ranking:
            return [self._answer(obj, side, self._prompt(obj)) for side in ("chosen", "rejected")]
        out = self._prompt(obj)
        if self.spec.formatting == "alpaca":
            self._answer(obj, "response", out)
        return [out]

    def to_messages(self, obj: Any) -> list[Message]:
        return self.views(obj)[0]


# -- finding the dataset_info.json that describes a file ---------------------------------

#: How many folders above a file are searched for a dataset_info.json.
SEARCH_LEVELS = 6
_DIR_CACHE: dict[str, dict[str, Any] | None] = {}


def _load_dataset_info(directory: str) -> dict[str, Any] | None:
    """LLaMA-Factory's ``dataset_info.json`` in ``directory`` (None if absent or another kind:
    Hugging Face writes a file of the same name with a dataset card's data)."""
    path = os.path.join(directory, "dataset_info.json")
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = f"{path}:{stat.st_mtime_ns}:{stat.st_size}"
    if key in _DIR_CACHE:
        return _DIR_CACHE[key]
    info: dict[str, Any] | None = None
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        if isinstance(doc, dict) and any(
            isinstance(v, dict) and ("file_name" in v or any(h in v for h in HUB_KEYS)) for v in doc.values()
        ):
            info = doc
    except (OSError, ValueError):
        info = None
    _DIR_CACHE[key] = info
    return info


def find_dataset_info(path: str) -> tuple[str, str, dict[str, Any]] | None:
    """``(dataset_info.json path, entry name, entry)`` describing the file at ``path``, or None."""
    if path == "-":
        return None
    target = os.path.abspath(path)
    directory = os.path.dirname(target)
    for _ in range(SEARCH_LEVELS):
        info = _load_dataset_info(directory)
        if info is not None:
            for name, entry in info.items():
                if not isinstance(entry, dict) or any(h in entry for h in HUB_KEYS):
                    continue
                file_name = entry.get("file_name")
                if not isinstance(file_name, str):
                    continue
                described = os.path.normpath(os.path.join(directory, file_name))
                if target == described or target.startswith(described.rstrip(os.sep) + os.sep):
                    return os.path.join(directory, "dataset_info.json"), name, entry
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return None


def dataset_info_format(path: str) -> MappedFormat | None:
    """The format a LLaMA-Factory ``dataset_info.json`` gives the file, if one describes it."""
    found = find_dataset_info(path)
    if found is None:
        return None
    info_path, name, entry = found
    spec = spec_from_llamafactory(entry, f"{info_path} ({name!r})")
    return MappedFormat(spec, "llamafactory")

"""Structured tool calls and tool declarations, read the same way from every format.

The C rules look at what a trainer's chat template renders: the calls an assistant
turn makes, the results that answer them, and the tools the record declares.  These
live in different places depending on who wrote the data:

* OpenAI / TRL messages: ``tool_calls`` (``{"id", "type": "function", "function":
  {"name", "arguments"}}``, arguments a JSON string or an object), the legacy
  ``function_call``, tool results with ``tool_call_id``, ``tools`` a list;
* content parts (LLaMA-Factory): ``{"type": "tool_call", "value": "<JSON text>"}`` and
  ``{"type": "function_call", "name", "arguments", "call_id"}`` (the Responses API);
* ShareGPT (LLaMA-Factory): a ``function_call`` turn whose value is the JSON text
  ``{"name", "arguments"}`` (or a list of them), ``observation`` turns, ``tools`` as a
  JSON *string* holding the list.

Declarations come in the OpenAI shape ``{"type": "function", "function": {name,
description, parameters}}`` and the bare ``{name, description, parameters}`` shape
(glaive, LLaMA-Factory).  Everything here reads the parsed record through the
messages' pointers, so pointers in findings always name a value of the record; where
the value is JSON *text* (a string), findings carry the span of the offending part.

The analysis is computed once per record (``Record.memo``) and shared by the C rules.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sftlint.locate import escape_token, find_value, unescape_pointer
from sftlint.record import Message, Record

#: content-part types that are a tool call written inside the content
CALL_PART_TYPES = ("tool_call", "function_call")
#: raw roles of turns whose text *is* a call (ShareGPT, LLaMA-Factory)
#: raw roles of a turn whose content is one tool call: ShareGPT's ``function_call`` (JSON text),
#: ms-swift's ``tool_call`` (JSON text), HammerBench's ``function call`` (the call object itself)
CALL_ROLES = ("function_call", "tool_call", "function call")


@dataclass(slots=True)
class JsonProblem:
    """A JSON text that does not parse (or does not hold what it must), with where."""

    pointer: str
    message: str
    span: tuple[int, int] | None = None
    what: str = "arguments"  # "arguments", "call", "tools"


@dataclass(slots=True)
class Place:
    """Where a JSON value is: a pointer into the record, or JSON text inside a string.

    ``text`` is set when the value is written inside the string at ``pointer`` (a
    ShareGPT ``function_call`` value, arguments encoded as a string); ``inner`` is then
    the value's pointer inside that text.
    """

    pointer: str
    text: str | None = None
    inner: str = ""
    #: where ``text`` starts inside the string at ``pointer`` (a ``<tool_call>`` body in a turn)
    offset: int = 0

    def at(self, sub: str = "", key: bool = False) -> tuple[str, tuple[int, int] | None]:
        """``(pointer, span)`` of the value at ``sub`` below this place (its key with ``key``)."""
        if self.text is None:
            return self.pointer + sub, None
        found = find_value(self.text, self.inner + sub)
        if found is None:
            return self.pointer, self._shift(find_value(self.text, self.inner))
        if key and sub:
            token = unescape_pointer(sub)[-1]
            written = json.dumps(token, ensure_ascii=False)
            k = self.text.rfind(written, 0, found[0])
            if k >= 0:
                return self.pointer, self._shift((k, k + len(written)))
        return self.pointer, self._shift(found)

    def _shift(self, span: tuple[int, int] | None) -> tuple[int, int] | None:
        if span is None or not self.offset:
            return span
        return span[0] + self.offset, span[1] + self.offset


@dataclass(slots=True)
class ToolCall:
    """One call made by an assistant turn."""

    message: Message
    place: Place  # the call object
    name: str | None
    name_place: Place | None
    call_id: str | None
    id_pointer: str | None
    #: parsed arguments (None when absent or unparseable: see ``problem``)
    arguments: Any = None
    args_place: Place | None = None
    #: "string" (JSON text in a string) or "object" (a JSON object), None when absent
    encoding: str | None = None
    problem: JsonProblem | None = None
    #: for a call written in a turn's text (``<tool_call>…</tool_call>``): "json" or "python"
    syntax: str | None = None
    #: the call as written in plain text (a MOSS command ``Search("…")``), which results echo
    written: str | None = None


@dataclass(slots=True)
class ToolResult:
    message: Message
    call_id: str | None
    id_pointer: str | None
    name: str | None = None  # the tool it says it comes from (legacy role "function", "name")
    #: ``(name, call)`` of each call the result echoes before its output (MOSS's ``Search("…") =>``)
    echoed: list[tuple[str, str]] | None = None


@dataclass(slots=True)
class Declaration:
    name: str
    parameters: Any  # the declared JSON Schema (None when absent)
    shape: str  # "openai" or "bare"
    place: Place


@dataclass(slots=True)
class Declarations:
    """The record's ``tools``: what it declares and how it writes it."""

    present: bool  # the record has a tools field at all
    pointer: str = "/tools"  # where it is ("/functions" in the legacy format)
    tools: dict[str, Declaration] = field(default_factory=dict)
    shapes: dict[str, str] = field(default_factory=dict)  # shape -> pointer of its first tool
    container: str | None = None  # "string" (JSON text) or "list"
    problem: JsonProblem | None = None
    #: entries that are not function tools (built-ins such as code_interpreter)
    others: int = 0
    #: the built-in code interpreter (``{"type": "code_interpreter"}``), where it is declared
    code_interpreter: Place | None = None
    #: the tools come from the system prompt (a ``<tools>`` block or a JSON list of functions)
    in_prompt: bool = False

    @property
    def declared(self) -> bool:
        """Whether the record declares function tools, so that a call can be undeclared."""
        return bool(self.tools)


@dataclass(slots=True)
class ToolFacts:
    calls: list[ToolCall]
    results: list[ToolResult]
    decls: Declarations
    problems: list[JsonProblem]  # JSON text that does not parse (C001)


def tool_facts(record: Record) -> ToolFacts:
    """The record's calls, results and declarations (computed once per record)."""
    return record.memo("tools.facts", lambda: _facts(record))


def has_tool_data(record: Record) -> bool:
    """Cheap test: could the record hold calls, results or declarations at all?"""
    data = record.data
    field = tools_field(record)
    if field is not None and resolve(data, field) not in (None, "", []):
        return True
    return any(
        m.tool_calls
        or m.role == "tool"
        or m.raw_role in CALL_ROLES
        or (m.role == "assistant" and OPEN in m.content)
        for m in record.messages or ()
    )


#: Tool calls written in an assistant turn's text by chat-template markup.  Hermes / Qwen2.5
#: (``<tool_call>{"name", "arguments"}</tool_call>``) is read call by call; the others are only
#: recognised (S004 takes a tool turn after them as their answer).
OPEN, CLOSE = "<tool_call>", "</tool_call>"
TEXT_CALL = re.compile(
    r"<tool_call>|<functioncall>|<function_call>|\[TOOL_CALLS\]|<\|python_tag\|>|✿FUNCTION✿|<function=[\w.-]+>"
    r"|<\|tool_call\|>|<｜tool▁calls?▁begin｜>"
)
_TAGGED = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.S)
_TOOLS_BLOCK = re.compile(r"<tools>(.*?)</tools>", re.S)


def calls_in_text(text: str) -> bool:
    """Whether an assistant turn's text calls a tool by template markup (Hermes, Mistral, Llama 3.1 ...)."""
    return ("<" in text or "[" in text or "✿" in text) and TEXT_CALL.search(text) is not None


# ---------------------------------------------------------------------------
# reading


def resolve(data: Any, pointer: str) -> Any:
    """The value at ``pointer`` in ``data`` (None when it is not there)."""
    value = data
    for token in unescape_pointer(pointer):
        if isinstance(value, dict):
            value = value.get(token)
        elif isinstance(value, list):
            try:
                value = value[int(token)]
            except (ValueError, IndexError):
                return None
        else:
            return None
    return value


def _strict_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> tuple[Any, tuple[str, tuple[int, int] | None] | None]:
    """``(value, None)``, or ``(None, (reason, span))`` where the text stops being JSON.

    Strict: ``NaN`` and ``Infinity`` (which Python's parser accepts) are not JSON, and
    other parsers (Rust's serde, JavaScript) reject them.
    """
    try:
        return json.loads(text, parse_constant=_strict_constant), None
    except json.JSONDecodeError as e:
        pos = min(e.pos, len(text))
        return None, (f"{e.msg} at character {pos}", (pos, min(pos + 1, len(text))) if text else None)
    except ValueError as e:
        return None, (str(e), None)


def _python_literal(text: str) -> bool:
    """Whether ``text`` reads as a Python dict literal (``{'city': 'Paris'}``): worth naming."""
    if not text.lstrip().startswith("{") or "'" not in text:
        return False
    import ast

    try:
        return isinstance(ast.literal_eval(text.strip()), dict)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return False


def _not_json_message(text: str, reason: str, what: str) -> str:
    """``what`` ends with its verb: "the function call is", "the arguments of 'f' are"."""
    if not text.strip():
        return f"{what} an empty string, not JSON"
    if _python_literal(text):
        return f"{what} a Python dict literal, not JSON (single quotes): {reason}"
    return f"{what} not valid JSON: {reason}"


def _facts(record: Record) -> ToolFacts:
    calls: list[ToolCall] = []
    results: list[ToolResult] = []
    problems: list[JsonProblem] = []
    data = record.data
    if record.file.format == "moss":
        return _moss_facts(record)
    for m in record.messages or ():
        if not m.pointer:
            continue
        raw = resolve(data, m.pointer)
        if not isinstance(raw, dict):
            continue
        if m.raw_role in CALL_ROLES and isinstance(raw.get("content"), dict):
            _call_from_object(m, raw["content"], m.content_pointer, calls, problems)  # HammerBench
        elif (m.raw_role in CALL_ROLES or _text_is_the_call(m)) and m._segments is None:
            _calls_from_text(m, m.content, m.content_pointer, calls, problems)
        elif m.role == "assistant":
            before = len(calls)
            _calls_from_message(m, raw, calls, problems)
            if len(calls) == before and OPEN in m.content and m._segments is None:
                _calls_from_markup(m, calls, problems)
        elif m.role == "tool":
            cid = raw.get("tool_call_id")
            if not isinstance(cid, str):
                cid = raw.get("call_id") if isinstance(raw.get("call_id"), str) else None
                key = "call_id"
            else:
                key = "tool_call_id"
            name = raw.get("name") if isinstance(raw.get("name"), str) else None
            results.append(ToolResult(m, cid, f"{m.pointer}/{key}" if cid is not None else None, name))
    decls = _declarations(data, tools_field(record))
    if not decls.present and any(c.syntax for c in calls):
        decls = _prompt_declarations(record)
    elif calls and _explicitly_empty(decls):
        # an empty tools column beside a system prompt that lists the tools as JSON (ToolACE
        # conversions): the prompt's list is what the model is shown, read exactly
        listed = _prompt_declarations(record)
        if listed.tools:
            decls = listed
    if decls.code_interpreter is not None:
        _code_calls(decls, decls.code_interpreter, calls, problems)
    if decls.problem is not None:
        problems.append(decls.problem)
    return ToolFacts(calls, results, decls, problems)


def _moss_facts(record: Record) -> ToolFacts:
    """MOSS's plugins: the calls of each turn's commands, the results that echo them, and the
    plugins the meta instruction enables (:mod:`sftlint.formats.moss`)."""
    from sftlint.formats.moss import declared_apis, echoed_calls, parse_commands

    calls: list[ToolCall] = []
    results: list[ToolResult] = []
    for m in record.messages or ():
        if m.role == "tool":
            results.append(ToolResult(m, None, None, None, echoed_calls(m.content)))
            continue
        if m.role != "assistant" or not m.tool_calls:
            continue
        for seg in m.segments:
            if not seg.pointer.endswith("/Commands"):
                continue
            text = m.content[seg.start : seg.start + seg.length]
            for name, start, end in parse_commands(text) or ():
                at = seg.base + start
                whole = _Whole(seg.pointer, (at, seg.base + end))
                call = ToolCall(m, whole, name, _Whole(seg.pointer, (at, at + len(name))), None, None)
                call.written = text[start:end]
                calls.append(call)
    decls = Declarations(False, "/meta_instruction")
    meta = record.data.get("meta_instruction") if isinstance(record.data, dict) else None
    if isinstance(meta, str):
        for name, span in declared_apis(meta).items():
            decls.tools[name] = Declaration(name, None, "moss", _Whole("/meta_instruction", span))
        decls.present = decls.in_prompt = bool(decls.tools)
    return ToolFacts(calls, results, decls, [])


def _code_calls(
    decls: Declarations, place: Place, calls: list[ToolCall], problems: list[JsonProblem]
) -> None:
    """The built-in code interpreter declares the tool its calls name ``python`` (functionary's
    convention), whose arguments are the code itself: declared, and not JSON by design."""
    if CODE_TOOL not in decls.tools:
        decls.tools[CODE_TOOL] = Declaration(CODE_TOOL, None, CODE_INTERPRETER, place)
    for call in calls:
        if call.name == CODE_TOOL and call.encoding == "string" and call.problem is not None:
            problems.remove(call.problem)
            call.problem = None
            call.arguments = None  # code, which no schema describes


#: the ``type`` of the built-in code-interpreter tool in a ``tools`` list (OpenAI, functionary)
CODE_INTERPRETER = "code_interpreter"
#: the name its calls go by (functionary): their arguments are the code, not JSON
CODE_TOOL = "python"


def _text_is_the_call(m: Message) -> bool:
    """A turn whose whole text is its call: the format says so by handing the text itself as the
    call (a column mapping's ``function_tag``, whatever its name)."""
    calls = m.tool_calls
    return bool(calls) and len(calls) == 1 and type(calls[0]) is str and calls[0] == m.content


def tools_field(record: Record) -> str | None:
    """The pointer of the record's tool declarations: a column mapping's ``tools`` column, else
    ``tools``, else the legacy OpenAI ``functions``, else HammerBench's ``multiple_tools`` (the
    candidate tools; its ``single_tool`` is the answer's, not what the model is shown), else the
    ``tools`` of OpenAI's preference records (``{"input": {"messages", "tools"}, "preferred_output", ...}``)."""
    data = record.data
    if not isinstance(data, dict):
        return None
    col = getattr(record.file.input_format, "col", None)
    if callable(col):
        try:
            mapped = col("tools")
        except Exception:
            mapped = None
        if isinstance(mapped, str):
            return "/" + escape_token(mapped) if mapped in data else None
    if "tools" in data:
        return "/tools"
    if "functions" in data:
        return "/functions"
    if "multiple_tools" in data:  # HammerBench: the candidate tools shown to the model
        return "/multiple_tools"
    given = data.get("input")
    return "/input/tools" if isinstance(given, dict) and "tools" in given else None


def _calls_from_message(m: Message, raw: dict, calls: list[ToolCall], problems: list[JsonProblem]) -> None:
    tool_calls = raw.get("tool_calls")
    if isinstance(tool_calls, list) and tool_calls:
        for k, c in enumerate(tool_calls):
            if isinstance(c, dict):
                _call_from_object(m, c, f"{m.pointer}/tool_calls/{k}", calls, problems)
        return
    legacy = raw.get("function_call")
    if isinstance(legacy, dict):
        _call_from_object(m, legacy, f"{m.pointer}/function_call", calls, problems)
        return
    content = raw.get("content")
    if isinstance(content, list):
        for k, part in enumerate(content):
            if not isinstance(part, dict) or part.get("type") not in CALL_PART_TYPES:
                continue
            ptr = f"{m.content_pointer}/{k}"
            for key in ("value", "text"):
                if isinstance(part.get(key), str):
                    _calls_from_text(m, part[key], f"{ptr}/{key}", calls, problems)
                    break
            else:
                _call_from_object(m, part, ptr, calls, problems)


def _call_from_object(
    m: Message, c: dict, ptr: str, calls: list[ToolCall], problems: list[JsonProblem]
) -> None:
    """A call written as a JSON object: OpenAI ``{"id", "function": {...}}`` or bare."""
    fn, fptr = (c["function"], ptr + "/function") if isinstance(c.get("function"), dict) else (c, ptr)
    cid, idkey = None, None
    for key in ("id", "call_id"):
        if isinstance(c.get(key), str):
            cid, idkey = c[key], key
            break
    name = fn.get("name") if isinstance(fn.get("name"), str) else None
    call = ToolCall(
        m,
        Place(ptr),
        name,
        Place(fptr + "/name") if fn.get("name") is not None else None,
        cid,
        f"{ptr}/{idkey}" if idkey else None,
    )
    _read_arguments(call, fn, Place(fptr), problems)
    calls.append(call)


def _calls_from_text(
    m: Message, text: str, ptr: str, calls: list[ToolCall], problems: list[JsonProblem]
) -> None:
    """A call written as JSON text (ShareGPT ``function_call``, a ``tool_call`` part)."""
    value, error = parse_json(text)
    if error is not None:
        reason, span = error
        problems.append(
            JsonProblem(ptr, _not_json_message(text, reason, "the function call is"), span, "call")
        )
        return
    items = [("", value)] if not isinstance(value, list) else [(f"/{k}", v) for k, v in enumerate(value)]
    for inner, item in items:
        if not isinstance(item, dict):
            problems.append(
                JsonProblem(
                    ptr,
                    f"the function call must be a JSON object {{name, arguments}}, got {_json_type(item)}",
                    find_value(text, inner),
                    "call",
                )
            )
            continue
        fn, finner = (
            (item["function"], inner + "/function")
            if isinstance(item.get("function"), dict)
            else (item, inner)
        )
        name = fn.get("name") if isinstance(fn.get("name"), str) else None
        cid = item.get("id") if isinstance(item.get("id"), str) else None
        call = ToolCall(
            m,
            Place(ptr, text, inner),
            name,
            Place(ptr, text, finner + "/name") if fn.get("name") is not None else None,
            cid,
            None,
        )
        _read_arguments(call, fn, Place(ptr, text, finner), problems)
        calls.append(call)


def parse_loose(text: str) -> tuple[Any, str | None]:
    """``(value, "json")``, ``(value, "python")`` for a Python literal (Hermes' own parser
    reads calls with ``ast.literal_eval``), or ``(None, None)``."""
    value, error = parse_json(text)
    if error is None:
        return value, "json"
    import ast

    try:
        value = ast.literal_eval(text)
        return json.loads(json.dumps(value)), "python"  # tuples -> lists, as a template would see them
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None, None


def _calls_from_markup(m: Message, calls: list[ToolCall], problems: list[JsonProblem]) -> None:
    """Calls written ``<tool_call>{"name": ..., "arguments": ...}</tool_call>`` in the turn's text."""
    text = m.content
    for hit in _TAGGED.finditer(text):
        body = hit.group(1)
        lead = len(body) - len(body.lstrip())
        body = body.strip()
        start = hit.start(1) + lead
        value, syntax = parse_loose(body)
        if syntax is None:
            _, error = parse_json(body)
            reason, span = error if error is not None else ("", None)
            span = (span[0] + start, span[1] + start) if span else (start, start + len(body))
            problems.append(
                JsonProblem(
                    m.content_pointer, _not_json_message(body, reason, "the <tool_call> is"), span, "call"
                )
            )
            continue
        if not isinstance(value, dict):
            problems.append(
                JsonProblem(
                    m.content_pointer,
                    f"the <tool_call> must hold an object {{name, arguments}}, got {_json_type(value)}",
                    (start, start + len(body)),
                    "call",
                )
            )
            continue
        name = value.get("name") if isinstance(value.get("name"), str) else None
        cid = value.get("id") if isinstance(value.get("id"), str) else None
        ptr = m.content_pointer
        if syntax == "json":
            where: Place = Place(ptr, body, "", start)
            call = ToolCall(m, where, name, Place(ptr, body, "/name", start) if name else None, cid, None)
            call.syntax = syntax
            _read_arguments(call, value, where, problems)
        else:  # a Python literal cannot be walked: every finding spans the whole call
            whole = _Whole(ptr, (start, start + len(body)))
            call = ToolCall(m, whole, name, whole if name else None, cid, None, syntax=syntax)
            args = value.get("arguments", value.get("parameters"))
            call.arguments = {} if args is None else args
            call.args_place = whole
            if not isinstance(args, (dict, type(None))):
                call.problem = JsonProblem(
                    ptr, f"the arguments must be an object, got {_json_type(args)}", whole.span
                )
                problems.append(call.problem)
        calls.append(call)


class _Whole(Place):
    """A place inside text that cannot be walked (a Python literal): every finding spans it all."""

    __slots__ = ("span",)

    def __init__(self, pointer: str, span: tuple[int, int]) -> None:
        super().__init__(pointer)
        self.span = span

    def at(self, sub: str = "", key: bool = False) -> tuple[str, tuple[int, int] | None]:
        return self.pointer, self.span


def _explicitly_empty(decls: Declarations) -> bool:
    """A readable ``tools`` field that declares nothing (``[]``, ``"[]"``, ``""``)."""
    return (
        decls.present
        and decls.container is not None
        and not decls.tools
        and not decls.others
        and decls.problem is None
    )


#: where a JSON list of objects may start in a system prompt
_LIST_START = re.compile(r"\[\s*\{")


def _prompt_json_list(prompt: str) -> list[dict] | None:
    """The first JSON list in the prompt whose every entry is a function declaration (a
    ``name`` with ``parameters``, bare or in the OpenAI ``{"type": "function", "function"}``
    shape): "Here is a list of functions in JSON format that you can invoke: [...]"."""
    decoder = json.JSONDecoder()
    for m in _LIST_START.finditer(prompt):
        try:
            value, _ = decoder.raw_decode(prompt, m.start())
        except ValueError:
            continue
        fns = [
            t.get("function") if isinstance(t, dict) and isinstance(t.get("function"), dict) else t
            for t in value
        ]
        if fns and all(
            isinstance(f, dict) and isinstance(f.get("name"), str) and "parameters" in f for f in fns
        ):
            return value
    return None


def _prompt_declarations(record: Record) -> Declarations:
    """Tools listed in the system prompt between ``<tools>`` and ``</tools>`` (Hermes, Qwen2.5):
    a JSON list, one JSON object per line, or a Python literal; without such a block, a JSON
    list of function declarations written in the prompt (ToolACE)."""
    prompt = record.system_prompt
    decls = Declarations(False, in_prompt=True)
    if not prompt:
        return decls
    msg = record.messages[0] if record.messages else None
    if "<tools>" not in prompt:
        listed = _prompt_json_list(prompt) if "[" in prompt else None
        for tool in listed or ():
            fn, shape = (
                (tool["function"], "openai") if isinstance(tool.get("function"), dict) else (tool, "bare")
            )
            place = Place(msg.content_pointer if msg else "")
            decls.tools.setdefault(fn["name"], Declaration(fn["name"], fn.get("parameters"), shape, place))
        decls.present = bool(decls.tools)
        return decls
    for block in _TOOLS_BLOCK.finditer(prompt):
        body = block.group(1).strip()
        value, syntax = parse_loose(body)
        entries: list[Any] = []
        if syntax is not None:
            entries = value if isinstance(value, list) else [value]
        else:
            for line in body.splitlines():
                item, ok = parse_loose(line.strip()) if line.strip() else (None, None)
                if ok is None:
                    return Declarations(False)  # unreadable: judge nothing rather than guess
                entries.append(item)
        for tool in entries:
            if not isinstance(tool, dict):
                continue
            fn, shape = (
                (tool["function"], "openai") if isinstance(tool.get("function"), dict) else (tool, "bare")
            )
            name = fn.get("name")
            if isinstance(name, str):
                place = Place(msg.content_pointer if msg else "")
                decls.tools.setdefault(name, Declaration(name, fn.get("parameters"), shape, place))
    decls.present = bool(decls.tools)
    return decls


def _read_arguments(call: ToolCall, fn: dict, where: Place, problems: list[JsonProblem]) -> None:
    """Fill the call's arguments, their place and encoding; a problem when they are not JSON."""
    key = "arguments" if "arguments" in fn else "parameters" if "parameters" in fn else None
    if key is None:
        call.arguments = {}
        return
    args = fn[key]
    place = (
        Place(where.pointer + "/" + key)
        if where.text is None
        else Place(where.pointer, where.text, where.inner + "/" + key, where.offset)
    )
    call.args_place = place
    label = f"the arguments of {call.name!r}" if call.name else "the arguments"
    verb = label + " are"
    if isinstance(args, str):
        call.encoding = "string"
        value, error = parse_json(args)
        if error is not None:
            reason, span = error
            pointer, outer = place.at()
            problem = JsonProblem(
                pointer, _not_json_message(args, reason, verb), span if where.text is None else outer
            )
            call.problem = problem
            problems.append(problem)
            return
        if where.text is None:
            call.args_place = Place(place.pointer, args, "")
        if not isinstance(value, dict):
            problem = JsonProblem(
                place.pointer,
                f"{label} must encode a JSON object, got {_json_type(value)}",
                None if where.text is None else place.at()[1],
            )
            call.problem = problem
            problems.append(problem)
            return
        call.arguments = value
    elif isinstance(args, dict):
        call.encoding = "object"
        call.arguments = args
    elif args is None:
        call.arguments = {}
    else:
        pointer, span = place.at()
        problem = JsonProblem(pointer, f"{label} must be a JSON object, got {_json_type(args)}", span)
        call.problem = problem
        problems.append(problem)


def _declarations(data: Any, top: str | None) -> Declarations:
    """The tools declared at the pointer ``top`` of the record (:func:`tools_field`)."""
    if not isinstance(data, dict) or top is None:
        return Declarations(False)
    tools = resolve(data, top)
    decls = Declarations(True, pointer=top)
    text: str | None = None
    if isinstance(tools, str):
        decls.container = "string"
        if not tools.strip():
            return decls
        value, error = parse_json(tools)
        if error is not None:
            reason, span = error
            decls.problem = JsonProblem(
                top, _not_json_message(tools, reason, "the tools declaration is"), span, "tools"
            )
            return decls
        text, tools = tools, value  # keep the text: findings point into it
    elif isinstance(tools, list):
        decls.container = "list"
    elif isinstance(tools, dict):
        decls.container = "object"
    else:
        return decls
    keyed: dict[str, str] = {}  # inner pointer -> the tool's name as its key
    if isinstance(tools, dict) and not _declares_one(tools):
        # tools keyed by name ({"get_weather": {"description", "parameters"}}): each value is a
        # declaration, named by its key where it names nothing itself
        if not all(isinstance(v, dict) for v in tools.values()):
            if decls.container == "object":
                decls.container = None  # an object of something else: not read as empty
            return decls
        entries: list[tuple[str, Any]] = []
        for key, decl in tools.items():
            inner = f"/{escape_token(key)}"
            entries.append((inner, decl))
            if not isinstance(decl.get("name"), str) and not isinstance(decl.get("function"), dict):
                keyed[inner] = key
    elif isinstance(tools, dict):  # one tool not wrapped in a list
        entries = [("", tools)]
    elif isinstance(tools, list):
        entries = [(f"/{k}", t) for k, t in enumerate(tools)]
    else:
        return decls
    for inner, tool in entries:
        if not isinstance(tool, dict):
            continue
        if isinstance(tool.get("function"), dict):
            fn, finner, shape = tool["function"], inner + "/function", "openai"
        elif isinstance(tool.get("name"), str) or inner in keyed:
            fn, finner, shape = tool, inner, "bare"
        else:
            decls.others += 1
            if tool.get("type") == CODE_INTERPRETER and decls.code_interpreter is None:
                decls.code_interpreter = Place(top, text, inner) if text is not None else Place(top + inner)
            continue
        name = keyed.get(inner, fn.get("name"))
        if not isinstance(name, str):
            continue
        place = Place(top, text, finner) if text is not None else Place(top + finner)
        decls.shapes.setdefault(shape, place.at()[0] if text is None else top)
        decls.tools.setdefault(name, Declaration(name, fn.get("parameters"), shape, place))
    return decls


def _declares_one(tool: dict) -> bool:
    """Whether an object is one tool's declaration (bare ``{name, ...}`` or OpenAI's
    ``{"type": "function", "function": {...}}``, or a built-in such as ``{"type":
    "code_interpreter"}``), not tools keyed by name."""
    return isinstance(tool.get("name"), str) or isinstance(tool.get("function"), dict) or "type" in tool


def _json_type(value: Any) -> str:
    from sftlint.formats.base import _json_type as jt

    return jt(value)


# ---------------------------------------------------------------------------
# JSON Schema of declared parameters

#: type names as written by hand or by Python-minded generators (APIGen/xLAM: "dict", "str")
_TYPES = {
    "object": "object",
    "dict": "object",
    "string": "string",
    "str": "string",
    "integer": "integer",
    "int": "integer",
    "number": "number",
    "float": "number",
    "array": "array",
    "list": "array",
    "tuple": "array",
    "boolean": "boolean",
    "bool": "boolean",
    "null": "null",
    "none": "null",
    "nonetype": "null",
}
_NUMERIC = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_COUNTS = ("minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties")


def sanitize_schema(schema: Any, top: bool = False, closed: bool = True) -> dict[str, Any]:
    """The part of a declared schema that can be checked without guessing.

    Hand-written tool schemas are often not valid JSON Schema: Python type names
    (``"dict"``, ``"str"``, ``"List[int]"``), ``"required": true`` on a property (draft 3),
    ``"optional"`` keywords, unresolvable ``$ref``.  Known type names are mapped; what
    cannot be read is dropped (it constrains nothing), so a schema the author never
    meant is never enforced.  ``format`` and ``pattern`` are dropped too: validators
    disagree on them.  With ``closed``, the top level of a schema that lists its
    properties forbids others unless it says otherwise (see C003).
    """
    if not isinstance(schema, dict):
        return {}
    out: dict[str, Any] = {}
    t = schema.get("type")
    types = t if isinstance(t, list) else [t] if isinstance(t, str) else []
    mapped = [_TYPES.get(x.strip().lower()) if isinstance(x, str) else None for x in types]
    if mapped and all(mapped):
        if schema.get("nullable") is True and "null" not in mapped:
            mapped.append("null")
        out["type"] = mapped[0] if len(mapped) == 1 else mapped
    props = schema.get("properties")
    if isinstance(props, dict):
        out["properties"] = {
            k: sanitize_schema(v, closed=closed) for k, v in props.items() if isinstance(k, str)
        }
        required = schema.get("required")
        # read as below: a list of names, or nothing (an unhashable entry crashed the set)
        readable = isinstance(required, list) and all(isinstance(r, str) for r in required)
        wanted = set(required) if readable else set()
        for k, sub in out["properties"].items():
            # an optional argument passed as null means "not given" to the function behind the tool
            t = sub.get("type")
            if k not in wanted and t is not None and t != "null":
                sub["type"] = [*(t if isinstance(t, list) else [t]), "null"]
    required = schema.get("required")
    if isinstance(required, list) and all(isinstance(r, str) for r in required):
        out["required"] = list(dict.fromkeys(required))
    items = schema.get("items")
    if isinstance(items, dict):
        out["items"] = sanitize_schema(items, closed=closed)
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        out["enum"] = enum
    if "const" in schema:
        out["const"] = schema["const"]
    for key in ("anyOf", "oneOf", "allOf"):
        subs = schema.get(key)
        if isinstance(subs, list) and subs and all(isinstance(s, dict) for s in subs):
            out[key] = [sanitize_schema(s, closed=closed) for s in subs]
    for key in _NUMERIC:
        v = schema.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[key] = v
    for key in _COUNTS:
        v = schema.get(key)
        if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
            out[key] = v
    extra = schema.get("additionalProperties")
    if isinstance(extra, bool):
        out["additionalProperties"] = extra
    elif isinstance(extra, dict):
        out["additionalProperties"] = sanitize_schema(extra, closed=closed)
    if (
        top
        and closed
        and "additionalProperties" not in schema
        and out.get("properties")
        and "patternProperties" not in schema
        and not any(k in schema for k in ("anyOf", "oneOf", "allOf", "$ref"))
    ):
        out["additionalProperties"] = False
    return out


def as_schema(parameters: Any) -> Any:
    """The declared parameters as a JSON Schema.

    xLAM / APIGen declarations write ``parameters`` as the properties themselves
    (``{"city": {"type": "str", "description": ...}}``), with no ``type``/``properties``;
    such a mapping becomes an object schema with those properties (none required: the
    shape says nothing about it).
    """
    if not isinstance(parameters, dict) or not parameters or "properties" in parameters:
        return parameters
    if isinstance(parameters.get("type"), str) and not isinstance(parameters.get("description"), str):
        return parameters  # a JSON Schema ("type": "object", perhaps no properties)
    if all(isinstance(v, dict) and ("type" in v or "description" in v) for v in parameters.values()):
        return {"type": "object", "properties": parameters}
    return parameters


_VALIDATORS: dict[str, Any] = {}


def schema_errors(parameters: Any, arguments: Any, closed: bool = True) -> list[Any]:
    """jsonschema errors of ``arguments`` against the declared ``parameters`` (sanitized)."""
    import jsonschema

    schema = sanitize_schema(as_schema(parameters), top=True, closed=closed)
    if not schema:
        return []
    if "type" not in schema and ("properties" in schema or "required" in schema):
        schema["type"] = "object"
    key = json.dumps(schema, sort_keys=True, default=str)
    validator = _VALIDATORS.get(key)
    if validator is None:
        if len(_VALIDATORS) > 4096:
            _VALIDATORS.clear()
        try:
            validator = jsonschema.Draft7Validator(schema)
        except Exception:
            return []
        _VALIDATORS[key] = validator
    try:
        return sorted(validator.iter_errors(arguments), key=lambda e: [str(p) for p in e.absolute_path])
    except Exception:  # an enum of unhashable oddities, a schema jsonschema cannot run
        return []

"""C — structured tool calls: arguments that are not JSON (C001), calls to undeclared tools
(C002), arguments that break the declared schema (C003), calls and results that do not pair
up (C004), a file that writes calls or declarations two ways (C005), and a reply that
misquotes an identifier its tool result gave (C006).

Calls, results and declarations are read by :mod:`sftlint.analysis.tools` from every format
that carries them (messages ``tool_calls`` / ``function_call`` / ``tool_call_id`` /
``tools``, content parts, ShareGPT ``function_call`` / ``observation`` turns with ``tools``
as a JSON string, MOSS's commands, results and meta instruction), once per record.

Severities: C001-C004 are errors because each breaks training or teaches a broken call:
a trainer that parses arguments crashes on the row (or a template silently renders the
raw text), a call to an undeclared tool or with arguments the schema rejects teaches the
model to invent tools and parameters that fail at run time, and an unpaired call/result is
rejected by the OpenAI API and dropped by LLaMA-Factory's converter.  C005 is a warning:
each record on its own is valid; the file as a whole is rendered inconsistently.  C006 is a
warning: the record trains, but teaches the model to alter what it reports.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from sftlint.analysis.tools import ToolCall, has_tool_data, resolve, schema_errors, tool_facts
from sftlint.diagnostic import Finding, RecordRef
from sftlint.formats.messages import CALL_ROLE
from sftlint.locate import join_pointer
from sftlint.record import Record
from sftlint.rule import Rule, RuleOptions, shorten


def _any_tools(record: Record) -> bool:
    return record.memo("tools.any", lambda: has_tool_data(record))


def _near(name: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""


def _listing(names: Iterable[str], limit: int = 8) -> str:
    names = list(names)
    more = f", ... ({len(names)} in all)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


class InvalidToolJson(Rule):
    """## What it does
    Reports tool-call data written as JSON text that does not parse: a call's `arguments`
    string (messages `tool_calls`, the legacy `function_call`), a ShareGPT `function_call`
    turn or a `tool_call` content part (whose whole text is the call), and a `tools` field
    written as a JSON string.  Also arguments that parse but are not an object (a list, a
    number).  The finding points at the string and spans the character where parsing stops;
    a Python dict literal (`{'city': 'Paris'}`) and an empty string are named as such.
    A record whose `tools` declare the built-in code interpreter (`{"type": "code_interpreter"}`)
    calls it as `python` with the code itself as arguments (functionary's convention): that code
    is not JSON by design and is not reported.

    ## Why is this bad?
    Trainers parse these strings while rendering the chat template: one such row has crashed
    public training runs half-way through, and where the text is passed on as is, the model
    learns to write calls that no tool-calling runtime can parse.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "查一下订单123456的物流"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "track_order", "arguments": "{'order_id': '123456'}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "{\\"status\\": \\"运输中\\"}"}, {"role": "assistant", "content": "您的订单正在运输中。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "查一下订单123456的物流"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "track_order", "arguments": "{\\"order_id\\": \\"123456\\"}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "{\\"status\\": \\"运输中\\"}"}, {"role": "assistant", "content": "您的订单正在运输中。"}]}
    ```

    ## Fix availability
    None: even a Python literal's JSON form can differ from what the author meant
    (tuples, `None`), and a truncated call cannot be completed.
    """

    code = "C001"
    name = "invalid-tool-json"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        if not _any_tools(record):
            return
        for p in tool_facts(record).problems:
            yield self.finding(p.message, pointer=p.pointer, span=p.span)


class UndeclaredTool(Rule):
    """## What it does
    Reports a call to a tool that the record's `tools` (or the legacy `functions`, or
    HammerBench's candidate tools, `multiple_tools`) does not declare, and a call that names
    no tool at all or names it with something other than a string (a list, a number).  The
    tools may be a list, one declaration object, or an object of declarations keyed by name.  Only records with a `tools` field are judged: tools described only in the
    system prompt's prose cannot be read exactly.  An explicitly empty `tools` (`[]`) counts as
    declaring none, unless the system prompt lists the tools: as a JSON list of function
    declarations (ToolACE's "Here is a list of functions in JSON format that you can invoke:
    [...]"), which is then read exactly, or by naming the called tool in prose (some pipelines
    keep an empty column and describe the tools in the prompt).  The built-in code interpreter
    (`{"type": "code_interpreter"}`) declares the tool its calls name `python`.  MOSS records
    declare the plugins their `meta_instruction` enables (`- Web search: enabled. API:
    Search(query)`), and their commands call them (`Search("…")`).

    ## Why is this bad?
    The model learns to call a tool it was never shown, usually a renamed or hallucinated one
    (`search_movie` where `search_movies` is declared); at run time that call fails.

    ## Example
    ```json
    {"conversations": [{"from": "human", "value": "帮我找几本人工智能的书"}, {"from": "function_call", "value": "{\\"name\\": \\"search_book\\", \\"arguments\\": {\\"keywords\\": [\\"人工智能\\"]}}"}, {"from": "observation", "value": "{\\"books\\": [\\"人工智能：一种现代方法\\"]}"}, {"from": "gpt", "value": "推荐《人工智能：一种现代方法》。"}], "tools": "[{\\"name\\": \\"search_books\\", \\"description\\": \\"按关键词搜索书籍\\", \\"parameters\\": {\\"type\\": \\"object\\", \\"properties\\": {\\"keywords\\": {\\"type\\": \\"array\\", \\"items\\": {\\"type\\": \\"string\\"}}}, \\"required\\": [\\"keywords\\"]}}]"}
    ```

    ## Use instead
    ```json
    {"conversations": [{"from": "human", "value": "帮我找几本人工智能的书"}, {"from": "function_call", "value": "{\\"name\\": \\"search_books\\", \\"arguments\\": {\\"keywords\\": [\\"人工智能\\"]}}"}, {"from": "observation", "value": "{\\"books\\": [\\"人工智能：一种现代方法\\"]}"}, {"from": "gpt", "value": "推荐《人工智能：一种现代方法》。"}], "tools": "[{\\"name\\": \\"search_books\\", \\"description\\": \\"按关键词搜索书籍\\", \\"parameters\\": {\\"type\\": \\"object\\", \\"properties\\": {\\"keywords\\": {\\"type\\": \\"array\\", \\"items\\": {\\"type\\": \\"string\\"}}}, \\"required\\": [\\"keywords\\"]}}]"}
    ```
    """

    code = "C002"
    name = "undeclared-tool"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        if not _any_tools(record):
            return
        facts = tool_facts(record)
        declared = facts.decls.tools
        for call in facts.calls:
            if call.name is None:
                if call.name_place is not None:  # a name that is not a string
                    pointer, span = call.name_place.at()
                    from sftlint.formats.base import _json_type

                    written = resolve(record.data, pointer) if span is None else None
                    what = f"{_json_type(written)} {_short(written)}" if span is None else "not a string"
                    yield self.finding(
                        f"the tool call's name is {what}: a tool is named by a string",
                        pointer=pointer,
                        span=span,
                    )
                elif call.problem is None:
                    pointer, span = call.place.at()
                    yield self.finding("the tool call names no tool", pointer=pointer, span=span)
                continue
            if call.name in declared:
                continue
            pointer, span = call.name_place.at() if call.name_place else call.place.at()
            if facts.decls.declared:
                where = (
                    "the system prompt's tool list does" if facts.decls.in_prompt else "the record's tools do"
                )
                yield self.finding(
                    f"call to {call.name!r}, which {where} not declare "
                    f"(declared: {_listing(declared)}){_near(call.name, declared)}",
                    pointer=pointer,
                    span=span,
                )
            elif _declares_none(record, facts.decls, call.name):
                yield self.finding(
                    f"call to {call.name!r}, but the record's tools is empty: the model is taught to call "
                    "a tool it was never shown",
                    pointer=pointer,
                    span=span,
                )


def _declares_none(record: Record, decls: Any, name: str) -> bool:
    """An explicitly empty ``tools`` (``[]``, ``"[]"``) with no system prompt naming the tool.

    Some pipelines keep an empty ``tools`` column and describe the tools in the system
    prompt instead; a call to a tool that the prompt names is not judged.
    """
    if not decls.present or decls.container is None or decls.others or decls.problem is not None:
        return False
    return not any(m.role == "system" and name in m.content for m in record.messages or ())


class SchemaOptions(RuleOptions):
    #: Treat a parameters schema that lists its properties as closed: an argument it does not
    #: list is reported unless the schema sets ``additionalProperties`` (or patternProperties).
    closed_properties: bool = True


class ToolArgumentsSchema(Rule):
    """## What it does
    Checks each call's arguments against the JSON Schema its tool declares (`parameters`, in
    the OpenAI shape `{"type": "function", "function": {...}}` or the bare `{name, description,
    parameters}` shape): a missing required argument, a value of the wrong type, a value
    outside its `enum`, and an argument the tool does not declare.  The finding points at the
    argument (inside the JSON text, with its span, where the arguments are a string).

    What a hand-written schema says only loosely is not enforced: Python type names
    (`"dict"`, `"str"`) are read as their JSON types, what cannot be read (`"List[int]"`,
    `"required": true`) is skipped, and `format`/`pattern` are not checked.  xLAM/APIGen
    declarations, whose `parameters` is the properties mapping itself, are read as an object
    schema; an optional argument passed as `null` is taken as not given.

    An argument the schema does not list is reported even where the schema does not say
    `"additionalProperties": false` (option `closed-properties`, on by default): tool
    schemas almost never say it, yet the function behind a tool takes only the parameters it
    declares, so an unknown key is a misspelt parameter or an invented one.  A schema that
    sets `additionalProperties` or `patternProperties` is taken at its word, and only its top
    level is closed (nested objects are often free-form).

    ## Why is this bad?
    The model learns to leave out a required argument (`search_books` called without its
    `keywords`), to misspell one, or to pass a string where the tool takes a number; these
    calls fail at run time, and the model cannot learn the tool's real signature.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "北京明天天气如何？"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"locaton\\": \\"北京\\", \\"unit\\": \\"Celsius\\"}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "{\\"temp\\": 18}"}, {"role": "assistant", "content": "北京明天18度。"}], "tools": [{"type": "function", "function": {"name": "get_weather", "description": "查询天气", "parameters": {"type": "object", "properties": {"location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location"]}}}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "北京明天天气如何？"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"location\\": \\"北京\\", \\"unit\\": \\"celsius\\"}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "{\\"temp\\": 18}"}, {"role": "assistant", "content": "北京明天18度。"}], "tools": [{"type": "function", "function": {"name": "get_weather", "description": "查询天气", "parameters": {"type": "object", "properties": {"location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location"]}}}]}
    ```

    ## Options
    - `closed-properties`: report arguments that a schema listing its properties does not
      list, unless it sets `additionalProperties` (default true).
    """

    code = "C003"
    name = "tool-arguments-schema"
    severity = "error"
    Options = SchemaOptions

    def check(self, record: Record) -> Iterator[Finding]:
        if not _any_tools(record):
            return
        facts = tool_facts(record)
        declared = facts.decls.tools
        for call in facts.calls:
            decl = declared.get(call.name) if call.name else None
            if decl is None or call.problem is not None or not isinstance(call.arguments, dict):
                continue
            errors = schema_errors(decl.parameters, call.arguments, self.options.closed_properties)
            missing: dict[tuple[Any, ...], list[str]] = {}
            for error in errors:
                if error.validator == "required":
                    missing.setdefault(tuple(error.absolute_path), []).extend(_missing_keys(error))
            for path, keys in missing.items():
                yield self._missing(call, list(path), keys)
            for error in errors:
                if error.validator != "required":
                    yield from self._explain(call, error)

    def _missing(self, call: ToolCall, path: list[Any], keys: list[str]) -> Finding:
        """One finding per object that lacks required arguments (a rectangle's call to a
        shape tool whose schema requires every shape's dimensions lacks three at once)."""
        label = "/".join(map(str, path))
        inside = f" in {label!r}" if label else ""
        keys = list(dict.fromkeys(keys))
        what = (
            f"required argument {keys[0]!r} is"
            if len(keys) == 1
            else f"required arguments {_listing(map(repr, keys))} are"
        )
        pointer, span = call.args_place.at(join_pointer(*path)) if call.args_place else call.place.at()
        return self.finding(f"{call.name}: {what} missing{inside}", pointer=pointer, span=span)

    def _explain(self, call: ToolCall, error: Any) -> Iterator[Finding]:
        path = list(error.absolute_path)
        sub = join_pointer(*path)
        where = call.args_place
        label = "/".join(map(str, path))
        head = f"{call.name}: "
        kind = error.validator
        if kind == "additionalProperties" and isinstance(error.instance, dict):
            props = error.schema.get("properties", {})
            for key in error.instance:
                if key in props:
                    continue
                pointer, span = where.at(join_pointer(*path, key), key=True) if where else call.place.at()
                known = _listing(props) if props else "none"
                yield self.finding(
                    f"{head}unknown argument {'/'.join([*map(str, path), key])!r} (declared: {known})"
                    f"{_near(key, props)}",
                    pointer=pointer,
                    span=span,
                )
        else:
            pointer, span = where.at(sub) if where else call.place.at()
            what = f"argument {label!r}" if label else "the arguments"
            if kind == "type":
                expected = error.validator_value
                if isinstance(expected, list):  # null is allowed for optional arguments: not worth saying
                    expected = " or ".join(t for t in expected if t != "null" or len(expected) == 1)
                from sftlint.formats.base import _json_type

                message = f"{what} must be {expected}, got {_json_type(error.instance)}"
            elif kind == "enum":
                message = (
                    f"{what} must be one of {_short(error.validator_value)}, got {_short(error.instance)}"
                )
            else:
                message = f"{what}: {_short(error.message, 160)}"
            yield self.finding(head + message, pointer=pointer, span=span)


def _missing_keys(error: Any) -> list[str]:
    """The required keys a ``required`` error is about (jsonschema reports one per error)."""
    instance = error.instance if isinstance(error.instance, dict) else {}
    keys = [r for r in error.validator_value if isinstance(r, str) and r not in instance]
    named = [r for r in keys if error.message.startswith(repr(r))]
    return named or keys


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) and limit > 80 else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_RESPONSE = re.compile(r"<tool_response>|FUNCTION RESPONSE|^\s*(?:Observation|观察)\s*[:：]", re.I | re.M)


class UnmatchedToolCall(Rule):
    """## What it does
    Pairs each assistant turn's tool calls with the tool results that follow it, and reports
    a result whose `tool_call_id` matches no call of that turn, a call whose id no result
    answers, and a call followed by a user or assistant turn instead of any result (messages
    `tool_calls`, ShareGPT `function_call` turns not followed by an `observation`).  ms-swift's
    consecutive `tool_call` turns are one step's parallel calls, answered by the `tool_response`
    turns after the last of them.

    A call that ends the conversation is not reported: it is the target of a sample that
    teaches *when* to call (OpenAI's fine-tuning format ends such samples with the call).
    A tool result that follows no calling turn at all is a role-order problem, reported by
    S004.  Without ids on both sides, a result that names its tool (`"name"`, as the legacy
    role `function` does) must name a tool the turn called; otherwise results are matched by
    position only.  MOSS's results echo each call before its output (`Calculate("2+3") =>
    '5'`): a call is never answered when its turn's results are `None`, or when the results
    echo fewer of the turn's calls to that plugin than it makes (a plugin whose results echo
    nothing, like Text2Image's "Image generated successfully.", is not judged call by call).

    ## Why is this bad?
    The OpenAI API rejects a conversation whose calls are not each answered by their id;
    LLaMA-Factory drops a ShareGPT sample whose `function_call` is not followed by an
    `observation`; and a result paired with the wrong call teaches the model to read one
    tool's output as another's.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "帮我查一下订单123456"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "query_order", "arguments": "{\\"order_id\\": \\"123456\\"}"}}]}, {"role": "tool", "tool_call_id": "call_2", "content": "{\\"status\\": \\"已发货\\"}"}, {"role": "assistant", "content": "您的订单已发货。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "帮我查一下订单123456"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "query_order", "arguments": "{\\"order_id\\": \\"123456\\"}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "{\\"status\\": \\"已发货\\"}"}, {"role": "assistant", "content": "您的订单已发货。"}]}
    ```
    """

    code = "C004"
    name = "unmatched-tool-call"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        if not _any_tools(record):
            return
        facts = tool_facts(record)
        by_turn: dict[int, list[ToolCall]] = {}
        for call in facts.calls:
            by_turn.setdefault(call.message.index, []).append(call)
        result_of = {r.message.index: r for r in facts.results}
        turns = [m for m in record.messages or () if m.role in ("user", "assistant", "tool")]
        i, n = 0, len(turns)
        while i < n:
            m = turns[i]
            if m.role != "assistant" or not (m.tool_calls or m.index in by_turn):
                i += 1
                continue
            calls = list(by_turn.get(m.index, ()))
            j = i + 1
            # ms-swift writes parallel calls as consecutive tool_call turns: one calling step
            while j < n and turns[j].raw_role == CALL_ROLE and turns[j].role == "assistant":
                calls += by_turn.get(turns[j].index, ())
                j += 1
            first_result = j
            while j < n and turns[j].role == "tool":
                j += 1
            results = [result_of[t.index] for t in turns[first_result:j] if t.index in result_of]
            if calls:
                yield from self._pair(calls, results, turns[j] if j < n else None, j - first_result)
            i = j

    def _pair(
        self, calls: list[ToolCall], results: list[Any], after: Any, n_results: int
    ) -> Iterator[Finding]:
        if n_results == 0:
            if after is None:
                return  # the call is the sample's target
            if after.raw_role == "function_call":
                # ShareGPT parallel calls written as turns in a row: the results may follow, but
                # LLaMA-Factory's reader wants call and observation turns to alternate
                why = (
                    "the next turn is another function_call; ShareGPT writes parallel calls as one "
                    "function_call turn holding a JSON list (LLaMA-Factory drops this sample)"
                )
            else:
                why = f"the next turn is the {after.role}'s, not a tool result"
            for call in calls:
                pointer, span = self._call_place(call)
                yield self.finding(
                    f"the call to {call.name or 'a tool'!r} is never answered: {why}",
                    pointer=pointer,
                    span=span,
                )
            return
        if len(results) != n_results:
            return
        ids = [c.call_id for c in calls]
        if any(i is None for i in ids) or any(r.call_id is None for r in results):
            if all(r.echoed is not None for r in results):
                yield from self._by_echo(calls, results)  # MOSS: results echo their calls
            else:
                yield from self._by_name(calls, results)  # no ids on one side
            return
        answered = {r.call_id for r in results}
        orphans = [r for r in results if r.call_id not in ids]
        unanswered = [c for c in calls if c.call_id not in answered]
        if len(orphans) == 1 and len(unanswered) == 1:  # one wrong id: one finding, at the result
            call = unanswered[0]
            yield self.finding(
                f"tool result for id {orphans[0].call_id!r}, which no call of the assistant turn before it "
                f"has; its call {call.call_id!r} ({call.name or 'a tool'}) has no result",
                pointer=orphans[0].id_pointer,
            )
            return
        for r in orphans:
            yield self.finding(
                f"tool result for id {r.call_id!r}, which no call of the assistant turn before it has "
                f"(its calls: {_listing(repr(i) for i in ids)})",
                pointer=r.id_pointer,
            )
        for call in unanswered:
            pointer, span = self._call_place(call)
            yield self.finding(
                f"the call {call.call_id!r} to {call.name or 'a tool'!r} is never answered: no tool "
                "result carries its id",
                pointer=pointer,
                span=span,
            )

    def _by_echo(self, calls: list[ToolCall], results: list[Any]) -> Iterator[Finding]:
        """Results that echo each call before its output (MOSS's ``Calculate("2+3") => '5'``): a
        tool whose results echo its calls must echo each of them.  A tool whose results echo
        nothing (MOSS's Text2Image answers "Image generated successfully.") is not judged."""
        echoed = [e for r in results for e in r.echoed]
        per_name = Counter(name for name, _ in echoed)
        texts = Counter(text for _, text in echoed)
        for name, n_echoed in per_name.items():
            mine = [c for c in calls if c.name == name]
            missing = len(mine) - n_echoed
            if missing <= 0:
                continue
            unechoed = [c for c in mine if not texts[c.written or ""]]
            for call in (unechoed or mine)[-missing:]:
                pointer, span = self._call_place(call)
                yield self.finding(
                    f"the call {_short(call.written or call.name, 120)} is never answered: the tool results "
                    f"echo {n_echoed} of the turn's {len(mine)} calls to {name!r}, and not this one",
                    pointer=pointer,
                    span=span,
                )

    def _by_name(self, calls: list[ToolCall], results: list[Any]) -> Iterator[Finding]:
        """Results that name their tool (the legacy role "function" does) must name a called one."""
        names = [c.name for c in calls]
        if any(n is None for n in names) or any(r.name is None for r in results):
            return  # matched by position only
        for r in results:
            if r.name not in names:
                yield self.finding(
                    f"tool result from {r.name!r}, but the assistant turn before it called "
                    f"{_listing(repr(n) for n in dict.fromkeys(names))}",
                    pointer=r.message.pointer + "/name",
                )

    @staticmethod
    def _call_place(call: ToolCall) -> tuple[str, tuple[int, int] | None]:
        if call.id_pointer:
            return call.id_pointer, None
        if call.name_place is not None:
            return call.name_place.at()
        return call.place.at()


#: An identifier as a tool result writes it and a reply quotes it: letters, digits and the marks
#: passwords, codes and addresses hold (``AB3#FG7!KL9@``, ``ORD-2024-0012``, ``jane@mail.com``);
#: no arithmetic (``5*2500+2*2500`` is an expression), no slash (paths and URLs are cut there)
_IDENT = re.compile(r"[A-Za-z0-9@#!&%._-]{8,}")
_EMAIL = re.compile(r"[^@\s]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_HEX = re.compile(r"[0-9A-Fa-f-]+")


def _identifiers(text: str) -> Iterator[tuple[str, int]]:
    """The identifiers of ``text``, each with its offset: a token of 8 or more characters that
    holds both a letter and a digit, or an e-mail address (trailing full stops and dashes cut)."""
    for m in _IDENT.finditer(text):
        token = m.group().rstrip(".-_").lstrip(".-_")
        if len(token) < 8:
            continue
        if _EMAIL.fullmatch(token) or (any(c.isdigit() for c in token) and any(c.isalpha() for c in token)):
            yield token, m.start() + m.group().index(token)


def _one_slip(written: str, source: str) -> str | None:
    """How ``written`` misquotes ``source``, or None: the letters' case changed (not where case
    means nothing: an e-mail address, hexadecimal), one character dropped or added, or two
    neighbours swapped.  A changed character is not a slip: it may be another identifier
    (``ORD12346`` beside ``ORD12345``)."""
    if written == source:
        return None
    if written.lower() == source.lower():
        if _EMAIL.fullmatch(source) or _HEX.fullmatch(source):
            return None
        return "with the letters' case changed"
    short, long = sorted((written, source), key=len)
    if len(long) - len(short) == 1:
        for i in range(len(short) + 1):
            if long[:i] + long[i + 1 :] == short:
                return "with a character dropped" if written is short else "with a character added"
        return None
    if len(written) == len(source):
        diff = [i for i in range(len(source)) if written[i] != source[i]]
        if (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and written[diff[0]] == source[diff[1]]
            and (written[diff[1]] == source[diff[0]])
        ):
            return "with two characters swapped"
    return None


class MisquotedToolResult(Rule):
    """## What it does
    Reports an identifier in an assistant turn that misquotes one a tool result gave: a
    password, code, order number or e-mail address written with the letters' case changed
    (`aB3#fG7!kL9@` for the result's `AB3#FG7!KL9@`), one character dropped or added
    (`VirgniaJGraham@gahoo.com` for `VirginiaJGraham@gahoo.com`), or two neighbouring characters
    swapped.  An identifier is a token of 8 or more letters, digits and the marks such strings
    hold, with both a letter and a digit, or an e-mail address.  Only a token written nowhere
    in the record's user, system and tool turns is judged, and only against a result the
    conversation received before the turn, which the turn does not also quote exactly.  A
    changed character is not reported (`ORD12346` may be another order than `ORD12345`), nor a
    change of case where case means nothing (e-mail addresses, hexadecimal).

    ## Why is this bad?
    The reply is the model's target: a fine-tune learns to alter the passwords, codes and
    addresses it reports, and the user who copies the one in the answer gets a wrong one.
    These slips come from translation (a Chinese conversion of glaive's function-calling data
    lower-cases the letters of every generated password) and from the model that wrote the
    replies.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "帮我生成一个12位的随机密码"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "generate_password", "arguments": "{\\"length\\": 12}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "{\\"password\\": \\"AB3#FG7!KL9@\\"}"}, {"role": "assistant", "content": "这是您的新密码：aB3#fG7!kL9@。请妥善保管。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "帮我生成一个12位的随机密码"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "generate_password", "arguments": "{\\"length\\": 12}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "{\\"password\\": \\"AB3#FG7!KL9@\\"}"}, {"role": "assistant", "content": "这是您的新密码：AB3#FG7!KL9@。请妥善保管。"}]}
    ```
    """

    code = "C006"
    name = "misquoted-tool-result"
    severity = "warning"

    def check(self, record: Record) -> Iterator[Finding]:
        messages = record.messages or ()
        if not any(m.role == "tool" for m in messages):
            return
        given = "\n".join(m.content for m in messages if m.role != "assistant")
        results: dict[str, None] = {}
        for m in messages:
            if m.role == "tool":
                for token, _ in _identifiers(m.content):
                    results.setdefault(token)
                continue
            if m.role != "assistant" or not results:
                continue
            for token, at in _identifiers(m.content):
                if token in given:
                    continue
                for source in results:
                    if abs(len(source) - len(token)) > 1:
                        continue
                    how = _one_slip(token, source)
                    if how is None or source in m.content:
                        continue
                    yield self.finding(
                        f"“{shorten(token, 40)}” misquotes the tool result's “{shorten(source, 40)}” "
                        f"({how}): a fine-tune learns to alter the identifiers it reports",
                        msg=m,
                        span=(at, at + len(token)),
                    )
                    break


#: how C005 names each way of writing: (what, {way: how})
_WAYS = {
    "arguments": ("call arguments written", {"string": "as a JSON string", "object": "as a JSON object"}),
    "declaration": (
        "tools declared",
        {
            "openai": 'in the OpenAI shape {"type": "function", "function": {...}}',
            "bare": "in the bare shape {name, description, parameters}",
        },
    ),
    "tools": (
        "tools written",
        {"string": "as a JSON string", "list": "as a JSON list", "object": "as a JSON object"},
    ),
    "markup": ("<tool_call> bodies written", {"json": "as JSON", "python": "as Python literals"}),
}
_WHY = {
    "arguments": "chat templates render the two differently (a string is often encoded a second time)",
    "declaration": "templates and trainers read one shape and misread or drop the other",
    "tools": "a loader that infers one column type (datasets/Arrow) fails on the file",
    "markup": "a runtime parses one or the other (json.loads or ast.literal_eval), never both",
}


class MixedToolEncoding(Rule):
    """## What it does
    Reports records that write tool data differently from the rest of their file: call
    arguments as a JSON string in some records and as a JSON object in others, declarations in
    the OpenAI shape in some and the bare shape in others, or `tools` as a JSON string in some
    and a list in others.  The minority way is reported, on each record that uses it (a tie
    reports the way that appears second); each file is judged on its own.

    ## Why is this bad?
    Each way is valid on its own, but trainers' chat templates handle them differently: a
    template that expects an object encodes a string argument a second time (the model learns
    `"{\\"city\\": ...}"`), one shape of declaration is read and the other dropped, and a column
    that is a string in one row and a list in another fails to load.  A file that mixes them
    usually concatenates sources converted by different scripts.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "上海天气"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"上海\\"}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "晴"}, {"role": "assistant", "content": "上海今天晴。"}]}
    {"messages": [{"role": "user", "content": "北京天气"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "北京"}}}]}, {"role": "tool", "tool_call_id": "c1", "content": "多云"}, {"role": "assistant", "content": "北京今天多云。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "上海天气"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"上海\\"}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "晴"}, {"role": "assistant", "content": "上海今天晴。"}]}
    {"messages": [{"role": "user", "content": "北京天气"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"北京\\"}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "多云"}, {"role": "assistant", "content": "北京今天多云。"}]}
    ```
    """

    code = "C005"
    name = "mixed-tool-encoding"
    severity = "warning"
    scope = "dataset"

    def map(self, record: Record) -> tuple[str, int, int, tuple[tuple[str, str, str], ...]] | None:
        if not _any_tools(record):
            return None
        facts = tool_facts(record)
        seen: dict[tuple[str, str], str] = {}
        for call in facts.calls:
            if call.syntax is not None:
                seen.setdefault(("markup", call.syntax), call.place.pointer)
            elif call.encoding is not None and call.args_place is not None:
                seen.setdefault(("arguments", call.encoding), call.args_place.pointer)
        decls = facts.decls
        for shape, pointer in decls.shapes.items():
            seen.setdefault(("declaration", shape), pointer)
        if decls.container is not None:
            seen[("tools", decls.container)] = decls.pointer
        if not seen:
            return None
        return (record.path, record.index, record.line, tuple((a, w, p) for (a, w), p in seen.items()))

    def reduce(self, summaries: Iterable[Any]) -> Iterator[Finding]:
        files: dict[str, list[Any]] = {}
        for s in summaries:
            files.setdefault(s[0], []).append(s)
        for rows in files.values():
            yield from self._file(rows)

    def _file(self, rows: list[Any]) -> Iterator[Finding]:
        counts: dict[str, Counter[str]] = {}
        for _path, _index, _line, ways in rows:
            for axis, way in {(a, w) for a, w, _p in ways}:
                counts.setdefault(axis, Counter())[way] += 1
        minority: dict[tuple[str, str], tuple[str, str, int, int]] = {}
        for axis, counter in counts.items():
            if len(counter) < 2:
                continue
            ranked = counter.most_common()  # ties keep first-seen order
            major, n_major = ranked[0]
            total = sum(counter.values())
            for way, _n in ranked[1:]:
                minority[(axis, way)] = (axis, major, n_major, total)
        if not minority:
            return
        for path, index, line, ways in rows:
            for axis, way, pointer in ways:
                found = minority.get((axis, way))
                if found is None:
                    continue
                _axis, major, n_major, total = found
                what, how = _WAYS[axis]
                yield self.finding(
                    f"{what} {how[way]} here, while {n_major} of {total} records of this file write them "
                    f"{how[major]}: {_WHY[axis]}",
                    pointer=pointer,
                    ref=RecordRef(path, index, line, line),
                )


RULES = [
    InvalidToolJson,
    UndeclaredTool,
    ToolArgumentsSchema,
    UnmatchedToolCall,
    MixedToolEncoding,
    MisquotedToolResult,
]

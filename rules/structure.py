"""J (reading the file) and S (conversation structure) rules."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import Field, field_validator

from sftlint.analysis.feedback import undesirable_reply
from sftlint.analysis.layouts import acts_in_text, observes
from sftlint.analysis.majority import FileTallies, FileVoteMixin, Missing, Tally, clean_tally
from sftlint.analysis.text.embedded_turns import asks_for_dialogue, read_reply
from sftlint.analysis.text.invisible import invisible_names, is_blank
from sftlint.analysis.text.template_tokens import find_template_tokens
from sftlint.analysis.tools import calls_in_text, tools_field
from sftlint.diagnostic import Edit, Finding, Fix, RecordRef
from sftlint.formats.messages import CALL_ROLE
from sftlint.hashing import PIECEWISE_CHARS, canonical_json, canonical_pieces, parsed_copy
from sftlint.locate import Location, escape_token
from sftlint.reader import RawRecord
from sftlint.record import ROLES, Message, Record
from sftlint.rule import Rule, RuleOptions
from sftlint.transport import compact_pickle
from sftlint.userregex import UserPattern, check_pattern

# ---------------------------------------------------------------------------
# J: reading the file


class _ProblemRule(Rule):
    """A J rule that reports the reader's problems of some kinds."""

    scope = "file"
    needs_problems = True  # the engine skips it for records the reader had nothing to say about
    kinds: tuple[str, ...] = ()

    def check_raw(self, raw: RawRecord) -> Iterator[Finding]:
        for p in raw.problems:
            if p.kind in self.kinds:
                yield self.problem_finding(raw, p)

    def problem_finding(self, raw: RawRecord, p: Any) -> Finding:
        return _reader_finding(raw, p)


def _reader_finding(raw: RawRecord, p: Any) -> Finding:
    """A finding at the place the reader gave a problem of ``raw``."""
    line = p.line or raw.line
    return Finding(
        p.message,
        line=line,
        column=p.column or 1,
        end_line=p.end_line or line,
        end_column=(p.column or 1) + (0 if p.end_line else 1),
    )


class InvalidJson(_ProblemRule):
    """## What it does
    Reports lines that are not valid JSON, including a truncated last line, and a
    pretty-printed record spread over several lines (reported once, naming the lines).  A Git
    LFS pointer in the data's place (a dataset repository cloned without git-lfs) is one
    finding that says so, not an error per line.  In a CSV or TSV file, a row with more cells
    than the header names (an unquoted comma) or a stray quote is one finding each.

    ## Why is this bad?
    Trainers read JSON Lines one line at a time: `datasets.load_dataset("json")` aborts the whole
    load on one malformed line, and other loaders silently drop it.  A pretty-printed record is
    several broken lines to them.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "你好"}, {"role": "assistant", "content": "您好，请问有什么可以帮您？"}]
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "你好"}, {"role": "assistant", "content": "您好，请问有什么可以帮您？"}]}
    ```

    ## Fix availability
    None: the intended content of a broken line cannot be guessed safely.
    """

    code = "J001"
    name = "invalid-json"
    severity = "error"
    kinds = ("invalid-json", "multiline")


class NotAnObject(Rule):
    """## What it does
    Reports records that are valid JSON but not an object (an array, a string, a number, null).
    A file whose records are bare lists of messages (`[{"role", "content"}, ...]`, as xtuner reads
    them) is read as the `message-list` format and its arrays are records; an array among object
    records is still reported.

    ## Why is this bad?
    Every chat format but xtuner's bare message list is an object per record (`{"messages":
    [...]}`); anything else is skipped or crashes the trainer's data collator.  A string that
    holds a JSON object is a record encoded twice (`json.dumps` of a `json.dumps`), and the
    message says so.

    ## Example
    ```json
    "你好，请问运费谁出？"
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "你好，请问运费谁出？"}, {"role": "assistant", "content": "七天无理由退货的运费由我们承担。"}]}
    ```

    ## Fix availability
    None: which object the value belongs in depends on the dataset.
    """

    code = "J002"
    name = "not-an-object"
    severity = "error"
    scope = "file"

    def check_raw(self, raw: RawRecord) -> Iterator[Finding]:
        if raw.parsed and type(raw.data) is not dict and raw.index >= 0:
            kind = _json_type(raw.data)
            message = f"record is a JSON {kind}, not an object"
            if _encoded_object(raw.data):
                message += (
                    " (the string holds a JSON object: the record was encoded twice, "
                    "json.dumps of a json.dumps; write the object itself)"
                )
            yield Finding(message, pointer="")


def _encoded_object(value: Any) -> bool:
    """Whether ``value`` is a string that holds a JSON object (a record serialised twice)."""
    if type(value) is not str or value.lstrip()[:1] != "{":
        return False
    try:
        return type(orjson.loads(value)) is dict
    except orjson.JSONDecodeError:
        return False


class BadEncoding(_ProblemRule):
    """## What it does
    Reports bytes that are not UTF-8 (with the byte offset), a byte-order mark, NUL bytes, files
    that are UTF-16 or binary, and compressed files (`.gz`) whose data is damaged; and a string
    escape that is half of a surrogate pair without its other half (`"\\ud800"` alone): JSON's
    grammar allows it, but it encodes no character and UTF-8 cannot hold it.

    ## Why is this bad?
    JSON Lines is UTF-8.  Invalid bytes make the line unreadable; a BOM is read as part of the first
    key by many parsers (`"\\ufeffmessages"`), so the first record silently loses its messages.
    A lone surrogate is refused by strict readers (orjson, Arrow, serde) and read by Python's
    `json` into a string that fails later, when a tokenizer or a writer encodes it.

    ## Example
    ```json
    \ufeff{"messages": [{"role": "user", "content": "你好"}, {"role": "assistant", "content": "您好！"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "你好"}, {"role": "assistant", "content": "您好！"}]}
    ```

    ## Fix availability
    A safe fix removes a BOM (it carries no content).  Invalid bytes have no safe fix: the intended
    characters are unknown.
    """

    code = "J003"
    name = "bad-encoding"
    severity = "error"
    fix_availability = "sometimes"
    kinds = ("invalid-utf8", "bom", "nul", "binary", "utf16", "unreadable", "lone-surrogate")

    def problem_finding(self, raw: RawRecord, p: Any) -> Finding:
        f = super().problem_finding(raw, p)
        if p.kind == "bom":
            f.fix = Fix("remove the byte-order mark", (Edit(None, 0, 1, "", line=raw.line),))
        return f


class BlankLine(_ProblemRule):
    """## What it does
    Reports empty (or whitespace-only) lines between records, once per run of consecutive
    blank lines (the finding spans the run).

    ## Why is this bad?
    Some loaders treat a blank line as an empty record and fail, others skip it; either way the
    line count no longer matches the record count, which makes every other report harder to use.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "你好"}, {"role": "assistant", "content": "您好！"}]}

    {"messages": [{"role": "user", "content": "在吗"}, {"role": "assistant", "content": "在的，请讲。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "你好"}, {"role": "assistant", "content": "您好！"}]}
    {"messages": [{"role": "user", "content": "在吗"}, {"role": "assistant", "content": "在的，请讲。"}]}
    ```

    ## Fix availability
    Always: removing blank lines cannot change any record (the fix removes the whole run).
    """

    code = "J004"
    name = "blank-line"
    severity = "warning"
    fix_availability = "always"
    kinds = ("blank",)

    def problem_finding(self, raw: RawRecord, p: Any) -> Finding:
        # a run of blank lines is one slot (raw.line .. raw.end_line): one finding, one fix
        last = raw.end_line if raw.end_line > raw.line else None
        what = "the blank lines" if last else "the blank line"
        return Finding(
            p.message,
            line=raw.line,
            column=1,
            end_line=raw.end_line,
            end_column=1,
            fix=Fix(f"remove {what}", (Edit(None, 0, 1 << 30, "", line=raw.line, end_line=last),)),
        )


_TOKENS = re.compile(r'["{}\[\],]')
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


def find_duplicate_keys(text: str) -> list[tuple[str, str, int]]:
    """``(object_pointer, key, offset)`` of every repeated key in ``text``.

    A scanner over the raw text (parsed objects have already lost the
    duplicates).  Iterative, so nesting depth cannot exhaust the stack.
    """
    import json

    found: list[tuple[str, str, int]] = []
    # frame: [is_object, pointer, seen_keys, expecting_key, current_key, array_index]
    stack: list[list[Any]] = []
    i = 0
    while True:
        m = _TOKENS.search(text, i)
        if m is None:
            return found
        c, j = m.group(), m.start()
        if c == '"':
            sm = _STRING.match(text, j)
            end = sm.end() if sm else len(text)
            top = stack[-1] if stack else None
            if top is not None and top[0] and top[3]:
                try:
                    key = json.loads(text[j:end])
                except ValueError:
                    key = text[j + 1 : end - 1]
                if key in top[2]:
                    found.append((top[1], key, j))
                top[2].add(key)
                top[4] = key
                top[3] = False
            i = end
            continue
        if c in "{[":
            parent = stack[-1] if stack else None
            if parent is None:
                ptr = ""
            else:
                ptr = parent[1] + "/" + escape_token(parent[4] if parent[0] else parent[5])
            stack.append([c == "{", ptr, set(), c == "{", None, 0])
        elif c in "}]":
            if stack:
                stack.pop()
        elif c == "," and stack:
            top = stack[-1]
            if top[0]:
                top[3] = True
            else:
                top[5] += 1
        i = j + 1


class DuplicateKey(Rule):
    """## What it does
    Reports an object that has the same key twice, and a CSV or TSV header that names a column
    twice (pandas and `datasets` read the second as `output.1`; the rows are linted as they read
    them, the first column under the name).

    ## Why is this bad?
    JSON parsers silently keep one of the two values (Python's keeps the last), so half of what
    the author wrote never reaches the trainer, and different tools disagree about which half.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "退款多久到账？", "content": "退款多久能到账？"}, {"role": "assistant", "content": "一般1-3个工作日到账。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "退款多久能到账？"}, {"role": "assistant", "content": "一般1-3个工作日到账。"}]}
    ```

    ## Fix availability
    None: which of the two values is the intended one is unknown.
    """

    code = "J005"
    name = "duplicate-key"
    severity = "error"
    scope = "file"

    def check_raw(self, raw: RawRecord) -> Iterator[Finding]:
        for p in raw.problems:
            if p.kind == "duplicate-key":  # a CSV header naming a column twice (the reader's)
                yield _reader_finding(raw, p)
        if not raw.parsed or not raw.json_source:
            return  # a CSV row's keys are its header's (checked once, on the header row)
        # Fast path: every key is followed by a colon.  Re-serialising the parsed
        # value (orjson, C speed) writes each surviving key once and every string
        # as it was, so if the source holds as many colons as that, no key was
        # dropped.  A dropped duplicate takes its colon with it.  Only a mismatch
        # (or an escaped colon, \u003a, which serialises as a plain one) needs the
        # scan of the text.  The serialisation is the canonical one (sorted keys: the
        # order moves no colon), the bytes the record's content hash is of, so the
        # record keeps them and is written once, not twice.
        source = raw.raw_bytes if raw.raw_bytes is not None else (raw.text or "").encode("utf-8")
        if len(source) > PIECEWISE_CHARS:  # orjson would hold ~14 bytes per character of the record
            written = sum(piece.count(b":") for piece in canonical_pieces(raw.data))
        else:
            # (written from a copy: see parsed_copy)
            raw.canonical = canonical = canonical_json(parsed_copy(raw.data, source))
            written = canonical.count(b":")
        # the reader counted the line's colons with its brackets (RawRecord.colons)
        colons = raw.colons if raw.colons >= 0 and raw.raw_bytes is not None else source.count(b":")
        if colons == written and b"\\u003" not in source:
            return
        for obj_ptr, key, _offset in find_duplicate_keys(raw.source_text() or ""):
            pointer = obj_ptr + "/" + escape_token(key)
            yield Finding(
                f"key {key!r} appears more than once in {obj_ptr or 'the record'}; "
                "parsers keep only one of the values",
                pointer=pointer,
            )


class EmptyFile(_ProblemRule):
    """## What it does
    Reports a data file that holds no records (empty, or only blank lines).

    ## Why is this bad?
    An empty training file is almost always a failed export or a wrong path; a training job that
    reads it trains on nothing, or fails after the GPUs are allocated.

    ## Example
    ```json
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "你好"}, {"role": "assistant", "content": "您好！"}]}
    ```
    """

    code = "J006"
    name = "empty-file"
    severity = "warning"
    kinds = ("empty-file",)


class RecordTooLarge(_ProblemRule):
    """## What it does
    Reports a record larger than the `max-record-bytes` setting (default 128 MiB), or nesting
    deeper than 128 levels, which is skipped without being checked.

    ## Why is this bad?
    No chat model trains on a record that size: it is a concatenation gone wrong or binary data,
    and holding it in memory can take the loader (and the linter) down.

    ## Example
    A single line of several hundred megabytes.

    ## Use instead
    One conversation per line.
    """

    code = "J007"
    name = "record-too-large"
    severity = "error"
    kinds = ("too-large",)


# ---------------------------------------------------------------------------
# S: conversation structure


class SchemaViolation(Rule):
    """## What it does
    Checks each record against its input format's JSON Schema (messages, ShareGPT, Alpaca,
    conversation, prompt-completion, preference, a column mapping ...) and reports every violation
    with the pointer of the offending value; the message names the format.  A file that no format
    claims is reported once, on its first record, with the keys it holds and how to map them
    (`--format`, `[tool.sftlint.format]`, a LLaMA-Factory `dataset_info.json`).

    ## Why is this bad?
    A record with a missing field or a value of the wrong type is dropped or crashes the trainer's
    chat template; either way it is not trained on as written.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "我的订单什么时候发货？"}, {"role": "assistant", "content": ["已为您催促仓库，预计今天发出。"]}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "我的订单什么时候发货？"}, {"role": "assistant", "content": "已为您催促仓库，预计今天发出。"}]}
    ```

    ## Fix availability
    None: the intended value cannot be inferred from a wrong one.
    """

    code = "S001"
    name = "schema-violation"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        fmt = record.file.input_format
        if fmt is None:
            if record.index == record.file.first_record:
                yield self.finding(unrecognised_message(record.data), pointer="")
            return
        if fmt.quick_check(record.data):
            return
        for pointer, message in fmt.schema_errors(record.data):
            yield self.finding(f"{message} ({fmt.name} format)", pointer=pointer)


class UnknownRole(Rule):
    """## What it does
    Reports a message whose role the input format does not define (e.g. `"role": "bot"` in a
    messages record, `"from": "agent"` in a ShareGPT one).

    ## Why is this bad?
    Chat templates only render known roles: an unknown one raises an error or, worse, is rendered
    as plain text with no turn markers, teaching the model a format it never sees in production.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "快递到哪了？"}, {"role": "bot", "content": "您的快递已到达上海转运中心。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "快递到哪了？"}, {"role": "assistant", "content": "您的快递已到达上海转运中心。"}]}
    ```
    """

    code = "S002"
    name = "unknown-role"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        for m in record.messages or ():
            if m.role and m.role not in ROLES and isinstance(m.raw_role, str):
                yield self.finding(
                    f"unknown role {m.raw_role!r} (expected one of: {_known_roles(record)})",
                    pointer=m.role_pointer or m.pointer,
                )


def _known_roles(record: Record) -> str:
    fmt = record.file.input_format
    return getattr(fmt, "role_names", None) or "system, user, assistant, tool"


def unrecognised_message(data: Any) -> str:
    """What S001 says, once per file, when no input format claims the file's records."""
    from sftlint.plugins import default_registry

    keys = list(data)[:8] if isinstance(data, dict) else []
    shown = ", ".join(repr(k) for k in keys) + (", ..." if isinstance(data, dict) and len(data) > 8 else "")
    names = ", ".join(sorted(default_registry().formats))
    turns = next((k for k in keys if isinstance(data.get(k), list)), None)
    hint = f'messages = "{turns}", ' if turns else 'messages = "<column>", '
    return (
        f"the file matches no known input format (its first record has the keys {shown or 'none'}); "
        f"reported once for the whole file. Pass --format NAME ({names}) or map the columns in "
        f'[tool.sftlint.format] ({hint}role = "<key>", content = "<key>")'
    )


class EmptyContent(Rule):
    """## What it does
    Reports a message whose content is empty, only whitespace, or only invisible characters
    (zero-width spaces, word joiners, byte-order marks, soft hyphens: text that shows
    nothing), or missing where the trainer reads a missing field as empty (an XTuner exchange
    without `input`: the finding names the key and points at the exchange).  An assistant turn that only calls tools, and a message made only of images, are
    not empty; nor is a content that is an object or a number instead of text (S001 reports
    its type).

    ## Why is this bad?
    An empty user turn teaches the model to answer nothing; an empty assistant turn teaches it to
    stop talking.  Both usually come from a failed export.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "优惠券怎么用？"}, {"role": "assistant", "content": "  "}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "优惠券怎么用？"}, {"role": "assistant", "content": "下单时在结算页选择可用的优惠券即可抵扣。"}]}
    ```
    """

    code = "S003"
    name = "empty-content"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        for m in record.messages or ():
            content = m.content
            stripped = content.strip()
            if stripped and (stripped.isascii() or not is_blank(stripped)):
                continue
            if m.tool_calls:
                continue
            if m.has_media:
                continue
            if not content and _holds_no_text(record.data, m.content_pointer):
                continue  # an object or a number where the text belongs: S001 reports its type
            if not content and (where := _absent_key(record.data, m.content_pointer)) is not None:
                # a field the format reads as empty when it is left out (XTuner's ``input``):
                # pointed at the object that lacks it
                parent, key = where
                yield self.finding(
                    f"{m.role or 'message'} content is missing: no “{key}” here (read as empty)",
                    pointer=parent,
                )
                continue
            if stripped:
                what = f"only invisible characters ({invisible_names(stripped)})"
            else:
                what = "whitespace only" if content else "empty"
            yield self.finding(f"{m.role or 'message'} content is {what}", msg=m)


def _absent_key(data: Any, pointer: str) -> tuple[str, str] | None:
    """``(parent pointer, key)`` where ``pointer`` names a key its object does not have (a
    message made for a field the format reads as empty when absent); None otherwise."""
    parent, _, key = pointer.rpartition("/")
    if not key or "~" in key:
        return None
    from sftlint.analysis.tools import resolve

    obj = resolve(data, parent) if parent else data
    return (parent, key) if isinstance(obj, dict) and key not in obj else None


def _holds_no_text(data: Any, pointer: str) -> bool:
    """Whether the value at ``pointer`` is neither text nor absent: an object or a number
    (HammerBench writes a call as ``{"role": "function call", "content": {"name", "arguments"}}``).
    Such a value is not empty, only not a string; S001 names its type."""
    from sftlint.analysis.tools import resolve

    return not isinstance(resolve(data, pointer), (str, list, type(None)))


class RoleOrder(Rule):
    """## What it does
    Checks the order of turns: after an optional leading system message, user and assistant
    alternate, starting with the user; tool results only follow an assistant turn that called a
    tool (or another tool result), and are followed by the assistant.  A tool is called either
    structurally (`tool_calls`, `function_call`) or in the turn's text by a ReAct action line
    (`Action: search` / `Action Input: …`, `Action: search[…]`, `行动：…`), as agent datasets
    in the line and inline layouts write it, or by a chat template's call markup (Hermes/Qwen
    `<tool_call>`, glaive `<functioncall>`, Mistral `[TOOL_CALLS]`, Llama 3.1 `<|python_tag|>`,
    Qwen `✿FUNCTION✿`).  A record with no structured tools at all (no `tools` field, no
    structured call) may define its own call syntax in the system prompt (`Respond with tool calls
    in this format:` / `invoke tool tool_name with arg1 is value1`): an assistant line that starts
    with the words a line of the system prompt starts with (its first two) is a call in that
    syntax.  A call that is never answered is C004's finding, not this rule's.

    ## Why is this bad?
    Two user turns in a row, or an assistant answering itself, are usually a merge or export bug;
    chat templates of several model families reject such conversations outright.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "我想退货"}, {"role": "user", "content": "订单号是123456"}, {"role": "assistant", "content": "好的，已为您提交退货申请。"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "我想退货，订单号是123456"}, {"role": "assistant", "content": "好的，已为您提交退货申请。"}]}
    ```
    """

    code = "S004"
    name = "role-order"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        if not record.conversational:
            return  # a document (TRL's language-modeling text) has no turns to order
        prev: Message | None = None
        for m in record.messages or ():
            role = m.role
            if role == "system" or role not in ROLES:
                continue
            problem = None
            prole = prev.role if prev is not None else None
            if role == "user":
                if prole == "user":
                    problem = "two user turns in a row"
                elif prole == "tool":
                    problem = "a user turn follows a tool result; the assistant should answer it first"
            elif role == "assistant":
                if prole is None:
                    problem = "the conversation starts with an assistant turn; it should start with the user"
                elif (
                    prole == "assistant"
                    and m.raw_role != CALL_ROLE  # ms-swift: the calls of a turn that thought first
                    and not (prev.tool_calls or calls_in_text(prev.content))
                ):
                    problem = "two assistant turns in a row"
            elif role == "tool" and not (
                prole == "tool"
                or (
                    prole == "assistant"
                    and (
                        prev.tool_calls
                        or acts_in_text(prev.content)
                        or calls_in_text(prev.content)
                        or _calls_in_prompt_syntax(record, prev.content)
                    )
                )
            ):
                problem = "a tool result that does not follow an assistant turn calling a tool"
            if problem:
                yield self.finding(f"{problem} (message {m.index})", pointer=m.role_pointer, msg=m)
            prev = m


#: The words a line starts with, for :func:`_calls_in_prompt_syntax`: runs of letters, digits and
#: ``_`` (a call syntax's keywords; punctuation between them is left out).
_LEADING_WORDS = re.compile(r"\w+")


def _leading_words(line: str) -> tuple[str, ...] | None:
    """The first two words of ``line`` (lower case), or None where it has fewer."""
    words = _LEADING_WORDS.findall(line, 0, 200)[:2]
    return (words[0].lower(), words[1].lower()) if len(words) == 2 else None


def _calls_in_prompt_syntax(record: Record, text: str) -> bool:
    """Whether an assistant turn calls a tool in a syntax the record's system prompt defines: the
    record has no structured tools (no ``tools`` field, no structured call: it cannot call any
    other way) and a line of the turn starts with the two words a line of the system prompt
    starts with (`invoke tool list_dir with path is /tmp` under the prompt's `invoke tool
    tool_name with arg1 is value1`)."""
    if not text:
        return False
    msgs = record.messages or ()
    system = next((m.content for m in msgs if m.role == "system" and m.content), None)
    if not system or any(m.tool_calls for m in msgs) or tools_field(record) is not None:
        return False
    shown = {w for line in system.splitlines() if (w := _leading_words(line)) is not None}
    return any(_leading_words(line) in shown for line in text.splitlines())


class NoFinalAssistant(Rule):
    """## What it does
    Reports a conversation whose last message is not the assistant's.

    ## Why is this bad?
    With assistant-only loss the model learns only from assistant turns: a trailing user or tool
    turn is wasted, and it usually means the answer was cut off in export.

    Agent trajectories that end with an environment turn are reported too, on purpose.
    FireAct's records end `Action: finish[…]`, then a user turn `Observation: Episode finished,
    reward = True`.  The rule is right there, for three reasons: (1) nothing is learned from that
    turn (it is not the assistant's), so it only costs tokens; (2) trainers that read turns in
    user/assistant pairs drop the whole record: LLaMA-Factory's converter logs "Invalid message
    count" and "Skipping this abnormal example" for a conversation with an odd number of turns,
    so every assistant turn of the trajectory is lost without an error; (3) the turn holds the
    episode's reward, which is a label for filtering, not something the model will see: in
    production the episode ends at `finish[…]`.  Drop the turn (keep the reward as a field of
    the record).  The message names this case.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "会员怎么续费？"}, {"role": "assistant", "content": "在“我的-会员中心”点击续费即可。"}, {"role": "user", "content": "好的谢谢"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "会员怎么续费？"}, {"role": "assistant", "content": "在“我的-会员中心”点击续费即可。"}, {"role": "user", "content": "好的谢谢"}, {"role": "assistant", "content": "不客气，祝您生活愉快！"}]}
    ```
    """

    code = "S005"
    name = "no-final-assistant"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        msgs = [m for m in record.messages or () if m.role]
        if not msgs:
            return
        last = msgs[-1]
        if last.role in ROLES and last.role != "assistant":  # unknown roles: S002
            if last.role == "tool" or (any(m.role == "assistant" for m in msgs) and observes(last.content)):
                message = (
                    f"the record ends with an observation ({last.role} turn) after the assistant's last turn; "
                    "nothing is learned from it, and trainers that pair turns drop the whole record"
                )
            else:
                message = (
                    f"the last message is the {last.role}'s, not the assistant's; nothing is learned from it"
                )
            yield self.finding(message, pointer=last.role_pointer, msg=last)


class MisplacedSystem(Rule):
    """## What it does
    Reports a system message that is not the first message, and every system message after the first.

    ## Why is this bad?
    Chat templates put the system prompt first; a system message in the middle is rendered in a
    place the model never sees in production, or rejected by the template.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "你好"}, {"role": "system", "content": "你是客服助手。"}, {"role": "assistant", "content": "您好！"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "system", "content": "你是客服助手。"}, {"role": "user", "content": "你好"}, {"role": "assistant", "content": "您好！"}]}
    ```
    """

    code = "S006"
    name = "misplaced-system"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        seen = False
        for k, m in enumerate(record.messages or ()):
            if m.role != "system":
                continue
            if k > 0:
                why = "a second system message" if seen else "a system message that is not the first message"
                yield self.finding(why, pointer=m.role_pointer, msg=m)
            seen = True


def quoted_whole(text: str) -> tuple[int, int, bool] | None:
    """Where ``text`` is one quoted string literal, as Python's ``repr`` or a second JSON
    encoding writes a string: ``(start, end, escaped)``, the places of its opening and closing
    quote (``'`` or ``"``, the same) with only spaces around them, the quote character inside
    only escaped (``\\'``), some text inside, and whether there is an escape inside; else None.
    ``"A" and "B"``, ``'Hello,' she said`` and a quote that opens and never closes are not."""
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip()) - 1
    if end - start < 2:
        return None
    quote = text[start]
    if quote not in "'\"" or text[end] != quote:
        return None
    inner = text[start + 1 : end]
    if not inner.strip() or not any(c.isalnum() for c in inner):
        return None
    escaped = "\\" in inner
    k = inner.find(quote)
    while k >= 0:
        backslashes = len(inner[:k]) - len(inner[:k].rstrip("\\"))
        if backslashes % 2 == 0:  # the quote closes the literal before its end
            return None
        k = inner.find(quote, k + 1)
    return start, end, escaped


class QuotedSystemPrompt(Rule):
    """## What it does
    Reports a system prompt written as a quoted string literal: the whole prompt inside a pair
    of `'` or `"`, as Python's `repr()` or a second JSON encoding writes a string
    (`"'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.'"`), with the
    quote character only escaped inside.  A prompt that quotes something inside it (`You are
    "Xiaozhi", …`), or that begins and ends with two different quotations, is not reported;
    nor are user turns and replies, where a whole answer in quotes is often the answer asked
    for (a title, a slogan, a line of dialogue).

    ## Why is this bad?
    The system prompt is meant to be the text production sends (the first thing to check in
    an SFT dataset: the training prompt and the production prompt are the same).  A prompt
    serialised twice on its way into the file trains the model on quotes (and `\\n` written
    out) that the production prompt never has, in every record that carries it.

    ## Example
    ```json
    {"messages": [{"role": "system", "content": "'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.'"}, {"role": "user", "content": "你好"}, {"role": "assistant", "content": "你好！有什么可以帮你？"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "system", "content": "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."}, {"role": "user", "content": "你好"}, {"role": "assistant", "content": "你好！有什么可以帮你？"}]}
    ```

    ## Fix availability
    Sometimes: where nothing inside the quotes is escaped, the fix removes the two quotes
    (unsafe: it changes the text trained on, which is the point).  A prompt with escapes inside
    is left to you: whether `\\n` was a line break depends on how it was written.
    """

    code = "S017"
    name = "quoted-system-prompt"
    severity = "warning"
    fix_availability = "sometimes"

    def check(self, record: Record) -> Iterator[Finding]:
        for m in record.messages or ():
            if m.role != "system" or not m.content:
                continue
            found = quoted_whole(m.content)
            if found is None:
                continue
            start, end, escaped = found
            text = m.content
            shown = text[start : start + 40] + ("…" if end - start >= 40 else "")
            fix = None
            if not escaped:
                edits = []
                for at in (start, end):
                    pointer, span = m.resolve((at, at + 1))
                    assert span is not None
                    edits.append(Edit(pointer, span[0], span[1], ""))
                if edits[0].pointer == edits[1].pointer:
                    fix = Fix("remove the quotes around the system prompt", tuple(edits), "unsafe")
            yield self.finding(
                f"the system prompt is a quoted string ({shown}): the model trains on quotes "
                "that the prompt sent in production does not have",
                msg=m,
                span=(start, end + 1),
                fix=fix,
            )


class TemplatePlaceholderOptions(RuleOptions):
    #: Regular expression of an unfilled template variable.
    pattern: str = r"\{\{\s*[A-Za-z_][\w.\-]*\s*\}\}|\{%-?\s*\w[^%]*%\}"
    #: Skip text inside Markdown code (``` fences and `inline`) and texts that are code themselves:
    #: templates there are usually examples, or the code asked for.
    skip_code: bool = True

    @field_validator("pattern")
    @classmethod
    def _valid_pattern(cls, value: str) -> str:
        return check_pattern(value)


_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.S)
#: what comes right before a LaTeX group written with doubled braces (``\text{{J}}``): a command name
_LATEX_BEFORE = re.compile(r"\\[A-Za-z]+\*?$")


class TemplatePlaceholder(Rule):
    """## What it does
    Reports unfilled template variables such as `{{name}}` left in content.  Doubled braces
    that are a LaTeX group (`$\\text{{J}}(a,b,c)$`: right after a command name) or an
    expression of a CI workflow quoted in the text (GitHub Actions' `${{ github.repository }}`)
    are not template variables, and neither are the braces of a text that is unfenced template
    code itself (a Jinja HTML page or an Angular component answering "write the page": at least
    30% of its lines look like code once its placeholders are blanked out; or it pipes an
    expression through a filter, `{{ amount | currency }}`, as only template source does).

    ## Why is this bad?
    The model learns to say "I am {{name}}" literally.  It happens when a template was exported
    before its variables were filled in.

    ## Example
    ```json
    {"instruction": "你是谁？", "input": "", "output": "我是{{name}}，由{{author}}开发的智能客服。"}
    ```

    ## Use instead
    ```json
    {"instruction": "你是谁？", "input": "", "output": "我是小智，由某某科技开发的智能客服。"}
    ```

    ## Options
    - `pattern`: the regular expression of a placeholder.
    - `skip-code`: ignore placeholders inside Markdown code, and in a text that is code itself
      (default true).

    ## Fix availability
    None: the value to put in is not in the data.
    """

    code = "S007"
    name = "template-placeholder"
    severity = "warning"
    Options = TemplatePlaceholderOptions

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        # a configured pattern runs with a time limit (it may backtrack); the default is linear
        self._pattern: Any = re.compile(self.options.pattern)
        if self.options.pattern != TemplatePlaceholderOptions.model_fields["pattern"].default:
            self._pattern = UserPattern(self.options.pattern, "rules.template-placeholder.pattern")
        # Cheap pre-filter for the default pattern: no brace, no placeholder.
        default = TemplatePlaceholderOptions.model_fields["pattern"].default
        self._needle = "{" if self.options.pattern == default else ""

    def check(self, record: Record) -> Iterator[Finding]:
        pattern = self._pattern
        for m in record.messages or ():
            text = m.content
            if self._needle not in text:
                continue
            code_starts: list[int] = []
            code_ends: list[int] = []
            if self.options.skip_code and "`" in text:
                for c in _CODE.finditer(text):
                    code_starts.append(c.start())
                    code_ends.append(c.end())
            hits = list(pattern.finditer(text))
            if hits and self.options.skip_code and _template_code(text, hits):
                continue  # the text is template code itself: its braces are its syntax
            for hit in hits:
                s, e = hit.span()
                k = bisect_right(code_starts, s) - 1  # the code spans do not overlap: one to test
                if k >= 0 and s < code_ends[k]:
                    continue
                if s and text[s - 1] == "$":
                    continue  # ${{ github.sha }}: a workflow expression the text quotes, evaluated by CI
                if s and _LATEX_BEFORE.search(text, max(0, s - 40), s):
                    continue  # \text{{J}}: a LaTeX argument in braces, not a variable
                yield self.finding(f"unfilled template variable {hit.group()!r}", msg=m, span=(s, e))


#: a template expression piped through a filter (Jinja ``{{ name|upper }}``, Angular
#: ``{{ amount | currency }}``, ``{{ d | date:'short' }}``): what template source writes, never a
#: variable a pipeline forgot to fill
_FILTER_EXPRESSION = re.compile(r"\{\{[^{}|\n]*[\w\])]\s*\|\s*[A-Za-z_]\w*[^{}\n]*\}\}")


def _template_code(text: str, hits: list[Any]) -> bool:
    """Whether ``text`` is mostly unfenced code once its placeholders are blanked out (a line
    whose only code-like trait is a ``{{ … }}`` at its end is not code): an HTML page written as a
    Jinja template, an Angular component with ``{{book.title}}`` in its template.  A
    code-instruction dataset writes its answers so, without Markdown fences."""
    from sftlint.analysis.text.language import is_code

    if _FILTER_EXPRESSION.search(text) is not None:
        return True  # {{ amount | currency }}: an expression with a filter is template source
    pieces, pos = [], 0
    for hit in hits:
        pieces.append(text[pos : hit.start()])
        pieces.append(" ")
        pos = hit.end()
    pieces.append(text[pos:])
    return is_code("".join(pieces))


@compact_pickle
@dataclass(slots=True)
class _TokenPlace:
    pointer: str
    span: tuple[int, int]
    token: str
    role: str
    loc: Location  # where it is, and the excerpt a reporter shows


@compact_pickle
@dataclass(slots=True)
class TokenTally:
    """What S008 keeps of one record: whether it was checked and holds control tokens, and where."""

    ref: RecordRef
    record_hash: str | None
    records: int = 0
    with_tokens: int = 0
    places: list[_TokenPlace] = field(default_factory=list)
    more: int = 0  # tokens past the places kept (Rule.places_per_record), counted only


class TemplateToken(Rule):
    """## What it does
    Reports a chat template's control token written in a message's text: `<|im_start|>`,
    `<|im_end|>`, `<|endoftext|>` (ChatML, Qwen, GPT), `<|start_header_id|>`, `<|eot_id|>`
    (Llama 3), `[INST]`, `[/INST]`, `<<SYS>>`, `<s>`, `</s>` (Llama 2, Mistral),
    `<start_of_turn>`, `<end_of_turn>` (Gemma), `<|user|>`, `<|assistant|>`, `<|end|>`
    (Phi-3, GLM), `<｜User｜>`, `<｜end▁of▁sentence｜>` (DeepSeek), and any token of
    `extra-tokens`.  Code (a fenced block or an inline span that explains a template) and
    HTML's strike-through `<s>…</s>` on one line are left alone.  A file where more than
    `max-share` (half) of the records hold such tokens, in a file of at least 20 records,
    writes them on purpose (a dataset exported already templated for its own trainer) and is
    not judged.  A reply a KTO file labels undesirable (`"label": false`) is not judged either:
    a raw model output that runs on into the next turn is what it teaches the model not to do.

    ## Why is this bad?
    The trainer applies the chat template itself, and a Hugging Face tokenizer reads the token
    in the text as the control token, not as characters: a reply holding `<|im_end|>` or
    `</s>` ends there for the model, and the rest is trained as the start of a turn that is
    nobody's.  The model learns to end its turns early, or to write the user's next turn
    itself.  It happens when a conversation was exported already templated and then wrapped
    again, when a scraper kept a model's raw output, or when a turn was glued to the next.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "退货要多久到账？"}, {"role": "assistant", "content": "审核通过后3-5个工作日原路退回。<|im_end|>\\n<|im_start|>user\\n那运费呢？"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "退货要多久到账？"}, {"role": "assistant", "content": "审核通过后3-5个工作日原路退回。"}, {"role": "user", "content": "那运费呢？"}, {"role": "assistant", "content": "退货运费由我们承担。"}]}
    ```

    ## Options
    - `roles`: which messages are checked (all of them by default: every turn goes through the
      template).
    - `extra-tokens`: further control tokens of your model's tokenizer, written literally.
    - `max-share`: the share of a file's records holding tokens from which the file is taken to
      write them on purpose.

    ## Fix availability
    None: whether the text after the token belongs to this turn, to a new one, or nowhere
    needs a person.
    """

    code = "S008"
    name = "template-token"
    severity = "error"
    scope = "dataset"

    class Options(RuleOptions):
        roles: list[str] = Field(default_factory=lambda: ["system", "user", "assistant", "tool"])
        extra_tokens: list[str] = Field(default_factory=list)
        max_share: float = Field(default=0.5, ge=0.0, le=1.0)

    def __init__(self, options: RuleOptions | None = None) -> None:
        super().__init__(options)
        tokens = [t for t in self.options.extra_tokens if t]
        self._extra = (
            re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))
            if tokens
            else None
        )

    def map(self, record: Record) -> TokenTally | None:
        roles = set(self.options.roles)
        if undesirable_reply(record):  # a KTO negative: a raw model output that runs on is the point
            roles.discard("assistant")
        tally = TokenTally(record.ref(), None, records=1)
        for m in record.messages or ():
            if m.role not in roles or not m.content:
                continue
            places = find_template_tokens(m.content, self._extra)
            if not places:
                continue
            tally.with_tokens = 1
            for x in places:
                if len(tally.places) >= self.places_per_record:
                    tally.more += 1
                    continue
                pointer, span = m.resolve((x.start, x.end))
                assert span is not None
                loc = record.locate(pointer, span)
                tally.places.append(_TokenPlace(pointer, span, x.token, m.role, loc))
        if tally.places:
            tally.record_hash = record.content_hash
        return tally

    def collector(self) -> FileTallies:
        return FileTallies("records", "with_tokens")

    def reduce(self, summaries: Iterable[TokenTally]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        for path, tallies in coll.kept.items():
            if coll.convention(path, self.options.max_share):
                continue  # the file writes templated text on purpose
            for t in tallies:
                last = len(t.places) - 1
                for k, p in enumerate(t.places):
                    f = self.placed(
                        f"chat template token “{p.token}” written in {p.role} text: once the trainer applies"
                        " the template, the model reads a turn boundary here",
                        t,
                        p,
                    )
                    if k == last:
                        f.count += t.more
                    yield f


# ---------------------------------------------------------------------------
# S009


@compact_pickle
@dataclass(slots=True)
class _TurnPlace:
    pointer: str
    span: tuple[int, int]
    label: str
    line_text: str
    cut: tuple[int, int] | None  # the reply's own text ends here (span of what a fix removes)
    loc: Location  # where it is, and the excerpt a reporter shows


@compact_pickle
@dataclass(slots=True)
class TurnTally:
    """What S009 keeps of one record: its replies, how many of them are written dialogues on
    purpose (the file's convention), and the turns glued into a reply."""

    ref: RecordRef
    record_hash: str | None
    replies: int = 0
    dialogues: int = 0
    places: list[_TurnPlace] = field(default_factory=list)


class EmbeddedTurn(Rule):
    r"""## What it does
    Reports an assistant reply that goes on to write the user's next turn as plain text:
    `…you can use Git LFS.\n\nUser: can you explain why…`, `\n<human>: …`, a Markdown heading
    `Human:` or `User:` (as Alpaca-style templates write it),
    `**User:** …`, `\n用户：那要吃什么药？`, `\n人类：…`; the result of raw transcripts split in the
    wrong place.  A speaker line starts a line, or follows the end of a sentence or a closing
    tag with no space (`Storage.</p>User: …`).

    Dialogue written on purpose is left alone: a reply that begins as a script or a
    conversation (`用户：嗨 AI…\n\nAI: 你好！`, `猫：喵。`, `Person 1: …`), a conversation whose system
    prompt or user turns ask for one (dialogue, conversation, chat, script, role-play, format,
    prompt, 对话, 剧本, 扮演, 格式, 模拟 …), a reply whose paragraph before the speaker line
    introduces it (an example, 例如, a line ending with a colon), code, quoted lines, and
    labels that are not a speaker's (`Observation:` belongs to R011).  A file where more than
    `max-share` (10%) of the replies are written dialogues, in a file of at least 20 replies,
    writes dialogue in replies by convention and is not judged.  A reply a KTO file labels
    undesirable (`"label": false`) is not judged either: running on into the next turn is what
    it teaches the model not to do.

    ## Why is this bad?
    The model learns to end its answer by inventing the user's next message, and in
    production it goes on talking for the user.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "How do I install Git LFS on Ubuntu?"}, {"role": "assistant", "content": "Run `sudo apt install git-lfs`, then `git lfs install` once per user account.\n\nUser: can you please explain why Git LFS is necessary for large repositories?"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "How do I install Git LFS on Ubuntu?"}, {"role": "assistant", "content": "Run `sudo apt install git-lfs`, then `git lfs install` once per user account."}, {"role": "user", "content": "can you please explain why Git LFS is necessary for large repositories?"}, {"role": "assistant", "content": "Git stores every version of every file; Git LFS keeps large files outside the history and fetches them on demand."}]}
    ```

    ## Options
    `max-share`: the share of a file's replies that are written dialogues from which the file
    is taken to write dialogue in replies on purpose.

    ## Fix availability
    Sometimes, and **unsafe**: the reply is cut before the speaker line (the glued turn and
    anything after it removed); making it a turn of its own needs a person.
    """

    code = "S009"
    name = "embedded-turn"
    severity = "warning"
    scope = "dataset"
    fix_availability = "sometimes"

    class Options(RuleOptions):
        max_share: float = Field(default=0.1, ge=0.0, le=1.0)

    def map(self, record: Record) -> TurnTally | None:
        messages = record.messages or ()
        tally: TurnTally | None = None
        # a KTO negative runs on on purpose; a document (TRL's language-modeling text) has no
        # turns, and the dialogue it holds is its own
        judged = record.conversational and not undesirable_reply(record)
        asked: bool | None = None  # whether the conversation asks for dialogue (read when needed)
        for m in messages:
            if m.role != "assistant":
                continue
            if tally is None:
                tally = TurnTally(record.ref(), None)
            tally.replies += 1
            if not m.content:
                continue
            found, dialogue = read_reply(m.content)
            if found is not None and judged:
                if asked is None:
                    asked = any(
                        asks_for_dialogue(p.content)
                        for p in messages
                        if p.role in ("system", "user") and p.content
                    )
                if not asked:
                    self._place(record, m, found, tally)
                    continue
                dialogue = True  # asked for: a dialogue on purpose
            tally.dialogues += dialogue
        if tally is not None and tally.places:
            tally.record_hash = record.content_hash
        return tally

    @staticmethod
    def _place(record: Record, m: Message, found: Any, tally: TurnTally) -> None:
        pointer, span = m.resolve((found.start, found.end))
        assert span is not None
        loc = record.locate(pointer, span)
        whole_pointer, whole = m.resolve((0, len(m.content)))
        cut = (
            (found.cut, len(m.content)) if whole_pointer == pointer and whole == (0, len(m.content)) else None
        )
        tally.places.append(
            _TurnPlace(
                pointer,
                span,
                found.label,
                found.line,
                cut,
                loc,
            )
        )

    def collector(self) -> FileTallies:
        return FileTallies("replies", "dialogues")

    def reduce(self, summaries: Iterable[TurnTally]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        for path, tallies in coll.kept.items():
            if coll.convention(path, self.options.max_share):
                continue  # the file's replies write dialogue on purpose
            for t in tallies:
                for p in t.places:
                    said = p.line_text if len(p.line_text) <= 40 else p.line_text[:39] + "…"
                    fix = None
                    if p.cut is not None:
                        fix = Fix(
                            "cut the reply before the user's turn",
                            (Edit(p.pointer, p.cut[0], p.cut[1], ""),),
                            "unsafe",
                        )
                    yield self.placed(
                        f"the reply goes on with the user's next turn written as text (“{p.label.strip()} {said}”):"
                        " the model learns to write the user's messages itself",
                        t,
                        p,
                        fix=fix,
                    )


def _json_type(value: Any) -> str:
    from sftlint.formats.base import _json_type as jt

    return jt(value)


# ---------------------------------------------------------------------------
# S010

#: LLaMA-Factory's (and ms-swift's) media fields, with the placeholder each media item needs in the turns
MEDIA_PLACEHOLDERS = (("images", "<image>"), ("videos", "<video>"), ("audios", "<audio>"))


class MediaPlaceholders(Rule):
    """## What it does
    In a multimodal record that lists its media in `images`, `videos` or `audios` (LLaMA-Factory's
    and ms-swift's layout) and marks where each goes with a placeholder in the turns (`<image>`,
    `<video>`, `<audio>`), reports a record whose placeholders and media do not match in number:
    three images and two `<image>` tags, or an `<image>` tag with no image listed.  A record with
    media and no placeholder at all is left alone (some trainers put the media first then), and so
    is a placeholder in a record without the media field (a text about HTML).

    ## Why is this bad?
    LLaMA-Factory stops with "The number of images does not match the number of <image> tokens"
    (and the same for videos and audio) when it reaches the record; a trainer that does not check
    pairs each image with the wrong place in the text, or drops the ones left over.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "<image>这两张图有什么不同？"}, {"role": "assistant", "content": "左图是白天，右图是夜晚。"}], "images": ["data/day.jpg", "data/night.jpg"]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "<image><image>这两张图有什么不同？"}, {"role": "assistant", "content": "左图是白天，右图是夜晚。"}], "images": ["data/day.jpg", "data/night.jpg"]}
    ```
    """

    code = "S010"
    name = "media-placeholders"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        data = record.data
        if type(data) is not dict:
            return
        for key, tag in MEDIA_PLACEHOLDERS:
            media = data.get(key)
            if key not in data or not isinstance(media, (list, str)):
                continue
            n_media = len(media) if isinstance(media, list) else 1
            n_tags = sum(m.content.count(tag) for m in record.messages or () if m.role != "system")
            if n_tags == 0 or n_tags == n_media:
                continue
            kind = key[:-1]
            yield self.finding(
                f"{n_media} {kind}{'' if n_media == 1 else 's'} in `{key}` but {n_tags} `{tag}` "
                f"placeholder{'' if n_tags == 1 else 's'} in the turns: each {kind} needs its own "
                f"(LLaMA-Factory stops at this record)",
                pointer=f"/{key}",
            )


# ---------------------------------------------------------------------------
# S011


def templated_text(record: Record) -> tuple[str, Any] | None:
    """The ``text`` of a transcript record and the chat template it was written with (S011,
    S012), or None."""
    data = record.data
    text = data.get("text") if type(data) is dict else None
    if type(text) is not str or record.format != "transcript":
        return None
    from sftlint.formats.chat_templates import template_of

    template = template_of(text)
    return None if template is None else (text, template)


def end_of_content(text: str, end: int) -> int:
    """Where ``text[:end]`` ends once trailing whitespace is dropped (``len(text[:end].rstrip())``
    without copying the prefix: once per turn, that copy made a text of many turns quadratic)."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


class UnclosedTurn(Rule):
    """## What it does
    In text already put through a chat template whose turns each end with a token (a `text`
    field holding ChatML's `<|im_start|>user\\n…<|im_end|>`, Llama 3's `…<|eot_id|>` or
    Gemma's `<start_of_turn>user\\n…<end_of_turn>`, as data prepared for TRL's text field is),
    reports a turn that is not closed with that token: the next turn's header comes first, or
    the text ends.  A text that ends with an open assistant header and nothing after it (a
    generation prompt) is reported as an empty assistant turn (S003) instead.  Templates that
    may leave the end out (Llama 2's `</s>`, Vicuna's, the Alpaca prompt) are not judged.

    ## Why is this bad?
    The model learns to stop where its training text shows the end token.  An assistant turn
    without it teaches the model to run on into the next turn (writing the user's part itself)
    or never to stop; a user turn without it merges into the reply.

    ## Example
    ```json
    {"text": "<|im_start|>user\\n退货要多久到账？<|im_end|>\\n<|im_start|>assistant\\n审核通过后3-5个工作日原路退回。"}
    ```

    ## Use instead
    ```json
    {"text": "<|im_start|>user\\n退货要多久到账？<|im_end|>\\n<|im_start|>assistant\\n审核通过后3-5个工作日原路退回。<|im_end|>\\n"}
    ```
    """

    code = "S011"
    name = "unclosed-turn"
    severity = "error"

    def check(self, record: Record) -> Iterator[Finding]:
        found = templated_text(record)
        if found is None or found[1].end_token is None:
            return
        from sftlint.formats.chat_templates import unclosed_turns

        text, template = found
        for turn, before_next in unclosed_turns(text, template):
            at = end_of_content(text, turn.end)
            yield self.finding(
                f"the {turn.raw_role or 'unnamed'} turn is not closed with `{template.end_token}` before "
                + ("the next turn" if before_next else "the text ends")
                + ": the model learns to run on past it",
                pointer="/text",
                span=(max(0, at - 1), at) if at else None,
            )


# ---------------------------------------------------------------------------
# S012


class MissingEos(FileVoteMixin, Rule):
    """## What it does
    In text already put through a chat template that may leave the end of a reply out (Llama 2
    and Mistral's `<s>[INST] … [/INST] … </s>`, Vicuna's `ASSISTANT: …</s>`, Zephyr's and
    Phi-3's `<|assistant|>\\n…</s>` or `<|end|>`, an Alpaca prompt closed with `</s>`), reports
    an assistant turn that does not end with the end-of-sequence token where most of the file's
    assistant turns do.  A file that writes it nowhere leaves it to the trainer (which may add
    it) and is not judged, and so is a reply that is empty (S003's).  Templates whose every turn
    must end with a token (ChatML, Llama 3, Gemma) are [S011](S011.md)'s.

    ## Why is this bad?
    The model learns where a reply stops from the token after it.  The file's other replies end
    with it, so the trainer adds nothing: these replies teach the model to go on past the
    answer, into an invented next turn or until the length limit.  It is the classic cause of a
    fine-tune that never stops; often the record was cut, or built by another script.

    ## Example
    ```json
    {"text": "<s>[INST] 运费谁出？ [/INST] 质量问题的退货运费由我们承担。 </s>"}
    {"text": "<s>[INST] 可以换货吗？ [/INST] 可以，签收后七天内可在订单页申请换货。 </s>"}
    {"text": "<s>[INST] 退货要多久到账？ [/INST] 审核通过后3-5个工作日原路退回。"}
    ```

    ## Use instead
    ```json
    {"text": "<s>[INST] 运费谁出？ [/INST] 质量问题的退货运费由我们承担。 </s>"}
    {"text": "<s>[INST] 可以换货吗？ [/INST] 可以，签收后七天内可在订单页申请换货。 </s>"}
    {"text": "<s>[INST] 退货要多久到账？ [/INST] 审核通过后3-5个工作日原路退回。 </s>"}
    ```

    ## Options
    `majority`: the share of the file's assistant turns that must end with the token before the
    others are reported.
    """

    code = "S012"
    name = "missing-eos"
    severity = "error"
    scope = "dataset"

    class Options(RuleOptions):
        majority: float = Field(default=0.5, ge=0.0, lt=1.0)

    def map(self, record: Record) -> Tally | None:
        found = templated_text(record)
        if found is None or not found[1].eos:
            return None
        from sftlint.formats.chat_templates import template_turns

        text, template = found
        having = 0
        lacking: list[Missing] = []
        for turn in template_turns(text, template):
            if turn.role != "assistant":
                continue
            if turn.closed:
                having += 1
                continue
            at = end_of_content(text, turn.end)
            if at <= turn.start:
                continue  # an empty reply (or a generation prompt): S003's
            loc = record.locate("/text", (at - 1, at))
            lacking.append(("/text", loc.line, loc.column, (at - 1, at), template.eos))  # type: ignore[arg-type]
        path = record.file.path
        if not lacking:
            return clean_tally(path, having) if having else None
        return tuple.__new__(
            Tally, (path, False, having, tuple(lacking), record.index, record.line, record.end_line)
        )

    def lacking(self, m: Any, reason: str) -> tuple[str, tuple[int, int]]:
        return (
            f"the assistant's reply does not end with the end-of-sequence token ({m[4]}), as {reason} "
            "do: the model learns to go on past the answer",
            m[3],
        )

    def lacking_summary(self, n: int, reason: str) -> str:
        return (
            f"{n:,} more assistant replies do not end with the end-of-sequence token, as {reason} do "
            "(not listed one by one)"
        )


# ---------------------------------------------------------------------------
# S013

#: Records of each minority template listed one by one per file; the rest are counted in one finding.
TEMPLATES_LISTED = 1_000


@dataclass(frozen=True, slots=True)
class _TemplateUse:
    """S013's summary of one templated record: which chat template its text is written with."""

    ref: RecordRef
    record_hash: str
    template: str


class _TemplateCollector:
    """S013's summaries: per file, how many records use each template, and the first
    :data:`TEMPLATES_LISTED` records of each (so memory stays bounded however large the file).
    Its own piece: ``merge`` adds a range's counts and keeps the first records in order, as
    appending the range's summaries one by one would."""

    __slots__ = ("counts", "kept")

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}
        self.kept: dict[tuple[str, str], list[_TemplateUse]] = {}

    def append(self, use: _TemplateUse) -> None:
        counts = self.counts.setdefault(use.ref.path, {})
        counts[use.template] = counts.get(use.template, 0) + 1
        kept = self.kept.setdefault((use.ref.path, use.template), [])
        if len(kept) < TEMPLATES_LISTED:
            kept.append(use)

    def piece(self) -> _TemplateCollector:
        return _TemplateCollector()

    def merge(self, piece: _TemplateCollector) -> None:
        for path, counts in piece.counts.items():
            mine = self.counts.setdefault(path, {})
            for name, n in counts.items():
                mine[name] = mine.get(name, 0) + n
        for key, uses in piece.kept.items():
            kept = self.kept.setdefault(key, [])
            kept.extend(uses[: TEMPLATES_LISTED - len(kept)])


class MixedTemplates(Rule):
    """## What it does
    In a file of text already put through chat templates (TRL's `text` field), reports the
    records written with another template than the one most of the file's records use: a
    Llama 2 `[INST] … [/INST]` record among ChatML ones, a Vicuna `USER: … ASSISTANT:` one among
    Llama 3 ones.  The message names the file's template and the counts.  Past 1,000 records of
    one other template, the rest are counted in one finding.

    ## Why is this bad?
    Each record teaches the model the control strings of the template it was written with; the
    model's tokenizer knows only its own.  A merge of data prepared for two models trains the
    other model's markers as plain text (`[INST]` in a Qwen model's replies) and splits what the
    model learns about where turns begin and end.

    ## Example
    ```json
    {"text": "<|im_start|>user\\n运费谁出？<|im_end|>\\n<|im_start|>assistant\\n质量问题的退货运费由我们承担。<|im_end|>\\n"}
    {"text": "<|im_start|>user\\n可以换货吗？<|im_end|>\\n<|im_start|>assistant\\n可以，签收后七天内可在订单页申请换货。<|im_end|>\\n"}
    {"text": "<s>[INST] 退货要多久到账？ [/INST] 审核通过后3-5个工作日原路退回。 </s>"}
    ```

    ## Use instead
    ```json
    {"text": "<|im_start|>user\\n运费谁出？<|im_end|>\\n<|im_start|>assistant\\n质量问题的退货运费由我们承担。<|im_end|>\\n"}
    {"text": "<|im_start|>user\\n可以换货吗？<|im_end|>\\n<|im_start|>assistant\\n可以，签收后七天内可在订单页申请换货。<|im_end|>\\n"}
    {"text": "<|im_start|>user\\n退货要多久到账？<|im_end|>\\n<|im_start|>assistant\\n审核通过后3-5个工作日原路退回。<|im_end|>\\n"}
    ```
    """

    code = "S013"
    name = "mixed-templates"
    severity = "warning"
    scope = "dataset"

    def map(self, record: Record) -> _TemplateUse | None:
        found = templated_text(record)
        if found is None:
            return None
        return _TemplateUse(record.ref(), record.content_hash, found[1].name)

    def collector(self) -> _TemplateCollector:
        return _TemplateCollector()

    def reduce(self, summaries: Iterable[_TemplateUse]) -> Iterator[Finding]:
        coll = self.collected(summaries)
        for path, counts in coll.counts.items():
            if len(counts) < 2:
                continue
            main = max(counts, key=lambda name: counts[name])  # (the first seen of equals)
            total = sum(counts.values())
            for name, n in counts.items():
                if name == main:
                    continue
                why = (
                    f"{counts[main]:,} of the file's {total:,} templated records use {main}: the model "
                    "learns two formats, and the other model's markers as plain text"
                )
                kept = coll.kept.get((path, name), [])
                for use in kept:
                    yield self.finding(
                        f"the text is written with the {name} template, but {why}",
                        pointer="/text",
                        ref=use.ref,
                        record_hash=use.record_hash,
                    )
                if n > len(kept):
                    yield self.finding(
                        f"{n - len(kept):,} more records are written with the {name} template (not listed "
                        f"one by one), but {why}",
                        pointer="",
                        ref=kept[-1].ref,
                    )


RULES = [
    InvalidJson,
    NotAnObject,
    BadEncoding,
    BlankLine,
    DuplicateKey,
    EmptyFile,
    RecordTooLarge,
    SchemaViolation,
    UnknownRole,
    EmptyContent,
    RoleOrder,
    NoFinalAssistant,
    MisplacedSystem,
    TemplatePlaceholder,
    TemplateToken,
    EmbeddedTurn,
    MediaPlaceholders,
    UnclosedTurn,
    MissingEos,
    MixedTemplates,
    QuotedSystemPrompt,
]

"""The :class:`Rule` base class that built-in and third-party rules subclass.

A rule is a small object with metadata (code, name, severity, scope, options,
fix availability) and one of three entry points, chosen by ``scope``:

``"file"``
    ``check_raw(raw)``: sees every raw record, including lines that failed to
    parse (the J rules).  Runs before format mapping.
``"record"``
    ``check(record)``: sees one parsed :class:`~sftlint.record.Record` at a
    time; the common case.
``"dataset"``
    ``map(record)`` returns a small picklable summary (or ``None``) per record;
    ``reduce(summaries)`` sees all of them at the end and yields findings with
    ``ref`` set.  Split this way so memory stays flat while streaming and a
    distributed engine (``--jobs``, Ray) can run the map anywhere.

The docstring follows ruff's rule-doc shape and is rendered into
``docs/rules/<CODE>.md``::

    ## What it does
    ## Why is this bad?
    ## Example
    ```json
    {...a record that triggers the rule...}
    ```
    ## Use instead
    ```json
    {...a record that passes...}
    ```

Tests run both examples.  Options are a pydantic model (``Options``), so a
wrong key or type in configuration is reported with the key's name.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from types import FunctionType
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from sftlint.diagnostic import Finding, Fix, RecordRef, Severity

if TYPE_CHECKING:
    from sftlint.reader import RawRecord
    from sftlint.record import Message, Record

Scope = Literal["file", "record", "dataset"]
FixAvailability = Literal["never", "sometimes", "always"]


class RuleOptions(BaseModel):
    """Base for per-rule options: unknown keys are errors, names are kebab or snake.

    Validators are built on first use (``defer_build``), not when a rule module is
    imported: a check that configures nothing never builds them (building the
    validators of every rule costs about a third of a pre-commit run's start).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    @classmethod
    def defaults(cls) -> RuleOptions:
        """The options with every default, without running validation.

        The defaults are the rule author's, declared with their field types, so
        validating them proves nothing; a test checks that this equals ``cls()``
        for every registered rule.

        Each default is taken here and handed to ``model_construct``, which would otherwise
        ask ``inspect.signature`` of every default factory whether it takes the validated
        data: 19M instructions for the built-in rules, a fortieth of a small check's start.
        A factory that is not a built-in container type or a function of no parameters (the
        built-in rules' lambdas) is left to ``model_construct``, which then makes them all.
        """
        values = _default_values(cls)
        if values is None:
            return cls.model_construct()
        return cls.model_construct(_fields_set=set(), **values)


#: Default factories that take no argument (pydantic calls them with none either).
_PLAIN_FACTORIES = (list, dict, set, frozenset, tuple)
_VARIADIC = 0x04 | 0x08  # CO_VARARGS | CO_VARKEYWORDS


def _default_values(cls: type[RuleOptions]) -> dict[str, Any] | None:
    """Every field's default as ``model_construct()`` makes it, by field name (required fields
    left out); None where a default factory might take the validated data."""
    values: dict[str, Any] = {}
    for name, info in cls.model_fields.items():
        factory = info.default_factory
        if factory is None:
            if not info.is_required():
                values[name] = info.get_default()  # pydantic's own copy of a mutable default
        elif factory in _PLAIN_FACTORIES or _takes_nothing(factory):
            values[name] = factory()  # type: ignore[call-arg]
        else:
            return None
    return values


def _takes_nothing(factory: Any) -> bool:
    """Whether ``factory`` is a Python function with no parameters at all."""
    code = getattr(factory, "__code__", None)
    return (
        type(factory) is FunctionType
        and code is not None
        and code.co_argcount == 0
        and code.co_kwonlyargcount == 0
        and not code.co_flags & _VARIADIC
    )


class Rule:
    """Base class for every rule.  Subclasses set the ClassVars and one entry point."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = "error"
    scope: ClassVar[Scope] = "record"
    #: Whether the rule runs when nothing selects it explicitly (T003 is off by default).
    default_enabled: ClassVar[bool] = True
    fix_availability: ClassVar[FixAvailability] = "never"
    Options: ClassVar[type[RuleOptions]] = RuleOptions
    #: File-scope rules that only report reader problems set this, so the engine
    #: calls them only for raw records that have problems (the hot path skips them).
    needs_problems: ClassVar[bool] = False
    #: Set by the plugin manager: the plugin (distribution) that provided the rule.
    plugin: ClassVar[str] = ""
    #: Record rules that share the analysis of a record (the R rules share the ReAct parse)
    #: name a family; the engine asks the family's :meth:`family_gate` once per record whether
    #: any of them has something to say, instead of calling every rule on every clean record.
    family: ClassVar[str | None] = None
    #: How many places of one record a dataset rule that reports each place (S008, T007)
    #: locates and keeps: the engine sets it to one more than ``max-findings-per-record``, since
    #: the findings past the cap become one closing diagnostic located at the first of them.  The
    #: places past it are only counted (the last place kept is yielded with
    #: :attr:`Finding.count` = 1 + their number): a text of 100,000 template tokens kept a
    #: located place, its excerpt included, for each.
    places_per_record: int = sys.maxsize

    def __init__(self, options: RuleOptions | None = None) -> None:
        self.options = options if options is not None else self.Options.defaults()

    # -- entry points -----------------------------------------------------
    def check_raw(self, raw: RawRecord) -> Iterable[Finding]:  # scope "file"
        return ()

    def check(self, record: Record) -> Iterable[Finding]:  # scope "record"
        return ()

    def map(self, record: Record) -> Any:  # scope "dataset"
        return None

    def reduce(self, summaries: Iterable[Any]) -> Iterable[Finding]:  # scope "dataset"
        return ()

    def collector(self) -> Any:  # scope "dataset"
        """A fresh container for this rule's summaries; ``reduce`` receives it.

        The engine calls ``collector.append(summary)`` for every summary that
        is not None, in file and record order.  The default is a list; a rule
        over millions of records can return a compact container instead (typed
        arrays rather than one Python object per record) to keep memory flat.

        With ``--jobs`` (and Ray) a collector may also have ``piece()``, an empty
        container that a worker fills with one range's summaries (by ``append``),
        and ``merge(piece)``, which the main process calls once per range, in
        range order; ``merge`` must leave the collector exactly as appending the
        range's summaries one by one would (``tests/test_collector_merge.py``).
        A collector without them gets each summary appended in the main process.

        What a collector holds only to spare work (D002 keeps the first records' turns so as not
        to read them again) it may name in ``cache_slots``; a pickled piece leaves them out,
        unless the main process's collector ``wants_cache()`` when the range is sent: the piece
        is then told ``bring_cache()`` in the worker, and ``merge`` takes what it brings.

        A rule whose ``map`` keeps state across records (D004 sends each prompt's text only
        the first time) resets it here: the engine calls ``collector()`` again before each file
        whose summaries the results cache stores, and whenever a ``--jobs`` worker moves to
        another file, so what a file's records give the rule depends on that file alone.
        """
        return []

    def collected(self, summaries: Iterable[Any]) -> Any:
        """``summaries`` as this rule's collector: the engine's own collector as it is, or a
        fresh one filled from a plain iterable (a caller that passed summaries as a list), so a
        ``reduce`` reads one shape whoever called it."""
        coll = self.collector()
        if type(summaries) is type(coll):
            return summaries
        for s in summaries:
            if s is not None:
                coll.append(s)
        return coll

    def family_key(self) -> object:
        """Rules of a family are gated together only when their keys are equal (same options
        that the shared analysis depends on, such as the ReAct labels)."""
        return None

    @classmethod
    def family_gate(cls, rules: list[Rule]) -> Callable[[Record], bool] | None:
        """A predicate, true when *none* of ``rules`` would report anything on a record.

        Called once by the engine with the selected rules of one family and key; ``None``
        means no gate (every rule is called).  The predicate must be exact in one direction:
        true only when each rule's ``check`` would yield nothing (a test checks this on the
        labelled corpus); false is always safe.  A predicate that raises counts as false.
        """
        return None

    # -- helpers for subclasses -------------------------------------------
    def placed(self, message: str, tally: Any, place: Any, *, fix: Fix | None = None, **data: Any) -> Finding:
        """A dataset rule's finding at a place it kept while it held the record: ``place``
        carries ``pointer``, ``span`` and the located ``loc`` (excerpt included), ``tally`` the
        record's ``ref`` and ``record_hash`` (T006, T007, T011, T013, S008, S009)."""
        f = self.finding(
            message,
            pointer=place.pointer,
            span=place.span,
            fix=fix,
            ref=tally.ref,
            record_hash=tally.record_hash,
            **data,
        )
        if place.loc is not None:  # (None: a place past those listed, kept for its fix)
            f.place(place.loc)
        return f

    def finding(
        self,
        message: str,
        *,
        msg: Message | None = None,
        span: tuple[int, int] | None = None,
        pointer: str | None = None,
        fix: Fix | None = None,
        severity: Severity | None = None,
        ref: RecordRef | None = None,
        **data: Any,
    ) -> Finding:
        """Build a :class:`Finding`.

        Pass ``msg`` and a ``span`` in ``msg.content`` and the pointer and the
        span local to the right string are worked out for you (messages whose
        content is several parts, Alpaca turns made of two fields).  Or pass
        an explicit ``pointer`` (and a span within that string).
        """
        if msg is not None and pointer is None:
            pointer, span = msg.resolve(span)
        return Finding(
            message=message,
            pointer=pointer or "",
            span=span,
            fix=fix,
            severity=severity,
            ref=ref,
            data=data,
        )

    @classmethod
    def doc(cls) -> str:
        """The rule's documentation (its docstring, dedented)."""
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """First sentence of 'What it does', for listings."""
        doc = cls.doc()
        lines = [ln.strip() for ln in doc.splitlines()]
        try:
            start = lines.index("## What it does") + 1
        except ValueError:
            start = 0
        text = " ".join(ln for ln in lines[start:] if ln and not ln.startswith("#")).strip()
        import re

        first = re.split(r"(?<!e\.g)(?<!i\.e)\.\s", text, maxsplit=1)[0].rstrip(".")
        return first + "."


#: Enough entries for a file whose system prompts are written per record (a generated corpus
#: of 5,000 records holds 1,581 prompts, which a 512-entry cache misses two times in three),
#: and a bound on the characters they hold, so that long prompts keep memory flat.
MANY_PROMPTS = 4096
PROMPT_CHARS = 1 << 21


class PerPrompt(dict):  # type: ignore[type-arg]
    """A rule's answers about system prompts ("does it ask for ReAct?"), computed once per prompt.

    Prompts repeat across a dataset: a plain dict keyed by the prompt is cheaper than an
    ``lru_cache`` whose key hashes the rule's options too.  Cleared when it holds ``limit``
    prompts, or prompts of more than ``chars`` characters in all.
    """

    def __init__(self, compute: Callable[[Any], Any], limit: int = 512, chars: int = PROMPT_CHARS) -> None:
        super().__init__()
        self.compute = compute
        self.limit = limit
        self.chars = chars
        self.held = 0  # characters of the prompts held

    def __missing__(self, prompt: Any) -> Any:
        size = len(prompt) if isinstance(prompt, str) else 0
        if len(self) >= self.limit or self.held + size > self.chars:
            self.clear()
            self.held = 0
        self.held += size
        value = self[prompt] = self.compute(prompt)
        return value


def iter_messages(record: Record, *roles: str) -> Iterator[Message]:
    """Messages of ``record`` with one of ``roles`` (all when none given)."""
    for m in record.messages or ():
        if not roles or m.role in roles:
            yield m


def shorten(text: str, limit: int = 40) -> str:
    """``text`` as a message quotes it: whitespace runs made one space, cut to ``limit``
    characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Machine-readable output: json, json-lines, sarif, github, junit."""

from __future__ import annotations

import json
from collections import defaultdict
from json.encoder import encode_basestring as _str
from typing import Any

from sftlint.diagnostic import Diagnostic, Fix
from sftlint.report.base import Reporter, RunSummary

#: ``json.dumps(obj, ensure_ascii=False)`` builds this encoder on every call; one is enough.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _dumps(obj: Any) -> str:
    return _ENCODER.encode(obj)


#: A diagnostic whose fix replaces more characters than this is written in pieces.
_BIG_FIX = 1 << 16
_PIECES = _ENCODER


#: ``'{"code": …, "name": …, "severity": …, "message": '`` per rule: the same for each of its findings
_HEADS: dict[tuple[str, str, str], str] = {}
#: ``', "url": …, "record": '`` per url, and ``', "path": …, "line": '`` per path
_URLS: dict[str, str] = {}
_PATHS: dict[str, str] = {}


def _int(v: int | None) -> str:
    return "null" if v is None else int.__repr__(v)


def encode_diagnostic(d: Diagnostic) -> str:
    """``_dumps(d.to_dict())``, built without the dictionary.

    A dense file yields several findings a record, and with ``--jobs`` the main process writes
    every one of them while the workers check the rest: encoding is serial work there.  The
    parts that repeat (a rule's code, name and severity; a path; a url) are encoded once, the
    strings that vary with :func:`json.encoder.encode_basestring` (what the encoder itself uses
    with ``ensure_ascii=False``), so the text is the encoder's, byte for byte (tested).  A field
    of another type than the contract's (a plugin's float line, say) raises ``TypeError``, and
    the caller falls back to the encoder."""
    key = (d.code, d.name, d.severity)
    head = _HEADS.get(key)
    if head is None:
        head = _HEADS[key] = (
            f'{{"code": {_str(d.code)}, "name": {_str(d.name)}, "severity": {_str(d.severity)}, "message": '
        )
    path = _PATHS.get(d.path)
    if path is None:
        path = _PATHS[d.path] = f', "path": {_str(d.path)}, "line": '
    url = _URLS.get(d.url)
    if url is None:
        url = _URLS[d.url] = f', "url": {_str(d.url)}, "record": '
    span, fix, pointer = d.span, d.fix, d.pointer
    if span is not None and len(span) != 2:
        raise TypeError("a span is [start, end)")
    return "".join(
        (
            head,
            _str(d.message),
            path,
            _int(d.line),
            ', "column": ',
            _int(d.column),
            ', "end_line": ',
            _int(d.end_line),
            ', "end_column": ',
            _int(d.end_column),
            ', "pointer": ',
            "null" if pointer is None else _str(pointer),
            ', "span": ',
            "null" if span is None else f"[{int.__repr__(span[0])}, {int.__repr__(span[1])}]",
            ', "fix": ',
            "null" if fix is None else _encode_fix(fix),
            url,
            _int(d.record),
            ', "count": ',
            int.__repr__(d.count),
            "}",
        )
    )


def _encode_fix(fix: Fix) -> str:
    """``_dumps(fix.to_dict())``, built without the dictionaries: a rule with a fix for every
    finding (R005 renames every action label of a file) sends each one through here."""
    parts = [
        '{"message": ',
        _str(fix.message),
        ', "applicability": ',
        _str(fix.applicability),
        ', "edits": [',
    ]
    sep = ""
    for e in fix.edits:
        pointer = e.pointer
        parts += (
            sep,
            '{"pointer": ',
            "null" if pointer is None else _str(pointer),
            ', "span": [',
            int.__repr__(e.start),
            ", ",
            int.__repr__(e.end),
            '], "replacement": ',
            _str(e.replacement),
            ', "line": ',
            _int(e.line),
            ', "end_line": ',
            _int(e.end_line),
            "}",
        )
        sep = ", "
    parts.append("]}")
    return "".join(parts)


def _write(stream: Any, prefix: str, d: Diagnostic, suffix: str = "") -> None:
    """``prefix``, ``d`` as JSON and ``suffix``.  The closing diagnostic of a finding-dense
    record can carry a fix whose edits hold a megabyte of text: encoded in one piece it would
    be held three times over (the pieces, the string, the output buffer), so it is written a
    piece at a time."""
    fix = d.fix
    if fix is None or d.count <= 1 or sum(len(e.replacement) for e in fix.edits) <= _BIG_FIX:
        try:
            text = encode_diagnostic(d)
        except (TypeError, IndexError):  # a plugin's field of another type: the encoder decides
            text = _dumps(d.to_dict())
        stream.write(prefix + text + suffix)
        return
    stream.write(prefix)
    for piece in _PIECES.iterencode(d.to_dict()):
        stream.write(piece)
    stream.write(suffix)


class JsonReporter(Reporter):
    """One JSON array, streamed element by element (memory stays flat)."""

    name = "json"

    def start(self) -> None:
        self._first = True
        self.stream.write("[")

    def diagnostic(self, d: Diagnostic) -> None:
        _write(self.stream, "\n  " if self._first else ",\n  ", d)
        self._first = False

    def finish(self, summary: RunSummary) -> None:
        self.stream.write("]\n" if self._first else "\n]\n")


class JsonLinesReporter(Reporter):
    """The same objects as ``json``, one per line."""

    name = "json-lines"

    def diagnostic(self, d: Diagnostic) -> None:
        _write(self.stream, "", d, "\n")


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


class SarifReporter(Reporter):
    """SARIF 2.1.0, for GitHub code scanning and IDEs."""

    name = "sarif"

    def start(self) -> None:
        self.results: list[dict[str, Any]] = []
        self.rule_index: dict[str, int] = {}
        self.rules: list[dict[str, Any]] = []

    def diagnostic(self, d: Diagnostic) -> None:
        if d.code not in self.rule_index:
            self.rule_index[d.code] = len(self.rules)
            self.rules.append(
                {
                    "id": d.code,
                    "name": d.name,
                    "shortDescription": {"text": d.name},
                    "helpUri": d.url,
                    "defaultConfiguration": {"level": _SARIF_LEVEL[d.severity]},
                }
            )
        location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": self.relpath(d.path)}}}
        if d.line is not None and d.line >= 1:
            region: dict[str, Any] = {"startLine": d.line}
            if d.column is not None and d.column >= 1:
                region["startColumn"] = d.column
            if d.end_line is not None and d.end_line >= d.line:
                region["endLine"] = d.end_line
                if (
                    d.end_column is not None
                    and d.end_column >= 1
                    and (d.end_line > d.line or d.column is None or d.end_column >= d.column)
                ):
                    region["endColumn"] = d.end_column
            location["physicalLocation"]["region"] = region
        if d.pointer:
            location["logicalLocations"] = [{"fullyQualifiedName": d.pointer, "kind": "member"}]
        result: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": self.rule_index[d.code],
            "level": _SARIF_LEVEL[d.severity],
            "message": {"text": d.message},
            "locations": [location],
        }
        if d.record_hash:
            result["partialFingerprints"] = {"recordHash/v1": d.record_hash}
        self.results.append(result)

    def finish(self, summary: RunSummary) -> None:
        from sftlint import __version__

        doc = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "sftlint",
                            "version": __version__,
                            "informationUri": "https://github.com/sftlint/sftlint",
                            "rules": self.rules,
                        }
                    },
                    "results": self.results,
                }
            ],
        }
        json.dump(doc, self.stream, ensure_ascii=False, indent=2)
        self.stream.write("\n")


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


class GithubReporter(Reporter):
    """GitHub Actions workflow commands: findings show up as annotations on the diff."""

    name = "github"

    def diagnostic(self, d: Diagnostic) -> None:
        kind = {"error": "error", "warning": "warning", "info": "notice"}[d.severity]
        props = [f"file={_gh_escape(self.relpath(d.path), True)}"]
        if d.line is not None:
            props.append(f"line={d.line}")
            if d.column is not None:
                props.append(f"col={d.column}")
            if d.end_line is not None:
                props.append(f"endLine={d.end_line}")
            if d.end_column is not None:
                props.append(f"endColumn={d.end_column}")
        props.append(f"title={_gh_escape(f'{d.code} ({d.name})', True)}")
        self.stream.write(f"::{kind} {','.join(props)}::{_gh_escape(f'{d.code} {d.message}')}\n")


class JunitReporter(Reporter):
    """JUnit XML: one test suite per file, one failing test case per finding."""

    name = "junit"

    def start(self) -> None:
        self.by_file: dict[str, list[Diagnostic]] = defaultdict(list)

    def diagnostic(self, d: Diagnostic) -> None:
        self.by_file[self.relpath(d.path)].append(d)

    def finish(self, summary: RunSummary) -> None:
        import xml.etree.ElementTree as ET

        root = ET.Element(
            "testsuites",
            name="sftlint",
            tests=str(sum(map(len, self.by_file.values()))),
            failures=str(sum(map(len, self.by_file.values()))),
        )
        for path, diags in self.by_file.items():
            suite = ET.SubElement(
                root, "testsuite", name=path, tests=str(len(diags)), failures=str(len(diags))
            )
            for d in diags:
                where = f"{path}:{d.line or 0}:{d.column or 0}"
                case = ET.SubElement(suite, "testcase", name=f"{d.code} {where}", classname=path)
                failure = ET.SubElement(case, "failure", message=d.message, type=d.code)
                failure.text = f"{where}: {d.code} {d.name}: {d.message}" + (
                    f"\npointer: {d.pointer}" if d.pointer else ""
                )
        if not self.by_file:
            ET.SubElement(root, "testsuite", name="sftlint", tests="0", failures="0")
        self.stream.write(ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")

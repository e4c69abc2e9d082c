"""What locating a file's findings costs, in process: one ``Locator`` a record, every finding's
pointer and span, as the engine does, best of five passes (CPU time)::

    sftlint check bench/out/real-4mb.jsonl --select K,R --output-format json-lines -o /tmp/kr.jsonl
    python bench/locate_cost.py bench/out/real-4mb.jsonl /tmp/kr.jsonl

The second file is a json-lines report of the first (its ``record``, ``pointer`` and ``span``);
the file must be JSON lines, one record a line.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict

from sftlint.locate import Locator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("report")
    args = parser.parse_args()
    with open(args.corpus, encoding="utf-8") as f:
        lines = f.read().splitlines()
    by_record: dict[int, list[tuple[str, tuple[int, int] | None]]] = defaultdict(list)
    with open(args.report, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["record"] is not None and d["pointer"] is not None:
                by_record[d["record"]].append((d["pointer"], tuple(d["span"]) if d["span"] else None))
    items = [(lines[i], found) for i, found in by_record.items()]
    findings = sum(len(found) for _, found in items)
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for text, found in items:
            locator = Locator(text, 1)
            for pointer, span in found:
                locator.locate(pointer, span)
        best = min(best, time.process_time() - start)
    print(
        f"{len(lines):,} records, {findings:,} findings: {best / len(lines) * 1e6:.1f} us a record, "
        f"{best / max(1, findings) * 1e6:.1f} us a finding"
    )


if __name__ == "__main__":
    main()

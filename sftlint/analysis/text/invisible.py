"""Characters that print nothing, and text made only of them.

A reply of zero-width spaces looks like text to ``str.strip`` but shows the reader (and
teaches the model) nothing: S003 counts it as empty, and T005 does not offer a "safe"
fix that would delete every character of it (that fix would only turn one finding
into another).
"""

from __future__ import annotations

#: Unicode whitespace (what ``str.strip()`` removes) ...
_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
#: ... and characters that are not whitespace but render as nothing: zero-width and
#: directional format characters, the soft hyphen, fillers that show as blanks.
_FORMAT = (
    "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f"
    "\ufeff\ufe0e\ufe0f\u115f\u1160\u3164\uffa0\u2800"
)
INVISIBLE = _WHITESPACE + _FORMAT


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: empty, whitespace, or only invisible characters."""
    return not text.strip(INVISIBLE)


def invisible_names(text: str, limit: int = 3) -> str:
    """``"U+200B, U+FEFF"``: the invisible, non-whitespace characters in ``text``, for messages."""
    seen: list[str] = []
    for ch in text:
        if ch in _FORMAT and ch not in seen:
            seen.append(ch)
            if len(seen) >= limit:
                break
    return ", ".join(f"U+{ord(c):04X}" for c in seen)

"""Which characters a string the API takes may hold.

A control character (Unicode category Cc: NUL, ESC, DEL, C1 controls), a format
character (Cf: bidi overrides, zero-width spaces, the BOM) or a lone surrogate (Cs)
has no place in an identifier: it makes two subjects or ids that look the same
differ, reorders what a reviewer reads, or breaks the systems downstream (the
audit log, the CSV a health office exports, a terminal). Every string field, query
parameter and path parameter is checked here, and refused whole with 400 naming
the field.

Free text (a reviewer's note, an appeal's reason) may keep line breaks and tabs,
and the two joiners (U+200C, U+200D) that emoji sequences and some scripts need;
the other format characters stay refused, bidi overrides above all.

``str.isprintable`` runs at C speed and is true for nearly every real string, so
the per-character walk only runs for the rare string that holds a space other than
U+0020 (the ideographic space U+3000 is printable text, not a control) or one of
the refused characters.
"""

from __future__ import annotations

import unicodedata

from chalicelib.kernel.errors import InvalidInput

_REFUSED = frozenset({"Cc", "Cf", "Cs"})
_NONE: frozenset[str] = frozenset()
_TEXT_KEEPS = frozenset("\n\t\u200c\u200d")


def refused_char(value: str, *, text: bool = False) -> str | None:
    """The first character ``value`` must not hold, or None when it is clean."""
    if value.isprintable():
        return None
    keeps = _TEXT_KEEPS if text else _NONE
    for char in value:
        if char not in keeps and unicodedata.category(char) in _REFUSED:
            return char
    return None


def check_clean(value: str, *, field: str | None, text: bool = False) -> None:
    """Raise InvalidInput naming ``field`` when ``value`` holds a refused character."""
    char = refused_char(value, text=text)
    if char is not None:
        raise InvalidInput(
            f"{field or 'the value'} holds the control character U+{ord(char):04X}",
            field=field,
            code="control_character",
        )


def strip_refused(value: str) -> str:
    """``value`` without the characters an identifier may not hold.

    For text from feeds we pull rather than from a client: a stray zero-width space in
    a national list's street name must not stop a public-health update, so it is
    dropped, not refused.
    """
    if value.isprintable():
        return value
    return "".join(c for c in value if unicodedata.category(c) not in _REFUSED)


def one_line(raw: object, *, field: str, limit: int) -> str:
    """A required one-line text from a row (a venue's name, a lab's address), stripped."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput("must be a non-empty string", field=field)
    text = raw.strip()
    if len(text) > limit:
        raise InvalidInput(f"must be at most {limit} characters", field=field)
    check_clean(text, field=field)
    return text

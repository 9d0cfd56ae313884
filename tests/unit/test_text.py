"""Which characters a string may hold: the pure rule behind every field's check."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.text import check_clean, one_line, refused_char, strip_refused

REFUSED = st.characters(categories=["Cc", "Cf", "Cs"])
CLEAN = st.text(st.characters(exclude_categories=["Cc", "Cf", "Cs"]))


@given(CLEAN, REFUSED, CLEAN)
def test_any_control_format_or_surrogate_character_is_found(before, bad, after):
    assert refused_char(before + bad + after) == bad


@given(CLEAN)
def test_text_without_them_is_clean(value):
    assert refused_char(value) is None
    assert strip_refused(value) == value


@pytest.mark.parametrize(
    "value",
    ["西安市雁塔区", "张\u3000三", "Ünïcödé café", "😷", "a b", "\u00a0nbsp", "١٢٣"],
)
def test_real_names_and_wide_spaces_are_clean(value):
    assert refused_char(value) is None


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85", "\u202e", "\u200b", "\ufeff"])
def test_the_usual_suspects_are_refused(char):
    assert refused_char(f"abc{char}def") == char


@pytest.mark.parametrize("char", ["\n", "\t", "\u200c", "\u200d"])
def test_free_text_keeps_line_breaks_tabs_and_joiners(char):
    assert refused_char(f"line{char}next", text=True) is None
    assert refused_char(f"line{char}next") == char


@given(CLEAN, st.sampled_from(["\x00", "\r", "\u202e", "\u2066", "\x1b"]), CLEAN)
def test_free_text_still_refuses_the_rest(before, bad, after):
    assert refused_char(before + bad + after, text=True) == bad


def test_the_error_names_the_field_and_the_character():
    with pytest.raises(InvalidInput) as caught:
        check_clean("sub\x00ject", field="subject")

    assert caught.value.field == "subject"
    assert caught.value.code == "control_character"
    assert "U+0000" in str(caught.value)


@given(st.text())
def test_stripping_leaves_nothing_refused_and_keeps_the_rest_in_order(value):
    stripped = strip_refused(value)

    assert refused_char(stripped) is None
    kept = [c for c in value if unicodedata.category(c) not in {"Cc", "Cf", "Cs"}]
    assert stripped == "".join(kept)


def test_one_line_strips_and_checks():
    assert one_line("  雁塔\u3000广场 ", field="name", limit=20) == "雁塔\u3000广场"
    for raw, message in [("", "non-empty"), (3, "non-empty"), ("x" * 21, "at most 20")]:
        with pytest.raises(InvalidInput, match=message):
            one_line(raw, field="name", limit=20)
    with pytest.raises(InvalidInput) as caught:
        one_line("a\nb", field="name", limit=20)
    assert caught.value.code == "control_character"

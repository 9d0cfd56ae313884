"""The hand-written PDF writer's font metrics and line layout (chalicelib/kernel/pdf.py).

The writer keeps STSong-Light's widths itself rather than ship reportlab (docs/venues.md,
"Posters and package size"); here they are held to reportlab's metrics for the font, the
widths written into the PDF's /W array included, and the layout to its promises: no line
wider than its column, no text lost, at most the lines allowed.
"""

from __future__ import annotations

import re
import string

from hypothesis import given
from hypothesis import strategies as st
from reportlab.pdfbase._cidfontdata import CIDFontInfo, widthsByUnichar
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

from chalicelib.kernel import pdf

TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(string.printable.strip() + " "),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
        st.sampled_from("·，（）、："),
    )
)


def _expand(w: list[object]) -> dict[int, int]:
    """A /W array (``c [w1 w2 …]`` or ``c_first c_last w``) as CID → width."""
    widths: dict[int, int] = {}
    i = 0
    while i < len(w):
        first = w[i]
        assert isinstance(first, int)
        if isinstance(w[i + 1], list):
            for offset, value in enumerate(w[i + 1]):  # type: ignore[arg-type]
                widths[first + offset] = value
            i += 2
        else:
            last, value = w[i + 1], w[i + 2]
            assert isinstance(last, int) and isinstance(value, int)
            widths.update(dict.fromkeys(range(first, last + 1), value))
            i += 3
    return widths


def _parse(tokens: list[str]) -> list[object]:
    out: list[object] = []
    while tokens:
        token = tokens.pop(0)
        if token == "[":
            out.append(_parse(tokens))
        elif token == "]":
            return out
        else:
            out.append(int(token))
    return out


def _written_w() -> list[object]:
    """The /W array as one_page writes it, read back from the PDF's bytes."""
    raw = pdf.one_page(100, 100, b"").decode("latin-1")
    written = re.search(r"/W (\[.*?\]\])", raw)
    assert written is not None
    (array,) = _parse(re.findall(r"\[|\]|\d+", written.group(1)))
    assert isinstance(array, list)
    return array


def test_the_ascii_widths_are_reportlabs_stsong_light_metrics():
    assert {chr(32 + i): w for i, w in enumerate(pdf.ASCII_WIDTHS)} == widthsByUnichar[
        "STSong-Light"
    ]


def test_the_w_array_in_the_pdf_gives_each_cid_reportlabs_width():
    reportlab = _expand(CIDFontInfo["STSong-Light"]["DescendantFonts"][0]["W"])

    assert _expand(_written_w()) == reportlab
    assert b"/DW 1000" in pdf.one_page(100, 100, b"")


@given(TEXT, st.sampled_from([7, 9, 11.5, 24]))
def test_a_text_measures_what_reportlab_measures(text, size):
    assert (
        abs(pdf.width(text, size) - UnicodeCIDFont("STSong-Light").stringWidth(text, size)) < 1e-9
    )


@given(TEXT, st.floats(min_value=7, max_value=24), st.floats(min_value=60, max_value=400))
def test_wrapped_lines_fit_their_column_and_lose_no_text(text, size, measure):
    lines = pdf.wrap(text, size, measure)

    assert all(pdf.width(line, size) <= measure + 1e-9 for line in lines)
    assert "".join("".join(lines).split()) == "".join(text.split())
    assert all(line == line.strip() and line for line in lines)


def test_a_line_breaks_after_a_word_when_it_can():
    assert pdf.wrap("scan to check in", 12, pdf.width("scan to check", 12)) == [
        "scan to check",
        "in",
    ]
    assert pdf.wrap("扫码登记", 10, 20) == ["扫码", "登记"]


@given(TEXT.filter(str.strip), st.integers(min_value=1, max_value=6))
def test_a_fitted_block_keeps_to_its_lines_and_column(text, max_lines):
    block = pdf.fit(text, measure=200, size=12, smallest=7, max_lines=max_lines)

    assert 7 <= block.size <= 12 and 1 <= len(block.lines) <= max_lines
    assert all(pdf.width(line, block.size) <= 200 + 1e-9 for line in block.lines)

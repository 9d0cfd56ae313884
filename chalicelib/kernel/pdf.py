"""One-page PDFs written by hand: the printed code's card and the venue poster.

A PDF is vector, so it prints sharp at any resolution, and it needs no font
file: text uses STSong-Light, one of the standard CJK fonts every PDF reader
provides (Adobe-GB1, UTF-16 encoding), so Chinese prints without shipping a
font. The field's PDF library would add 3.5 MB to the Lambda zip (reportlab
and the Pillow it requires: 11.7 MB against the 8.5 MB goal) and draw the same
page 1.4 times slower (docs/venues.md, "Posters and package size"; bench/pdf.py).

What a writer needs besides the structure is the font's metrics: a reader
advances each glyph by the font's ``/W`` widths, and one with none (as this
module once wrote) advances every glyph a full em, so Latin text ran off the
page (issue 30). STSong-Light's widths are here (:data:`ASCII_WIDTHS`, the same
as reportlab's metrics for the font, which a test holds them to); every
character outside printable ASCII is one em wide in this font. :func:`width`
measures with them, and :func:`fit` shrinks or wraps a text into a column, so
that callers lay out every line inside the page.

Callers write the page's content operators (:func:`text`, :func:`qr_modules`,
:func:`block`); :func:`one_page` wraps them in the document structure.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

# STSong-Light's advance widths, in thousandths of an em, of U+0020 to U+007E, which
# UniGB-UTF16-H maps to CIDs 1 to 95 (Adobe-GB1's proportional Latin). Every other
# character this service prints (Chinese, full-width punctuation, ·) is 1000.
ASCII_WIDTHS = (
    (207, 270, 342, 467, 462, 797, 710, 239, 374, 374, 423, 605, 238, 375, 238, 334)
    + (462,) * 10
    + (238, 238, 605, 605, 605, 344, 748)
    + (684, 560, 695, 739, 563, 511, 729, 793, 318, 312, 666, 526, 896)
    + (758, 772, 544, 772, 628, 465, 607, 753, 711, 972, 647, 620, 607)
    + (374, 333, 374, 606, 500, 239)
    + (417, 503, 427, 529, 415, 264, 444, 518, 241, 230, 495, 228, 793)
    + (527, 524, 524, 504, 338, 336, 277, 517, 450, 652, 466, 452, 407)
    + (370, 258, 370, 605)
)
FULL_WIDTH = 1000
ASCENT, DESCENT = 880, -120  # thousandths of an em, as the font descriptor says
LEADING = 1.3  # a line's advance, in multiples of its size

_W = "[1 [" + " ".join(map(str, ASCII_WIDTHS)) + "]]"
# A line may break after the spaces following a run of Latin, or around any other character.
_PIECES = re.compile(r"[!-~]+ *|[^!-~ ] *| +")


def char_width(char: str) -> int:
    """The advance of ``char`` in thousandths of an em."""
    code = ord(char)
    return ASCII_WIDTHS[code - 32] if 32 <= code < 127 else FULL_WIDTH


def width(text: str, size: float) -> float:
    """The advance of ``text`` set in STSong-Light at ``size`` points, in points."""
    return sum(map(char_width, text)) * size / 1000


def wrap(text: str, size: float, measure: float) -> list[str]:
    """``text`` in lines no wider than ``measure`` points: a line breaks after the spaces
    that end a Latin word or around a Chinese character, and inside a word only when the
    word alone is wider than the line. Runs of white space print as one space."""
    lines: list[str] = []
    line = ""
    for piece in _PIECES.findall(" ".join(text.split())):
        if width((line + piece).rstrip(), size) <= measure:
            line += piece
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = piece.lstrip()
        while len(line) > 1 and width(line.rstrip(), size) > measure:  # a word wider than a line
            cut = len(line) - 1
            while cut > 1 and width(line[:cut], size) > measure:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines


@dataclass(frozen=True)
class Block:
    """Lines of text set at one size."""

    size: float
    lines: tuple[str, ...]

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * LEADING


def fit(text: str, *, measure: float, size: float, smallest: float, max_lines: int = 1) -> Block:
    """``text`` set to fit ``measure`` points wide: on one line at ``size``, or down to
    a fifth smaller; else in as few lines as it takes, each size tried from ``size``
    down to ``smallest``, up to ``max_lines``. Text longer than that still fits: its
    last line is cut with an ellipsis (callers size ``max_lines`` so that whatever
    their schema admits never is)."""
    for lines_allowed in range(1, max_lines + 1):
        floor = max(smallest, size * 0.8) if lines_allowed == 1 else smallest
        points = size
        while points >= floor - 1e-9:
            lines = wrap(text, points, measure)
            if len(lines) <= lines_allowed:
                return Block(points, tuple(lines))
            points -= 0.5
    lines = wrap(text, smallest, measure)
    kept = lines[:max_lines]
    last = kept[-1]
    while last and width(last + "…", smallest) > measure:
        last = last[:-1]
    return Block(smallest, (*kept[:-1], last.rstrip() + "…"))


def text_hex(text: str) -> str:
    """A PDF hex string in UTF-16 big-endian, what ``UniGB-UTF16-H`` reads."""
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def text(x: float, baseline: float, size: float, line: str) -> str:
    """The operators that draw ``line`` with its baseline starting at (x, baseline)."""
    return f"BT /F1 {size:.2f} Tf {x:.2f} {baseline:.2f} Td {text_hex(line)} Tj ET"


def block(
    lines: Block, *, top: float, left: float, measure: float, align: Literal["left", "centre"]
) -> tuple[list[str], float]:
    """Operators that draw ``lines`` from ``top`` (the top of the first line's box) down,
    in a column ``measure`` points wide from ``left``; and the top of what comes next."""
    ops = []
    for line in lines.lines:
        x = left
        if align == "centre":
            x += (measure - width(line, lines.size)) / 2
        ops.append(text(x, top - lines.size * ASCENT / 1000, lines.size, line))
        top -= lines.size * LEADING
    return ops, top


def qr_modules(grid: Sequence[Sequence[bool]], *, left: float, top: float, side: float) -> str:
    """The dark modules of a QR ``grid`` as filled rectangles, one per horizontal run, in a
    square of ``side`` points whose top-left corner is (left, top)."""
    cell = side / len(grid)
    rects = []
    for y, row in enumerate(grid):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            rects.append(
                f"{left + start * cell:.3f} {top - (y + 1) * cell:.3f} "
                f"{(x - start) * cell:.3f} {cell:.3f} re"
            )
    return "\n".join(["0 g", *rects, "f"])


def one_page(width: float, height: float, content: bytes) -> bytes:
    """A one-page PDF of ``width`` x ``height`` points whose content stream is
    ``content`` (operators; font ``/F1`` is STSong-Light, with its widths)."""
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width:.2f} {height:.2f}] "
            "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
        ).encode(),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
        b"/FontDescriptor 7 0 R /DW %d /W %s >>" % (FULL_WIDTH, _W.encode()),
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent %d /Descent %d "
        b"/CapHeight 880 /StemV 93 >>" % (ASCENT, DESCENT),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)

"""The printable card of a printed code: a one-page PDF, written by hand.

A PDF is vector, so it prints sharp at any resolution, and it needs no font file:
the text uses STSong-Light, one of the standard CJK fonts every PDF reader
provides (Adobe-GB1, UTF-16 encoding), with its widths, so masked Chinese names
print without shipping a font or a library (``chalicelib/kernel/pdf.py`` says why
not reportlab). The QR is drawn as filled rectangles from ``qrcode``'s module
matrix, in black: a printed code vouches for no colour, a checkpoint takes the
online one.

The card is A6 (105 x 148 mm), every line measured to fit inside an 8 mm margin:
the title, the QR, the masked name and ID number, the issue date, the expiry date
(on a line of its own, a size larger: it is what the holder reads), the issuing
region, and the rule that the colour is checked online. A long name shrinks, then
wraps; the QR gives up height to the text, never below 50 mm.
"""

from __future__ import annotations

from typing import Literal

from chalicelib.codes.gate import CardText
from chalicelib.kernel import pdf as page
from chalicelib.kernel import qr

MM = 72 / 25.4
WIDTH, HEIGHT = 105 * MM, 148 * MM
MARGIN = 8 * MM
MEASURE = WIDTH - 2 * MARGIN
QR_SIDE, QR_SMALLEST = 70 * MM, 50 * MM
GAP = 3 * MM  # between the title, the QR and the fields


Align = Literal["left", "centre"]


def _fields(card: CardText) -> tuple[list[tuple[page.Block, Align]], list[page.Block]]:
    """The lines under the QR, each fitted to the column with its alignment; and the
    footer, centred at the foot of the card."""

    def field(text: str, size: float, max_lines: int = 2) -> page.Block:
        return page.fit(text, measure=MEASURE, size=size, smallest=7, max_lines=max_lines)

    fields: list[tuple[page.Block, Align]] = [
        (field(f"姓名 Name: {card.name_masked}", 11, max_lines=3), "left"),
        (field(f"证件 ID: {card.id_masked}", 11), "left"),
        (field(f"签发 Issued: {card.issued}", 10), "left"),
        (field(f"有效至 Valid until: {card.expires}", 12), "left"),
        (field(f"签发地 Region: {card.region}", 10), "left"),
    ]
    footer = [field("核验时以联网颜色为准", 9), field("The checkpoint checks the colour online", 9)]
    return fields, footer


def pdf(token: str, card: CardText) -> bytes:
    # No "·" between the words: the readers' stand-ins for STSong-Light (the font is not
    # embedded) draw it at the left of its full-width cell, which reads as a stray gap.
    title = page.fit(
        "一码通行 纸质码 Printed code", measure=MEASURE, size=14, smallest=9, max_lines=2
    )
    fields, footer = _fields(card)
    text = sum(lines.height for lines, _ in fields) + sum(lines.height for lines in footer)
    room = HEIGHT - 2 * MARGIN - title.height - 3 * GAP - text
    side = max(QR_SMALLEST, min(QR_SIDE, room))
    ops, top = page.block(title, top=HEIGHT - MARGIN, left=MARGIN, measure=MEASURE, align="centre")
    top -= GAP
    ops.append(page.qr_modules(qr.matrix(token), left=(WIDTH - side) / 2, top=top, side=side))
    top -= side + GAP
    for lines, align in fields:
        drawn, top = page.block(lines, top=top, left=MARGIN, measure=MEASURE, align=align)
        ops.extend(drawn)
    top = MARGIN + sum(lines.height for lines in footer)
    for lines in footer:
        drawn, top = page.block(lines, top=top, left=MARGIN, measure=MEASURE, align="centre")
        ops.extend(drawn)
    return page.one_page(WIDTH, HEIGHT, "\n".join(ops).encode("ascii"))

"""The printable card of a printed code: a one-page PDF, written by hand.

A PDF is vector, so it prints sharp at any resolution, and it needs no font file:
the text uses STSong-Light, one of the standard CJK fonts every PDF reader
provides (Adobe-GB1, UTF-16 encoding), so masked Chinese names print without
shipping a font or a library (reportlab or Pillow would add megabytes to the
Lambda package; this module adds about 5 KB). The QR is drawn as filled
rectangles from ``qrcode``'s module matrix, in black: a printed code vouches for
no colour, a checkpoint takes the online one.

The card is A6 (105 x 148 mm): the QR, the masked name and ID number, the issue
and expiry dates, the issuing region, and the rule that the colour is checked
online.
"""

from __future__ import annotations

from chalicelib.codes.gate import CardText
from chalicelib.kernel import qr
from chalicelib.kernel.pdf import one_page, text_hex

MM = 72 / 25.4
WIDTH, HEIGHT = 105 * MM, 148 * MM


def _text(x: float, y: float, size: float, text: str) -> str:
    return f"BT /F1 {size:.1f} Tf {x:.2f} {y:.2f} Td {text_hex(text)} Tj ET"


def pdf(token: str, card: CardText) -> bytes:
    grid = qr.matrix(token)
    modules = len(grid)
    side = 80 * MM  # the QR's printed size
    cell = side / modules
    left, bottom = (WIDTH - side) / 2, HEIGHT - 22 * MM - side
    rects = []
    for y, row in enumerate(grid):
        x = 0
        while x < modules:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < modules and row[x]:
                x += 1
            top = bottom + side - (y + 1) * cell
            rects.append(
                f"{left + start * cell:.3f} {top:.3f} {(x - start) * cell:.3f} {cell:.3f} re"
            )
    lines: list[tuple[float, str]] = [
        (14, "一码通行 · 纸质码  Printed code"),
        (11, f"姓名 Name: {card.name_masked}"),
        (11, f"证件 ID: {card.id_masked}"),
        (10, f"签发 Issued: {card.issued}    有效至 Valid until: {card.expires}"),
        (10, f"签发地 Region: {card.region}"),
        (9, "核验时以联网颜色为准 The checkpoint checks the colour online"),
    ]
    texts = [_text(10 * MM, HEIGHT - 14 * MM, lines[0][0], lines[0][1])]
    baseline = bottom - 9 * MM
    for size, line in lines[1:]:
        texts.append(_text(10 * MM, baseline, size, line))
        baseline -= size * 1.7
    content = "\n".join(["0 g", *rects, "f", *texts]).encode("ascii")
    return one_page(WIDTH, HEIGHT, content)

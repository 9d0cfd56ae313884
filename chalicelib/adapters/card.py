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

import zlib

from chalicelib.adapters import qr
from chalicelib.services.gate import CardText

MM = 72 / 25.4
WIDTH, HEIGHT = 105 * MM, 148 * MM


def _hex(text: str) -> str:
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def _text(x: float, y: float, size: float, text: str) -> str:
    return f"BT /F1 {size:.1f} Tf {x:.2f} {y:.2f} Td {_hex(text)} Tj ET"


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
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {WIDTH:.2f} {HEIGHT:.2f}] "
            "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
        ).encode(),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
        b"/FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>",
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

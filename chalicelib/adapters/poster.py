"""A venue's printable poster (场所码): its QR code with the venue's name, as SVG, PNG or PDF.

The QR matrix comes from ``qrcode`` (``chalicelib/adapters/qr.py``, level M);
everything else is drawn here with no new dependency:

- SVG: one ``<path>`` of the dark modules, the name and address as text;
- PNG: a 1-bit image through ``pypng`` (already used for the health code), the
  QR only (PNG has no text; the poster's words are in the SVG and PDF);
- PDF: a one-page A5 PDF 1.4 written by hand: the modules as filled
  rectangles, the texts in the PDF's predefined Chinese font ``STSong-Light``
  (``UniGB-UCS2-H``), which every reader ships, so nothing is embedded and the
  file stays a few kilobytes.

Imported only by the poster routes.
"""

from __future__ import annotations

import io
import zlib

import png

from chalicelib.adapters.qr import matrix

TITLE_ZH = "场所码 · 请扫码登记"
TITLE_EN = "Venue code: scan to check in"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg(token: str, name: str, address: str, venue_id: str) -> str:
    grid = matrix(token)
    size = len(grid)
    runs = []
    for y, row in enumerate(grid):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    height = size + 16
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 -8 {size} {height}" '
        f'shape-rendering="crispEdges"><rect y="-8" width="{size}" height="{height}" '
        f'fill="#fff"/><text x="{size / 2}" y="-4" font-size="2.4" text-anchor="middle" '
        f'font-family="sans-serif">{_escape(TITLE_ZH)}</text>'
        f'<text x="{size / 2}" y="-1.5" font-size="1.4" text-anchor="middle" '
        f'font-family="sans-serif">{_escape(TITLE_EN)}</text>'
        f'<path fill="#000" d="{"".join(runs)}"/>'
        f'<text x="{size / 2}" y="{size + 2}" font-size="2.4" text-anchor="middle" '
        f'font-family="sans-serif">{_escape(name)}</text>'
        f'<text x="{size / 2}" y="{size + 4.5}" font-size="1.4" text-anchor="middle" '
        f'font-family="sans-serif">{_escape(address)}</text>'
        f'<text x="{size / 2}" y="{size + 6.5}" font-size="1.2" text-anchor="middle" '
        f'font-family="monospace" fill="#555">{_escape(venue_id)}</text></svg>'
    )


def png_image(token: str, *, scale: int = 10) -> bytes:
    grid = matrix(token)
    rows = []
    for row in grid:
        bits = "".join(("1" if cell else "0") * scale for cell in row)
        bits += "0" * (-len(bits) % 8)
        packed = int(bits, 2).to_bytes(len(bits) // 8, "big")
        rows.extend([packed] * scale)
    out = io.BytesIO()
    writer = png.Writer(
        width=len(grid) * scale,
        height=len(rows),
        bitdepth=1,
        palette=[(255, 255, 255), (0, 0, 0)],
        compression=9,
    )
    writer.write_packed(out, rows)
    return out.getvalue()


def _utf16(text: str) -> str:
    """A PDF hex string in UCS-2 big-endian (what UniGB-UCS2-H reads)."""
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def pdf(token: str, name: str, address: str, venue_id: str) -> bytes:
    """One A5 page (420 × 595 pt): title, the QR, the venue's name, address and id."""
    grid = matrix(token)
    size = len(grid)
    width, height = 420.0, 595.0
    module = 320.0 / size
    left, top = (width - module * size) / 2, 470.0
    ops = ["0 g"]
    for y, row in enumerate(grid):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            ops.append(
                f"{left + start * module:.2f} {top - (y + 1) * module:.2f} "
                f"{(x - start) * module:.2f} {module:.2f} re"
            )
    ops.append("f")

    def line(text: str, font: str, points: float, y: float) -> None:
        # CJK glyphs are about one em wide, Latin ones about half: centre on that estimate.
        ems = sum(1.0 if ord(c) > 0x2E7F else 0.5 for c in text)
        x = max(20.0, (width - ems * points) / 2)
        ops.append(f"BT /{font} {points:g} Tf {x:.2f} {y:.2f} Td {_utf16(text)} Tj ET")

    line(TITLE_ZH, "F1", 22, 530)
    line(TITLE_EN, "F1", 12, 505)
    line(name[:40], "F1", 18, 115)
    line(address[:60], "F1", 11, 90)
    line(venue_id, "F1", 9, 65)
    content = zlib.compress("\n".join(ops).encode("ascii"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width:g} {height:g}] "
            f"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
        ).encode(),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
        + content
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        b"/FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)

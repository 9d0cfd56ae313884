"""A venue's printable poster (场所码): its QR code with the venue's name, as SVG, PNG or PDF.

The QR matrix comes from ``qrcode`` (``chalicelib/kernel/qr.py``, level M);
everything else is drawn here with no new dependency:

- SVG: one ``<path>`` of the dark modules, the name and address as text;
- PNG: a 1-bit image through ``pypng`` (already used for the health code), the
  QR only (PNG has no text; the poster's words are in the SVG and PDF);
- PDF: a one-page A5 PDF 1.4 written by hand: the modules as filled
  rectangles, the texts in the PDF's predefined Chinese font ``STSong-Light``
  (``UniGB-UTF16-H``, ``chalicelib/kernel/pdf.py``), which every reader ships,
  so nothing is embedded and the file stays a few kilobytes.

Imported only by the poster routes.
"""

from __future__ import annotations

import io

import png

from chalicelib.kernel.pdf import one_page, text_hex
from chalicelib.kernel.qr import matrix

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
        ops.append(f"BT /{font} {points:g} Tf {x:.2f} {y:.2f} Td {text_hex(text)} Tj ET")

    line(TITLE_ZH, "F1", 22, 530)
    line(TITLE_EN, "F1", 12, 505)
    line(name[:40], "F1", 18, 115)
    line(address[:60], "F1", 11, 90)
    line(venue_id, "F1", 9, 65)
    return one_page(width, height, "\n".join(ops).encode("ascii"))

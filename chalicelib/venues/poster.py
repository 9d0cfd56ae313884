"""A venue's printable poster (场所码): its QR code with the venue's name, as SVG, PNG or PDF.

The QR matrix comes from ``qrcode`` (``chalicelib/kernel/qr.py``, level M);
everything else is drawn here with no new dependency:

- SVG: one ``<path>`` of the dark modules, the name and address as text;
- PNG: a 1-bit image through ``pypng`` (already used for the health code), the
  QR only (PNG has no text; the poster's words are in the SVG and PDF);
- PDF: a one-page A5 PDF 1.4 written by hand: the modules as filled
  rectangles, the texts in the PDF's predefined Chinese font ``STSong-Light``
  (``UniGB-UTF16-H``, ``chalicelib/kernel/pdf.py``), which every reader ships,
  so nothing is embedded and the file stays a few kilobytes; every line is
  measured with the font's widths and centred, and shrinks or wraps to fit.

Imported only by the poster routes.
"""

from __future__ import annotations

import io

import png

from chalicelib.kernel import pdf as pdf_page
from chalicelib.kernel.qr import matrix

TITLE_ZH = "场所码 · 请扫码登记"
TITLE_EN = "Venue code: scan to check in"
# The PDF's title has a space where the SVG's has "·": the readers' stand-ins for the
# unembedded STSong-Light draw "·" at the left of its full-width cell, a stray gap.
TITLE_ZH_PDF = "场所码 请扫码登记"


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
    """One A5 page (420 × 595 pt): the title in Chinese and English, the QR, the venue's
    name, address and id, each line centred and measured with the font's widths. A long
    name or address shrinks, then wraps (the schemas' 80 and 200 characters fit); the QR
    gives up height to them, never below 240 pt."""
    width, height, margin = 420.0, 595.0, 30.0
    measure = width - 2 * margin

    def fitted(text: str, size: float, smallest: float, max_lines: int) -> pdf_page.Block:
        return pdf_page.fit(
            text, measure=measure, size=size, smallest=smallest, max_lines=max_lines
        )

    above = [fitted(TITLE_ZH_PDF, 24, 16, 1), fitted(TITLE_EN, 13, 10, 1)]
    below = [fitted(name, 18, 11, 4), fitted(address, 12, 8, 8), fitted(venue_id, 9, 7, 1)]
    gap = 12.0  # around the QR; half of it between the lines under it
    text = sum(lines.height for lines in above + below)
    room = height - 2 * margin - text - 2 * gap - (len(below) - 1) * gap / 2
    side = max(240.0, min(320.0, room))
    ops: list[str] = []
    top = height - margin
    for lines in above:
        drawn, top = pdf_page.block(lines, top=top, left=margin, measure=measure, align="centre")
        ops.extend(drawn)
    top -= gap
    ops.append(pdf_page.qr_modules(matrix(token), left=(width - side) / 2, top=top, side=side))
    top -= side + gap
    for lines in below:
        drawn, top = pdf_page.block(lines, top=top, left=margin, measure=measure, align="centre")
        ops.extend(drawn)
        top -= gap / 2
    return pdf_page.one_page(width, height, "\n".join(ops).encode("ascii"))

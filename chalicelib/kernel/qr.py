"""QR images of a health code: a compact path-based SVG and a palette PNG.

``qrcode`` (the project's QR library) computes the module matrix at error
correction level M; we draw it ourselves in the code's colour: the SVG as
one ``<path>`` of horizontal runs with a caption of the issue time, the PNG
through ``pypng`` as a 2-colour palette image (no Pillow, which would add
megabytes to the Lambda). The PNG carries the issue time in a 3×5 pixel
font under the code, so a screenshot shows how old it is.

Imported only by the image routes: ``qrcode`` and ``png`` cost nothing to
the JSON routes' cold start.
"""

from __future__ import annotations

import io

import png
import qrcode
from qrcode.constants import ERROR_CORRECT_M

FILL = {"green": "#1a9e3f", "yellow": "#e0a800", "red": "#d32f2f", "pending": "#6b6b6b"}
_RGB = {name: tuple(int(hex_[i : i + 2], 16) for i in (1, 3, 5)) for name, hex_ in FILL.items()}

# 3×5 glyphs for the caption: digits, ':' '-' and ' ' (rows top to bottom, 3 bits each).
_GLYPHS = {
    "0": (7, 5, 5, 5, 7),
    "1": (2, 6, 2, 2, 7),
    "2": (7, 1, 7, 4, 7),
    "3": (7, 1, 7, 1, 7),
    "4": (5, 5, 7, 1, 1),
    "5": (7, 4, 7, 1, 7),
    "6": (7, 4, 7, 5, 7),
    "7": (7, 1, 1, 1, 1),
    "8": (7, 5, 7, 5, 7),
    "9": (7, 5, 7, 1, 7),
    ":": (0, 2, 0, 2, 0),
    "-": (0, 0, 7, 0, 0),
    " ": (0, 0, 0, 0, 0),
}


def matrix(token: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(token)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def version(token: str) -> int:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    code.add_data(token)
    code.make(fit=True)
    return int(code.version)


def svg(token: str, colour: str, caption: str) -> str:
    """One stroked path of horizontal runs: one absolute move per row, relative moves
    between runs (``M4 0.5h7m2 0h1``); the caption below the code."""
    grid = matrix(token)
    size = len(grid)
    parts = []
    for y, row in enumerate(grid):
        x, pen = 0, -1  # pen: where this row's previous run ended (-1: none yet)
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            if pen < 0:
                parts.append(f"M{start} {y}.5h{x - start}")
            else:
                parts.append(f"m{start - pen} 0h{x - start}")
            pen = x
    height = size + 4
    text = caption.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {height}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{height}" fill="#fff"/>'
        f'<path stroke="{FILL[colour]}" d="{"".join(parts)}"/>'
        f'<text x="{size / 2}" y="{size + 2}" font-size="2" text-anchor="middle" '
        f'font-family="sans-serif" fill="#333">{text}</text></svg>'
    )


def png_image(token: str, colour: str, caption: str, *, scale: int = 8) -> bytes:
    """A 1-bit palette PNG (white, code colour). Each module row is packed to bytes once
    and repeated ``scale`` times, so pypng only compresses."""
    grid = matrix(token)
    size = len(grid)
    width = size * scale
    packed_rows = []
    for row in grid + _caption_rows(caption, size):
        bits = "".join(("1" if cell else "0") * scale for cell in row)
        bits += "0" * (-len(bits) % 8)
        packed = int(bits, 2).to_bytes(len(bits) // 8, "big")
        packed_rows.extend([packed] * scale)
    out = io.BytesIO()
    writer = png.Writer(
        width=width,
        height=len(packed_rows),
        bitdepth=1,
        palette=[(255, 255, 255), _RGB[colour]],
        compression=9,
    )
    writer.write_packed(out, packed_rows)
    return out.getvalue()


def _caption_rows(caption: str, width: int) -> list[list[bool]]:
    """The caption in the 3×5 font, centred, in QR-module units under the code."""
    glyphs = [g for g in (_GLYPHS.get(c) for c in caption) if g is not None]
    text_width = len(glyphs) * 4 - 1
    if not glyphs or text_width > width:
        return []
    left = (width - text_width) // 2
    rows = [[False] * width for _ in range(7)]
    for index, glyph in enumerate(glyphs):
        for y, bits in enumerate(glyph):
            for x in range(3):
                if bits >> (2 - x) & 1:
                    rows[y + 1][left + index * 4 + x] = True
    return rows

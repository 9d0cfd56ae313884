"""One-page PDFs written by hand: the printed code's card and the venue poster.

A PDF is vector, so it prints sharp at any resolution, and it needs no font
file: text uses STSong-Light, one of the standard CJK fonts every PDF reader
provides (Adobe-GB1, UTF-16 encoding), so Chinese prints without shipping a
font or a library (reportlab or Pillow would add megabytes to the Lambda
package). Callers write the page's content operators; this module wraps them
in the document structure.
"""

from __future__ import annotations

import zlib


def text_hex(text: str) -> str:
    """A PDF hex string in UTF-16 big-endian, what ``UniGB-UTF16-H`` reads."""
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def one_page(width: float, height: float, content: bytes) -> bytes:
    """A one-page PDF of ``width`` x ``height`` points whose content stream is
    ``content`` (operators; font ``/F1`` is STSong-Light)."""
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

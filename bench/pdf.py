"""The card's and the poster's PDFs: our writer before and after issue 30, and reportlab.

Issue 30 gave the hand-written writer (``chalicelib/kernel/pdf.py``) STSong-Light's
widths and a layout that measures every line. The house rule is the field's library
unless ours measurably serves better, so this prices both on what the Lambda pays:

- milliseconds of CPU per PDF (``time.thread_time``, the median of rounds, the sides
  alternating call by call) for the elder's card and a venue poster, three sides:
  ``before`` (the writer and layout as they were at :data:`BEFORE`, read from git),
  ``after`` (today's), and ``reportlab`` (today's layout, the same lines at the same
  places, drawn by a reportlab canvas with its own ``UnicodeCIDFont('STSong-Light')``:
  the library would replace the writer, while its own paragraph layout would cost more);
- what reportlab would add to the Lambda zip: its installed files and Pillow's (which
  reportlab requires) deflated as ``chalice package`` zips them, and apart the
  ``pillow.libs`` that ``chalice package`` left out. The package itself is
  ``bench/package.py``'s; a full ``chalice package`` with reportlab in requirements.txt
  measured 11.67 MB against 8.18 (BENCHMARKS.md, issue 30).

Ratios are of medians from the same run. Checked before timing: the reportlab side
prints the same words as ours, and every side's PDF opens in pdfplumber.
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import time
import types
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BEFORE = "a3f0a8a"  # the last commit with the widthless writer (issue 30's test, xfail)
ROUNDS, PER_ROUND, WARMUP = 7, 20, 10
PRINTED_TOKEN = "YP1:" + "A" * 155  # the lengths of real tokens (the QR's version)
VENUE_TOKEN = "YV1:" + "B" * 141
VENUE = ("老孙家咖啡", "雁塔路88号", "610113-3fab7b0c")


def _card_text() -> Any:
    from chalicelib.codes.gate import CardText

    return CardText("王*汉", "1101**********1234", "2026-11-20", "2026-12-20", "610100 西安市")


def _module(name: str, source: str) -> types.ModuleType:
    module = types.ModuleType(name)
    # The source is this repository's own, at BEFORE: loaded as it was, next to today's.
    exec(compile(source, f"{BEFORE}:{name}", "exec"), module.__dict__)  # noqa: S102
    return module


def before_renderers() -> tuple[Callable[[], bytes], Callable[[], bytes]] | None:
    """The card and the poster as :data:`BEFORE` drew them, with its writer; None in a
    clone that lacks the commit (a rewritten history)."""

    def show(path: str) -> str:
        return subprocess.run(
            ["git", "show", f"{BEFORE}:{path}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    try:
        show("chalicelib/kernel/pdf.py")
    except subprocess.CalledProcessError:
        return None

    import chalicelib.kernel.pdf as today

    old_pdf = _module("pdf_before", show("chalicelib/kernel/pdf.py"))
    sys.modules["chalicelib.kernel.pdf"] = old_pdf
    try:
        card = _module("card_before", show("chalicelib/codes/card.py"))
        poster = _module("poster_before", show("chalicelib/venues/poster.py"))
    finally:
        sys.modules["chalicelib.kernel.pdf"] = today
    text = _card_text()
    return (lambda: card.pdf(PRINTED_TOKEN, text), lambda: poster.pdf(VENUE_TOKEN, *VENUE))


@contextmanager
def _drawn_by_reportlab() -> Iterator[None]:
    """Today's layout, its lines and QR drawn on a reportlab canvas instead of our writer:
    ``chalicelib.kernel.pdf``'s three drawing functions swapped for canvas calls."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    import chalicelib.kernel.pdf as page

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    saved = page.text, page.qr_modules, page.one_page
    out = io.BytesIO()
    canvas = Canvas(out, pageCompression=1)

    def text(x: float, baseline: float, size: float, line: str) -> str:
        canvas.setFont("STSong-Light", size)
        canvas.drawString(x, baseline, line)
        return ""

    def qr_modules(grid: Any, *, left: float, top: float, side: float) -> str:
        cell = side / len(grid)
        path = canvas.beginPath()
        for y, row in enumerate(grid):
            x = 0
            while x < len(row):
                if not row[x]:
                    x += 1
                    continue
                start = x
                while x < len(row) and row[x]:
                    x += 1
                path.rect(left + start * cell, top - (y + 1) * cell, (x - start) * cell, cell)
        canvas.drawPath(path, stroke=0, fill=1)
        return ""

    def one_page(width: float, height: float, content: bytes) -> bytes:
        canvas.setPageSize((width, height))
        canvas.showPage()
        canvas.save()
        return out.getvalue()

    page.text, page.qr_modules, page.one_page = text, qr_modules, one_page  # type: ignore[assignment]
    try:
        yield
    finally:
        page.text, page.qr_modules, page.one_page = saved


def _reportlab(render: Callable[[], bytes]) -> Callable[[], bytes]:
    def call() -> bytes:
        with _drawn_by_reportlab():
            return render()

    return call


def _words(raw: bytes) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(raw)) as pdf:
        # pdfminer reads no "·" back from reportlab's UniGB-UCS2-H text: leave it out of both
        return [w["text"] for w in pdf.pages[0].extract_words() if w["text"] != "·"]


def _median_ms(sides: dict[str, Callable[[], bytes]]) -> dict[str, float]:
    for _ in range(WARMUP):
        for fn in sides.values():
            fn()
    rounds: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(ROUNDS):
        samples: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(PER_ROUND):
            for name, fn in sides.items():
                start = time.thread_time()
                fn()
                samples[name].append(time.thread_time() - start)
        for name, values in samples.items():
            rounds[name].append(statistics.median(values))
    return {name: statistics.median(values) * 1000 for name, values in rounds.items()}


def reportlab_zip_mb() -> dict[str, float]:
    """reportlab's and Pillow's installed files (which reportlab requires), deflated as a
    zip stores them, by top-level folder: ``pillow.libs`` (the libraries PIL's C core
    links to) apart, as ``chalice package`` left it out."""
    sizes: dict[str, int] = {}
    for dist in ("reportlab", "pillow"):
        for file in metadata.files(dist) or []:
            path = Path(str(file.locate()))
            if path.suffix == ".pyc" or not path.is_file():
                continue
            top = str(file).split("/")[0]
            top = "pillow.libs" if top == "pillow.libs" else dist
            deflated = len(zlib.compress(path.read_bytes(), 6)) + 76 + 2 * len(str(file))
            sizes[top] = sizes.get(top, 0) + deflated
    return {name: round(size / 1e6, 2) for name, size in sizes.items()}


def run() -> list[dict[str, Any]]:
    from chalicelib.codes import card
    from chalicelib.venues import poster

    text = _card_text()
    sides: dict[str, dict[str, Callable[[], bytes]]] = {
        "card": {
            "after": lambda: card.pdf(PRINTED_TOKEN, text),
            "reportlab": _reportlab(lambda: card.pdf(PRINTED_TOKEN, text)),
        },
        "poster": {
            "after": lambda: poster.pdf(VENUE_TOKEN, *VENUE),
            "reportlab": _reportlab(lambda: poster.pdf(VENUE_TOKEN, *VENUE)),
        },
    }
    before = before_renderers()
    if before is not None:
        sides["card"]["before"], sides["poster"]["before"] = before
    rows: list[dict[str, Any]] = []
    for name, candidates in sides.items():
        made = {side: fn() for side, fn in candidates.items()}
        assert _words(made["reportlab"]) == _words(made["after"]), name
        ms = _median_ms(candidates)
        rows += [
            {
                "name": f"pdf_{name}_ms",
                "value": round(ms["after"], 3),
                "unit": "ms",
                "goal": "informational",
                "detail": {side: round(v, 3) for side, v in ms.items()},
            },
            {
                "name": f"pdf_{name}_after_vs_before",
                "value": round(ms["after"] / ms["before"], 2) if "before" in ms else None,
                "unit": "x",
                "goal": "informational: the widths and the layout's price",
            },
            {
                "name": f"pdf_{name}_reportlab_vs_ours",
                "value": round(ms["reportlab"] / ms["after"], 2),
                "unit": "x",
                "goal": "informational: above 1, ours is faster",
                "detail": {"bytes": {side: len(raw) for side, raw in made.items()}},
            },
        ]
    added = reportlab_zip_mb()
    rows.append(
        {
            "name": "pdf_reportlab_zip_mb",
            "value": round(added["reportlab"] + added["pillow"], 2),
            "unit": "MB",
            "goal": "informational: the package's goal is 8.5 MB in all (bench/package.py)",
            "detail": added,
        }
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)

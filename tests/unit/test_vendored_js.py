"""The vendored JavaScript is the file the npm registry publishes, byte for byte.

The pins live in one place, docs/pages.md's *Pinned digests* table: each vendored
file, the npm package and file it is, and that file's sha512 (hex, as ``sha512sum``
prints it). docs/pages.md says how to check a new version and update its row.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "pages.md"
ROW = re.compile(r"^\| `(?P<file>[^`]+)` \| (?P<rest>.*) \|$")
PUBLISHED = re.compile(r"^`(?P<package>[a-z0-9@/._-]+)@(?P<version>[0-9][^`]*)`, `package/[^`]+`$")
SHA512 = re.compile(r"^`(?P<hex>[0-9a-f]{128})`$")


def _table(heading: str) -> dict[str, list[str]]:
    """The rows of the first table under ``heading``, by their first cell (a path)."""
    text = DOC.read_text()
    assert f"\n{heading}\n" in text, f"docs/pages.md has no {heading!r}"
    section = text.split(f"\n{heading}\n", 1)[1]
    rows: dict[str, list[str]] = {}
    for line in section.split("\n#", 1)[0].splitlines():
        match = ROW.match(line)
        if match:
            rows[match["file"]] = [cell.strip() for cell in match["rest"].split(" | ")]
    return rows


def _pins() -> dict[str, tuple[str, str]]:
    """file → (version, sha512 hex), from the *Pinned digests* table."""
    pins = {}
    for file, (published, digest) in _table("### Pinned digests").items():
        where, pin = PUBLISHED.match(published), SHA512.match(digest)
        assert where and pin, (
            f"docs/pages.md: the row for {file} is not `pkg@version`, `file`, `sha512`"
        )
        pins[file] = (where["version"], pin["hex"])
    return pins


def _vendored() -> set[str]:
    """Every third-party script: those with a licence file beside them in the pages, and
    every script in tests/browser/vendor."""
    pages = ROOT / "chalicelib" / "pages"
    found = {
        p.with_name(p.name.replace(".LICENSE.txt", ".js")) for p in pages.glob("*.LICENSE.txt")
    }
    found |= set((ROOT / "tests" / "browser" / "vendor").glob("*.js"))
    return {p.relative_to(ROOT).as_posix() for p in found}


def test_every_vendored_script_has_a_pin_and_every_pin_a_file() -> None:
    assert _vendored() == set(_pins())


def test_every_vendored_script_is_the_published_file() -> None:
    for file, (_, pinned) in _pins().items():
        digest = hashlib.sha512((ROOT / file).read_bytes()).hexdigest()
        assert digest == pinned, f"{file} is not the file docs/pages.md pins (sha512 {digest})"


def test_the_pins_name_the_versions_the_library_table_names() -> None:
    libraries = _table("## The kept libraries")
    for file, (version, _) in _pins().items():
        assert file in libraries, f"{file} is pinned but not in the kept libraries' table"
        assert f" {version} " in f" {libraries[file][0]} ", (file, version, libraries[file][0])

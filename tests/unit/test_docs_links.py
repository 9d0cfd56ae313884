"""Every link in the project's documentation resolves to a file in the repository.

A fresh clone must be readable on its own: no link to a web site, none to a path
outside the repository (the product brief once sat in ``../shared/``), none to a
file that does not exist, and an anchor (``file.md#section``) must name a heading
that is there. Code blocks and inline code are not links; loopback URLs
(``http://127.0.0.1:8000``, what ``make run`` serves) are addresses, not links out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IGNORED_DIRS = {".venv", "build", ".git", ".chalice", "node_modules", ".hypothesis"}


def documents() -> list[Path]:
    named = [ROOT / n for n in ("README.md", "SECURITY.md", "BENCHMARKS.md", "infra/README.md")]
    return [p for p in named if p.exists()] + sorted((ROOT / "docs").rglob("*.md"))


_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.S | re.M)
_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)
_AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*)>")
_BARE = re.compile(r"\b(?:https?|ftp)://[^\s)>\]`'\"]+")
_LOOPBACK = re.compile(r"^https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _prose(text: str) -> str:
    """The text without fenced code blocks and inline code spans."""
    return _CODE.sub("", _FENCE.sub("", text))


def links(text: str) -> list[str]:
    prose = _prose(text)
    found = [m.group(1) for m in _INLINE.finditer(prose)]
    found += [m.group(1) for m in _REFERENCE.finditer(prose)]
    found += [m.group(1) for m in _AUTOLINK.finditer(prose)]
    found += [m.group(0) for m in _BARE.finditer(prose)]
    return list(dict.fromkeys(found))  # a bare URL is also found inside its own link


def anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens,
    ``-1``, ``-2`` for repeats."""
    seen: dict[str, int] = {}
    result = set()
    for line in _FENCE.sub("", path.read_text(encoding="utf-8")).splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(1).lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def problem(document: Path, target: str) -> str | None:
    """Why a link target does not resolve to a file in the repository, or None."""
    if _LOOPBACK.match(target):
        return None
    if _SCHEME.match(target):
        return "points outside the repository (a URL)"
    path_part, _, anchor = target.partition("#")
    if path_part.startswith("/"):
        return "is an absolute path"
    resolved = (document.parent / path_part).resolve() if path_part else document
    try:
        inside = resolved.relative_to(ROOT)
    except ValueError:
        return "escapes the repository"
    if inside.parts and inside.parts[0] in IGNORED_DIRS:
        return "points into a directory that is not in the repository"
    if not resolved.exists():
        return "names a file that does not exist"
    if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
        return f"names an anchor #{anchor} that {inside} has no heading for"
    return None


def _escaping_paths(document: Path, text: str) -> list[str]:
    """Paths written as code (`../x`) that lead out of the repository."""
    found = []
    for match in re.finditer(r"`(\.\./[^`\s]*)`", _FENCE.sub("", text)):
        try:
            (document.parent / match.group(1)).resolve().relative_to(ROOT)
        except ValueError:
            found.append(match.group(1))
    return found


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves_to_a_file_in_the_repository(document):
    text = document.read_text(encoding="utf-8")

    broken = [(t, why) for t in links(text) if (why := problem(document, t)) is not None]
    broken += [(p, "is a path outside the repository") for p in _escaping_paths(document, text)]

    assert broken == []


def test_the_documents_checked_include_the_readme_and_every_doc():
    names = {str(p.relative_to(ROOT)) for p in documents()}

    assert {"README.md", "SECURITY.md", "BENCHMARKS.md", "docs/api.md"} <= names
    assert names >= {str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")}


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("see [Chalice](https://aws.github.io/chalice/)", "a URL"),
        ("see <https://example.com/x>", "a URL"),
        ("see https://example.com/x in prose", "a URL"),
        ("[ref]: https://example.com/x", "a URL"),
        ("the [brief](../shared/SPEC.md)", "escapes the repository"),
        ("the [brief](../../shared/SPEC.md)", "escapes the repository"),
        ("[gone](docs/no-such-file.md)", "does not exist"),
        ("[abs](/etc/passwd)", "absolute path"),
        ("[env](.venv/bin/python)", "repository"),  # .venv may be a symlink out of it
        ("[anchor](docs/api.md#no-such-heading)", "anchor"),
        ("[mail](mailto:someone@example.com)", "a URL"),
    ],
)
def test_links_out_of_the_repository_are_caught(text, complaint):
    found = [problem(ROOT / "README.md", t) for t in links(text)]

    assert any(p and complaint in p for p in found), found


@pytest.mark.parametrize(
    "text",
    [
        "[api](docs/api.md) and [errors](docs/api.md#errors)",
        "[this section](#yima-一码通行)",
        "run `curl http://example.com/x` (inline code is not a link)",
        "```sh\ncurl https://example.com/x\n```",
        "the server is on http://127.0.0.1:8000 locally",
        "[security](SECURITY.md)",
    ],
)
def test_links_inside_the_repository_and_code_pass(text):
    assert [problem(ROOT / "README.md", t) for t in links(text)] == [None] * len(links(text))


def test_a_path_in_code_that_leaves_the_repository_is_caught():
    assert _escaping_paths(ROOT / "README.md", "the contract is `../shared/SPEC.md`") == [
        "../shared/SPEC.md"
    ]
    assert _escaping_paths(ROOT / "docs" / "api.md", "see `../SECURITY.md`") == []

"""docs/api.md against the OpenAPI document: the checker the tests run, and a writer of
the skeleton section for a route the contract does not describe yet.

Each route has one section in ``docs/api.md``::

    ### POST /v1/declarations

    - **Who**: `citizen`
    - **Responds**: `201` `{id, status, colour, reasons, review_reasons, valid_until}`
    - **Errors**: 400, 401, 403, 409, 413, 415, 429, 503

    | in | field | type | required | meaning |
    | --- | --- | --- | --- | --- |
    | body | `name` | string | yes | as on the ID card |
    | body | `stays[].phone` | string | yes | ... |

and :func:`problems` holds it to the document both ways: every operation has its
section and every section is an operation; the roles, the success status, the
response's top-level fields and the error statuses are the document's; the table
names every path and query parameter and every body field (nested objects and arrays
of objects included, as ``a.b`` and ``a[].b``), with the schema's type and required
flag, and a meaning written by a person.

    python scripts/api_doc.py --check                  # what the tests check
    python scripts/api_doc.py --skeleton               # sections for undocumented routes
    python scripts/api_doc.py --skeleton POST /v1/verify
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "api.md"
METHODS = ("get", "post", "put", "delete", "patch")
_HEADING = re.compile(r"^### (GET|POST|PUT|DELETE|PATCH) (/v1/\S*)\s*$")
_ITEM = re.compile(r"^- \*\*(Who|Responds|Errors)\*\*: (.*)$")
_ROW = re.compile(r"^\|\s*(body|query|path|header)\s*\|\s*`([^`]+)`\s*\|(.*)\|(.*)\|(.*)\|\s*$")


@dataclass
class Section:
    method: str
    path: str
    line: int
    items: dict[str, str] = field(default_factory=dict)
    rows: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)
    duplicate_rows: list[str] = field(default_factory=list)


def parse(text: str) -> tuple[dict[tuple[str, str], Section], list[str]]:
    """The route sections of docs/api.md by (METHOD, path), and the headings that
    appear twice."""
    sections: dict[tuple[str, str], Section] = {}
    twice: list[str] = []
    current: Section | None = None
    for number, line in enumerate(text.splitlines(), 1):
        heading = _HEADING.match(line)
        if heading:
            current = Section(heading.group(1), heading.group(2), number)
            key = (current.method, current.path)
            if key in sections:
                twice.append(f"{current.method} {current.path}")
            sections[key] = current
            continue
        if line.startswith("#"):
            current = None
            continue
        if current is None:
            continue
        item = _ITEM.match(line)
        if item:
            current.items[item.group(1)] = item.group(2).strip()
            continue
        row = _ROW.match(line)
        if row:
            where, name = row.group(1), row.group(2)
            if (where, name) in current.rows:
                current.duplicate_rows.append(f"{where} {name}")
            kind, required, meaning = (c.strip() for c in row.groups()[2:])
            current.rows[(where, name)] = (kind, required, meaning)
    return sections, twice


def operations(document: Mapping[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): op
        for path, ops in document["paths"].items()
        for method, op in ops.items()
        if method in METHODS
    }


def render_type(schema: Mapping[str, Any]) -> str:
    """How the table writes a schema's type: ``string``, ``integer or null``,
    ``array of string``, ``object``, or the enum's values."""
    if "enum" in schema:
        return " / ".join(f"`{value}`" for value in schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    if kind == "array":
        items = schema.get("items")
        return f"array of {render_type(items)}" if isinstance(items, Mapping) else "array"
    return str(kind) if kind else "any"


def body_fields(schema: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str, bool]]:
    """(name, type, required) for every property, nested ones as ``a.b`` / ``a[].b``."""
    required = set(schema.get("required", ()))
    for name, child in (schema.get("properties") or {}).items():
        full = f"{prefix}{name}"
        yield full, render_type(child), name in required
        if child.get("type") == "object" and child.get("properties"):
            yield from body_fields(child, f"{full}.")
        items = child.get("items")
        if child.get("type") == "array" and isinstance(items, Mapping) and items.get("properties"):
            yield from body_fields(items, f"{full}[].")


def expected_rows(op: Mapping[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    rows: dict[tuple[str, str], tuple[str, str]] = {}
    for param in op.get("parameters", []):
        schema = param.get("schema", {})
        rows[(param["in"], param["name"])] = (
            render_type(schema),
            "yes" if param.get("required") else "no",
        )
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        for name, kind, required in body_fields(body):
            rows[("body", name)] = (kind, "yes" if required else "no")
    return rows


def success(op: Mapping[str, Any]) -> tuple[str, str, list[str]]:
    """(status, media type, top-level response fields)."""
    status = min(s for s in op["responses"] if int(s) < 400)
    content = op["responses"][status].get("content", {})
    media, spec = next(iter(content.items()))
    props = list((spec.get("schema") or {}).get("properties") or {})
    return status, media, props


def media_types(op: Mapping[str, Any]) -> list[str]:
    status = min(s for s in op["responses"] if int(s) < 400)
    return list(op["responses"][status].get("content", {}))


def errors(op: Mapping[str, Any]) -> list[str]:
    return sorted((s for s in op["responses"] if int(s) >= 400), key=int)


def who(op: Mapping[str, Any]) -> list[str]:
    return sorted(op.get("x-roles", [])) if op.get("security") else []


def responds_text(op: Mapping[str, Any]) -> str:
    status, media, props = success(op)
    if media != "application/json":
        return f"`{status}` " + ", ".join(f"`{m}`" for m in media_types(op))
    return f"`{status}` `{{{', '.join(props)}}}`"


def _fields_in(text: str) -> list[str] | None:
    match = re.search(r"`\{([^`]*)\}`", text)
    if match is None:
        return None
    return [f.strip() for f in match.group(1).split(",") if f.strip()]


def problems(document: Mapping[str, Any], text: str) -> list[str]:
    """Every way docs/api.md and the OpenAPI document disagree; empty when they agree."""
    sections, twice = parse(text)
    ops = operations(document)
    found = [f"docs/api.md describes {key} twice" for key in twice]
    for key in sorted(set(ops) - set(sections)):
        found.append(
            f"{key[0]} {key[1]} has no section in docs/api.md "
            f"(python scripts/api_doc.py --skeleton {key[0]} {key[1]})"
        )
    for key in sorted(set(sections) - set(ops)):
        found.append(f"docs/api.md line {sections[key].line}: {key[0]} {key[1]} is not a route")
    for key in sorted(set(ops) & set(sections)):
        found += _section_problems(ops[key], sections[key])
    return found


def _section_problems(op: Mapping[str, Any], section: Section) -> list[str]:
    where = f"{section.method} {section.path} (docs/api.md line {section.line})"
    found = []
    for item in ("Who", "Responds", "Errors"):
        if item not in section.items:
            found.append(f"{where}: no **{item}** line")
    roles = who(op)
    said = section.items.get("Who", "")
    named = sorted(set(re.findall(r"`([a-z_]+)`", said)))
    if roles and named != roles:
        found.append(f"{where}: Who names {named}, the document {roles}")
    if not roles and not said.startswith("anyone"):
        found.append(f"{where}: Who must say anyone (no token), the document has no roles")
    status, media, props = success(op)
    responds = section.items.get("Responds", "")
    if not responds.startswith(f"`{status}`"):
        found.append(f"{where}: Responds must start with `{status}`")
    if media == "application/json":
        listed = _fields_in(responds)
        if props and (listed is None or sorted(listed) != sorted(props)):
            found.append(f"{where}: Responds lists {listed}, the response has {sorted(props)}")
    else:
        for each in media_types(op):  # a route serving several types names each
            if f"`{each}`" not in responds:
                found.append(f"{where}: Responds must name `{each}`")
    statuses = re.findall(r"\b([1-5]\d\d)\b", section.items.get("Errors", ""))
    if sorted(statuses, key=int) != errors(op):
        found.append(f"{where}: Errors lists {statuses}, the document {errors(op)}")
    expected = expected_rows(op)
    for name in section.duplicate_rows:
        found.append(f"{where}: the table has {name} twice")
    for row in sorted(set(expected) - set(section.rows)):
        found.append(f"{where}: the table lacks {row[0]} `{row[1]}`")
    for row in sorted(set(section.rows) - set(expected)):
        found.append(f"{where}: the table has {row[0]} `{row[1]}`, which the schema does not")
    for row in sorted(set(expected) & set(section.rows)):
        kind, required, meaning = section.rows[row]
        if (kind, required) != expected[row]:
            found.append(
                f"{where}: {row[0]} `{row[1]}` is ({kind}, {required}) in the table, "
                f"({expected[row][0]}, {expected[row][1]}) in the schema"
            )
        if not meaning or meaning.upper().startswith("TODO"):
            found.append(f"{where}: {row[0]} `{row[1]}` has no meaning written")
    return found


def skeleton(op: Mapping[str, Any], method: str, path: str) -> str:
    """A section to paste into docs/api.md and finish by hand (the TODOs fail the test)."""
    roles = who(op)
    lines = [
        f"### {method} {path}",
        "",
        op.get("summary", "TODO: what it does."),
        "",
        "- **Who**: " + (", ".join(f"`{r}`" for r in roles) if roles else "anyone, no token"),
        f"- **Responds**: {responds_text(op)}",
        "- **Errors**: " + ", ".join(errors(op)),
    ]
    rows = expected_rows(op)
    if rows:
        lines += [
            "",
            "| in | field | type | required | meaning |",
            "| --- | --- | --- | --- | --- |",
        ]
        descriptions = _descriptions(op)
        for (where, name), (kind, required) in rows.items():
            meaning = descriptions.get((where, name)) or "TODO"
            lines.append(f"| {where} | `{name}` | {kind} | {required} | {meaning} |")
    return "\n".join(lines) + "\n"


def _descriptions(op: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for param in op.get("parameters", []):
        if param.get("schema", {}).get("description"):
            found[(param["in"], param["name"])] = param["schema"]["description"]

    def walk(schema: Mapping[str, Any], prefix: str) -> None:
        for name, child in (schema.get("properties") or {}).items():
            if child.get("description"):
                found[("body", prefix + name)] = child["description"]
            if child.get("type") == "object":
                walk(child, f"{prefix}{name}.")
            if child.get("type") == "array" and isinstance(child.get("items"), Mapping):
                walk(child["items"], f"{prefix}{name}[].")

    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        walk(body, "")
    return found


def current_document() -> dict[str, Any]:
    """What ``GET /v1/openapi.json`` serves on the local stage (every route)."""
    sys.path.insert(0, str(ROOT))
    from app import api
    from chalicelib.kernel.openapi import build_document

    return build_document(api.operations)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="list disagreements; exit 1 if any")
    mode.add_argument("--skeleton", nargs="*", metavar="METHOD PATH", help="print sections")
    args = parser.parse_args(argv)
    document = current_document()
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if args.check:
        found = problems(document, text)
        print("\n".join(found) or "docs/api.md agrees with the OpenAPI document")
        return 1 if found else 0
    ops = operations(document)
    if args.skeleton:
        if len(args.skeleton) != 2 or (args.skeleton[0].upper(), args.skeleton[1]) not in ops:
            parser.error("--skeleton takes a METHOD and a PATH that the app routes")
        wanted = [(args.skeleton[0].upper(), args.skeleton[1])]
    else:
        documented, _ = parse(text)
        wanted = sorted(set(ops) - set(documented), key=lambda k: (k[1], k[0]))
    print("\n".join(skeleton(ops[key], *key) for key in wanted), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

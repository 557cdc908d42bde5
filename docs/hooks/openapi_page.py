"""MkDocs hook: the API reference page, rendered from the schema the app itself serves.

`make docs` writes that schema (scripts/openapi_json.py, run with the app's virtualenv) and
points OPENAPI_JSON at it; this hook runs in the docs virtualenv, which has no app packages,
so it only reads JSON. Nothing on the page is typed by hand: a route or limit that changes in
the code changes here on the next build.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

PAGE = "api-reference.md"
MARKER = "<!-- openapi -->"
METHODS = ("get", "post", "put", "patch", "delete")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    source = os.environ.get("OPENAPI_JSON")
    if not source:
        raise RuntimeError("OPENAPI_JSON is not set: build the site with `make docs`")
    schema = json.loads(Path(source).read_text())
    return markdown.replace(MARKER, render(schema))


def render(schema: dict[str, Any]) -> str:
    out = [f"Version {schema['info'].get('version', '?')} of *{schema['info']['title']}*.", ""]
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                out += _operation(method, path, item[method], schema)
    return "\n".join(out)


def _operation(method: str, path: str, op: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    out = [f"## `{method.upper()} {path}`", ""]
    if op.get("summary"):
        out += [f"**{op['summary']}**", ""]
    if op.get("description"):
        out += [op["description"], ""]
    params = op.get("parameters", [])
    if params:
        out += ["| parameter | in | required | schema | description |", "|---|---|---|---|---|"]
        for param in params:
            text = param.get("description") or param.get("schema", {}).get("description")
            described = _cell(text)
            out.append(
                f"| `{param['name']}` | {param['in']} | {'yes' if param.get('required') else 'no'}"
                f" | {_type(param.get('schema', {}), schema)} | {described} |"
            )
        out.append("")
    body = op.get("requestBody", {}).get("content", {})
    if body:
        out += ["Request body: " + ", ".join(f"`{kind}`" for kind in body), ""]
        for kind, media in body.items():
            if "schema" in media:
                out += [f"`{kind}`:", "", "```json", _json(media["schema"], schema), "```", ""]
    out += ["| status | description |", "|---|---|"]
    for status, response in op.get("responses", {}).items():
        out.append(f"| {status} | {_cell(response.get('description'))} |")
    return [*out, ""]


def _resolve(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        found: dict[str, Any] = schema["components"]["schemas"][name]
        return found
    return node


def _type(node: dict[str, Any], schema: dict[str, Any]) -> str:
    node = _resolve(node, schema)
    if "anyOf" in node:
        return " or ".join(_type(option, schema) for option in node["anyOf"])
    limits = [
        f"{key} {node[key]}"
        for key in ("minimum", "maximum", "minLength", "maxLength", "pattern", "default")
        if key in node
    ]
    kind = str(node.get("type", "any"))
    return kind + (f" ({', '.join(f'`{limit}`' for limit in limits)})" if limits else "")


def _json(node: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> str:
    """The schema with its references expanded once, as readable JSON."""

    def expand(value: Any, level: int) -> Any:
        if isinstance(value, dict):
            if "$ref" in value and level < 4:
                return expand(_resolve(value, schema), level + 1)
            return {key: expand(item, level) for key, item in value.items()}
        if isinstance(value, list):
            return [expand(item, level) for item in value]
        return value

    return json.dumps(expand(node, depth), indent=2)


def _cell(text: str | None) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")

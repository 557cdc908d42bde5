"""The deployment's own limits in the served schema, so clients and fuzzers meet the code's rules.

Some limits exist only once the app runs: the key prefixes come from the settings, top_k's
maximum from the model loaded. JSON Schema counts a string's length in characters, S3 in
UTF-8 bytes: maxLength 1024 is a true bound but not the whole rule, so the byte limit is
said in the description too. The key patterns leave out what a regular expression without
look-ahead cannot say simply: `..` and `//` are refused too (400 invalid_s3_key).
"""

from __future__ import annotations

import re
from typing import Any

from function.api.schemas.batch import MAX_BATCH_IMAGES
from function.api.schemas.jobs import MAX_JOB_IMAGES
from function.shared.settings import Settings

MAX_KEY_CHARACTERS = 1024  # S3's 1024 bytes are at most 1024 characters


def upload_key(prefix: str) -> dict[str, Any]:
    return {
        "type": "string",
        "maxLength": MAX_KEY_CHARACTERS,
        "pattern": f"^{re.escape(prefix)}[A-Za-z0-9!_.*'()/-]+$",
        "description": f"A key from POST /uploads: '{prefix}' and S3's safe characters, at most "
        "1024 bytes, without `..` or `//`.",
    }


def dropped_key(prefix: str) -> dict[str, Any]:
    return {
        "type": "string",
        "maxLength": MAX_KEY_CHARACTERS,
        "pattern": f"^{re.escape(prefix)}[\\s\\S]+$",
        "description": f"An object under '{prefix}': any name S3 can hold (`..`, `//`, spaces, "
        "any script), at most 1024 bytes of UTF-8.",
    }


def document_limits(openapi: dict[str, Any], settings: Settings, num_classes: int | None) -> None:
    """Write the limits into FastAPI's schema (a copy: it is built once and cached)."""
    uploads, incoming = settings.upload_prefix, settings.incoming_prefix
    paths = openapi["paths"]
    _json_body(paths["/classify"]["post"])["s3_key"].update(upload_key(uploads))
    batch = _json_body(paths["/classify/batch"]["post"])["s3_keys"]
    batch.update(_key_list(upload_key(uploads), MAX_BATCH_IMAGES))
    job = _json_body(paths["/jobs"]["post"])
    either = {"anyOf": [upload_key(uploads), dropped_key(incoming)]}
    job["s3_keys"].update(_key_list(either, MAX_JOB_IMAGES))
    # Any S3 key may start a prefix; 1 to 1024 UTF-8 bytes (at most 1024 characters).
    job["s3_prefix"].update({"minLength": 1, "maxLength": MAX_KEY_CHARACTERS})
    for parameter in paths["/results"]["get"]["parameters"]:
        if parameter["name"] == "s3_key":
            parameter["schema"].update(dropped_key(incoming))
    if num_classes is None:
        return
    job["top_k"]["maximum"] = num_classes
    for path in paths.values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "top_k":
                    parameter["schema"]["maximum"] = num_classes


def _json_body(operation: dict[str, Any]) -> dict[str, Any]:
    """The properties of an operation's application/json request body."""
    properties: dict[str, Any] = operation["requestBody"]["content"]["application/json"]["schema"][
        "properties"
    ]
    return properties


def _key_list(key: dict[str, Any], most: int) -> dict[str, Any]:
    return {"type": "array", "minItems": 1, "maxItems": most, "items": key}

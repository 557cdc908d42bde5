"""Reading a small JSON request body into a pydantic model, with errors in the service's shape."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from function.api import media_types
from function.api.bodies.image import read_body
from function.shared import errors

# Sixteen keys of S3's longest (1024 bytes) fit with room to spare.
MAX_JSON_BYTES = 64 * 1024
M = TypeVar("M", bound=BaseModel)


async def read_json(request: Request, model: type[M], max_bytes: int = MAX_JSON_BYTES) -> M:
    body = await read_body(request, max_bytes)
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            raise errors.InvalidJson(f"The body is not valid JSON: {first['msg']}.") from exc
        where = ".".join(str(part) for part in first.get("loc", ())) or "body"
        raise errors.InvalidParameter(f"{where}: {first['msg']}") from exc


def media_type_of(request: Request) -> str:
    return media_types.media_type_of(request.headers.get("content-type", ""))

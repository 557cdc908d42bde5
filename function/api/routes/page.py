"""GET / and its static files: the try-it page, keyless, under a strict Content-Security-Policy.

Text files only (HTML, CSS, JavaScript): Mangum returns text bodies as they are and API
Gateway passes them through, where a binary file would need a BinaryMediaTypes entry.
"""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from function.api.dependencies import current_settings
from function.shared.observability import logger
from function.shared.settings import Settings

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
PAGE = "index.html"
# Everything servable under static/, with its media type; any other name is a 404.
ASSETS = {
    "try-it.css": "text/css; charset=utf-8",
    "try-it.js": "text/javascript; charset=utf-8",
    "api.js": "text/javascript; charset=utf-8",  # imported by try-it.js
}
COMMON_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    # Small files that change with each deploy: revalidate rather than serve a stale script.
    "cache-control": "no-cache",
}

router = APIRouter(include_in_schema=False)
_bucket_origins: dict[str, str] = {}


@cache
def _read(name: str) -> bytes:
    return (STATIC_DIR / name).read_bytes()


def content_security_policy(bucket_origin: str | None) -> str:
    """No inline code, nothing from another origin; fetches to the API and the bucket only."""
    connect = " ".join(source for source in ("'self'", bucket_origin) if source)
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' blob: data:",  # the preview is a blob: URL; the favicon is empty data:
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def bucket_origin(settings: Settings) -> str | None:
    """The origin the page's presigned POSTs go to, as boto3 itself addresses the bucket.

    Asked of boto3 rather than rebuilt from the bucket name, so that the region, the
    addressing style and a local endpoint (AWS_ENDPOINT_URL) all come out as /uploads signs.
    """
    bucket = settings.images_bucket
    if not bucket:
        return None
    if bucket not in _bucket_origins:
        from function.aws.clients import client, require_credentials  # not at cold start

        try:
            require_credentials()
            url = client("s3").generate_presigned_post(Bucket=bucket, Key=settings.upload_prefix)
        except Exception as exc:  # without credentials /uploads answers 503 anyway
            logger.warning("no bucket origin for the page", extra={"cause": repr(exc)})
            return None
        parts = urlsplit(url["url"])
        _bucket_origins[bucket] = f"{parts.scheme}://{parts.netloc}"
    return _bucket_origins[bucket]


def _stage_redirect(request: Request) -> Response | None:
    """API Gateway serves /Prod as well as /Prod/; relative URLs need the trailing slash."""
    event = request.scope.get("aws.event") or {}
    path = (event.get("requestContext") or {}).get("path")
    if isinstance(path, str) and path and not path.endswith("/"):
        return RedirectResponse(path.rsplit("/", 1)[-1] + "/", status_code=308)
    return None


@router.get("/")
async def page(
    request: Request, settings: Annotated[Settings, Depends(current_settings)]
) -> Response:
    if (redirect := _stage_redirect(request)) is not None:
        return redirect
    origin = await asyncio.to_thread(bucket_origin, settings)
    headers = {**COMMON_HEADERS, "content-security-policy": content_security_policy(origin)}
    return Response(_read(PAGE), media_type="text/html; charset=utf-8", headers=headers)


@router.get("/static/{name}")
async def static_file(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(404, f"No static file '{name[:100]}'.")
    headers = {**COMMON_HEADERS, "content-security-policy": "default-src 'none'"}
    return Response(_read(name), media_type=media_type, headers=headers)

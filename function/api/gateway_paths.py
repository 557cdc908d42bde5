"""Behind API Gateway, the path prefix the caller used (the stage, e.g. /v1) as ASGI root_path.

The API is served at https://<id>.execute-api.<region>.amazonaws.com/<stage>/, but a REST API
event's `path` lacks the stage, so a URL the app builds from its own routes (a job's
status_url and Location) would name a path the gateway does not serve. The prefix is what the
caller's path (REST: requestContext.path) has in front of the app's path: the stage on the
default endpoint, a base path mapping on a custom domain, nothing under `sam local
start-api` (whose requestContext.path is the route template). An HTTP API (payload 2.0)
puts a named stage into rawPath itself; it is routed without it. Under uvicorn, root_path is
uvicorn's own (--root-path), empty by default.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send


class GatewayPathMiddleware:
    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        event = scope.get("aws.event") if scope["type"] == "http" else None
        if isinstance(event, dict):
            prefix, path = public_path(event, scope["path"])
            if prefix:
                # ASGI: path is the whole path, and Starlette routes on what follows root_path.
                scope = {**scope, "root_path": prefix, "path": path}
        await self.inner(scope, receive, send)


def public_path(event: dict[str, Any], path: str) -> tuple[str, str]:
    """(the prefix before the app's own path, the whole path the caller used); ("", path) if none.

    `path` is the path Mangum hands the app: the event's path, or an HTTP API's rawPath.
    """
    context = event.get("requestContext") or {}
    if event.get("version") == "2.0":
        stage = context.get("stage") or "$default"
        named = f"/{stage}"
        if stage != "$default" and path.startswith(f"{named}/"):
            return named, path
        return "", path
    public = context.get("path")
    if isinstance(public, str) and len(public) > len(path) and public.endswith(path):
        prefix = public[: -len(path)].rstrip("/")
        return prefix, prefix + path
    return "", path

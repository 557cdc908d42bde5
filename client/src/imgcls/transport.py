"""HTTP with retries: transient failures wait and try again, permanent ones become ApiError."""

from __future__ import annotations

import email.utils
import random
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from imgcls import __version__
from imgcls.errors import ApiError, ConfigError, Unreachable

TRANSIENT = frozenset({429, 502, 503, 504})
MAX_DELAY = 30.0
S3_CODE = re.compile(r"<Code>([^<]{1,100})</Code>")


def retry_delay(attempt: int, retry_after: float | None, base: float) -> float:
    """Exponential backoff with jitter (half fixed, half random), never before Retry-After."""
    ceiling = min(MAX_DELAY, base * 2.0**attempt)
    jittered = ceiling / 2 + random.uniform(0, ceiling / 2)
    return max(jittered, min(retry_after, MAX_DELAY * 2)) if retry_after else jittered


def parse_retry_after(value: str | None) -> float | None:
    """Seconds, or an HTTP date (RFC 9110 allows both)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Api:
    """One connection pool for the API and for the presigned S3 URLs it hands out."""

    def __init__(self, url: str, key: str | None, retries: int = 5, backoff: float = 0.5) -> None:
        self.key, self.retries, self.backoff = key, retries, backoff
        self.http = httpx.Client(
            base_url=url,
            timeout=httpx.Timeout(60.0, connect=10.0),
            headers={"user-agent": f"imgcls/{__version__}"},
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )

    def call(self, method: str, path: str, *, external: bool = False, **kw: Any) -> httpx.Response:
        """`external`: a presigned URL, sent without the API key and read as S3's answer."""
        headers = dict(kw.pop("headers", {}))
        if self.key and not external:
            headers["x-api-key"] = self.key
        response = self._with_retries(
            lambda: self.http.request(method, path, headers=headers, **kw)
        )
        if response.is_success:
            return response
        raise error_of(response, external)

    def download(self, url: str, dest: Path) -> None:
        """A presigned GET streamed to a file: an export may be hundreds of MB."""

        def fetch() -> httpx.Response:
            with self.http.stream("GET", url) as response, dest.open("wb") as out:
                if response.is_success:
                    for chunk in response.iter_bytes(1 << 20):
                        out.write(chunk)
                else:
                    response.read()
                return response

        response = self._with_retries(fetch)
        if not response.is_success:
            raise error_of(response, external=True)

    def _with_retries(self, send: Any) -> httpx.Response:
        for attempt in range(self.retries + 1):
            retry_after = None
            try:
                response: httpx.Response = send()
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code not in TRANSIENT:
                    return response
                failure = f"HTTP {response.status_code}"
                retry_after = parse_retry_after(response.headers.get("retry-after"))
            if attempt == self.retries:
                raise Unreachable(
                    f"service unreachable: {failure} after {attempt + 1} attempts "
                    f"({self.http.base_url})"
                )
            time.sleep(retry_delay(attempt, retry_after, self.backoff))
        raise AssertionError("unreachable")


def error_of(response: httpx.Response, external: bool) -> Exception:
    """The service's {"error": {"code", "message"}}, S3's XML <Code>, or the bare status."""
    status = response.status_code
    try:
        body: Mapping[str, Any] = response.json()
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, Mapping) and "code" in error:
        return ApiError(status, str(error["code"]), str(error.get("message", "")))
    if not external and status in (401, 403):
        # API Gateway's own refusal ({"message": "Forbidden"}): the key is missing or wrong.
        return ConfigError(f"the API refused the request ({status}): check --api-key")
    if external and (match := S3_CODE.search(response.text)):
        return ApiError(status, f"s3_{match.group(1)}", response.text[:300])
    message = body.get("message") if isinstance(body, Mapping) else None
    return ApiError(status, f"http_{status}", str(message or response.reason_phrase))

"""CORS is off unless CORS_ALLOWED_ORIGINS lists origins, and then only for those origins.

The middleware is configured when function.api.app is imported, so each case runs in a fresh
interpreter with its own environment.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from probes import probe_json

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json
from fastapi.testclient import TestClient
from function.handler import app

client = TestClient(app)
preflight = client.options("/classify", headers={
    "origin": "https://app.example.com",
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type,x-api-key",
})
jobs_preflight = client.options("/jobs", headers={
    "origin": "https://app.example.com",
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type,x-api-key,idempotency-key",
})
# AuthMode=COGNITO sends an ID token, AuthMode=IAM a SigV4 signature (docs/auth-modes.md).
signed_preflight = client.options("/classify", headers={
    "origin": "https://app.example.com",
    "access-control-request-method": "POST",
    "access-control-request-headers":
        "authorization,content-type,x-amz-date,x-amz-security-token,x-amz-content-sha256",
})
evil = client.get("/health", headers={"origin": "https://evil.example.net"})
good = client.get("/health", headers={"origin": "https://app.example.com"})
print(json.dumps({
    "preflight_status": preflight.status_code,
    "preflight_origin": preflight.headers.get("access-control-allow-origin"),
    "preflight_headers": preflight.headers.get("access-control-allow-headers", ""),
    "good_origin": good.headers.get("access-control-allow-origin"),
    "good_exposed": good.headers.get("access-control-expose-headers", ""),
    "evil_origin": evil.headers.get("access-control-allow-origin"),
    "jobs_preflight_status": jobs_preflight.status_code,
    "jobs_preflight_headers": jobs_preflight.headers.get("access-control-allow-headers", ""),
    "signed_preflight_status": signed_preflight.status_code,
}))
"""


def probe(model_dir: Path, origins: str | None) -> dict:
    env = {**os.environ, "MODEL_DIR": str(model_dir)}
    env.pop("CORS_ALLOWED_ORIGINS", None)
    if origins is not None:
        env["CORS_ALLOWED_ORIGINS"] = origins
    return probe_json(PROBE, env)


def test_no_cors_headers_by_default(model_dir: Path) -> None:
    report = probe(model_dir, None)
    assert report["good_origin"] is None
    assert report["evil_origin"] is None
    assert report["preflight_origin"] is None


def test_listed_origins_only(model_dir: Path) -> None:
    report = probe(model_dir, "https://app.example.com, https://admin.example.com")
    assert report["preflight_status"] == 200
    assert report["preflight_origin"] == "https://app.example.com"
    assert "x-api-key" in report["preflight_headers"].lower()
    assert report["good_origin"] == "https://app.example.com"
    exposed = {name.strip() for name in report["good_exposed"].lower().split(",")}
    assert {"x-request-id", "x-cache", "x-model-warning", "idempotent-replayed"} <= exposed
    assert report["evil_origin"] is None
    assert report["jobs_preflight_status"] == 200
    assert "idempotency-key" in report["jobs_preflight_headers"].lower()


def test_a_wildcard_origin_is_refused_at_startup(model_dir: Path) -> None:
    with pytest.raises(subprocess.CalledProcessError) as failure:
        probe(model_dir, "*")
    assert "'*' is not accepted" in failure.value.stderr


def test_a_browser_may_send_a_cognito_token_or_a_sigv4_signature(model_dir: Path) -> None:
    """docs/auth-modes.md tells a browser app in COGNITO (or IAM) mode to list its origin."""
    report = probe(model_dir, "https://app.example.com")
    assert report["signed_preflight_status"] == 200

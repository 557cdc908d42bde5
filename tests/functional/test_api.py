"""The HTTP contract through TestClient: the tutorial's curl form, raw bodies, errors."""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi.testclient import TestClient
from photos import photo_bytes

from function.api.dependencies import current_model, current_settings
from function.inference.preprocess import IMAGENET
from function.shared.settings import Settings

JPEG = photo_bytes("chelsea")


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["request_id"] == response.headers["x-request-id"]
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]


def assert_predictions(body: dict, count: int) -> None:
    predictions = body["predictions"]
    assert len(predictions) == count
    assert all(set(p) == {"class", "index", "probability"} for p in predictions)
    probabilities = [p["probability"] for p in predictions]
    assert probabilities == sorted(probabilities, reverse=True)
    assert 0 < sum(probabilities) <= 1.0 + 1e-6
    assert len({p["index"] for p in predictions}) == count
    assert body["model"]["name"] == "resnet18-int8"
    assert len(body["model"]["version"]) == 12


def test_multipart_upload_like_the_tutorials_curl(client: TestClient) -> None:
    response = client.post("/classify", files={"image": ("cat.jpg", JPEG, "image/jpeg")})
    assert response.status_code == 200
    assert_predictions(response.json(), 5)


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/png", "application/octet-stream"])
def test_raw_body_upload(client: TestClient, content_type: str) -> None:
    response = client.post("/classify", content=JPEG, headers={"content-type": content_type})
    assert response.status_code == 200
    assert_predictions(response.json(), 5)


def test_both_forms_give_the_same_answer(client: TestClient) -> None:
    multipart = client.post("/classify", files={"image": ("c.jpg", JPEG, "image/jpeg")}).json()
    raw = client.post("/classify", content=JPEG, headers={"content-type": "image/jpeg"}).json()
    assert multipart == raw


@pytest.mark.parametrize("top_k", [1, 3, 1000])
def test_top_k(client: TestClient, top_k: int) -> None:
    response = client.post(
        f"/classify?top_k={top_k}", content=JPEG, headers={"content-type": "image/jpeg"}
    )
    assert response.status_code == 200
    assert_predictions(response.json(), top_k)


@pytest.mark.parametrize("top_k", ["0", "1001", "-1", "five", "2.5", ""])
def test_top_k_out_of_range_or_not_an_integer(client: TestClient, top_k: str) -> None:
    response = client.post(
        f"/classify?top_k={top_k}", content=JPEG, headers={"content-type": "image/jpeg"}
    )
    assert_error(response, 422, "invalid_parameter")
    assert "top_k" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        # JSON means "by S3 key" (issue 8): without IMAGES_BUCKET, the documented 501.
        ({"json": {"image": "aGVsbG8="}}, 501, "s3_not_configured"),
        (
            {"content": b"x", "headers": {"content-type": "text/plain"}},
            415,
            "unsupported_media_type",
        ),
        ({"content": JPEG}, 415, "unsupported_media_type"),
        ({"files": {"file": ("c.jpg", JPEG, "image/jpeg")}}, 400, "missing_image_field"),
        (
            {"data": {"image": "not a file"}, "files": {"x": ("a", b"a")}},
            400,
            "missing_image_field",
        ),
        ({"content": b"", "headers": {"content-type": "image/jpeg"}}, 400, "empty_body"),
        (
            {"content": b"not an image", "headers": {"content-type": "image/png"}},
            415,
            "unsupported_image_format",
        ),
        (
            {"content": b"--x\r\ngarbage", "headers": {"content-type": "multipart/form-data"}},
            400,
            "malformed_multipart",
        ),
    ],
)
def test_bad_requests_get_a_4xx_in_our_shape(client, kwargs, status, code) -> None:
    assert_error(client.post("/classify", **kwargs), status, code)


def test_two_files_are_refused(client: TestClient) -> None:
    files = [("image", ("a.jpg", JPEG, "image/jpeg")), ("image", ("b.jpg", JPEG, "image/jpeg"))]
    assert_error(client.post("/classify", files=files), 400, "malformed_multipart")


def test_oversized_body_is_refused_with_413(client: TestClient) -> None:
    client.app.dependency_overrides[current_settings] = lambda: Settings(
        max_image_bytes=len(JPEG) - 1
    )
    raw = client.post("/classify", content=JPEG, headers={"content-type": "image/jpeg"})
    assert_error(raw, 413, "payload_too_large")
    form = client.post("/classify", files={"image": ("c.jpg", JPEG, "image/jpeg")})
    assert_error(form, 413, "payload_too_large")


def test_declared_content_length_over_the_limit_is_refused_before_reading(client) -> None:
    headers = {"content-type": "image/jpeg", "content-length": "999999999"}
    assert_error(client.post("/classify", content=JPEG, headers=headers), 413, "payload_too_large")


def test_unknown_routes_and_methods(client: TestClient) -> None:
    assert_error(client.get("/nope"), 404, "not_found")
    response = client.get("/classify")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


def test_unexpected_exception_is_a_plain_500_without_traceback(client, caplog) -> None:
    class BrokenModel:
        num_classes = 1000
        preprocessing = IMAGENET

        def predict(self, *args, **kwargs):
            raise RuntimeError("secret internal detail")

    client.app.dependency_overrides[current_model] = BrokenModel
    response = client.post("/classify", content=JPEG, headers={"content-type": "image/jpeg"})
    assert_error(response, 500, "internal_error")
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    assert any("unhandled error" in record.getMessage() for record in caplog.records)


def test_health_reports_random_weights_loudly(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["weights"] == "random"
    assert body["production_ready"] is False
    assert "NOT FOR PRODUCTION" in body["warning"]
    assert body["warmed_up"] is True
    assert body["quantization_backend"] in ("fbgemm", "x86", "qnnpack")
    assert body["limits"]["max_image_bytes"] == 4_500_000  # the documented default


def test_health_reports_this_deployments_limits(client: TestClient) -> None:
    deployed = Settings(max_image_bytes=1234, max_image_pixels=5678, allowed_formats=("PNG",))
    client.app.dependency_overrides[current_settings] = lambda: deployed
    limits = client.get("/health").json()["limits"]
    assert limits == {"max_image_bytes": 1234, "max_image_pixels": 5678, "allowed_formats": ["PNG"]}


def test_openapi_describes_both_request_forms_and_the_error_shape(client) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/classify"]["post"]
    content = operation["requestBody"]["content"]
    assert content["multipart/form-data"]["schema"]["required"] == ["image"]
    assert "image/jpeg" in content
    assert "application/octet-stream" in content
    for status in ("400", "413", "415", "422", "500"):
        ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorResponse")
    top_k = next(p for p in operation["parameters"] if p["name"] == "top_k")
    assert top_k["schema"]["minimum"] == 1
    assert top_k["schema"]["maximum"] == 1000
    success = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    prediction = schema["components"]["schemas"]["PredictionOut"]["properties"]
    assert success.endswith("/ClassifyResponse")
    assert "class" in prediction
    assert client.get("/docs").status_code == 200


def test_streamed_body_without_content_length_is_cut_off_at_the_limit(client) -> None:
    """Driven at the ASGI level, because TestClient buffers the whole body before sending."""
    client.app.dependency_overrides[current_settings] = lambda: Settings(max_image_bytes=100_000)
    chunks_read, sent = [], []

    async def receive():
        chunks_read.append(1)  # 1000 chunks of 64 KiB would be 64 MB
        return {
            "type": "http.request",
            "body": b"\xff" * 65_536,
            "more_body": len(chunks_read) < 1000,
        }

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/classify",
        "raw_path": b"/classify",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"image/jpeg")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    # Not asyncio.run(): it leaves no current event loop, which Mangum's handler needs later.
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(client.app(scope, receive, send))
    finally:
        loop.close()
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == "payload_too_large"
    assert len(chunks_read) <= 3


def test_multipart_without_a_boundary(client: TestClient) -> None:
    headers = {"content-type": "multipart/form-data"}
    response = client.post("/classify", content=b"--x\r\n\r\n", headers=headers)
    assert_error(response, 400, "malformed_multipart")


def test_multipart_limits_stay_tight() -> None:
    from function.api.bodies.image import MULTIPART_LIMITS

    assert MULTIPART_LIMITS["max_files"] == 1
    assert MULTIPART_LIMITS["max_fields"] <= 16
    assert MULTIPART_LIMITS["max_part_size"] <= 64 * 1024


def test_many_form_fields_are_refused(client: TestClient) -> None:
    fields = {f"field{i}": "x" for i in range(50)}
    response = client.post("/classify", data=fields, files={"image": ("c.jpg", JPEG, "image/jpeg")})
    assert_error(response, 400, "malformed_multipart")


def test_multipart_cut_off_mid_part_says_truncated(client: TestClient) -> None:
    whole = (
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="image"; filename="c.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + JPEG + b"\r\n--b0undary--\r\n"
    )
    headers = {"content-type": "multipart/form-data; boundary=b0undary"}
    assert client.post("/classify", content=whole, headers=headers).status_code == 200
    response = client.post("/classify", content=whole[: len(whole) // 2], headers=headers)
    assert_error(response, 400, "malformed_multipart")
    assert "truncated" in response.json()["error"]["message"]
    assert "fields sent" not in response.json()["error"]["message"]


def test_openapi_lists_every_accepted_format(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    content = schema["paths"]["/classify"]["post"]["requestBody"]["content"]
    for name in Settings().allowed_formats:
        assert schema_media_type(name) in content, name
    assert "image/avif" in content  # AVIF is accepted by default


def schema_media_type(name: str) -> str:
    return {"JPEG": "image/jpeg", "TIFF": "image/tiff"}.get(name, f"image/{name.lower()}")


def test_a_model_with_more_than_1000_classes_is_served(client: TestClient) -> None:
    """Index bounds come from the model, not the schema: class 1000 of 1001 is valid."""
    import numpy as np
    import torch

    from function.inference.classifier import Classifier
    from function.inference.torchscript_backend import TorchScriptBackend

    class FavoursTheLastClass(torch.nn.Module):
        def forward(self, batch: torch.Tensor) -> torch.Tensor:
            logits = torch.zeros(batch.shape[0], 1001)
            logits[:, 1000] = 10.0
            return logits

    metadata = {"sha256": "0" * 64, "architecture": "resnet18", "num_classes": 1001}
    labels = [f"class {i}" for i in range(1001)]
    model = Classifier(TorchScriptBackend(FavoursTheLastClass(), 1), labels, metadata)
    assert model.predict(np.zeros((1, 3, 224, 224), np.float32), 1)[0][0].index == 1000
    client.app.dependency_overrides[current_model] = lambda: model
    response = client.post("/classify", content=JPEG, headers={"content-type": "image/jpeg"})
    assert response.status_code == 200, response.text
    top = response.json()["predictions"][0]
    assert (top["class"], top["index"]) == ("class 1000", 1000)
    assert top["probability"] > 0.9

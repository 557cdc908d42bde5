"""POST /classify/batch: multipart and S3-key batches, per-entry errors, one model call."""

from __future__ import annotations

import pytest
from aws_fixtures import BUCKET, aws, s3_app
from photos import photo_bytes
from test_api import assert_error

from function.api.dependencies import current_model, current_settings
from function.shared.settings import Settings

NAMES = ["chelsea", "coffee", "rocket", "astronaut"]
PHOTOS = {name: photo_bytes(name, size=(320, 240)) for name in NAMES}
__all__ = ["aws", "s3_app"]  # fixtures, imported for pytest


def files(*names: str, field: str = "images") -> list[tuple[str, tuple[str, bytes, str]]]:
    return [(field, (f"{name}.jpg", PHOTOS.get(name, b"junk"), "image/jpeg")) for name in names]


def single(client, data: bytes, top_k: int = 5) -> dict:
    response = client.post(
        "/classify", content=data, headers={"content-type": "image/jpeg"}, params={"top_k": top_k}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_results_in_input_order_match_single_requests(client) -> None:
    order = ["rocket", "chelsea", "coffee", "rocket"]
    response = client.post("/classify/batch", files=files(*order), params={"top_k": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [entry["filename"] for entry in body["results"]] == [f"{n}.jpg" for n in order]
    for name, entry in zip(order, body["results"], strict=True):
        # The test model has random weights: every entry with predictions says so itself.
        assert set(entry) == {"filename", "cache", "predictions", "warning"}
        assert entry["warning"] == body["warning"] == response.headers["x-model-warning"]
        assert "NOT FOR PRODUCTION" in entry["warning"]
        alone = single(client, PHOTOS[name], top_k=3)["predictions"]
        assert [p["index"] for p in entry["predictions"]] == [p["index"] for p in alone]
        for ours, theirs in zip(entry["predictions"], alone, strict=True):
            assert ours["probability"] == pytest.approx(theirs["probability"], abs=1e-4)
    assert body["model"]["name"] == "resnet18-int8"
    assert body["production_ready"] is False


def test_one_model_call_for_the_whole_batch(client, handler_module) -> None:
    model = handler_module.get_classifier()
    calls: list[tuple[int, ...]] = []

    class Spy:
        def __getattr__(self, name):
            return getattr(model, name)

        def probabilities(self, batch):
            calls.append(batch.shape)
            return model.probabilities(batch)

    client.app.dependency_overrides[current_model] = lambda: Spy()
    response = client.post("/classify/batch", files=files(*NAMES, "junk", "chelsea"))
    assert response.status_code == 200, response.text
    assert calls == [(5, 3, 224, 224)]  # the undecodable part never reaches the model


def test_a_bad_image_fails_only_its_own_entry(client) -> None:
    form = [*files("chelsea"), ("images", ("empty.jpg", b"", "image/jpeg")), *files("junk")]
    body = client.post("/classify/batch", files=form).json()
    ok, empty, junk = body["results"]
    assert len(ok["predictions"]) == 5
    assert empty["error"]["code"] == "empty_body"
    assert junk["error"] == {
        "code": "unsupported_image_format",
        "message": junk["error"]["message"],
    }
    assert "predictions" not in junk


def test_sixteen_is_the_limit(client, model_dir) -> None:
    tiny = photo_bytes("chelsea", size=(40, 30))
    form = [("images", (f"{i}.jpg", tiny, "image/jpeg")) for i in range(16)]
    response = client.post("/classify/batch", files=form)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 16
    for count in (17, 40):
        form = [("images", (f"{i}.jpg", tiny, "image/jpeg")) for i in range(count)]
        assert_error(client.post("/classify/batch", files=form), 413, "too_many_images")


def test_zero_images_is_400(client) -> None:
    response = client.post("/classify/batch", files=files("chelsea", field="image"))
    assert_error(response, 400, "no_images")
    form = {"files": files("chelsea", field="other"), "data": {"images": "a string, not a file"}}
    response = client.post("/classify/batch", **form)
    assert_error(response, 400, "no_images")


def test_the_whole_body_shares_the_single_image_limit(client, model_dir) -> None:
    settings = Settings(model_dir=model_dir, max_image_bytes=100_000)
    client.app.dependency_overrides[current_settings] = lambda: settings
    big = photo_bytes("astronaut")  # ~ 60 KB each; two fit, three do not
    form = [("images", (f"{i}.jpg", big, "image/jpeg")) for i in range(3)]
    assert_error(client.post("/classify/batch", files=form), 413, "payload_too_large")


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        (
            {"content": b"x", "headers": {"content-type": "image/jpeg"}},
            415,
            "unsupported_media_type",
        ),
        ({"files": files("chelsea"), "params": {"top_k": 0}}, 422, "invalid_parameter"),
    ],
)
def test_bad_batch_requests(client, kwargs, status, code) -> None:
    assert_error(client.post("/classify/batch", **kwargs), status, code)


def test_json_batch_of_s3_keys(client, s3_app) -> None:
    s3_app.s3.put_object(Bucket=BUCKET, Key="uploads/cat", Body=PHOTOS["chelsea"])
    s3_app.s3.put_object(Bucket=BUCKET, Key="uploads/cup", Body=PHOTOS["coffee"])
    keys = ["uploads/cup", "../etc/passwd", "uploads/cat", "uploads/missing", "uploads/cup"]
    response = client.post("/classify/batch", json={"s3_keys": keys})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [entry["s3_key"] for entry in results] == keys
    assert [entry.get("error", {}).get("code") for entry in results] == [
        None,
        "invalid_s3_key",
        None,
        "object_not_found",
        None,
    ]
    assert results[0]["predictions"] == results[4]["predictions"]
    direct = single(client, PHOTOS["chelsea"])["predictions"]
    assert [p["index"] for p in results[2]["predictions"]] == [p["index"] for p in direct]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"s3_keys": []}, 400, "no_images"),
        ({"s3_keys": [f"uploads/{i}" for i in range(17)]}, 413, "too_many_images"),
        ({"s3_keys": "uploads/a"}, 422, "invalid_parameter"),
        ({"s3_keys": ["uploads/a"], "top_k": 3}, 422, "invalid_parameter"),
        ({"keys": ["uploads/a"]}, 422, "invalid_parameter"),
    ],
)
def test_bad_json_batches(client, s3_app, body, status, code) -> None:
    assert_error(client.post("/classify/batch", json=body), status, code)

"""End to end with a model that works: a user's own checkpoint and labels, built by the
export, served through the Lambda handler, and still accurate in int8.

The checkpoint (tests/functional/conftest.py) is a ResNet-18 trained here on five synthetic
classes, with preprocessing that is not ImageNet's (resize 112, crop 96, mean 0.5, std 0.25),
so a runtime that ignored metadata.json would show here.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
import synthetic_classes
from make_events import rest_event
from photos import encode

from function.api.dependencies import current_model
from function.inference.classifier import Classifier
from modelbuild import export


@pytest.fixture(scope="module")
def built(custom_checkpoint, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("custom-model")
    assert export.main(custom_checkpoint.build_args(out)) == 0
    return out


@pytest.fixture
def serving(built, handler_module):
    """The Lambda handler, answering with the custom model."""
    model = Classifier.load(built)
    model.warm_up()

    async def custom_model() -> Classifier:
        return model

    handler_module.app.dependency_overrides[current_model] = custom_model
    yield handler_module
    handler_module.app.dependency_overrides.clear()


def call(handler_module, lambda_context, method: str, path: str, body=None, query=None):
    headers = {"content-type": "image/png"} if body else {}
    response = handler_module.handler(
        rest_event(method, path, headers, body, query), lambda_context
    )
    text = response["body"]
    if response.get("isBase64Encoded"):
        text = base64.b64decode(text).decode()
    return response["statusCode"], json.loads(text)


def test_held_out_images_are_classified_correctly_in_int8(
    custom_checkpoint, built, serving, lambda_context
) -> None:
    correct = 0
    for image, target in custom_checkpoint.held_out:
        status, body = call(serving, lambda_context, "POST", "/classify", encode(image, "PNG"))
        assert status == 200, body
        assert len(body["predictions"]) == 5
        correct += body["predictions"][0]["class"] == synthetic_classes.LABELS[target]
    int8_accuracy = correct / len(custom_checkpoint.held_out)
    assert int8_accuracy >= 0.90
    assert int8_accuracy >= custom_checkpoint.fp32_accuracy - 0.02
    # The build measured the same thing on the same files: the service preprocesses as it did.
    evaluation = json.loads((built / "metadata.json").read_text())["evaluation"]
    assert evaluation["int8"]["top1"] == pytest.approx(100 * int8_accuracy)
    assert evaluation["fp32"]["top1"] == pytest.approx(100 * custom_checkpoint.fp32_accuracy)
    assert evaluation["images"] == len(custom_checkpoint.held_out)


def test_health_is_the_model_card(custom_checkpoint, serving, lambda_context) -> None:
    status, card = call(serving, lambda_context, "GET", "/health")
    assert status == 200
    assert card["architecture"] == "resnet18"
    assert card["num_classes"] == len(synthetic_classes.LABELS)
    assert card["labels_source"] == "labels.txt"
    assert card["weights"] == "path"
    assert card["weights_source"] == "state_dict ckpt.pt"
    expected_sha = hashlib.sha256(custom_checkpoint.weights.read_bytes()).hexdigest()
    assert card["weights_sha256"] == expected_sha
    assert card["production_ready"] is True
    assert card["preprocessing"]["resize"] == 112
    assert card["preprocessing"]["crop"] == 96
    assert card["preprocessing"]["mean"] == [0.5, 0.5, 0.5]
    assert card["calibration_images"] == 20
    evaluation = card["evaluation"]
    assert evaluation["images"] == 100
    assert evaluation["classes"] == 5
    assert evaluation["top1_drop"] <= evaluation["max_top1_drop"] == 2
    assert evaluation["int8"]["top1"] >= 90
    # The accuracy gate's numbers (modelbuild/accuracy_gate.py), as the build judged them.
    assert evaluation["gate"] == "pass"
    assert 0 <= evaluation["mcnemar_p"] <= 1
    assert evaluation["significance"] == 0.05
    low, high = evaluation["top1_drop_ci95"]
    assert low <= evaluation["top1_drop"] <= high
    discordant = evaluation["discordant"]
    assert set(discordant) == {"fp32_only", "int8_only"}
    flips = discordant["fp32_only"] - discordant["int8_only"]
    assert evaluation["top1_drop"] == pytest.approx(100 * flips / evaluation["images"])


def test_top_k_is_bounded_by_the_model_classes(custom_checkpoint, serving, lambda_context):
    image = encode(custom_checkpoint.held_out[0][0], "PNG")
    status, body = call(serving, lambda_context, "POST", "/classify", image, {"top_k": "5"})
    assert status == 200
    assert sorted(p["class"] for p in body["predictions"]) == sorted(synthetic_classes.LABELS)
    assert all(0 <= p["index"] < 5 for p in body["predictions"])
    status, body = call(serving, lambda_context, "POST", "/classify", image, {"top_k": "6"})
    assert status == 422
    assert body["error"]["code"] == "invalid_parameter"
    assert "at most 5" in body["error"]["message"]


def test_labels_keep_their_utf8_names(built) -> None:
    assert json.loads((built / "labels.json").read_text(encoding="utf-8")) == (
        synthetic_classes.LABELS
    )

"""What the pre-traffic hook sends (an API Gateway REST proxy event) and how it reads the
new version's answer."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from function.deploy.answers import Answer, read_answer
from function.deploy.api_event import classify_event, tagged_jpeg
from function.deploy.golden_set import GoldenSet, load_golden_set
from function.deploy.hook import replay

REPO = Path(__file__).resolve().parents[2]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 60)).save(out, "JPEG")
    return out.getvalue()


def test_the_tag_changes_the_bytes_not_the_pixels() -> None:
    original = jpeg()
    tagged = tagged_jpeg(original, "pretraffic d-1")
    assert tagged != original
    assert b"pretraffic d-1" in tagged
    before, after = Image.open(io.BytesIO(original)), Image.open(io.BytesIO(tagged))
    assert np.array_equal(np.asarray(before), np.asarray(after))
    with pytest.raises(ValueError, match="JPEG"):
        tagged_jpeg(b"\x89PNG\r\n\x1a\n", "x")


def test_the_event_has_the_shape_of_the_sample_rest_event() -> None:
    sample = json.loads((REPO / "events" / "classify-rest-raw-jpeg.json").read_text())
    event = classify_event(jpeg(), "req-1", 2)
    assert set(event) == set(sample)
    assert set(event["requestContext"]) <= set(sample["requestContext"])
    assert {k: event[k] for k in ("httpMethod", "path", "resource", "isBase64Encoded")} == {
        k: sample[k] for k in ("httpMethod", "path", "resource", "isBase64Encoded")
    }
    assert base64.b64decode(event["body"]) == jpeg()
    assert event["queryStringParameters"] == {"top_k": "2"}


def invoke_response(payload: Any, function_error: str | None = None) -> dict[str, Any]:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    response: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(data)}
    if function_error:
        response["FunctionError"] = function_error
    return response


def proxy(status: int, body: dict[str, Any], base64_body: bool = False) -> dict[str, Any]:
    text = json.dumps(body)
    if base64_body:
        text = base64.b64encode(text.encode()).decode()
    return {"statusCode": status, "body": text, "isBase64Encoded": base64_body}


CLASSIFIED = {
    "predictions": [{"class": "tabby", "index": 281, "probability": 0.9}],
    "model": {"name": "resnet18-int8", "version": "abc123abc123"},
}


@pytest.mark.parametrize("base64_body", [False, True])
def test_read_answer_reads_the_top_1_and_version(base64_body: bool) -> None:
    answer = read_answer(invoke_response(proxy(200, CLASSIFIED, base64_body)))
    assert answer == Answer(200, 281, "tabby", "abc123abc123")


@pytest.mark.parametrize(
    ("response", "status", "words"),
    [
        (invoke_response(b'{"errorMessage": "boom"}', "Unhandled"), 0, "function error"),
        (invoke_response(b"not json"), 0, "not an API Gateway proxy response"),
        (invoke_response(proxy(503, {"error": {"code": "model_unavailable"}})), 503, "HTTP 503"),
        (invoke_response(proxy(200, {"predictions": []})), 200, "without a classification"),
    ],
)
def test_read_answer_names_what_went_wrong(response, status: int, words: str) -> None:
    answer = read_answer(response)
    assert answer.status == status
    assert answer.index is None
    assert answer.problem is not None
    assert words in answer.problem


class RecordingLambda:
    """The new version's Invoke API: records each event, answers with the golden top-1."""

    def __init__(self, golden: GoldenSet) -> None:
        self.golden, self.calls = golden, []

    def invoke(self, **call: Any) -> dict[str, Any]:
        self.calls.append(call)
        image = self.golden.images[len(self.calls) - 1]
        body = {
            "predictions": [{"class": image.label, "index": image.index, "probability": 0.9}],
            "model": {"name": "m", "version": self.golden.model_version},
        }
        return invoke_response(proxy(200, body))


def test_replay_sends_each_golden_image_tagged_to_the_version(model_dir: Path) -> None:
    """Bytes no earlier deployment sent (the content cache cannot answer for the new model),
    the same pixels, to the version ARN itself."""
    golden = load_golden_set(model_dir)
    lambda_ = RecordingLambda(golden)
    target = "arn:aws:lambda:us-east-1:123456789012:function:Api:7"
    verdict = replay(target, model_dir, lambda_, "exec-42")
    assert verdict.status == "Succeeded"
    assert len(lambda_.calls) == len(golden.images)
    for call, image in zip(lambda_.calls, golden.images, strict=True):
        assert call["FunctionName"] == target
        assert call["InvocationType"] == "RequestResponse"
        sent = base64.b64decode(json.loads(call["Payload"])["body"])
        assert sent != image.data
        assert b"exec-42" in sent
        pixels = [np.asarray(Image.open(io.BytesIO(data))) for data in (sent, image.data)]
        assert np.array_equal(*pixels)

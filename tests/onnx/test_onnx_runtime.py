"""MODEL_FORMAT=onnx served through the unchanged handler, in a process that never sees torch."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
from probes import probe_json

from function.inference.classifier import Classifier
from function.inference.decode import decode_image
from function.inference.onnx_backend import OnnxBackend
from function.inference.preprocess import to_model_input
from function.shared.errors import ModelUnavailable

REPO = Path(__file__).resolve().parents[2]
EVENT = REPO / "events" / "classify-rest-multipart.json"

# Lambda's init and first request, then which modules the process holds.
PROBE = """
import json, sys
from types import SimpleNamespace
import function.handler
event = json.load(open(sys.argv[1]))
context = SimpleNamespace(function_name="f", function_version="1", memory_limit_in_mb=3008,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:f",
    aws_request_id="r")
response = function.handler.handler(event, context)
print(json.dumps({"modules": sorted(sys.modules), "response": response}))
"""


def test_metadata_names_the_format_and_hashes_the_onnx_file(onnx_model_dir: Path) -> None:
    metadata = json.loads((onnx_model_dir / "metadata.json").read_text())
    assert metadata["format"] == "onnx"
    assert metadata["quantization"]["backend"] == "onnxruntime"
    digest = hashlib.sha256((onnx_model_dir / "model.onnx").read_bytes()).hexdigest()
    assert metadata["sha256"] == digest
    assert not (onnx_model_dir / "model.pt").exists()


def test_handler_serves_onnx_without_importing_torch(onnx_model_dir: Path) -> None:
    env = {**os.environ, "MODEL_DIR": str(onnx_model_dir)}
    env.pop("POWERTOOLS_DEV", None)
    report = probe_json(PROBE, env, str(EVENT))
    modules = set(report["modules"])
    assert "onnxruntime" in modules  # sanity: the probe really ran the ONNX model
    loaded_torch = {m for m in modules if m.split(".")[0] in ("torch", "torchvision")}
    assert not loaded_torch, sorted(loaded_torch)[:10]
    assert report["response"]["statusCode"] == 200
    body = json.loads(report["response"]["body"])
    assert len(body["predictions"]) == 5


@pytest.fixture(scope="module")
def photo_batch() -> np.ndarray:
    """The JPEG of the raw-upload sample event, decoded and preprocessed as the runtime does."""
    event = json.loads((REPO / "events" / "classify-rest-raw-jpeg.json").read_text())
    image = decode_image(base64.b64decode(event["body"]), ("JPEG",), 40_000_000)
    return to_model_input(image)[None]


@pytest.fixture(scope="module")
def classifier(onnx_model_dir: Path) -> Classifier:
    return Classifier.load(onnx_model_dir, threads=1)


def test_predictions_are_ranked_probabilities(classifier: Classifier, photo_batch) -> None:
    assert classifier.backend.format == "onnx"
    (top,) = classifier.predict(photo_batch, top_k=1000)
    probabilities = [p.probability for p in top]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-4)
    assert len({p.index for p in top}) == 1000


def test_batches_give_each_image_its_own_answer(classifier: Classifier, photo_batch) -> None:
    """A batch of two (the photo and its mirror image) equals two single inferences."""
    mirrored = np.ascontiguousarray(photo_batch[:, :, :, ::-1])
    pair = classifier.backend.logits(np.concatenate([photo_batch, mirrored]))
    np.testing.assert_allclose(pair[0], classifier.backend.logits(photo_batch)[0], atol=1e-4)
    np.testing.assert_allclose(pair[1], classifier.backend.logits(mirrored)[0], atol=1e-4)
    assert not np.allclose(pair[0], pair[1])


def test_changing_threads_rebuilds_the_session_only_when_needed(onnx_model_dir: Path) -> None:
    model = Classifier.load(onnx_model_dir, threads=1)
    backend = model.backend
    assert isinstance(backend, OnnxBackend)
    session = backend.session
    model.set_threads(1)
    assert backend.session is session
    model.set_threads(2)
    assert backend.session is not session
    assert backend.threads == 2
    assert backend.session.get_session_options().intra_op_num_threads == 2


def test_results_do_not_depend_on_threads(onnx_model_dir: Path, photo_batch) -> None:
    one = Classifier.load(onnx_model_dir, threads=1).predict(photo_batch, 5)
    two = Classifier.load(onnx_model_dir, threads=2).predict(photo_batch, 5)
    assert [p.index for p in one[0]] == [p.index for p in two[0]]


def test_an_unknown_format_is_refused_with_a_clear_message(onnx_model_dir, tmp_path) -> None:
    for name in ("labels.json", "model.onnx"):
        (tmp_path / name).write_bytes((onnx_model_dir / name).read_bytes())
    metadata = json.loads((onnx_model_dir / "metadata.json").read_text())
    (tmp_path / "metadata.json").write_text(json.dumps({**metadata, "format": "tflite"}))
    with pytest.raises(ModelUnavailable, match="tflite"):
        Classifier.load(tmp_path)


def test_a_missing_model_file_is_named(onnx_model_dir: Path, tmp_path: Path) -> None:
    for name in ("labels.json", "metadata.json"):
        (tmp_path / name).write_bytes((onnx_model_dir / name).read_bytes())
    with pytest.raises(ModelUnavailable, match=r"model\.onnx.*make model"):
        Classifier.load(tmp_path)


def test_a_torchscript_model_in_an_image_without_torch_names_the_fix(onnx_model_dir, tmp_path):
    """Runs where torch is absent (the Python 3.12+ run): the ONNX image's situation."""
    import importlib.util

    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed here")
    (tmp_path / "labels.json").write_bytes((onnx_model_dir / "labels.json").read_bytes())
    (tmp_path / "model.pt").write_bytes(b"not used")
    metadata = json.loads((onnx_model_dir / "metadata.json").read_text())
    (tmp_path / "metadata.json").write_text(json.dumps({**metadata, "format": "torchscript"}))
    with pytest.raises(ModelUnavailable, match="MODEL_FORMAT"):
        Classifier.load(tmp_path)

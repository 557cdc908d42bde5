"""The model's first load never blocks the event loop, and a failed load fails fast after."""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import time
from pathlib import Path

import httpx
import pytest
from event_loop import run_async

from function.inference import classifier
from function.inference.classifier import Classifier, get_classifier
from function.shared.errors import ModelUnavailable

SLOW_LOAD_SECONDS = 0.6


@pytest.fixture
def unloaded(handler_module, monkeypatch):
    """The app as served without function.handler: no model loaded yet, and loads are slow."""
    loads: list[float] = []

    def slow_failing_load(model_dir: Path, threads: int = 0) -> Classifier:
        loads.append(time.perf_counter())
        time.sleep(SLOW_LOAD_SECONDS)
        raise ModelUnavailable("Model files missing: model.pt.")

    get_classifier.cache_clear()
    monkeypatch.setattr(Classifier, "load", classmethod(lambda cls, *a: slow_failing_load(*a)))
    yield loads
    monkeypatch.undo()
    get_classifier.cache_clear()
    get_classifier().warm_up()  # back to the session's model for the other tests


async def call(app, path: str) -> tuple[httpx.Response, float]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        started = time.perf_counter()
        if path == "/classify":
            headers = {"content-type": "image/jpeg"}
            response = await client.post(path, content=b"\xff\xd8\xff", headers=headers)
        else:
            response = await client.get(path)
        return response, time.perf_counter() - started


def test_first_load_runs_off_the_event_loop(handler_module, unloaded) -> None:
    async def scenario() -> tuple[httpx.Response, list[float]]:
        ticks: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            while not done.is_set():
                ticks.append(time.perf_counter())
                await asyncio.sleep(SLOW_LOAD_SECONDS / 20)

        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(SLOW_LOAD_SECONDS / 10)  # the ticker is running before the request
        response, _ = await call(handler_module.app, "/health")
        done.set()
        await ticking
        return response, ticks

    response, ticks = run_async(scenario())
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "model_unavailable"
    # While the load slept, the loop kept running other work: no gap near the load's length.
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert len(ticks) >= 10
    assert max(gaps) < SLOW_LOAD_SECONDS / 2


def test_a_failed_load_answers_503_quickly_every_time(handler_module, unloaded) -> None:
    first, first_time = run_async(call(handler_module.app, "/health"))
    assert first.status_code == 503
    assert first_time >= SLOW_LOAD_SECONDS
    for path in ("/health", "/health", "/classify"):
        response, elapsed = run_async(call(handler_module.app, path))
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "model_unavailable"
        assert elapsed < SLOW_LOAD_SECONDS / 2
    assert len(unloaded) == 1  # loaded once, never retried per request


def test_a_corrupt_model_file_is_model_unavailable(model_dir, tmp_path, monkeypatch) -> None:
    broken = tmp_path / "model"
    shutil.copytree(model_dir, broken)
    (broken / "model.pt").write_bytes(b"not a TorchScript archive")
    monkeypatch.setenv("MODEL_DIR", str(broken))
    classifier.get_settings.cache_clear()
    get_classifier.cache_clear()
    try:
        with pytest.raises(ModelUnavailable, match="could not be loaded"):
            get_classifier()
    finally:
        monkeypatch.undo()
        classifier.get_settings.cache_clear()
        get_classifier.cache_clear()
        get_classifier().warm_up()


def test_the_label_count_message_names_the_models_class_count(model_dir, tmp_path) -> None:
    custom = tmp_path / "model"
    shutil.copytree(model_dir, custom)
    metadata = json.loads((custom / "metadata.json").read_text())
    metadata["num_classes"] = 37
    (custom / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(ModelUnavailable) as raised:
        Classifier.load(custom)
    assert "1000 labels" in raised.value.message
    assert "37 classes" in raised.value.message
    assert "expected 1000" not in raised.value.message

"""Property: whatever image-like bytes arrive, the answer is a valid 200 or a 4xx in our shape.

Hypothesis draws the colour mode, size, format, EXIF orientation, frame count and a
truncation point; the example budget is bounded so `make test` stays quick.
"""

from __future__ import annotations

import io

import numpy as np
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from function.inference.heif import register_heif

# The runtime registers the HEIF plugin on the first HEIF request; here its encoder is needed
# up front to draw HEIF inputs.
register_heif()
MODES = ["RGB", "RGBA", "L", "LA", "P", "1", "I;16", "CMYK", "I", "F"]
FORMATS = ["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "AVIF", "HEIF"]
ERROR_STATUSES = {400, 413, 415, 422}


@st.composite
def uploads(draw) -> bytes:
    mode = draw(st.sampled_from(MODES))
    fmt = draw(st.sampled_from(FORMATS))
    width, height = draw(st.integers(1, 300)), draw(st.integers(1, 300))
    frames = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(frames):
        noise = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
        images.append(
            noise.convert(mode)
            if mode not in ("I;16", "I", "F")
            else noise.convert("L").convert(mode)
        )
    options: dict = {}
    orientation = draw(st.integers(1, 8))
    if fmt in ("JPEG", "PNG", "WEBP", "TIFF", "HEIF"):
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif.tobytes()
    if frames > 1:
        options.update(save_all=True, append_images=images[1:])
    buffer = io.BytesIO()
    try:
        images[0].save(buffer, fmt, **options)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError):
        assume(False)  # Pillow cannot write this mode in this format: not an interesting input
    data = buffer.getvalue()
    cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
    return data if cut is None else data[:cut]


def assert_valid(response) -> None:
    body = response.json()
    if response.status_code == 200:
        predictions = body["predictions"]
        assert len(predictions) == 5
        assert all(0.0 <= p["probability"] <= 1.0 for p in predictions)
    else:
        assert response.status_code in ERROR_STATUSES, body
        assert set(body) == {"error"}
        assert set(body["error"]) == {"code", "message", "request_id"}
        assert body["error"]["request_id"] == response.headers["x-request-id"]


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=uploads())
def test_any_image_like_upload_gets_200_or_a_clean_4xx(client: TestClient, data: bytes) -> None:
    assert_valid(client.post("/classify", content=data, headers={"content-type": "image/png"}))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_get_a_clean_4xx_or_200(client: TestClient, data: bytes) -> None:
    assert_valid(client.post("/classify", content=data, headers={"content-type": "image/jpeg"}))

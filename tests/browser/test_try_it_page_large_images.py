"""Images over MaxImageBytes on the try-it page, in chromium: the presigned POST to S3 when
the server has a bucket, and a plain reason when it has none."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from try_it import assert_no_csp_violation, bars, open_page

BIG_IMAGE_BYTES = 6_000_000  # past the default MaxImageBytes (4.5 MB)


@pytest.fixture(scope="module")
def big_png(tmp_path_factory) -> Path:
    """About 6 MB: noise does not compress, so the PNG stays as large as its pixels."""
    pixels = np.random.default_rng(0).integers(0, 256, (1420, 1420, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG", compress_level=1)
    assert len(buffer.getvalue()) > BIG_IMAGE_BYTES
    path = tmp_path_factory.mktemp("images") / "noise.png"
    path.write_bytes(buffer.getvalue())
    return path


def test_a_large_image_without_s3_says_why(page, app_server, big_png) -> None:
    open_page(page, app_server)
    page.set_input_files("#pick", str(big_png))
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error-code") == "s3_not_configured (HTTP 501):"
    assert "IMAGES_BUCKET" in page.inner_text("#error-message")
    hint = page.inner_text("#error-hint")
    size = f"{big_png.stat().st_size / 1e6:.1f} MB"
    assert f"This image is {size}; a request takes at most 4.5 MB" in hint
    assert "no S3 bucket" in hint


def test_a_6_mb_image_goes_through_the_presigned_post(page, s3_app_server, big_png) -> None:
    import boto3

    open_page(page, s3_app_server)
    page.set_input_files("#pick", str(big_png))
    assert len(bars(page)) == 5
    assert page.locator("#error").is_hidden()
    assert_no_csp_violation(page)
    # The bytes went to the bucket's origin, not through the API.
    assert any(url.startswith(s3_app_server.s3_endpoint) for url in page.requested)
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_app_server.s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    (stored,) = s3.list_objects_v2(Bucket=s3_app_server.bucket, Prefix="uploads/")["Contents"]
    assert stored["Size"] == big_png.stat().st_size

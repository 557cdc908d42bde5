"""Runtime settings, read once from the environment (or a local `.env`)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# In the Lambda image `function/` sits in ${LAMBDA_TASK_ROOT} beside `model/`; in a
# checkout it sits beside the `model/` that `make model` writes. One default fits both.
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "model"

# 6 MB is Lambda's synchronous payload limit; base64 inflates by 4/3, and the event
# envelope and multipart framing need a little room: 4.5 MB of image survives.
DEFAULT_MAX_IMAGE_BYTES = 4_500_000

# A local `.env` fills in what the environment leaves unset. ENV_FILE names another file, or
# none when empty: the tests set it empty so that a developer's `.env` never changes them.
ENV_FILE = os.environ.get("ENV_FILE", ".env") or None


class Settings(BaseSettings):
    """Every knob of the service. Environment variable names are the field names, upper-cased."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore", frozen=True)

    model_dir: Path = DEFAULT_MODEL_DIR
    max_image_bytes: int = Field(DEFAULT_MAX_IMAGE_BYTES, gt=0)
    max_image_pixels: int = Field(40_000_000, gt=0)
    # Pillow format names. Parsed from a comma-separated list, e.g. ALLOWED_FORMATS=JPEG,PNG.
    allowed_formats: Annotated[tuple[str, ...], NoDecode] = (
        "JPEG",
        "PNG",
        "WEBP",
        "GIF",
        "BMP",
        "TIFF",
        "AVIF",
        "HEIF",  # HEIC and HEIF: pillow-heif, imported on the first HEIF request
    )
    # 0 means "as many as this process may run on" (os.sched_getaffinity), not os.cpu_count().
    torch_threads: int = Field(0, ge=0)
    # Browser origins allowed to call the API, comma-separated. Empty: no CORS headers at all.
    cors_allowed_origins: Annotated[tuple[str, ...], NoDecode] = ()

    @field_validator("allowed_formats", "cors_allowed_origins", "source_buckets", mode="before")
    @classmethod
    def _split_comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        return tuple(str(part).strip() for part in value if str(part).strip())  # type: ignore

    @field_validator("allowed_formats")
    @classmethod
    def _upper_case_formats(cls, formats: tuple[str, ...]) -> tuple[str, ...]:
        if not formats:
            raise ValueError("ALLOWED_FORMATS must name at least one image format")
        return tuple(name.upper() for name in formats)

    @field_validator("cors_allowed_origins")
    @classmethod
    def _no_wildcard_origin(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        if "*" in origins:
            raise ValueError("CORS_ALLOWED_ORIGINS must list origins; '*' is not accepted")
        return origins

    # --- S3 uploads and the content cache (issue 8) ---
    # The bucket that POST /uploads signs uploads into. Empty: the S3 routes answer 501.
    images_bucket: str = ""
    # Every issued key starts with this; the function may read nothing else in the bucket.
    upload_prefix: str = Field("uploads/", pattern=r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/$")
    # Largest object accepted through S3: past Lambda's 6 MB payload limit, below memory risk.
    max_upload_bytes: int = Field(25_000_000, gt=0)
    # In-memory results per execution environment; 0 turns the in-memory layer off.
    cache_size: int = Field(1024, ge=0)
    # Optional DynamoDB table shared by the environments; empty: no shared layer.
    results_table: str = ""
    cache_ttl_seconds: int = Field(3600, gt=0)
    # An answer whose top-1 probability is below this counts as low-confidence in the
    # prediction-health metrics (docs/deploying-a-new-model-safely.md).
    confidence_floor: float = Field(0.2, ge=0.0, le=1.0)

    # --- Jobs, the worker and the S3 drop folder (issue 9) ---
    # The SQS queue POST /jobs sends work to; empty: the jobs routes answer 501.
    jobs_queue_url: str = ""
    # Objects created under this prefix are classified by the worker, no request needed.
    incoming_prefix: str = Field("incoming/", pattern=r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/$")
    job_ttl_days: int = Field(7, gt=0, le=365)

    # --- Bulk jobs by prefix (issue 19) ---
    # Buckets besides IMAGES_BUCKET that prefix jobs may read (the template's SourceBuckets).
    source_buckets: Annotated[tuple[str, ...], NoDecode] = ()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

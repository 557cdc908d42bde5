"""Runtime settings, read once from the environment (or a local `.env`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# In the Lambda image `function/` sits in ${LAMBDA_TASK_ROOT} beside `model/`; in a
# checkout it sits beside the `model/` that `make model` writes. One default fits both.
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "model"

# 6 MB is Lambda's synchronous payload limit; base64 inflates by 4/3, and the event
# envelope and multipart framing need a little room: 4.5 MB of image survives.
DEFAULT_MAX_IMAGE_BYTES = 4_500_000


class Settings(BaseSettings):
    """Every knob of the service. Environment variable names are the field names, upper-cased."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

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
    )
    default_top_k: int = Field(5, ge=1, le=1000)
    # 0 means "as many as this process may run on" (os.sched_getaffinity), not os.cpu_count().
    torch_threads: int = Field(0, ge=0)

    @field_validator("allowed_formats", mode="before")
    @classmethod
    def _split_formats(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        formats = tuple(str(part).strip().upper() for part in value)  # type: ignore[union-attr]
        if not formats:
            raise ValueError("ALLOWED_FORMATS must name at least one image format")
        return formats


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

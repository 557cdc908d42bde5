"""atheris fuzz target for decode_image + to_model_input (run with `make fuzz`).

Modelled on Pillow's own OSS-Fuzz harness: feed arbitrary bytes to the open/load path.
The contract under test: only our declared errors (function.errors.ServiceError) may
escape, and every image that decodes must preprocess to a finite (3, 224, 224) tensor.
Anything else, a crash, or RSS over -rss_limit_mb is a finding.
"""

from __future__ import annotations

import sys
import warnings

import atheris

with atheris.instrument_imports(include=["PIL", "function"]):
    import numpy as np
    from PIL import Image

    from function.errors import ServiceError
    from function.preprocess import decode_image, to_model_input
    from function.settings import Settings

    # Pillow imports its format plugins lazily; import them here so they are instrumented.
    Image.init()

SETTINGS = Settings()


def test_one_input(data: bytes) -> None:
    try:
        image = decode_image(data, SETTINGS.allowed_formats, SETTINGS.max_image_pixels)
    except ServiceError:
        return
    tensor = to_model_input(image)
    if tensor.shape != (3, 224, 224) or not np.isfinite(tensor).all():
        raise AssertionError(f"bad tensor {tensor.shape} from a {image.size} image")


def main() -> None:
    warnings.simplefilter("ignore")  # Pillow's UserWarnings on odd files are not findings
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

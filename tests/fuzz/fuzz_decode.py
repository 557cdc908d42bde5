"""atheris fuzz target for decode_image + to_model_input (run with `make fuzz`).

Modelled on Pillow's own OSS-Fuzz harness: feed arbitrary bytes to the open/load path.
The contract under test: only our declared errors (function.shared.errors.ServiceError) may
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

    from function.inference.decode import decode_image
    from function.inference.preprocess import to_model_input
    from function.shared.errors import ServiceError
    from function.shared.settings import Settings

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

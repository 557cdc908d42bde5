"""Write the OpenAPI schema the app serves to a file, for the docs site (`make docs`).

Imported without a model, as /docs works without one: the schema then carries no model
limits (top_k's maximum), which the reference page says.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(out: str) -> None:
    from function.api.app import app

    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(app.openapi(), indent=2, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])

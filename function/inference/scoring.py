"""Probabilities for one or many images, with one model call, and top-k from probabilities.

Every classify route goes through here, cached or not, so a cache hit and a fresh inference
rank the same vector the same way.
"""

from __future__ import annotations

import numpy as np

from function.inference.classifier import Classifier, Prediction, ranked
from function.inference.pipeline import prepare_image
from function.shared import errors
from function.shared.observability import stage
from function.shared.request_state import RequestDetails, StageKey
from function.shared.settings import Settings

PREPARE_STEPS: tuple[StageKey, ...] = ("decode_ms", "preprocess_ms")


def rank(probabilities: np.ndarray, labels: list[str], top_k: int) -> list[Prediction]:
    """The top_k classes, most probable first; ties go to the lower class index.

    The same order as Classifier.predict, which ranks with the same function.
    """
    [values], [indices] = ranked(probabilities[None], min(top_k, len(labels)))
    return [Prediction(labels[i], i, p) for i, p in zip(indices, values, strict=True)]


def score_images(
    images: list[bytes], model: Classifier, settings: Settings, details: RequestDetails
) -> list[np.ndarray | errors.ServiceError]:
    """Each image's probability vector, or the error that kept it from the model.

    The images that decode are stacked into ONE (N, 3, crop, crop) tensor: one forward pass
    uses the cores better than N passes of one. Runs on the model thread. A single image
    records its decode details as /classify always has; a batch records the totals.
    """
    tensors: dict[int, np.ndarray] = {}
    outcomes: list[np.ndarray | errors.ServiceError] = []
    for position, data in enumerate(images):
        image_details = details if len(images) == 1 else RequestDetails()
        try:
            tensors[position] = prepare_image(data, model.preprocessing, settings, image_details)
            outcomes.append(tensors[position])
        except errors.ServiceError as exc:
            outcomes.append(exc)
        for step in PREPARE_STEPS:
            if image_details is not details and step in image_details:
                details[step] = round(details.get(step, 0.0) + image_details[step], 3)
    if tensors:
        with stage(details, "inference"):
            rows = model.probabilities(np.stack(list(tensors.values())))
        for row, position in zip(rows, tensors, strict=True):
            outcomes[position] = row
    return outcomes

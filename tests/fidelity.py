"""The fidelity measure of int8 against fp32 logits, shared by the TorchScript and ONNX tests.

See tests/functional/test_quantization_fidelity.py for why the logits are centred over the
batch and where the thresholds come from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

MIN_CENTRED_COSINE = 0.90
MIN_MEAN_CENTRED_COSINE = 0.95
MIN_MEAN_TOP5_OVERLAP = 3.5
MIN_TOP1_AGREEMENT = 0.6


@dataclass
class Agreement:
    min_cosine: float
    mean_cosine: float
    mean_top5_overlap: float
    top1_agreement: float

    def acceptable(self) -> bool:
        return (
            self.min_cosine >= MIN_CENTRED_COSINE
            and self.mean_cosine >= MIN_MEAN_CENTRED_COSINE
            and self.mean_top5_overlap >= MIN_MEAN_TOP5_OVERLAP
            and self.top1_agreement >= MIN_TOP1_AGREEMENT
        )


def agreement(reference: torch.Tensor, candidate: torch.Tensor) -> Agreement:
    centred_ref = reference - reference.mean(dim=0)
    centred_cand = candidate - candidate.mean(dim=0)
    cosine = torch.nn.functional.cosine_similarity(centred_ref, centred_cand, dim=1)
    top5_ref, top5_cand = reference.topk(5).indices.tolist(), candidate.topk(5).indices.tolist()
    overlap = [len(set(a) & set(b)) for a, b in zip(top5_ref, top5_cand, strict=True)]
    top1 = (reference.argmax(1) == candidate.argmax(1)).float().mean()
    return Agreement(
        cosine.min().item(), cosine.mean().item(), float(np.mean(overlap)), top1.item()
    )

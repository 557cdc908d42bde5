"""The baseline: the original tutorial's approach, kept only to measure against.

A FastAPI app that imports torchvision, builds an fp32 eager ResNet-18 at import, preprocesses
with torchvision transforms on a fully decoded image, reads the labels file on every request,
and is wrapped in Mangum. Not used by the service. The weights come from BENCH_FP32_WEIGHTS
(the same fp32 weights as our int8 model) because this machine cannot download them.
"""

from __future__ import annotations

import io
import json
import os

import torch
import torchvision
from fastapi import FastAPI, File, UploadFile
from mangum import Mangum
from PIL import Image
from torchvision import transforms

app = FastAPI()

model = torchvision.models.resnet18(weights=None)
model.load_state_dict(torch.load(os.environ["BENCH_FP32_WEIGHTS"], weights_only=True))
model.eval()

preprocess = transforms.Compose(
    [
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ]
)


@app.post("/classify")
async def classify(image: UploadFile = File(...)) -> dict:  # noqa: B008 - FastAPI's idiom
    picture = Image.open(io.BytesIO(await image.read())).convert("RGB")
    batch = preprocess(picture).unsqueeze(0)
    with torch.no_grad():
        probabilities = torch.nn.functional.softmax(model(batch)[0], dim=0)
    with open(os.environ["BENCH_LABELS"]) as labels_file:  # read on every request
        labels = json.load(labels_file)
    top = torch.topk(probabilities, 5)
    return {
        "predictions": [
            {"class": labels[i], "probability": float(p)}
            for p, i in zip(top.values, top.indices, strict=True)
        ]
    }


handler = Mangum(app, lifespan="off")

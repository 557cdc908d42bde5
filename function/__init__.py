"""Serverless image classification: FastAPI on AWS Lambda, int8 ResNet-18 in TorchScript."""

__version__ = "0.1.0"

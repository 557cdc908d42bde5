"""imgcls: classify images with the serverless image-classification API from a shell."""

__version__ = "0.1.0"

"""FastAPI dependencies for the model and the settings; tests override them.

Async on purpose: FastAPI runs plain `def` dependencies on a worker thread, a hop per
request for work that only reads a cached value. The model's first load (if the handler
module did not already load it) runs on the model thread, never on the event loop.
"""

from __future__ import annotations

from function.cache.content import ContentCache, get_content_cache
from function.inference.classifier import Classifier, get_classifier
from function.shared.settings import Settings, get_settings


async def current_model() -> Classifier:
    return await get_classifier.without_blocking()


async def current_settings() -> Settings:
    return get_settings()


async def current_cache() -> ContentCache:
    return get_content_cache()

"""HTTP layer: FastAPI routes, request reading, and the mapping of errors to JSON responses."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from function import __version__, errors, schemas
from function.model import Classifier, Prediction, get_classifier
from function.preprocess import decode_image, to_model_input
from function.settings import Settings, get_settings
from function.uploads import arrived_as_text, read_image

logger = logging.getLogger("function")

HTTP_ERROR_CODES = {404: "not_found", 405: "method_not_allowed"}

app = FastAPI(
    title="Image classification API",
    version=__version__,
    description="Top-k ImageNet classes for an image, from an int8-quantized ResNet-18.",
)


def error_response(status: int, code: str, message: str, headers=None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers)


@app.exception_handler(errors.ServiceError)
async def _service_error(_: Request, exc: errors.ServiceError) -> JSONResponse:
    return error_response(exc.status_code, exc.code, exc.message)


@app.exception_handler(RequestValidationError)
async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("query", "body"))
    return error_response(422, errors.InvalidParameter.code, f"{where}: {first.get('msg')}")


@app.exception_handler(StarletteHTTPException)
async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail), exc.headers)


class InternalErrorMiddleware:
    """Turn any unexpected exception into a plain JSON 500 and one log line, never a traceback.

    FastAPI's own catch-all handler re-raises after responding, which under Mangum would log
    the error twice; this answers once and stops the exception here.
    """

    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.inner(scope, receive, tracking_send)
        except Exception:
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            failure = errors.ServiceError()
            await error_response(500, failure.code, failure.message)(scope, receive, send)


app.add_middleware(InternalErrorMiddleware)


def classify_bytes(data: bytes, top_k: int, model: Classifier, settings: Settings):
    image = decode_image(data, settings.allowed_formats, settings.max_image_pixels)
    return model.predict(to_model_input(image)[None], top_k)[0]


def _model_ref(model: Classifier) -> schemas.ModelRef:
    return schemas.ModelRef(name=f"{model.metadata['architecture']}-int8", version=model.version)


def _prediction(prediction: Prediction) -> schemas.PredictionOut:
    return schemas.PredictionOut(
        label=prediction.label, index=prediction.index, probability=prediction.probability
    )


@app.post(
    "/classify",
    response_model=schemas.ClassifyResponse,
    response_model_by_alias=True,
    responses=schemas.CLASSIFY_ERRORS,
    openapi_extra=schemas.CLASSIFY_REQUEST_BODY,
    summary="Classify one image",
)
async def classify(
    request: Request,
    model: Annotated[Classifier, Depends(get_classifier)],
    settings: Annotated[Settings, Depends(get_settings)],
    top_k: Annotated[int, Query(ge=1, le=1000, description="How many classes to return.")] = 5,
) -> schemas.ClassifyResponse:
    data = await read_image(request, settings)
    try:
        # Decoding and inference are CPU-bound; keep the event loop free for /health.
        predictions = await run_in_threadpool(classify_bytes, data, top_k, model, settings)
    except (errors.UnsupportedImageFormat, errors.ImageDecodeError, errors.ImageTruncated) as exc:
        if arrived_as_text(request.scope, data):
            raise errors.BodyNotBinary() from exc
        raise
    return schemas.ClassifyResponse(
        predictions=[_prediction(p) for p in predictions], model=_model_ref(model)
    )


@app.get("/health", response_model=schemas.HealthResponse, summary="Model and limits")
def health(
    model: Annotated[Classifier, Depends(get_classifier)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> schemas.HealthResponse:
    meta = model.metadata
    return schemas.HealthResponse(
        status="ok",
        model=_model_ref(model),
        weights=meta["weights"],
        production_ready=meta["production_ready"],
        warning=meta.get("warning"),
        quantization_backend=meta["quantization"]["backend"],
        warmed_up=model.warmed_up,
        limits={
            "max_image_bytes": settings.max_image_bytes,
            "max_image_pixels": settings.max_image_pixels,
            "allowed_formats": list(settings.allowed_formats),
        },
    )

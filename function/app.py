"""HTTP layer: FastAPI routes, and the mapping of every error to one JSON response shape."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from function import __version__, errors, schemas
from function.model import Classifier, Prediction, get_classifier, run_on_model_thread
from function.observability import ObservabilityMiddleware, logger, stage
from function.preprocess import load_rgb, open_image, to_model_input
from function.settings import Settings, get_settings
from function.uploads import arrived_as_text, read_image

HTTP_ERROR_CODES = {404: "not_found", 405: "method_not_allowed"}

app = FastAPI(
    title="Image classification API",
    version=__version__,
    description="Top-k ImageNet classes for an image, from an int8-quantized ResNet-18. "
    "Every response carries an `x-request-id` header; error bodies repeat it.",
)


def error_response(state: dict[str, Any], status: int, code: str, message: str, headers=None):
    """The one error shape. `state` is the request's ASGI state, filled by the middleware."""
    state.get("details", {})["error_code"] = code
    error = {"code": code, "message": message, "request_id": state.get("request_id")}
    return JSONResponse({"error": error}, status, headers)


@app.exception_handler(errors.ServiceError)
async def _service_error(request: Request, exc: errors.ServiceError) -> JSONResponse:
    return error_response(request.scope["state"], exc.status_code, exc.code, exc.message)


@app.exception_handler(RequestValidationError)
async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("query", "body"))
    message = f"{where}: {first.get('msg')}"
    return error_response(request.scope["state"], 422, errors.InvalidParameter.code, message)


@app.exception_handler(StarletteHTTPException)
async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
    state = request.scope["state"]
    return error_response(state, exc.status_code, code, str(exc.detail), exc.headers)


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
            logger.exception("unhandled error")
            if started:
                raise
            failure = errors.ServiceError()
            response = error_response(scope["state"], 500, failure.code, failure.message)
            await response(scope, receive, send)


# Outermost last: the request ID and summary log wrap everything, including the 500 above.
app.add_middleware(InternalErrorMiddleware)
if cors_origins := get_settings().cors_allowed_origins:
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(cors_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["content-type", "x-api-key", "x-request-id"],
        expose_headers=["x-request-id"],
    )
app.add_middleware(ObservabilityMiddleware)


# Async on purpose: FastAPI runs plain `def` dependencies and routes on a worker thread, a
# hop per request for work that only reads a cached value. Tests override these two.
async def current_model() -> Classifier:
    return get_classifier()


async def current_settings() -> Settings:
    return get_settings()


def classify_bytes(data: bytes, top_k: int, model: Classifier, settings: Settings, details):
    """Decode, preprocess and infer, recording each step's time and the image size."""
    with stage(details, "decode"):
        image = open_image(data, settings.allowed_formats, settings.max_image_pixels)
        # The uploaded size, before any reduced-scale decoding or EXIF rotation.
        details.update(
            image_format=image.format, image_width=image.width, image_height=image.height
        )
        details["image_megapixels"] = round(image.width * image.height / 1e6, 3)
        image = load_rgb(image, data, settings.max_image_pixels)
    with stage(details, "preprocess"):
        batch = to_model_input(image)[None]
    with stage(details, "inference"):
        return model.predict(batch, top_k)[0]


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
    model: Annotated[Classifier, Depends(current_model)],
    settings: Annotated[Settings, Depends(current_settings)],
    top_k: Annotated[int, Query(ge=1, le=1000, description="How many classes to return.")] = 5,
) -> schemas.ClassifyResponse:
    data = await read_image(request, settings)
    request.scope["state"]["details"]["image_bytes"] = len(data)
    try:
        # CPU-bound: off the event loop, on the thread that runs all model work (one hop).
        predictions = await run_on_model_thread(
            classify_bytes, data, top_k, model, settings, request.scope["state"]["details"]
        )
    except (errors.UnsupportedImageFormat, errors.ImageDecodeError, errors.ImageTruncated) as exc:
        if arrived_as_text(request.scope, data):
            raise errors.BodyNotBinary() from exc
        raise
    return schemas.ClassifyResponse(
        predictions=[_prediction(p) for p in predictions], model=_model_ref(model)
    )


@app.get("/health", response_model=schemas.HealthResponse, summary="Model and limits")
async def health(
    model: Annotated[Classifier, Depends(current_model)],
    settings: Annotated[Settings, Depends(current_settings)],
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

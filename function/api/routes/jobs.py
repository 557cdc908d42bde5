"""POST /jobs and GET /jobs/{job_id}: many images classified by the worker, results by page."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from function.api.bodies.json_model import read_json
from function.api.caller import caller_of
from function.api.dependencies import current_model, current_settings
from function.api.job_pages import fit_page, index_of, token_for
from function.api.model_warning import model_warning, warning_headers
from function.api.schemas import jobs as schemas
from function.api.schemas.common import PredictionOut
from function.api.top_k import resolve_top_k
from function.inference.classifier import Classifier
from function.jobs.keys import PAGE_SIZE, is_job_id
from function.shared import errors
from function.shared.request_state import request_state
from function.shared.settings import Settings

router = APIRouter()
IDEMPOTENCY_KEY = r"^[A-Za-z0-9._:-]{1,255}$"


@router.post(
    "/jobs",
    status_code=202,
    response_model=schemas.JobAccepted,
    responses={202: schemas.JOB_ACCEPTED, **schemas.JOB_ERRORS},
    openapi_extra=schemas.JOB_REQUEST_BODY,
    summary="Classify up to 1000 images, or a whole S3 prefix, asynchronously",
    description="Answers at once: `s3_keys` are queued in chunks, an `s3_prefix` is listed by "
    "the worker page by page (`status: listing`, `total: null` until it ends). Poll "
    "`status_url`; when `done`, `export` links to every result as JSONL and CSV. Send an "
    "`Idempotency-Key` header to make retries safe: the same key and request return the "
    "same job.",
)
async def create_job(
    request: Request,
    response: Response,
    model: Annotated[Classifier, Depends(current_model)],
    settings: Annotated[Settings, Depends(current_settings)],
    idempotency_key: Annotated[
        str | None,
        Header(
            pattern=IDEMPOTENCY_KEY,
            description="Any unique string (a UUID): 1-255 of A-Z a-z 0-9 . _ : -. A retry with "
            "it returns the same job.",
        ),
    ] = None,
) -> schemas.JobAccepted:
    # The AWS adapters load on the first jobs request, not with the app (cold start).
    from function.api.jobs_config import job_store, keys_checker, store_errors, work_queue
    from function.aws.sources import check_bucket
    from function.jobs.submit import submit, submit_prefix

    store, queue, check_key = job_store(settings), work_queue(settings), keys_checker(settings)
    body = await read_json(request, schemas.JobRequest, schemas.MAX_JOB_JSON_BYTES)
    prefix_job = body.s3_prefix is not None or body.bucket is not None
    if prefix_job and (body.s3_keys is not None or body.s3_prefix is None):
        raise errors.InvalidJobRequest()
    if body.s3_prefix is not None:
        if not 1 <= len(body.s3_prefix.encode()) <= schemas.MAX_PREFIX_BYTES:
            raise errors.InvalidS3Prefix()
        bucket = check_bucket(settings, body.bucket or settings.images_bucket)
    elif not body.s3_keys:
        raise errors.NoImages("s3_keys is empty: a job needs at least one key (or s3_prefix).")
    elif len(body.s3_keys) > schemas.MAX_JOB_IMAGES:
        raise errors.TooManyImages(f"A job holds at most {schemas.MAX_JOB_IMAGES} images.")
    else:
        for index, key in enumerate(body.s3_keys):
            check_key(index, key)
    top_k = resolve_top_k(body.top_k, "top_k" in body.model_fields_set, model)
    owner = caller_of(request.scope).id  # Idempotency-Keys are per caller too: two may pick one
    idempotency = None if idempotency_key is None else (owner, idempotency_key)
    if body.s3_prefix is not None:
        args = (store, queue, bucket, body.s3_prefix, top_k, idempotency)
        submitted = await asyncio.to_thread(submit_prefix, *args, owner=owner)
        status, total = "listing", None
    else:
        assert body.s3_keys is not None
        keys_args = (store, queue, body.s3_keys, top_k, idempotency)
        submitted = await asyncio.to_thread(submit, *keys_args, owner=owner)
        status, total = "queued", len(body.s3_keys)
    details = request_state(request.scope["state"]).details
    details["job_id"], details["replayed"] = submitted.job_id, submitted.replayed
    details["images"] = total if total is not None else 0
    if submitted.replayed:
        response.headers["idempotent-replayed"] = "true"
        with store_errors():
            job = await asyncio.to_thread(store.get, submitted.job_id)
        status, total = (job.status, job.total) if job else (status, total)
    # The path as the caller sees it: behind API Gateway, with the stage (gateway_paths.py).
    status_url = f"{request.scope.get('root_path', '')}/jobs/{submitted.job_id}"
    response.headers["location"] = status_url
    return schemas.JobAccepted(
        job_id=submitted.job_id, status=status, total=total, status_url=status_url
    )


@router.get(
    "/jobs/{job_id}",
    operation_id=schemas.GET_JOB_OPERATION,
    response_model=schemas.JobStatus,
    response_model_by_alias=True,
    # Fields the route leaves unset are absent; a total it sets to None is shown as null.
    response_model_exclude_unset=True,
    responses=schemas.JOB_STATUS_ERRORS,
    summary="A job's progress, its results up to 100 per page, and its export when done",
    description="Only the caller that created the job reads it: the same API key, IAM "
    "principal or Cognito user. Any other caller gets 404 `job_not_found`, exactly as for an "
    "unknown id, so its results and export links stay hidden and its existence is not shown. "
    "Each page holds up to 100 results in request order, fewer when their "
    "predictions would make the response too large for Lambda (about 4 MB of results, so "
    "about 50 at top_k = 1000). Follow `next_token` until it is absent. Prefix jobs have no "
    "pages: when `done`, `export` links to every result as JSONL and CSV.",
)
async def get_job(
    request: Request,
    response: Response,
    job_id: Annotated[
        str, Path(json_schema_extra={"format": "uuid"}, description="From POST /jobs.")
    ],
    model: Annotated[Classifier, Depends(current_model)],
    settings: Annotated[Settings, Depends(current_settings)],
    next_token: Annotated[str | None, Query(max_length=64)] = None,
) -> schemas.JobStatus:
    from function.api.jobs_config import job_store, store_errors

    store = job_store(settings)
    if not is_job_id(job_id):
        raise errors.JobNotFound(f"'{job_id[:64]}' is not a job id.")
    with store_errors():  # another caller's job is None too: its existence is not shown
        job = await asyncio.to_thread(store.get, job_id, caller_of(request.scope).may_read)
    if job is None:
        raise errors.JobNotFound()
    entries: list[schemas.JobEntry] = []
    first = after = 0
    if job.total is not None and not job.source:  # prefix jobs: results are in the export
        first = index_of(next_token, job.total)
        page, offset = divmod(first, PAGE_SIZE)
        with store_errors():
            keys = (await asyncio.to_thread(store.keys_page, job_id, page))[offset:]
            found = await asyncio.to_thread(
                store.results, job, first, len(keys), model.labels, model.version
            )
        entries = fit_page([_entry(key, found.get(first + i)) for i, key in enumerate(keys)])
        after = first + len(entries)
    elif next_token is not None:
        raise errors.InvalidNextToken()
    export = None
    if job.done and job.export:
        from function.aws.file_links import export_links

        with store_errors():
            links = await asyncio.to_thread(export_links, settings.images_bucket, job.export)
        export = schemas.JobExport.model_validate(links)
    details = request_state(request.scope["state"]).details
    details["job_id"], details["first_index"], details["images"] = job_id, first, len(entries)
    status = model_warning(model)
    warning_headers(response, status)
    more = entries and job.total is not None and after < job.total
    shown: dict[str, Any] = {"export": export, "next_token": token_for(after) if more else None}
    shown |= {"warning": status.warning, "messages_sent": job.messages_sent, "error": job.error}
    if job.source:
        shown |= {"listed": job.listed, "s3_prefix": job.source["prefix"]}
        shown["bucket"] = job.source["bucket"]
    return schemas.JobStatus(
        production_ready=status.production_ready,
        job_id=job_id,
        status=job.status,
        total=job.total,
        succeeded=job.succeeded,
        failed=job.failed,
        results=entries,
        **{name: value for name, value in shown.items() if value is not None},
    )


def _entry(key: str, outcome: dict[str, Any] | None) -> schemas.JobEntry:
    if outcome is None:
        return schemas.JobEntry(s3_key=key, status="pending")
    if "predictions" in outcome:
        predictions = [PredictionOut.model_validate(p) for p in outcome["predictions"]]
        return schemas.JobEntry(s3_key=key, status="succeeded", predictions=predictions)
    return schemas.JobEntry(s3_key=key, status="failed", error=outcome["error"])

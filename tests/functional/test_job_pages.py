"""GET /jobs/{job_id} pages fit Lambda's 6 MB response at any top_k and key length.

The worst job: 100 images, top_k = the model's class count (every class, ranked), and keys of
S3's longest, 1024 bytes of four-byte characters (each one 12 bytes once Lambda's proxy
response encodes the body as a JSON string). The pages are read through the Lambda handler
with a REST API event, and measured as Lambda measures them: the whole encoded response.
"""

from __future__ import annotations

import json

import numpy as np
from aws_fixtures import TABLE, aws
from jobs_fixtures import jobs_aws
from make_events import rest_event

from function.inference.classifier import get_classifier
from function.inference.scoring import rank
from function.jobs.chunk_record import Entry, images_per_chunk
from function.jobs.ledger import Chunk, Ledger
from function.jobs.outcomes import Outcome

__all__ = ["aws", "jobs_aws"]  # fixtures, imported for pytest
IMAGES = 100
LIMIT_BYTES = 5_500_000  # under Lambda's 6 MB (6,291,456 bytes), with room to spare


def longest_key(index: int) -> str:
    key = f"incoming/{index:03d}-" + "\U0001f600" * 252 + "abc"
    assert len(key.encode()) == 1024
    return key


def test_every_page_of_the_largest_job_fits_a_lambda_response(
    client, jobs_aws, lambda_context, handler_module
) -> None:
    model = get_classifier()
    keys = [longest_key(i) for i in range(IMAGES)]
    # Created and read through the same gateway event: jobs are their caller's (tenancy).
    body = json.dumps({"s3_keys": keys, "top_k": model.num_classes}).encode()
    headers = {"Host": "localhost", "Content-Type": "application/json"}
    created = handler_module.handler(rest_event("POST", "/jobs", headers, body), lambda_context)
    assert created["statusCode"] == 202, created["body"]
    job_id = json.loads(created["body"])["job_id"]
    generator = np.random.default_rng(0)
    entries = []
    for index, key in enumerate(keys):  # what the worker records for each image
        probabilities = generator.dirichlet(np.ones(model.num_classes)).astype(np.float32)
        ranked = rank(probabilities, model.labels, model.num_classes)
        predictions = [
            {"class": p.label, "index": p.index, "probability": p.probability} for p in ranked
        ]
        entries.append(Entry(index, key, Outcome(predictions=predictions)))
    size = images_per_chunk(model.num_classes)
    chunks = [Chunk(n, entries[n * size : (n + 1) * size]) for n in range(-(-IMAGES // size))]
    assert Ledger(TABLE, 1, model.version).commit(job_id, chunks) == set(range(len(chunks)))

    seen: list[str] = []
    sizes: list[int] = []
    token = None
    while True:
        query = {"next_token": token} if token else None
        event = rest_event("GET", f"/jobs/{job_id}", {"Host": "localhost"}, None, query)
        response = handler_module.handler(event, lambda_context)
        assert response["statusCode"] == 200, response["body"][:500]
        sizes.append(len(json.dumps(response)))
        page = json.loads(response["body"])
        assert page["succeeded"] == IMAGES
        assert all(len(e["predictions"]) == model.num_classes for e in page["results"])
        seen += [entry["s3_key"] for entry in page["results"]]
        token = page.get("next_token")
        if token is None:
            break
    print(f"page sizes (bytes): {sizes}")
    assert seen == keys  # every result once, in request order
    assert max(sizes) < LIMIT_BYTES
    assert len(sizes) > 1  # 100 such results do not fit one response

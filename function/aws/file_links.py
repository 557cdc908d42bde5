"""Where a job's export files live in the stack's bucket, and links to download them.

Keys are exports/<job_id>/results.<format>; the bucket's lifecycle rule deletes them after
JOB_TTL_DAYS, as the table's TTL deletes the job. Links are presigned GETs, signed with the
API function's role (which may read exports/ and nothing else there).
"""

from __future__ import annotations

from function.aws.clients import client, require_credentials

EXPORT_PREFIX = "exports/"
# Shorter than the Lambda role's session, whose expiry would end a longer link early.
LINK_SECONDS = 3600


def export_key(job_id: str, fmt: str) -> str:
    return f"{EXPORT_PREFIX}{job_id}/results.{fmt}"


def export_links(bucket: str, keys: dict[str, str]) -> dict[str, str | int]:
    require_credentials()
    s3 = client("s3")
    links: dict[str, str | int] = {
        fmt: s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=LINK_SECONDS
        )
        for fmt, key in sorted(keys.items())
    }
    links["expires_in"] = LINK_SECONDS
    return links

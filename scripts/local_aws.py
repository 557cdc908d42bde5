"""`make run AWS=local`: moto's server on localhost as S3, DynamoDB and SQS, then the command.

Starts `moto_server`, creates the images bucket and the results table the way template.yaml
describes them, and the jobs queue with the worker loop beside it (scripts/local_jobs.py),
and runs the command (the API under uvicorn) with AWS_ENDPOINT_URL and the
service's settings pointing at it. Nothing leaves the machine; everything is gone on exit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import local_jobs

MOTO_HOST = "127.0.0.1"
MOTO_PORT = int(os.environ.get("MOTO_PORT", "5001"))
ENDPOINT = f"http://{MOTO_HOST}:{MOTO_PORT}"
LOCAL_ENV = {
    "AWS_ENDPOINT_URL": ENDPOINT,
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "IMAGES_BUCKET": "local-images",
    "RESULTS_TABLE": "local-results",
}


def wait_until_up(process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"moto_server exited with {process.returncode}; is port {MOTO_PORT} taken?")
        try:
            urllib.request.urlopen(f"{ENDPOINT}/moto-api/", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"moto_server did not answer on {ENDPOINT} within {seconds} s")


def create_resources() -> None:
    import boto3

    from function.aws.results import TABLE_SCHEMA

    boto3.client("s3").create_bucket(Bucket=LOCAL_ENV["IMAGES_BUCKET"])
    boto3.client("dynamodb").create_table(TableName=LOCAL_ENV["RESULTS_TABLE"], **TABLE_SCHEMA)


def main(command: list[str]) -> int:
    os.environ.update(LOCAL_ENV)
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", MOTO_HOST, "-p", str(MOTO_PORT)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    try:
        wait_until_up(moto)
        create_resources()
        os.environ.update(local_jobs.create_queue(LOCAL_ENV["IMAGES_BUCKET"]))
        worker = local_jobs.start_worker()  # POST /jobs and incoming/ objects get done
        print(
            f"moto: S3 bucket {LOCAL_ENV['IMAGES_BUCKET']} and DynamoDB table "
            f"{LOCAL_ENV['RESULTS_TABLE']} on {ENDPOINT}",
            flush=True,
        )
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 130
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)
        moto.terminate()
        moto.wait(timeout=10)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    args = sys.argv[1:]
    sys.exit(main(args[1:] if args[:1] == ["--"] else args))

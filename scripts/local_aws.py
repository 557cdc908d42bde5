"""`make run AWS=local`: moto's server on localhost as S3, DynamoDB and SQS, then the command.

Starts `moto_server`, creates the images bucket and the results table the way template.yaml
describes them, and the jobs queue with the worker loop beside it (scripts/local_jobs.py),
and runs the command (the API under uvicorn) with AWS_ENDPOINT_URL and the
service's settings pointing at it. Nothing leaves the machine; everything is gone on exit,
whether by Ctrl+C, SIGTERM or SIGHUP. MOTO_PORT (default 5001) moves moto's server; the
command carries the API's own port.
"""

from __future__ import annotations

import os
import signal
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
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


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


class Stopped(Exception):
    """SIGTERM or SIGHUP reached this process: stop everything, as Ctrl+C does."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.exit_code = 128 + signum


def _raise_stopped(signum: int, _frame: object) -> None:
    raise Stopped(signum)


def stop(children: list[subprocess.Popen], grace_seconds: float = 10) -> None:
    """Ask every child to stop (SIGTERM: uvicorn shuts down cleanly and frees its port), wait,
    then kill whatever is left. Signals that arrive meanwhile must not cut this short."""
    for signum in (*STOP_SIGNALS, signal.SIGINT):
        signal.signal(signum, signal.SIG_IGN)
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + grace_seconds
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main(command: list[str]) -> int:
    # Ctrl+C reaches the whole process group; `kill`, `timeout`, an IDE's stop button or a
    # closed terminal reach only this process, which must then stop the children itself.
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) != signal.SIG_IGN:  # `nohup make run` keeps ignoring HUP
            signal.signal(signum, _raise_stopped)
    os.environ.update(LOCAL_ENV)
    children: list[subprocess.Popen] = []
    try:
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", MOTO_HOST, "-p", str(MOTO_PORT)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_until_up(children[0])
        create_resources()
        os.environ.update(local_jobs.create_queue(LOCAL_ENV["IMAGES_BUCKET"]))
        children.append(local_jobs.start_worker())  # POST /jobs and incoming/ objects get done
        print(
            f"moto: S3 bucket {LOCAL_ENV['IMAGES_BUCKET']} and DynamoDB table "
            f"{LOCAL_ENV['RESULTS_TABLE']} on {ENDPOINT}",
            flush=True,
        )
        api = subprocess.Popen(command)
        children.append(api)
        return api.wait()
    except KeyboardInterrupt:
        return 130
    except Stopped as stopped:
        print(f"local_aws: {stopped}, stopping the API, the worker and moto", flush=True)
        return stopped.exit_code
    finally:
        stop(children)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    args = sys.argv[1:]
    sys.exit(main(args[1:] if args[:1] == ["--"] else args))

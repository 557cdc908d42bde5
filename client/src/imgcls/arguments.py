"""The command line's arguments: the commands, and the options they share."""

from __future__ import annotations

import argparse

from imgcls import __version__


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("where the API is")
    where.add_argument("--api-url", help="the API's base URL (or IMGCLS_API_URL)")
    where.add_argument("--api-key", help="the API key (or IMGCLS_API_KEY)")
    where.add_argument("--stack", help="read ApiUrl and the key from this CloudFormation stack")
    where.add_argument("--retries", type=int, default=5, help="retries of a transient failure")
    top_k = argparse.ArgumentParser(add_help=False)
    top_k.add_argument("--top-k", type=int, default=5, help="classes per image (default 5)")
    poll = argparse.ArgumentParser(add_help=False)
    poll.add_argument("--poll", type=float, default=2.0, help="seconds between job polls")

    root = argparse.ArgumentParser(prog="imgcls", description="Classify images with the API.")
    root.add_argument("--version", action="version", version=f"imgcls {__version__}")
    commands = root.add_subparsers(dest="command", required=True)
    one = commands.add_parser("classify", parents=[common, top_k], help="classify files, folders")
    one.add_argument("paths", nargs="+", metavar="PATH")
    one.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    one.add_argument("--csv", metavar="FILE", help="also write the results as CSV")
    one.add_argument("--parallel", type=int, default=4, help="requests at once (default 4)")
    many = commands.add_parser("bulk", parents=[common, top_k, poll], help="a folder or prefix")
    many.add_argument("source", metavar="FOLDER|s3://bucket/prefix")
    many.add_argument("--out", required=True, metavar="FILE", help="results, JSON lines")
    many.add_argument("--csv", metavar="FILE", help="also write the results as CSV")
    many.add_argument("--parallel", type=int, default=8, help="uploads at once (default 8)")
    job = commands.add_parser("jobs", help="a job's status, wait for it, export its results")
    actions = job.add_subparsers(dest="action", required=True)
    for action in ("status", "wait", "export"):
        parents = [common, poll, top_k] if action == "export" else [common, poll]
        sub = actions.add_parser(action, parents=parents)
        sub.add_argument("job_id", metavar="JOB_ID")
    actions.choices["status"].add_argument("--json", action="store_true")
    actions.choices["export"].add_argument("--out", default="-", metavar="FILE")
    actions.choices["export"].add_argument("--csv", metavar="FILE")
    check = commands.add_parser("health", parents=[common], help="the model card and limits")
    check.add_argument("--json", action="store_true", help="the raw /health answer")
    return root

"""The `imgcls` command line: arguments, the API client, and exit codes for every outcome."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from imgcls import bulk, classify, health, jobs, output, results
from imgcls.arguments import parser
from imgcls.config import resolve
from imgcls.console import job_progress, out, say, warn_loudly
from imgcls.errors import INTERRUPTED, USAGE, ApiError, CliError, ConfigError
from imgcls.files import collect
from imgcls.transport import Api


def make_api(args: argparse.Namespace) -> Api:
    endpoint = resolve(args.api_url, args.api_key, args.stack)
    return Api(endpoint.url, endpoint.key, retries=args.retries)


def server_card(api: Api) -> dict[str, Any]:
    """GET /health, which also tells whether the URL is this API at all."""
    hint = "is --api-url this API's URL?"
    try:
        card = api.call("GET", "/health").json()
    except ApiError as exc:
        raise ConfigError(f"GET /health answered {exc}: {hint}") from None
    except ValueError:  # a web page, say: 200 but not JSON
        raise ConfigError(f"GET /health did not answer JSON: {hint}") from None
    if not isinstance(card, dict) or not isinstance(card.get("limits") or {}, dict):
        raise ConfigError(f"GET /health did not answer a model card: {hint}")
    return card


def run_classify(args: argparse.Namespace) -> int:
    files = collect(args.paths)
    if not files:
        raise ConfigError("no files found in " + " ".join(args.paths))
    api = make_api(args)
    card = server_card(api)
    limit = (card.get("limits") or {}).get("max_image_bytes") or classify.DEFAULT_MAX_IMAGE_BYTES
    if card.get("warning"):
        warn_loudly(card["warning"])
    with job_progress() as progress:
        task = progress.add_task("classifying", total=len(files), failed=0)
        outcomes = classify.classify_all(
            api, files, limit, args.top_k, args.parallel, lambda n: progress.advance(task, n)
        )
    if args.json:
        output.jsonl(outcomes, sys.stdout)
    else:
        output.table(outcomes)
    if args.csv:
        with results.replaced(Path(args.csv)) as stream:
            assert stream is not None
            output.classify_csv(outcomes, stream, args.top_k)
    failed = [o for o in outcomes if o.error]
    for o in failed:
        assert o.error is not None
        say(f"failed: {o.file}: {o.error['code']}: {o.error['message']}")
    return 1 if failed else 0


def run_bulk(args: argparse.Namespace) -> int:
    source = args.source
    if not source.startswith("s3://") and not Path(source).is_dir():
        raise ConfigError(f"{source}: not a folder (or an s3://bucket/prefix)")
    csv_path = Path(args.csv) if args.csv else None
    return bulk.run(
        make_api(args), source, Path(args.out), csv_path, args.top_k, args.parallel, args.poll
    )


def run_jobs(args: argparse.Namespace) -> int:
    args.job_id = jobs.checked_id(args.job_id)
    api = make_api(args)
    if args.action == "status":
        answer = jobs.status(api, args.job_id)
        if args.json:
            print(json.dumps(answer))
        else:
            total = "?" if answer.get("total") is None else answer["total"]
            out.print(
                f"{args.job_id}: {answer['status']}, {answer['succeeded']} succeeded, "
                f"{answer['failed']} failed of {total}",
                highlight=False,
                markup=False,
            )
        return 0
    with job_progress() as progress:
        [answer] = jobs.wait(api, [args.job_id], args.poll, progress)
    if args.action == "wait":
        out.print(
            f"{args.job_id}: done, {answer['succeeded']} succeeded, {answer['failed']} failed",
            highlight=False,
            markup=False,
        )
        return 1 if answer["failed"] else 0
    target = Path(args.out)
    scratch = (
        Path(f".{args.job_id}.export")
        if str(target) == "-"
        else target.with_name(f"{target.name}.export")
    )
    lines = jobs.result_lines(api, answer, None, scratch)
    failed = results.write(lines, target, Path(args.csv) if args.csv else None, args.top_k)
    return 1 if failed else 0


def run_health(args: argparse.Namespace) -> int:
    card = server_card(make_api(args))
    if args.json:
        print(json.dumps(card, indent=2))
        if card.get("warning"):
            warn_loudly(card["warning"])
    else:
        health.show(card)
    return 0


RUNNERS = {"classify": run_classify, "bulk": run_bulk, "jobs": run_jobs, "health": run_health}


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    for name in ("retries", "parallel", "top_k"):
        if getattr(args, name, 1) < (0 if name == "retries" else 1):
            say(f"imgcls: --{name.replace('_', '-')} is too small")
            return USAGE
    try:
        code = RUNNERS[args.command](args)
    except CliError as exc:
        say(f"imgcls: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        say("imgcls: interrupted; run the same command again to continue")
        return INTERRUPTED
    except OSError as exc:
        say(f"imgcls: {exc}")
        return 1
    return code

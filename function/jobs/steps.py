"""Running a job's own step (list a page, export the results) from a worker batch."""

from __future__ import annotations

from collections.abc import Callable

from function.aws.queue import WorkQueue
from function.inference.classifier import Classifier
from function.jobs.job_files import Exporter
from function.jobs.listing import Lister
from function.jobs.tasks import ListStep, Task
from function.shared.settings import Settings


def run_step(
    task: Task, model: Classifier, settings: Settings, remaining_ms: Callable[[], int]
) -> None:
    queue = WorkQueue(settings.jobs_queue_url)
    if isinstance(task, ListStep):
        Lister(settings.results_table, queue, settings.images_bucket).step(task, remaining_ms)
    else:
        bucket = settings.images_bucket
        exporter = Exporter(settings.results_table, bucket, model.labels, model.version)
        exporter.run(task, queue, remaining_ms)

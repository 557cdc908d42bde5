"""Running a job's own step (list a page, export the results) from a worker batch."""

from __future__ import annotations

from function.aws.queue import WorkQueue
from function.inference.classifier import Classifier
from function.jobs.job_files import Exporter
from function.jobs.listing import Lister
from function.jobs.tasks import ListStep, Task
from function.shared.settings import Settings


def run_step(task: Task, model: Classifier, settings: Settings) -> None:
    if isinstance(task, ListStep):
        Lister(settings.results_table, WorkQueue(settings.jobs_queue_url)).step(task)
    else:
        bucket = settings.images_bucket
        Exporter(settings.results_table, bucket, model.labels, model.version).run(task.job_id)

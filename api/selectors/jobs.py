"""Reads about jobs that take more than their row."""

from api.ml import enrich
from api.models import Job
from api.services import enrichment


def job_pending(*, job: Job) -> dict[str, int]:
    """What is still to do, per queue, while `job` runs: its files not yet indexed (`ingest`)
    and the owner's photos each later step has still to see. Empty once it has ended."""
    if job.state not in (Job.State.QUEUED, Job.State.RUNNING, Job.State.WAITING):
        return {}
    owner = job.owner
    pending = {"ingest": max(job.total - job.done, 0)}
    pending["faces"] = len(enrichment.faces_stale(owner=owner))
    pending["geocode"] = len(enrichment.geocode_stale(owner=owner))
    for name in enrich.STEPS:
        pending[name] = len(enrich.enrichment_stale(owner=owner, step=name))
    return pending

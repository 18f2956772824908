"""Huey tasks of imports: thin wrappers that call the services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.transfer import services


@db_periodic_task(crontab(minute="17"))
def imports_recover_hourly():
    """Every hour, after the jobs' housekeeping has failed jobs whose worker died: take
    back what their imports wrote and free the batches; drop the journals of imports
    that can no longer be undone."""
    return {
        "recovered": services.imports_recover(),
        "journals_purged": services.imports_purge_journals(),
    }

"""Huey tasks of the platform core: thin wrappers that call its services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core import statistics


@db_periodic_task(crontab(hour="3", minute="47"))
def statistics_nightly():
    """Every night: planner statistics for the tables that grew or shrank (SQLite)."""
    return {"analyzed": statistics.refresh()}

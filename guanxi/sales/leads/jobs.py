"""The "recalculate all lead scores" background job (重新计算线索评分)."""

from django.utils.translation import gettext_lazy, ngettext

from guanxi.jobs import registry
from guanxi.jobs.models import Job

RESCORE_KIND = "leads.rescore"


def _summary(result):
    changed = int(result["changed"])
    return ngettext("%(n)d 条线索的评分有变化。", "%(n)d 条线索的评分有变化。", changed) % {
        "n": changed
    }


@registry.register(
    RESCORE_KIND,
    label=gettext_lazy("重新计算线索评分"),
    permission="sales_setup.edit",
    summary=_summary,
)
def rescore_all(job, reporter):
    from guanxi.sales.leads import services
    from guanxi.sales.leads.models import Lead

    reporter.total(Lead.objects.exclude(status=Lead.Status.CONVERTED).count())
    changed = services.leads_rescore_all(org_id=job.org_id, progress=reporter.advance)
    return {"changed": changed}


def rescore_start(*, actor):
    """Queue a recalculation, unless one of this org is still waiting to start (it will
    read the rules as they are when it runs). Returns the job."""
    from guanxi.jobs.services import job_start

    waiting = Job.objects.filter(kind=RESCORE_KIND, status=Job.Status.QUEUED).first()
    return waiting or job_start(actor=actor, kind=RESCORE_KIND)

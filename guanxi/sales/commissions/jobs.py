"""The "generate the statements of a period" background job (生成佣金结算单)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.jobs import registry

GENERATE_KIND = "commissions.generate"


def _summary(result):
    return _(
        "期间 %(period)s：生成或重算 %(generated)s 张，跳过已提交或已审批的 %(skipped)s 张。"
    ) % {
        "period": result["period"],
        "generated": int(result["generated"]),
        "skipped": int(result["skipped"]),
    }


@registry.register(
    GENERATE_KIND,
    label=gettext_lazy("生成佣金结算单"),
    permission="commissions.create",
    summary=_summary,
)
def generate_period(job, reporter):
    from guanxi.sales.commissions import selectors, services

    actor = job.created_by
    period = job.params["period"]
    reporter.total(selectors.employees_in_scope(actor).count())
    counts = services.statements_generate(actor=actor, period=period, progress=reporter.advance)
    reporter.flush()
    return {"period": period, **counts}


def generate_start(*, actor, period):
    """Queue the generation of ``period``'s statements for everyone in ``actor``'s scope
    (the period is checked now). Returns the job."""
    from guanxi.jobs.services import job_start
    from guanxi.sales.commissions import selectors

    found = selectors.parse_period(period)
    return job_start(actor=actor, kind=GENERATE_KIND, params={"period": found.code})

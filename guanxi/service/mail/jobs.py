"""The "poll now" button: one poll of the org's mailbox as a background job, with
its outcome on the job page."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.jobs import registry
from guanxi.orgs import policy
from guanxi.service.mail import selectors, services

POLL_KIND = "service_mail.poll"


def _summary(result):
    if result.get("status") == "failed":
        return _("收信失败：%(error)s") % {"error": result.get("error", "")}
    counts = result.get("counts") or {}
    return _("收信完成：处理 %(n)d 封新邮件。") % {
        "n": sum(v for k, v in counts.items() if k != "duplicate")
    }


@registry.register(
    POLL_KIND, label=gettext_lazy("立即收信"), permission=services.SETUP_EDIT, summary=_summary
)
def poll_now(job, reporter):
    """Poll the org's mailbox now, even before its next scheduled attempt."""
    policy.require(job.created_by, services.SETUP_EDIT)
    mailbox = selectors.mailbox_of_org()
    if mailbox is None:
        return {"status": "failed", "counts": {}, "error": _("尚未设置服务邮箱。")}
    reporter.total(1)
    result = services.mailbox_poll(mailbox=mailbox, force=True).as_dict()
    reporter.advance(1)
    reporter.flush()
    return result

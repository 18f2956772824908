"""Background jobs of imports: checking every row, and importing them."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.jobs import registry
from guanxi.transfer import services


def _validate_summary(result):
    return _("已校验 %(rows)d 行：%(errors)d 行有误，%(skipped)d 行重复将跳过。") % result


def _import_summary(result):
    if result.get("rolled_back"):
        return _("有 %(errors)d 行数据有误，没有导入任何数据。") % result
    return (
        _("已导入：新建 %(created)d，更新 %(updated)d，跳过 %(skipped)d，错误 %(errors)d。")
        % result
    )


@registry.register(
    services.VALIDATE_KIND,
    label=gettext_lazy("校验导入文件"),
    permission=services.PERMISSION,
    summary=_validate_summary,
)
def validate_import(job, reporter):
    return services.import_execute(batch_id=job.params["batch"], reporter=reporter, write=False)


@registry.register(
    services.IMPORT_KIND,
    label=gettext_lazy("导入客户"),
    permission=services.PERMISSION,
    summary=_import_summary,
)
def run_import(job, reporter):
    return services.import_execute(batch_id=job.params["batch"], reporter=reporter, write=True)


def _undo_summary(result):
    return _("已撤销：移入回收站 %(deleted)d，恢复 %(restored)d，保留 %(kept)d。") % result


@registry.register(
    services.UNDO_KIND,
    label=gettext_lazy("撤销导入"),
    permission=services.PERMISSION,
    summary=_undo_summary,
)
def undo_import(job, reporter):
    return services.undo_execute(batch_id=job.params["batch"], reporter=reporter)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    name = "guanxi.transfer"
    label = "transfer"
    verbose_name = _("导入导出")

    def ready(self):
        from guanxi.transfer import audit_labels, jobs  # noqa: F401 - jobs: the import jobs

        audit_labels.register()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    label = "customers"
    verbose_name = _("客户管理")

    def ready(self):
        from guanxi.customers import audit_labels, jobs, renewals  # noqa: F401 - jobs: the export job
        from guanxi.orgs import custom_fields

        custom_fields.register_entity("customer", label=_("客户"), module="customers")
        custom_fields.register_entity("contact", label=_("联系人"), module="contacts")
        audit_labels.register()
        renewals.register()

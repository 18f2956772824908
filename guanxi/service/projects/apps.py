from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceProjectsConfig(AppConfig):
    name = "guanxi.service.projects"
    label = "service_projects"
    verbose_name = _("项目服务")

    def ready(self):
        from guanxi.service.projects import integrations

        integrations.register()

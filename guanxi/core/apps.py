from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guanxi.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self):
        from django.db.models.signals import post_migrate

        from guanxi.core import (
            checks,  # noqa: F401 - registers the start-up checks
            statistics,
        )

        post_migrate.connect(statistics.after_migrate, sender=self)

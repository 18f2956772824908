from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "guanxi.search"
    label = "search"
    verbose_name = _("搜索")

    def ready(self):
        # every app's ``indexing`` module registers the kinds of record it indexes
        autodiscover_modules("indexing")

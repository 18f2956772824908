"""The global search index: one row per searchable record of any module."""

from django.db import models

from guanxi.core.models import OrgOwned


class SearchEntry(OrgOwned):
    """One record as the search box sees it.

    Written only by ``guanxi.search.index`` (called from the owning module's
    services). ``owner_id``/``department_id`` place the record in the data scope
    of ``module``; ``tokens`` is what the full-text index stores (see
    ``guanxi.search.tokens``); ``text`` is what a hit is finally checked against.
    """

    kind = models.CharField(max_length=30)
    object_id = models.BigIntegerField()
    module = models.CharField(max_length=40)
    owner_id = models.BigIntegerField(null=True, blank=True)
    department_id = models.BigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=200)
    subtitle = models.CharField(max_length=200, blank=True)
    url_name = models.CharField(max_length=100, blank=True)
    url_arg = models.BigIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    tokens = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "kind", "object_id"], name="search_entry_unique"
            ),
        ]

    def __str__(self):
        return f"{self.kind}:{self.object_id} {self.title}"

"""Labels of the audit keys an import's summary entry stores (``import_execute``): the
file's name and how many rows were read, created, updated, skipped and wrong."""

from django.utils.translation import pgettext_lazy

from guanxi.audit import labels


def register():
    labels.register(
        "transfer.importbatch",
        {
            "rows": labels.Key(pgettext_lazy("import summary", "行数")),
            "created": labels.Key(pgettext_lazy("import summary", "新建")),
            "updated": labels.Key(pgettext_lazy("import summary", "更新")),
            "skipped": labels.Key(pgettext_lazy("import summary", "跳过")),
            "errors": labels.Key(pgettext_lazy("import summary", "有误的行")),
        },
    )

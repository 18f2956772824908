"""Labels of the audit keys an import's summary entry stores (``import_execute``): the
file's name and how many rows were read, created, updated, skipped and wrong; and, when
the import is undone, how many records went to the bin, were put back or kept."""

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
            # undoing the import
            "deleted": labels.Key(pgettext_lazy("import undo", "移入回收站")),
            "restored": labels.Key(pgettext_lazy("import undo", "恢复为导入前")),
            "kept": labels.Key(pgettext_lazy("import undo", "被他人修改过而保留")),
        },
    )

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.transfer.models import ImportBatch
from guanxi.transfer.reading import MAX_BYTES


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("CSV（UTF-8 或 GBK 编码）或 Excel .xlsx，第一行为表头，最大 %(mb)d MB。")
        % {"mb": MAX_BYTES // (1024 * 1024)},
        allow_empty_file=True,
    )


class MappingForm(forms.Form):
    """One select per column of the file, the duplicate handling and "valid rows only"."""

    duplicate_mode = forms.ChoiceField(
        label=_("重复的客户（电话、邮箱或名称相同）"),
        choices=ImportBatch.Duplicates.choices,
        widget=forms.RadioSelect,
    )
    valid_only = forms.BooleanField(
        label=_("只导入有效的行"),
        required=False,
        help_text=_("不勾选时，只要有一行有误就不导入任何数据。"),
    )

    def __init__(self, *args, batch, targets, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("（不导入）")), *targets]
        self.columns = []
        for index, title in enumerate(batch.header):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=title or _("第 %(n)d 列") % {"n": index + 1}, choices=choices, required=False
            )
            self.columns.append(name)
        if not self.is_bound:
            self.initial.update(
                {f"col_{i}": target for i, target in enumerate(batch.mapping)},
                duplicate_mode=batch.duplicate_mode,
                valid_only=batch.valid_only,
            )

    def mapping(self):
        return [self.cleaned_data.get(name) or "" for name in self.columns]

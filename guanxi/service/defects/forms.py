"""HTML forms of product defects. They parse input; the ``services`` validate and
write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.service.defects.models import Defect

BLANK = ("", "—")


def _style(form, prefix):
    for name, field in form.fields.items():
        field.widget.attrs.setdefault("data-testid", f"{prefix}-{name.replace('_', '-')}")
        if isinstance(field, forms.ChoiceField):
            field.widget.attrs.setdefault("class", "form-select")
        else:
            field.widget.attrs.setdefault("class", "form-control")


def _choices(records, label=str):
    return [BLANK] + [(record.pk, label(record)) for record in records]


class DefectForm(forms.Form):
    product = forms.TypedChoiceField(label=_("产品"), coerce=int, required=False, empty_value=None)
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    severity = forms.ChoiceField(label=_("严重程度"), choices=Defect.Severity.choices)
    description = forms.CharField(
        label=_("缺陷描述"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    found_version = forms.CharField(label=_("发现版本/批次"), max_length=100, required=False)
    fixed_version = forms.CharField(label=_("修复版本"), max_length=100, required=False)
    owner = forms.TypedChoiceField(
        label=_("研发负责人"), coerce=int, required=False, empty_value=None
    )
    resolution = forms.CharField(
        label=_("处理说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    ticket = forms.IntegerField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, products, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = _choices(products, lambda p: f"{p.code} {p.name}")
        self.fields["owner"].choices = _choices(people, lambda e: e.name)
        self.fields["severity"].initial = Defect.Severity.MAJOR
        _style(self, "defect")

    @classmethod
    def initial_for(cls, defect: Defect):
        return {
            "product": defect.product_id,
            "title": defect.title,
            "severity": defect.severity,
            "description": defect.description,
            "found_version": defect.found_version,
            "fixed_version": defect.fixed_version,
            "owner": defect.owner_id,
            "resolution": defect.resolution,
            "version": defect.version,
        }


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=Defect.Status.choices)
    duplicate_of = forms.TypedChoiceField(
        label=_("原缺陷"), coerce=int, required=False, empty_value=None
    )
    fixed_version = forms.CharField(label=_("修复版本"), max_length=100, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, originals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate_of"].choices = _choices(originals)
        _style(self, "transition")


class LinkForm(forms.Form):
    ticket = forms.CharField(
        label=_("工单编号"),
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("如 GD-20260301-0001")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self, "link")

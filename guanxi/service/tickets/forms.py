"""HTML forms of tickets. They parse input; ``services`` validate and write."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy

from guanxi.service.tickets.models import Ticket

OPTIONAL_ID = {"coerce": int, "required": False, "empty_value": None}


def _styled(form):
    for field in form.fields.values():
        if isinstance(field.widget, forms.HiddenInput):
            continue
        css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
        field.widget.attrs.setdefault("class", css)


class TicketForm(forms.Form):
    """New and edit form. Choices come from the view (what the employee may pick)."""

    customer = forms.TypedChoiceField(label=gettext_lazy("客户"), **OPTIONAL_ID)
    contact = forms.TypedChoiceField(label=gettext_lazy("联系人"), **OPTIONAL_ID)
    subject = forms.CharField(label=gettext_lazy("主题"), max_length=200, required=False)
    category = forms.ChoiceField(label=gettext_lazy("工单类别"), required=False)
    priority = forms.ChoiceField(
        label=gettext_lazy("优先级"), choices=Ticket.Priority.choices, initial="normal"
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("渠道"), choices=Ticket.Channel.choices, initial="phone"
    )
    product = forms.TypedChoiceField(label=gettext_lazy("产品"), **OPTIONAL_ID)
    installed_product = forms.TypedChoiceField(label=gettext_lazy("安装档案"), **OPTIONAL_ID)
    description = forms.CharField(
        label=gettext_lazy("问题描述"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, customers, contacts, categories, products, installed, **kwargs):
        super().__init__(*args, **kwargs)
        blank = [("", "—")]
        self.fields["customer"].choices = blank + [(c.pk, c.name) for c in customers]
        self.fields["contact"].choices = blank + [(c.pk, c.name) for c in contacts]
        self.fields["category"].choices = blank + list(categories)
        self.fields["product"].choices = blank + [(p.pk, p.name) for p in products]
        self.fields["installed_product"].choices = blank + [
            (i.pk, f"{i.code} {i.product.name} {i.serial_number}".strip()) for i in installed
        ]
        # choosing the customer reloads its contacts and installed products
        self.fields["customer"].widget.attrs.update(
            {
                "hx-get": reverse("tickets:customer_options"),
                "hx-target": "#customer-options",
                "hx-trigger": "change",
                "hx-include": "this",
                "data-testid": "ticket-customer",
            }
        )
        _styled(self)

    @classmethod
    def initial_for(cls, ticket: Ticket):
        return {
            "customer": ticket.customer_id,
            "contact": ticket.contact_id,
            "subject": ticket.subject,
            "category": ticket.category,
            "priority": ticket.priority,
            "channel": ticket.channel,
            "product": ticket.product_id,
            "installed_product": ticket.installed_product_id,
            "description": ticket.description,
            "version": ticket.version,
        }


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    public = forms.BooleanField(label=gettext_lazy("回复客户"), required=False, initial=True)


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=gettext_lazy("处理人"), **OPTIONAL_ID)
    reason = forms.CharField(label=gettext_lazy("分配原因"), max_length=300, required=False)

    def __init__(self, *args, employees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "—")] + [
            (e.pk, f"{e.name}（{e.department.name}）" if e.department_id else e.name)
            for e in employees
        ]
        _styled(self)


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=gettext_lazy("满意度评分"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("评价"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("文件"))

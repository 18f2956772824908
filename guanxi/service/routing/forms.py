"""HTML forms of routing setup. They only shape the input: the services validate it (and
their errors are shown on the form)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.catalog.models import Product, ProductCategory
from guanxi.orgs.models import Department, Employee
from guanxi.orgs.selectors import dictionary_entries
from guanxi.service.routing.models import CalendarDay, ServiceQueue, SlaPolicy
from guanxi.service.tickets.models import Ticket


def _dictionary(kind):
    return [(entry.code, entry.display_label) for entry in dictionary_entries(kind=kind)]


class QueueForm(forms.Form):
    name = forms.CharField(label=_("队列名称"), max_length=100)
    team = forms.ModelChoiceField(label=_("服务团队"), queryset=Department.objects.none())
    categories = forms.MultipleChoiceField(
        label=_("工单类别"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示全部类别。"),
    )
    products = forms.ModelMultipleChoiceField(
        label=_("产品"),
        queryset=Product.objects.none(),
        required=False,
        help_text=_("只接这些产品的工单；与产品分类都不选表示任意产品。"),
    )
    product_categories = forms.ModelMultipleChoiceField(
        label=_("产品分类"), queryset=ProductCategory.objects.none(), required=False
    )
    skills = forms.MultipleChoiceField(
        label=_("所需技能"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("坐席具备工单类别对应的技能或这里选的任一技能，即算技能匹配。"),
    )
    position = forms.IntegerField(
        label=_("匹配顺序"),
        min_value=0,
        max_value=9999,
        initial=100,
        help_text=_("数字小的队列先匹配。"),
    )
    is_default = forms.BooleanField(
        label=_("默认队列"), required=False, help_text=_("其他队列都不接的工单进入默认队列。")
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Department.objects.order_by("path")
        self.fields["categories"].choices = _dictionary("ticket_category")
        self.fields["skills"].choices = _dictionary("skill")
        self.fields["products"].queryset = Product.objects.filter(active=True).order_by(
            "code", "pk"
        )
        self.fields["product_categories"].queryset = ProductCategory.objects.order_by("path")

    @classmethod
    def initial_for(cls, queue: ServiceQueue):
        return {
            "name": queue.name,
            "team": queue.team_id,
            "categories": queue.categories,
            "products": [product.pk for product in queue.products.all()],
            "product_categories": [category.pk for category in queue.product_categories.all()],
            "skills": queue.skills,
            "position": queue.position,
            "is_default": queue.is_default,
            "active": queue.active,
        }

    def service_fields(self):
        data = dict(self.cleaned_data)
        data["team"] = data["team"].pk if data.get("team") else None
        data["products"] = [product.pk for product in data.get("products") or ()]
        data["product_categories"] = [c.pk for c in data.get("product_categories") or ()]
        return data


class SlaPolicyForm(forms.Form):
    name = forms.CharField(label=_("策略名称"), max_length=100)
    priority = forms.ChoiceField(label=_("优先级"), required=False)
    customer_level = forms.ChoiceField(label=_("客户级别"), required=False)
    first_response_minutes = forms.IntegerField(
        label=_("首次响应时限（分钟）"), min_value=1, max_value=525600
    )
    resolution_minutes = forms.IntegerField(
        label=_("解决时限（分钟）"),
        min_value=1,
        max_value=525600,
        help_text=_("按工作时间计时时，3 个工作日 = 3 × 每日工作分钟数（如 9:00–18:00 为 1620）。"),
    )
    business_hours = forms.BooleanField(
        label=_("按工作时间计时"),
        required=False,
        initial=True,
        help_text=_("不勾选则按自然时间（7×24 小时）计时。"),
    )
    warn_unit = forms.ChoiceField(label=_("预警方式"), choices=SlaPolicy.WarnUnit.choices)
    warn_value = forms.IntegerField(
        label=_("提前预警"),
        min_value=0,
        max_value=525600,
        initial=20,
        help_text=_("剩余时间低于此值（百分比或分钟）时提醒处理人。"),
    )
    escalate_to = forms.ChoiceField(label=_("超时升级给"), choices=SlaPolicy.EscalateTo.choices)
    escalate_employee = forms.ModelChoiceField(
        label=_("升级对象"), queryset=Employee.objects.none(), required=False
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        any_value = [("", _("任意"))]
        self.fields["priority"].choices = any_value + list(Ticket.Priority.choices)
        self.fields["customer_level"].choices = any_value + _dictionary("customer_level")
        self.fields["escalate_employee"].queryset = Employee.objects.filter(
            status=Employee.Status.ACTIVE
        ).order_by("name", "pk")

    @classmethod
    def initial_for(cls, sla: SlaPolicy):
        return {
            name: getattr(sla, name)
            for name in (
                "name", "priority", "customer_level", "first_response_minutes",
                "resolution_minutes", "business_hours", "warn_unit", "warn_value",
                "escalate_to", "active",
            )
        } | {"escalate_employee": sla.escalate_employee_id}  # fmt: skip

    def service_fields(self):
        data = dict(self.cleaned_data)
        person = data.get("escalate_employee")
        data["escalate_employee"] = person.pk if person else None
        return data


def _date_input():
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class CalendarDaysForm(forms.Form):
    """Add holidays or make-up working days: one date, or a range with the same name."""

    start = forms.DateField(label=_("开始日期"), widget=_date_input())
    end = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=_date_input(),
        help_text=_("只添加一天时留空。"),
    )
    kind = forms.ChoiceField(
        label=_("类型"), choices=CalendarDay.Kind.choices, initial=CalendarDay.Kind.HOLIDAY
    )
    name = forms.CharField(
        label=_("名称"), max_length=50, widget=forms.TextInput(attrs={"placeholder": _("国庆节")})
    )

    def service_fields(self):
        return dict(self.cleaned_data)


class CalendarImportForm(forms.Form):
    """Paste many days at once, one line each."""

    text = forms.CharField(
        label=_("粘贴日期"),
        widget=forms.Textarea(
            attrs={
                "rows": 6,
                "placeholder": _("2026-10-01,2026-10-08 国庆节 休\n2026-10-10 国庆节调休 班"),
            }
        ),
        help_text=_(
            "每行一条：日期或“开始日期,结束日期”、名称、类型（休 = 休息日，班 = 调休上班日；"
            "不写为休）。任何一行有误时不会导入。"
        ),
    )

"""HTML forms of the setup screens (系统设置).

They parse and shape input; the services validate the business rules and write.
Querysets are built in ``__init__`` so they run inside the request's org scope.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.orgs import permissions as perms
from guanxi.orgs import services
from guanxi.orgs.models import Department, Employee, OrgSettings, Role
from guanxi.orgs.permissions import DataScope

SKILL_SEPARATORS = re.compile(r"[,，、;；\n]+")
INDENT = "\u3000"  # a full-width space: not collapsed inside <option>

WEEKDAYS = [
    (1, _("周一")),
    (2, _("周二")),
    (3, _("周三")),
    (4, _("周四")),
    (5, _("周五")),
    (6, _("周六")),
    (7, _("周日")),
]


def split_skills(text):
    """``"安装, 维修、投诉"`` → ``["安装", "维修", "投诉"]`` (order kept, blanks dropped)."""
    return [part.strip() for part in SKILL_SEPARATORS.split(text or "") if part.strip()]


def department_choices(departments):
    """``(pk, indented name)`` pairs for a department picker, in tree order."""
    return [(d.pk, INDENT * d.depth + d.name) for d in departments]


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return INDENT * obj.depth + obj.name


def disable_all(form):
    """Show ``form`` read-only (an employee without the edit permission)."""
    for field in form.fields.values():
        field.disabled = True
    form.read_only = True
    return form


# ---- departments ----------------------------------------------------------------------


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("部门名称"), max_length=100)
    parent = DepartmentChoiceField(
        label=_("上级部门"),
        queryset=Department.objects.none(),
        help_text=_("移动到新的上级部门时，下级部门和员工会随之一起移动。"),
    )

    def __init__(self, *args, is_root=False, **kwargs):
        super().__init__(*args, **kwargs)
        if is_root:
            del self.fields["parent"]
        else:
            self.fields["parent"].queryset = Department.objects.order_by("path")
            self.fields["parent"].empty_label = None


# ---- employees ------------------------------------------------------------------------


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.department.name}）"


class RoleCheckboxes(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class EmployeeForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=100)
    department = DepartmentChoiceField(
        label=pgettext_lazy("field", "部门"), queryset=Department.objects.none()
    )
    manager = ManagerChoiceField(
        label=_("上级"), queryset=Employee.objects.none(), required=False, empty_label=_("（无）")
    )
    roles = RoleCheckboxes(
        label=_("角色"),
        queryset=Role.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    title = forms.CharField(label=_("职务"), max_length=100, required=False)
    skills = forms.CharField(
        label=_("技能"),
        max_length=1000,
        required=False,
        help_text=_("用逗号或顿号分隔，如：安装调试、维修。用于服务工单的分派。"),
    )
    mobile = forms.CharField(label=_("手机"), max_length=30, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)

    def __init__(self, *args, employee=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("path")
        managers = (
            Employee.objects.filter(status=Employee.Status.ACTIVE)
            .select_related("department")
            .order_by("name", "id")
        )
        if employee is not None:
            managers = managers.exclude(pk=employee.pk)
        self.fields["manager"].queryset = managers
        self.fields["roles"].queryset = Role.objects.order_by("-is_admin", "name")
        self.fields["roles"].widget.attrs["class"] = "form-check-input"

    def clean_skills(self):
        return split_skills(self.cleaned_data.get("skills"))

    def service_fields(self):
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "name",
                "department",
                "manager",
                "roles",
                "title",
                "skills",
                "mobile",
                "email",
            )
        }


class EmployeeCreateForm(EmployeeForm):
    username = forms.CharField(
        label=_("用户名"), max_length=60, help_text=_("登录时使用，创建后不能修改。")
    )
    password = forms.CharField(
        label=_("初始密码"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位，不能是纯数字或常见密码。请员工登录后自行修改。"),
    )

    field_order = [
        "username",
        "password",
        "name",
        "department",
        "manager",
        "roles",
        "title",
        "skills",
        "mobile",
        "email",
    ]


class EmployeeEditForm(EmployeeForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    @staticmethod
    def initial_for(employee):
        return {
            "name": employee.name,
            "department": employee.department_id,
            "manager": employee.manager_id,
            "roles": list(employee.roles.all()),
            "title": employee.title,
            "skills": "、".join(employee.skills or []),
            "mobile": employee.mobile,
            "email": employee.email,
            "version": employee.version,
        }


class PasswordResetForm(forms.Form):
    password = forms.CharField(
        label=_("新密码"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("再次输入新密码"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class EmployeeFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Employee.Status.choices]
    )
    department = DepartmentChoiceField(
        label=pgettext_lazy("field", "部门"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("全部部门"),
        help_text=_("包含下级部门"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.attrs["class"] = "form-select"
        self.fields["department"].widget.attrs["class"] = "form-select"
        self.fields["department"].queryset = Department.objects.order_by("path")

    def filters(self):
        """The valid filters as the selector takes them (bad values are ignored)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        filters = {}
        if data.get("q"):
            filters["q"] = data["q"]
        if data.get("status"):
            filters["status"] = data["status"]
        if data.get("department"):
            filters["department"] = data["department"].pk
        return filters


# ---- roles ----------------------------------------------------------------------------


class RoleForm(forms.Form):
    """Name, description, and (for non-admin roles) the three kinds of permission:
    a module × action grid, special permissions, and a data scope per owned module."""

    name = forms.CharField(label=_("角色名称"), max_length=100)
    description = forms.CharField(
        label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    permissions = forms.MultipleChoiceField(
        label=_("功能权限"),
        required=False,
        choices=[(code, code) for code in perms.function_codes()],
    )
    special = forms.MultipleChoiceField(
        label=_("特殊权限"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(f"special.{name}", label) for name, label in perms.SPECIAL.items()],
    )

    def __init__(self, *args, with_grid=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.read_only = False
        self.with_grid = with_grid
        if not with_grid:
            del self.fields["permissions"]
            del self.fields["special"]
            return
        choices = department_choices(
            Department.objects.order_by("path").only("id", "name", "depth")
        )
        for module in perms.scoped_modules():
            self.fields[f"scope_{module}"] = forms.ChoiceField(
                label=perms.MODULES[module][0],
                choices=DataScope.choices,
                initial=DataScope.OWN,
                widget=forms.Select(
                    attrs={"class": "form-select form-select-sm w-auto", "data-scope-select": ""}
                ),
            )
            self.fields[f"departments_{module}"] = forms.TypedMultipleChoiceField(
                label=_("指定部门"),
                choices=choices,
                coerce=int,
                required=False,
                widget=forms.SelectMultiple(
                    attrs={"class": "form-select form-select-sm", "size": 4}
                ),
            )

    @staticmethod
    def initial_for(role):
        initial = {
            "name": role.name,
            "description": role.description,
            "version": role.version,
            "permissions": [c for c in role.permissions if not c.startswith("special.")],
            "special": [c for c in role.permissions if c.startswith("special.")],
        }
        for module, spec in (role.data_scopes or {}).items():
            initial[f"scope_{module}"] = spec.get("scope", DataScope.OWN)
            initial[f"departments_{module}"] = spec.get("departments", [])
        return initial

    def clean(self):
        data = super().clean()
        if self.with_grid:
            for module in perms.scoped_modules():
                if data.get(f"scope_{module}") == DataScope.CHOSEN and not data.get(
                    f"departments_{module}"
                ):
                    self.add_error(
                        f"departments_{module}", _("选择“指定部门”时请至少选择一个部门。")
                    )
        return data

    def permission_grid(self):
        """Rows of the function-permission grid: one per module, one cell per action
        (``None`` where the module does not offer that action)."""
        checked = set(self["permissions"].value() or [])
        rows = []
        for module, (label, actions, _owned) in perms.MODULES.items():
            cells = []
            for action, action_label in perms.Action.choices:
                if action in actions:
                    code = f"{module}.{action}"
                    cells.append({"code": code, "checked": code in checked, "label": action_label})
                else:
                    cells.append(None)
            rows.append({"module": module, "label": label, "cells": cells})
        return rows

    def scope_rows(self):
        return [
            {
                "module": module,
                "label": perms.MODULES[module][0],
                "scope": self[f"scope_{module}"],
                "departments": self[f"departments_{module}"],
            }
            for module in perms.scoped_modules()
        ]

    def service_fields(self):
        data = self.cleaned_data
        fields = {"name": data["name"], "description": data.get("description", "")}
        if self.with_grid:
            fields["permissions"] = [*data.get("permissions", []), *data.get("special", [])]
            fields["data_scopes"] = {
                module: {
                    "scope": data[f"scope_{module}"],
                    "departments": data.get(f"departments_{module}", [])
                    if data[f"scope_{module}"] == DataScope.CHOSEN
                    else [],
                }
                for module in perms.scoped_modules()
            }
        return fields


# ---- system parameters ----------------------------------------------------------------


class SettingsForm(forms.ModelForm):
    """Every system parameter. Validated here for the form, saved by the service."""

    work_days = forms.TypedMultipleChoiceField(
        label=_("工作日"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个工作日。")},
    )

    class Meta:
        model = OrgSettings
        fields = services.SETTINGS_FIELDS
        widgets = {
            "work_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "work_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "admin_email": _("系统通知（如后台任务失败）发往此邮箱。"),
            "currency": _("三位大写货币代码，如 CNY、USD。"),
            "fiscal_year_start_month": _("1–12，例如 4 表示财年从 4 月 1 日开始。"),
            "receivable_reminder_days": _("应收款到期前多少天提醒负责人。"),
            "birthday_reminder_days": _("联系人生日前多少天提醒负责人。"),
            "churn_threshold_days": _("客户超过这么多天没有再购买，就列入流失预警。"),
            "pool_return_days": _("客户超过这么多天没有跟进，就退回公海。"),
            "pool_claim_limit": _("每名员工最多可以从公海领取的客户数。"),
            "repurchase_cycle_days": _(
                "最近下单日期加上这个天数即复购到期日；0 表示不自动生成复购事项。"
            ),
            "renewal_reminder_days": _(
                "续约或复购到期前多少天提醒负责人（未定和会续约的事项）；0 表示到期当天提醒。"
            ),
            "quote_discount_limit": _("报价中任一行折扣超过此百分比时，报价须经审批。"),
            "credit_check_mode": _(
                "订单确认时信用检查未通过：提交审批，或直接拒绝（信用等级为“停止”的客户总是拒绝）。"
            ),
            "credit_overdue_days": _("应收款逾期超过这么多天才计入信用检查。"),
            "credit_overdue_amount": _(
                "逾期超过容忍天数的应收款合计超过此金额时，信用检查不通过。"
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read_only = False
        self.fields["work_days"].widget.attrs["class"] = "form-check-input"

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in services.SETTINGS_FIELDS}


# ---- dictionaries ---------------------------------------------------------------------


class DictionaryEntryForm(forms.Form):
    code = forms.CharField(
        label=_("代码"),
        max_length=40,
        help_text=_("小写字母、数字和下划线，保存后不能修改（导入和接口使用它）。"),
    )
    label = forms.CharField(label=_("名称"), max_length=100)
    label_en = forms.CharField(label=_("英文名称"), max_length=100, required=False)
    color = forms.CharField(
        label=_("颜色"),
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "#RRGGBB"}),
        help_text=_("可留空，格式如 #d63939。"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.read_only = False
        if editing:
            del self.fields["code"]

    def service_fields(self):
        return dict(self.cleaned_data)


# ---- numbering ------------------------------------------------------------------------


class NumberingRuleForm(forms.Form):
    pattern = forms.CharField(label=_("编号规则"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read_only = False


# ---- custom fields --------------------------------------------------------------------


CHOICE_LINE_SEPARATOR = re.compile(r"\s*[=＝|｜]\s*")


def parse_choice_lines(text):
    """One option per line: ``代码=名称`` or ``代码=名称=English``."""
    choices = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = CHOICE_LINE_SEPARATOR.split(line.strip())
        if len(parts) < 2 or len(parts) > 3 or not all(parts[:2]):
            raise forms.ValidationError(
                _("第 %(n)d 行格式不对，应为“代码=名称”或“代码=名称=English”。"),
                params={"n": number},
            )
        choices.append(
            {"code": parts[0], "label": parts[1], "label_en": parts[2] if len(parts) == 3 else ""}
        )
    return choices


def choice_lines(choices):
    return "\n".join(
        "=".join(part for part in (c["code"], c["label"], c.get("label_en", "")) if part)
        for c in choices
    )


class CustomFieldForm(forms.Form):
    code = forms.CharField(
        label=_("代码"),
        max_length=40,
        help_text=_(
            "小写字母开头，只含小写字母、数字和下划线；导入导出和接口用它，保存后不能修改。"
        ),
    )
    label = forms.CharField(label=_("名称"), max_length=100)
    label_en = forms.CharField(label=_("英文名称"), max_length=100, required=False)
    field_type = forms.ChoiceField(label=_("类型"), help_text=_("保存后不能修改。"))
    choices_text = forms.CharField(
        label=_("选项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "compulsory=交强险=Compulsory"}),
        help_text=_("仅单选、多选需要：每行一个，格式“代码=名称”或“代码=名称=English”。"),
    )
    help_text = forms.CharField(label=_("填写说明"), max_length=200, required=False)
    required = forms.BooleanField(label=_("必填"), required=False)
    show_in_list = forms.BooleanField(label=_("在列表中显示"), required=False)
    searchable = forms.BooleanField(label=_("可搜索"), required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, editing=False, **kwargs):
        from guanxi.orgs.models import CustomField

        super().__init__(*args, **kwargs)
        self.read_only = False
        self.fields["field_type"].choices = CustomField.FieldType.choices
        if editing:
            del self.fields["code"]
            del self.fields["field_type"]

    def clean_choices_text(self):
        return parse_choice_lines(self.cleaned_data.get("choices_text"))

    def service_fields(self):
        data = dict(self.cleaned_data)
        data["choices"] = data.pop("choices_text")
        return data

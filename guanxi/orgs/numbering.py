"""Record codes from per-org numbering rules, gap-free under concurrency.

A rule such as ``KH-{yyyy}-{seq:05}`` gives ``KH-2026-00001``. The counter
restarts each period named by the rule's date tokens (``{dd}`` daily, ``{mm}``
monthly, ``{yyyy}``/``{yy}`` yearly, none: never). ``next_code`` increments
the counter inside the caller's transaction, so a rolled-back create hands its
number back: no gaps, no duplicates.
"""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.orgs.models import NumberingRule, NumberSequence

TARGETS = {
    "customer": (gettext_lazy("客户"), "KH-{yyyy}-{seq:05}"),
    "contact": (gettext_lazy("联系人"), "LXR-{yyyy}-{seq:05}"),
    "lead": (gettext_lazy("线索"), "XS-{yyyy}{mm}-{seq:04}"),
    "opportunity": (gettext_lazy("商机"), "SJ-{yyyy}{mm}-{seq:04}"),
    "quote": (gettext_lazy("报价单"), "BJ-{yyyy}{mm}-{seq:04}"),
    "contract": (gettext_lazy("合同"), "HT-{yyyy}-{seq:05}"),
    "order": (gettext_lazy("销售订单"), "DD-{yyyy}{mm}{dd}-{seq:04}"),
    "payment": (gettext_lazy("回款"), "HK-{yyyy}{mm}-{seq:05}"),
    "receivable": (gettext_lazy("应收款"), "YS-{yyyy}{mm}-{seq:05}"),
    "expense": (gettext_lazy("费用"), "FY-{yyyy}{mm}-{seq:05}"),
    "ticket": (gettext_lazy("服务工单"), "GD-{yyyy}{mm}{dd}-{seq:04}"),
    "installed_product": (gettext_lazy("安装档案"), "AZ-{yyyy}-{seq:05}"),
    "service_contract": (gettext_lazy("服务合同"), "FW-{yyyy}-{seq:04}"),
    "repair": (gettext_lazy("维修单"), "WX-{yyyy}{mm}-{seq:04}"),
    "packing_list": (gettext_lazy("装箱单"), "ZX-{yyyy}{mm}-{seq:04}"),
    "kb_article": (gettext_lazy("知识文章"), "KB-{seq:05}"),
    "defect": (gettext_lazy("产品缺陷"), "QX-{yyyy}-{seq:05}"),
    "service_project": (gettext_lazy("项目服务"), "XM-{yyyy}-{seq:04}"),
    "product": (gettext_lazy("产品"), "CP-{seq:05}"),
}

_TOKEN = re.compile(r"\{([a-z]+)(?::0?(\d))?\}")
_DATE_TOKENS = {"yyyy": "%Y", "yy": "%y", "mm": "%m", "dd": "%d"}
MAX_CODE_LENGTH = 40


def validate_pattern(pattern):
    """Raise ValidationError unless ``pattern`` is a usable rule."""
    tokens = _TOKEN.findall(pattern)
    names = [name for name, _width in tokens]
    unknown = [name for name in names if name not in (*_DATE_TOKENS, "seq")]
    if unknown:
        raise ValidationError(
            _("未知的编号占位符：%(names)s") % {"names": ", ".join(unknown)}, code="unknown_token"
        )
    if names.count("seq") != 1:
        raise ValidationError(_("编号规则必须恰好包含一个 {seq} 序号占位符。"), code="seq")
    leftover = _TOKEN.sub("", pattern)
    if "{" in leftover or "}" in leftover:
        raise ValidationError(_("编号规则中的花括号不匹配。"), code="braces")
    if not re.fullmatch(r"[A-Za-z0-9\-_/.#]*", leftover):
        raise ValidationError(_("编号规则的固定部分只能包含字母、数字和 - _ / . #。"), code="chars")
    if len(render(pattern, 10**9, timezone.localdate())) > MAX_CODE_LENGTH:
        raise ValidationError(
            _("按此规则生成的编号过长（最多 %(n)d 个字符）。") % {"n": MAX_CODE_LENGTH},
            code="too_long",
        )


def period_of(pattern, day):
    names = {name for name, _w in _TOKEN.findall(pattern)}
    if "dd" in names:
        return day.strftime("%Y%m%d")
    if "mm" in names:
        return day.strftime("%Y%m")
    if names & {"yyyy", "yy"}:
        return day.strftime("%Y")
    return ""


def render(pattern, value, day):
    def replace(match):
        name, width = match.groups()
        if name == "seq":
            return str(value).zfill(int(width or 1))
        return day.strftime(_DATE_TOKENS[name])

    return _TOKEN.sub(replace, pattern)


def pattern_for(org_id, target):
    rule = NumberingRule.objects.filter(org_id=org_id, target=target).first()
    return rule.pattern if rule else TARGETS[target][1]


def next_code(*, org_id, target, day=None):
    """Hand out the next code for ``target``. Call inside the creating transaction."""
    day = day or timezone.localdate()
    pattern = pattern_for(org_id, target)
    period = period_of(pattern, day)
    with transaction.atomic():
        counter = NumberSequence.objects.filter(org_id=org_id, target=target, period=period)
        if not counter.update(last_value=F("last_value") + 1):
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(
                        org_id=org_id, target=target, period=period, last_value=1
                    )
            except IntegrityError:  # created concurrently: take the next one after it
                counter.update(last_value=F("last_value") + 1)
        value = counter.values_list("last_value", flat=True).get()
    return render(pattern, value, day)


def next_codes(*, org_id, target, count, day=None):
    """Hand out ``count`` consecutive codes for ``target`` with one counter update
    (bulk imports). Same rule, period and transaction behaviour as ``next_code``."""
    if count <= 0:
        return []
    day = day or timezone.localdate()
    pattern = pattern_for(org_id, target)
    period = period_of(pattern, day)
    with transaction.atomic():
        counter = NumberSequence.objects.filter(org_id=org_id, target=target, period=period)
        if not counter.update(last_value=F("last_value") + count):
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(
                        org_id=org_id, target=target, period=period, last_value=count
                    )
            except IntegrityError:  # created concurrently: take the block after it
                counter.update(last_value=F("last_value") + count)
        last = counter.values_list("last_value", flat=True).get()
    return [render(pattern, value, day) for value in range(last - count + 1, last + 1)]

"""What a column of an import file can fill, and a first guess from its header.

Targets are customer fields (by their code), the org's customer custom fields
(``cf_<code>``) and the primary contact's name, mobile and title. A header
matches a target by the field code, its Chinese or English label or a common
synonym, ignoring case, spaces and marks such as ``*``.
"""

import re
import unicodedata

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Customer
from guanxi.orgs import custom_fields

CUSTOM_PREFIX = custom_fields.FORM_PREFIX
# customer fields an import may fill, in the order the mapping screen offers them
CUSTOMER_COLUMNS = (
    "name", "code", "mnemonic", "is_person", "phone", "finance_phone", "email", "address",
    "postcode", "region", "website", "industry", "level", "type", "status", "credit_rating",
    "credit_limit", "source", "owner", "tags", "lifecycle_stage", "registered_on", "notes",
)  # fmt: skip
CONTACT_COLUMNS = {
    "contact_name": (_("联系人姓名"), "name"),
    "contact_mobile": (_("联系人手机"), "mobile"),
    "contact_title": (_("联系人职务"), "title"),
}
SYNONYMS = {
    "name": ("客户名称", "公司名称", "名称", "客户", "企业名称", "单位名称", "公司", "company",
             "companyname", "customer", "customername", "name"),
    "code": ("客户编号", "编号", "客户代码", "code", "customercode", "customerno"),
    "phone": ("电话", "联系电话", "手机", "手机号", "手机号码", "电话号码", "座机", "tel",
              "telephone", "phone", "mobile", "phonenumber"),
    "email": ("邮箱", "电子邮件", "电子邮箱", "邮件", "email", "e-mail", "mail"),
    "address": ("地址", "办公地址", "公司地址", "详细地址", "address"),
    "region": ("省市区", "地区", "所在地区", "城市", "省份", "region", "city"),
    "website": ("网址", "网站", "官网", "website", "url", "web"),
    "owner": ("负责人", "销售", "业务员", "所属销售", "客户经理", "owner", "salesrep"),
    "notes": ("备注", "说明", "notes", "note", "remark", "remarks"),
    "tags": ("标签", "tags", "tag"),
    "registered_on": ("登记日期", "创建日期", "registeredon", "registered"),
    "postcode": ("邮编", "邮政编码", "postcode", "zip", "zipcode", "postalcode"),
    "industry": ("行业", "所属行业", "industry"),
    "source": ("客户来源", "来源", "source"),
    "level": ("客户级别", "级别", "level"),
    "type": ("客户类型", "类型", "type"),
    "status": ("客户状态", "状态", "status"),
    "is_person": ("个人客户", "是否个人", "person"),
    "credit_limit": ("信用额度", "额度", "creditlimit"),
    "contact_name": ("联系人", "联系人姓名", "contact", "contactname", "contactperson"),
    "contact_mobile": ("联系人手机", "联系人电话", "contactmobile", "contactphone"),
    "contact_title": ("职务", "联系人职务", "职位", "title", "contacttitle", "jobtitle"),
}  # fmt: skip
_MARKS = re.compile(r"[\s*_\-:：.·/]+|[（(]必填[)）]|[（(]required[)）]")


def normalise(text):
    folded = unicodedata.normalize("NFKC", str(text or "")).lower()
    return _MARKS.sub("", folded)


def _label(field):
    return getattr(Customer._meta.get_field(field), "verbose_name", field)


def _labels(label):
    """The label in Chinese and in English."""
    with translation.override("zh-hans"):
        zh = str(label)
    with translation.override("en"):
        en = str(label)
    return zh, en


def targets(defs):
    """``[(key, label)]`` of everything a column may fill, in the active language."""
    result = [(f, _label(f)) for f in CUSTOMER_COLUMNS]
    result += [(key, label) for key, (label, _field) in CONTACT_COLUMNS.items()]
    result += [(CUSTOM_PREFIX + d.code, d.display_label) for d in defs]
    return [(key, str(label)) for key, label in result]


def _names(defs):
    """key -> the normalised names a header may use for it."""
    names: dict[str, list[str]] = {}
    for field in CUSTOMER_COLUMNS:
        names[field] = [field, *_labels(_label(field))]
    for key, (label, _field) in CONTACT_COLUMNS.items():
        names[key] = [key, *_labels(label)]
    for d in defs:
        names[CUSTOM_PREFIX + d.code] = [
            d.code,
            d.label,
            d.label_en or d.label,
            CUSTOM_PREFIX + d.code,
        ]
    for key, extra in SYNONYMS.items():
        names.setdefault(key, []).extend(extra)
    return {key: [normalise(n) for n in values if n] for key, values in names.items()}


def guess(header, defs):
    """A target per column ("" when nothing fits); each target is used once.

    Exact codes and labels win over synonyms, so a file with both "电话" and
    "联系人电话" puts each where it belongs.
    """
    names = _names(defs)
    exact: dict[str, str] = {}
    for key, values in names.items():
        for value in values[:3]:  # the code and the two labels
            exact.setdefault(value, key)
    synonyms: dict[str, str] = {}
    for key, values in names.items():
        for value in values[3:]:
            synonyms.setdefault(value, key)
    result = [""] * len(header)
    used = set()
    for table in (exact, synonyms):
        for index, title in enumerate(header):
            if result[index]:
                continue
            key = table.get(normalise(title))
            if key and key not in used:
                result[index] = key
                used.add(key)
    return result


def valid_keys(defs):
    return {key for key, _label in targets(defs)}

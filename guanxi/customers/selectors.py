"""Reads of customers and contacts, within the employee's data scope."""

import re
from functools import lru_cache

from django.db.models import CharField, F, JSONField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404
from django.utils.translation import get_language, pgettext_lazy

from guanxi.core.tenancy import current_org_id
from guanxi.customers import indexing
from guanxi.customers.models import Contact, Customer, CustomerMerge, LifecycleChange
from guanxi.orgs import policy
from guanxi.orgs.models import DictionaryEntry
from guanxi.search import lookup
from guanxi.search import tokens as tk

CUSTOMER_SCOPE = {"owner": "owner", "department": "department"}
CONTACT_SCOPE = {"owner": "owner", "department": "owner_department"}


# columns kept for searching and duplicate matching: never shown
MATCHING_COLUMNS = ("search_keys", "phone_digits", "name_key")


def customer_queryset(*, employee, deleted=False):
    """Customers ``employee`` may see (``deleted``: the recycle bin instead)."""
    base = (
        # merged-away customers live on in their survivor, not in the recycle bin
        Customer.with_deleted.filter(deleted_at__isnull=False, merged_into__isnull=True)
        if deleted
        else Customer.objects
    )
    qs = base.select_related("owner", "department", "parent")
    return policy.scope_queryset(employee, "customers", qs, **CUSTOMER_SCOPE)


def contact_queryset(*, employee, deleted=False):
    """Contacts ``employee`` may see (``deleted``: the recycle bin instead)."""
    base = Contact.with_deleted.filter(deleted_at__isnull=False) if deleted else Contact.objects
    qs = base.select_related("customer", "owner", "owner_department", "manager")
    return policy.scope_queryset(employee, "contacts", qs, **CONTACT_SCOPE)


def text_query(value, *, with_code=True):
    """Name, code (customers), mnemonic, pinyin, e-mail, or 4+ digits of a phone."""
    value = value.strip()
    if not value:
        return Q()
    query = (
        Q(name__icontains=value)
        | (Q(code__icontains=value) if with_code else Q(pk__in=[]))
        | Q(mnemonic__icontains=value.upper())
        | Q(search_keys__icontains=value.lower())
        | Q(email__icontains=value)
    )
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) >= 4 and len(digits) == len(value.replace("-", "").replace(" ", "")):
        query |= Q(phone_digits__contains=digits)
    return query


def _get(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def access_customer(employee, pk, *, write=False, deleted=False, labels=False):
    """The customer, if ``employee`` may see it (and edit it when ``write``); else 404/403.
    ``labels``: with its picklist labels too (see ``with_labels``), in the same query."""
    policy.require(employee, "customers.edit" if write else "customers.view")
    queryset = customer_queryset(employee=employee, deleted=deleted)
    return _get(with_labels(queryset) if labels else queryset, pk)


def with_labels(queryset):
    """Customers with ``<field>_label``: the label, in the current language, of each
    picklist field's code (None when the picklist has no such code). Subqueries of
    the customer query: no query of their own."""
    from guanxi.customers.services import DICTIONARY_FIELDS

    english = (get_language() or "").startswith("en")
    shown = Coalesce(NullIf("label_en", Value("")), "label") if english else F("label")
    return queryset.annotate(
        **{
            f"{field}_label": Subquery(
                DictionaryEntry.objects.filter(kind=kind, code=OuterRef(field))
                .annotate(shown=shown)
                .values("shown")[:1],
                output_field=CharField(),
            )
            for field, kind in DICTIONARY_FIELDS.items()
        }
    )


def merged_survivor(employee, pk):
    """The customer that a merged-away customer ``pk`` went into, if ``employee`` may see
    it; else None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError, OverflowError):
        return None
    target = (
        Customer.with_deleted.filter(pk=pk, merged_into__isnull=False)
        .values_list("merged_into_id", flat=True)
        .first()
    )
    if target is None:
        return None
    return customer_queryset(employee=employee).filter(pk=target).first()


_CONTACTS_ATTR = "_guanxi_contacts"


def customer_contacts(*, employee, customer):
    """Every live contact of a customer the employee sees (one query): the people at a
    customer are part of the customer, whoever owns each contact record.

    Kept on the ``customer`` instance (this request's), so the parts of one page that
    show the contacts share the query."""
    if not policy.can(employee, "contacts.view"):
        return []
    cached = getattr(customer, _CONTACTS_ATTR, None)
    if cached is not None and cached[0] == employee.pk:
        return cached[1]
    contacts = list(Contact.objects.filter(customer=customer).order_by("-is_primary", "id"))
    setattr(customer, _CONTACTS_ATTR, (employee.pk, contacts))
    return contacts


def access_contact(employee, pk, *, write=False):
    policy.require(employee, "contacts.edit" if write else "contacts.view")
    return _get(contact_queryset(employee=employee), pk)


# ---- duplicate detection ---------------------------------------------------------------

# words that say what kind of company it is, not which one
_COMPANY_WORDS = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|股份公司|集团公司|集团|公司|分公司|总公司|有限|"
    r"co\.?,?\s*ltd\.?|ltd\.?|inc\.?|corp\.?|limited|company|group)",
    re.IGNORECASE,
)
_PLACES = re.compile(
    r"((?:北京|上海|天津|重庆|广州|深圳|杭州|南京|苏州|成都|武汉|西安|青岛|厦门|宁波|合肥)市?|"
    r"[\u4e00-\u9fff]{2,3}(?:省|市|区|县))"
)
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_HAN_ONLY = re.compile(r"[\u3400-\u9fff]+")
_NUMERAL = re.compile(r"[0-9〇零一二三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾]")
SIMILAR_LIMIT = 5
MIN_PHONE_DIGITS = 7
# how many index entries each alternative (exact keys; name tokens) reads, newest first
CANDIDATE_FETCH = 100

# Business words: what a company does, after its brand ("华为" + "技术"). Words of one
# group are near ("技术"/"科技"); a name's business words are read from its end.
_TRADE_GROUPS = {
    "tech": "技术 科技 信息 网络 软件 数字 数据 智能 通信 通讯 电子 计算机 互联网 系统 "
    "信息技术 网络科技 电子商务 technology technologies tech software",
    "trade": "贸易 商贸 经贸 商务 进出口 外贸 国贸 供应链 物资 trading",
    "holding": "实业 发展 投资 控股 产业 企业 资本 资产管理 holding holdings",
    "build": "建设 建筑 工程 建工 装饰 装修 建材 安装 市政 园林 景观",
    "make": "机电 设备 机械 制造 电气 电器 自动化 工业 精密 仪器 仪表 材料 新材料 五金",
    "logistics": "物流 运输 货运 快递 仓储 航运 货代",
    "service": "咨询 服务 顾问 管理 人力资源 外包 consulting services",
    "media": "文化 传媒 广告 传播 影视 设计 创意 会展 策划",
    "health": "医药 医疗 生物 健康 药业 制药 医疗器械 生物技术",
    "food": "食品 餐饮 农业 农产品 茶业 酒业 饮料 饮品",
    "energy": "能源 电力 新能源 环保 环境 节能 石油 化工",
    "property": "房地产 地产 置业 物业 房产 开发",
    "auto": "汽车 汽配 汽车服务",
    "learning": "教育 培训",
    "finance": "金融 担保 租赁 融资 小额贷款",
    "bank": "银行",
    "insurance": "保险 财险 寿险",
    "securities": "证券 基金 期货 信托",
    "": "国际 中国 international",  # neutral: dropped, says nothing of the business
}
_TRADE_WORDS = {word: group for group, words in _TRADE_GROUPS.items() for word in words.split()}
_TRADE_LENGTHS = sorted({len(word) for word in _TRADE_WORDS}, reverse=True)
MIN_BRAND = 2
# the shortest cores whose one-character typo is still a signal (Chinese; Latin)
MIN_TYPO_CORE, MIN_TYPO_CORE_LATIN = 4, 6
PERSON_NAME = range(2, 5)  # Chinese personal names have 2 to 4 characters


def name_core(name):
    """The distinctive part of a company name: "北京华为技术有限公司" and
    "华为技术（北京）有限公司" both give "华为技术"."""
    core = _BRACKETS.sub("", name or "")
    core = _COMPANY_WORDS.sub("", core)
    core = _PLACES.sub("", core)
    return _NOISE.sub("", core).lower()


@lru_cache(maxsize=4096)
def split_core(core):
    """``(brand, business groups)`` of a name core: "华为技术服务" → ("华为",
    {"tech", "service"}). Business words are taken off the end (the longest first)
    while at least two characters of brand stay; a core without them is all brand."""
    brand, groups = core, set()
    found = True
    while found:
        found = False
        for size in _TRADE_LENGTHS:
            if len(brand) - size < MIN_BRAND:
                continue
            group = _TRADE_WORDS.get(brand[-size:])
            if group is not None:
                brand = brand[:-size]
                if group:
                    groups.add(group)
                found = True
                break
    return brand, frozenset(groups)


# candidates' names are read once per check; the same names come back check after check
_cached_core = lru_cache(maxsize=4096)(name_core)


def _one_edit(a, b):
    """Where ``a`` and ``b`` differ when one character changed, came or went, else None."""
    if a == b or abs(len(a) - len(b)) > 1:
        return None
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        same = a[i + 1 :] == b[i + 1 :]
    elif len(a) > len(b):
        same = a[i + 1 :] == b[i:]
    else:
        same = a[i:] == b[i + 1 :]
    return i if same else None


def similar_cores(a, b, *, people=False):
    """Are two different name cores "very similar"? (Equal cores are the exact rule.)

    * the same brand of 2+ characters, and business words that are near (the same
      group) or missing on one side: 华为技术 ~ 华为科技 ~ 华为技术服务 ~ 华为;
      not 华信科技 ~ 华信贸易;
    * a one-character typo (changed, extra or missing) after the brand: 华为技术 ~
      华为技木; the brand itself must be intact, so 远航科技 ≁ 远洋科技 and 华为技术 ≁
      联想技术 (brands differing by a character are other companies as often as not);
      only cores of 4+ characters (6+ Latin), and not a changed number (中建七局 ≁ 中建八局).

    People (``people``) are only ever the same name, never similar: 王建国 ≁ 王建军.
    """
    if not a or not b or a == b or people:
        return False
    brand_a, groups_a = split_core(a)
    brand_b, groups_b = split_core(b)
    near = not groups_a or not groups_b or bool(groups_a & groups_b)
    if brand_a == brand_b and len(brand_a) >= MIN_BRAND and near:
        return True
    latin = not (_HAN_ONLY.search(a) and _HAN_ONLY.search(b))
    if min(len(a), len(b)) < (MIN_TYPO_CORE_LATIN if latin else MIN_TYPO_CORE):
        return False
    at = _one_edit(a, b)
    if at is None or _NUMERAL.match(a, at) or _NUMERAL.match(b, at):
        return False  # 第七/第八, 一分/二分: numbers name other companies
    intact = [len(brand) for brand, groups in ((brand_a, groups_a), (brand_b, groups_b)) if groups]
    return at >= max([MIN_BRAND + latin, *intact])


def looks_like_person(name, core=None):
    """A bare 2–4 character Chinese name with nothing of a company about it."""
    core = name_core(name) if core is None else core
    squeezed = _NOISE.sub("", name or "").lower()
    return (
        core == squeezed
        and len(core) in PERSON_NAME
        and bool(_HAN_ONLY.fullmatch(core))
        and not split_core(core)[1]
    )


def _name_tokens(core):
    """Index token groups that every customer the name rules could match holds: the
    brand's bigrams (same brand, equal core, a typo after the brand), or, when the core
    has no business words, its first two (three, Latin) characters (a typo after them)."""
    brand, groups = split_core(core)
    if len(core) < MIN_BRAND:
        return []
    head = brand if groups else core[: MIN_BRAND + (not _HAN_ONLY.match(core))]
    parsed = tk.parse(head)
    return parsed.groups


def duplicate_matches(*, employee, name="", phone="", email="", exclude=None):
    """``(visible, hidden_count)`` as ``duplicate_candidates``, without the permission
    check (a create answer reports duplicates to whoever may create). Each visible match
    carries ``duplicate_reason``. At most three queries: the index gives the candidates
    (exact phone and e-mail keys, the name's tokens; at most ``CANDIDATE_FETCH`` of each,
    newest first), the rules read what they need of them, and the few matches shown are
    read in full with their owners."""
    digits = tk.digits(phone)
    digits = digits if len(digits) >= MIN_PHONE_DIGITS else ""
    email = (email or "").strip().lower() if email and "@" in email else ""
    core = name_core(name)
    person_like = looks_like_person(name, core)
    found = lookup.object_ids(
        org_id=current_org_id(),
        kind=indexing.CUSTOMER,
        exact=[v for v in (digits, tk.normalize(email)) if v],
        groups=_name_tokens(core),
        fetch=CANDIDATE_FETCH,
    )
    if not found:
        return [], 0
    candidates = Customer.objects.filter(pk__in=found).only(*_MATCH_FIELDS)
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    matches = []
    for customer in candidates.order_by("-pk"):
        rank = _match_rank(customer, core, digits, email, person_like)
        if rank is not None:
            matches.append((rank, customer))
    matches.sort(key=lambda pair: pair[0])
    seen = [
        (rank, c)
        for rank, c in matches
        if policy.can_see_record(employee, "customers", c, **CUSTOMER_SCOPE)
    ]
    visible = seen[:SIMILAR_LIMIT]
    # what the warning shows of the few it names, read in full
    shown = (
        Customer.objects.select_related("owner").in_bulk([c.pk for _rank, c in visible])
        if visible
        else {}
    )
    for rank, c in visible:
        setattr(shown[c.pk], "duplicate_reason", DUPLICATE_REASONS[rank])  # noqa: B010 (not a model field)
    return [shown[c.pk] for _rank, c in visible], len(matches) - len(seen)


# what the rules read of a candidate (and its data scope)
_MATCH_FIELDS = (
    "pk", "name", "phone_digits", "email", "is_person", "type", "owner", "department",
)  # fmt: skip


def duplicate_candidates(*, employee, name="", phone="", email="", exclude=None):
    """Customers that look like the one being entered: same phone digits, same
    e-mail, the same distinctive name, or a very similar one (``similar_cores``).
    Returns ``(visible, hidden_count)``: the matches ``employee`` may see (exact
    matches first, each with its ``duplicate_reason``), and how many more exist
    outside their data scope (named to nobody, so duplicates are caught without
    leaking)."""
    policy.require(employee, "customers.view")
    return duplicate_matches(
        employee=employee, name=name, phone=phone, email=email, exclude=exclude
    )


PHONE, EMAIL, SAME_NAME, SIMILAR_NAME = range(4)
DUPLICATE_REASONS = {
    PHONE: pgettext_lazy("duplicate reason", "电话相同"),
    EMAIL: pgettext_lazy("duplicate reason", "电子邮件相同"),
    SAME_NAME: pgettext_lazy("duplicate reason", "名称相同"),
    SIMILAR_NAME: pgettext_lazy("duplicate reason", "名称相似"),
}


def _match_rank(customer, core, digits, email, person_like):
    """The first rule ``customer`` meets (exact rules first), or None. Names are only
    compared as people's (never similar) when the customer is a person, or when both
    names read like people's: a bare brand typed alone ("华为") still finds companies."""
    if digits and digits in customer.phone_digits.split():
        return PHONE
    if email and customer.email and customer.email.strip().lower() == email:
        return EMAIL
    if len(core) < MIN_BRAND:
        return None
    theirs = _cached_core(customer.name)
    if theirs == core:
        return SAME_NAME
    people = (
        customer.is_person
        or customer.type == indexing.PERSON_TYPE
        or (person_like and looks_like_person(customer.name, theirs))
    )
    if similar_cores(core, theirs, people=people):
        return SIMILAR_NAME
    return None


# ---- lifecycle -------------------------------------------------------------------------


def lifecycle_counts(*, employee):
    """``{stage: count}`` over the customers ``employee`` may see (one query)."""
    from django.db.models import Count

    rows = (
        customer_queryset(employee=employee)
        .order_by()
        .values("lifecycle_stage")
        .annotate(n=Count("id"))
    )
    counts = {stage: 0 for stage in Customer.Lifecycle.values}
    counts.update({row["lifecycle_stage"]: row["n"] for row in rows})
    return counts


def lifecycle_history(*, customer):
    return customer.lifecycle_changes.select_related("actor").order_by("-created_at", "-id")


def stage_changes_and_merges(*, customer, changes=10, merges=20):
    """The latest ``changes`` lifecycle moves of ``customer`` and the latest ``merges``
    merges into it, newest first, in one query (a UNION). Plain rows, with
    ``actor_name`` for who did it; the merges carry ``merged``, the moves the stages."""
    newest = ("-created_at", "-id")
    latest_merges = CustomerMerge.objects.filter(survivor=customer).order_by(*newest)
    latest_moves = LifecycleChange.objects.filter(customer=customer).order_by(*newest)
    blank = Value("", output_field=CharField())
    merge_rows = (
        CustomerMerge.objects.filter(pk__in=latest_merges.values("pk")[:merges])
        .order_by()
        .values(
            "id",
            "created_at",
            "merged",
            actor_name=F("actor__name"),
            from_stage=blank,
            to_stage=blank,
            reason=blank,
            is_merge=Value(True),
        )
    )
    move_rows = (
        LifecycleChange.objects.filter(pk__in=latest_moves.values("pk")[:changes])
        .order_by()
        .values(
            "id",
            "created_at",
            merged_=Value(None, output_field=JSONField()),
            actor_name=F("actor__name"),
            from_stage_=F("from_stage"),
            to_stage_=F("to_stage"),
            reason_=F("reason"),
            is_merge=Value(False),
        )
    )
    rows = sorted(
        merge_rows.union(move_rows, all=True),
        key=lambda row: (row["created_at"], row["id"]),
        reverse=True,
    )
    return (
        [row for row in rows if not row["is_merge"]],
        [row for row in rows if row["is_merge"]],
    )


def recent_lifecycle_changes(*, employee, limit=50):
    """The latest stage changes of customers ``employee`` may see (one query)."""
    from guanxi.customers.models import LifecycleChange

    visible = customer_queryset(employee=employee).select_related(None).values("pk")
    return list(
        LifecycleChange.objects.filter(customer__in=visible)
        .exclude(reason=LifecycleChange.Reason.CREATED)
        .select_related("customer", "actor")
        .order_by("-created_at", "-id")[:limit]
    )

"""Every write to the product catalogue: categories, product lines, products.

Each service checks the actor's permission through ``policy`` first, then
normalises and validates the whole input (raising ``ValidationError`` with
field errors or ``BusinessRuleError`` before anything is written), writes
inside one transaction and records the change in the audit log.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.catalog.mnemonic import mnemonic_of
from guanxi.catalog.models import (
    PRICE_DECIMAL_PLACES,
    PRICE_MAX_DIGITS,
    Product,
    ProductCategory,
    ProductLine,
)
from guanxi.catalog.prices import price_places, round_price
from guanxi.core.errors import BusinessRuleError
from guanxi.core.trees import tree_move, tree_place
from guanxi.core.versioning import bump_version, lock_for_update
from guanxi.orgs import custom_fields, numbering, policy
from guanxi.orgs import selectors as org_selectors

UNSET = object()

UNIT_DICTIONARY = "unit"
VIEW_COST = "special.view_cost"
PRODUCT_FIELDS = (
    "code", "name", "mnemonic", "category", "kind", "spec", "model", "unit", "list_price",
    "cost_price", "tax_rate", "active", "product_lines", "description", "custom",
)  # fmt: skip
CUSTOM_ENTITY = "product"
CATEGORY_FIELDS = ("name", "code", "parent", "sort_order")
LINE_FIELDS = ("name", "description", "sort_order")
TEXT_FIELDS = ("code", "name", "mnemonic", "spec", "model", "unit", "description")
MAX_PRICE = Decimal(10) ** (PRICE_MAX_DIGITS - PRICE_DECIMAL_PLACES)
# when a hand-typed code already took the next number, try the following ones
CODE_ATTEMPTS = 20


# ---- numbers ---------------------------------------------------------------------------


def _to_decimal(value, field, errors):
    if isinstance(value, float):
        value = str(value)
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, TypeError, ValueError):
        errors.setdefault(field, []).append(_("请输入有效的数字。"))
        return None
    if not number.is_finite():
        errors.setdefault(field, []).append(_("请输入有效的数字。"))
        return None
    return number


def _clean_price(value, field, places, errors, *, required):
    if value is None or value == "":
        if required:
            errors.setdefault(field, []).append(_("请填写价格。"))
        return None
    number = _to_decimal(value, field, errors)
    if number is None:
        return None
    if number < 0:
        errors.setdefault(field, []).append(_("价格不能为负数。"))
        return None
    # check the size before rounding too: quantizing an enormous number overflows
    too_big = number >= MAX_PRICE
    if not too_big:
        number = round_price(number, places)
        too_big = number >= MAX_PRICE
    if too_big:
        errors.setdefault(field, []).append(_("价格过大。"))
        return None
    return number


def _clean_tax_rate(value, errors):
    if value is None or value == "":
        return Decimal("0.00")
    number = _to_decimal(value, "tax_rate", errors)
    if number is None:
        return None
    if not 0 <= number <= 100:
        errors.setdefault("tax_rate", []).append(_("税率必须在 0 到 100 之间（单位：%）。"))
        return None
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ---- shared checks ---------------------------------------------------------------------


def _same_org(actor, field, *objects):
    for obj in objects:
        if obj is not None and obj.org_id != actor.org_id:
            raise ValidationError({field: [_("引用的记录不属于本组织。")]}, code="other_org")


def _require_view_cost(actor):
    if not policy.can(actor, VIEW_COST):
        raise PermissionDenied(_("您没有查看和设置成本价的权限。"))


def _merge_model_errors(instance, errors, exclude):
    try:
        instance.full_clean(
            exclude=["org", *exclude], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(
                m for m in messages if m not in errors.get(field, [])
            )


def _raise(errors):
    if errors:
        raise ValidationError(
            {field: messages for field, messages in errors.items()}, code="invalid"
        )


def _stripped(value):
    return (value or "").strip() if isinstance(value, str) or value is None else value


# ---- products --------------------------------------------------------------------------


def _check_unit(product, previous_unit, errors):
    if not product.unit:
        return
    entry = (
        org_selectors.dictionary_entries(kind=UNIT_DICTIONARY)
        .filter(code=product.unit).values_list("is_active", flat=True).first()
    )  # fmt: skip
    if entry is None:
        errors.setdefault("unit", []).append(
            _("计量单位“%(code)s”不在数据字典中。") % {"code": product.unit}
        )
    elif not entry and product.unit != previous_unit:
        errors.setdefault("unit", []).append(
            _("计量单位“%(code)s”已停用。") % {"code": product.unit}
        )


def _check_code_unique(product, errors):
    if not product.code:
        return
    clash = Product.objects.filter(code=product.code)
    if product.pk:
        clash = clash.exclude(pk=product.pk)
    if clash.exists():
        errors.setdefault("code", []).append(_("已有相同编号的产品。"))


def _clean_custom(actor, product, values, errors):
    """Merge ``values`` into the product's custom fields (None: leave them as they are)."""
    if values is None:
        return
    try:
        product.custom = custom_fields.clean_values(
            org_id=actor.org_id, entity=CUSTOM_ENTITY, values=values, existing=product.custom
        )
    except ValidationError as exc:
        errors.setdefault("custom", []).extend(exc.message_dict["custom"])


def _validate_product(actor, product, *, lines, previous_unit, prices, exclude=(), custom=None):
    """Normalise and validate ``product`` in memory; raise every field error at once."""
    errors: dict[str, list] = {}
    _clean_custom(actor, product, custom, errors)
    places = price_places(actor.org_id)
    for field, required in (("list_price", True), ("cost_price", False)):
        if field in prices:
            setattr(
                product,
                field,
                _clean_price(prices[field], field, places, errors, required=required),
            )
    if "tax_rate" in prices:
        product.tax_rate = _clean_tax_rate(prices["tax_rate"], errors)
    if not product.mnemonic:
        product.mnemonic = mnemonic_of(product.name)
    else:
        product.mnemonic = product.mnemonic.upper()
    _same_org(actor, "category", product.category)
    _same_org(actor, "product_lines", *(lines or ()))
    _check_unit(product, previous_unit, errors)
    _check_code_unique(product, errors)
    _merge_model_errors(product, errors, exclude=[*exclude, *(f for f in prices if f in errors)])
    _raise(errors)


def _assign_code(actor, product):
    """A code from the org's numbering rule, skipping numbers already typed by hand."""
    for _attempt in range(CODE_ATTEMPTS):
        code = numbering.next_code(org_id=actor.org_id, target="product")
        if not Product.objects.filter(code=code).exists():
            product.code = code
            return
    raise BusinessRuleError(
        _("无法生成产品编号，请检查编号规则或手工填写编号。"), code="numbering_exhausted"
    )


def _save(product, **kwargs):
    try:
        with transaction.atomic():
            product.save(**kwargs)
    except IntegrityError as exc:  # a concurrent save took the same code
        raise ValidationError({"code": [_("已有相同编号的产品。")]}, code="duplicate") from exc


@transaction.atomic
def product_create(
    *,
    actor,
    name,
    code="",
    mnemonic="",
    category=None,
    kind=Product.Kind.PURCHASED,
    spec="",
    model="",
    unit="",
    list_price=0,
    cost_price=UNSET,
    tax_rate=0,
    active=True,
    product_lines=(),
    description="",
    custom=None,
):
    """Create a product. A blank ``code`` takes the next number of the org's
    "product" numbering rule inside this transaction (a rollback returns it); a
    blank ``mnemonic`` is the pinyin initials of ``name``. Setting ``cost_price``
    needs ``special.view_cost``."""
    policy.require(actor, "products.create")
    if cost_price is not UNSET:
        _require_view_cost(actor)
    lines = list(product_lines or ())
    product = Product(
        org_id=actor.org_id,
        code=_stripped(code),
        name=_stripped(name),
        mnemonic=_stripped(mnemonic),
        category=category,
        kind=kind or Product.Kind.PURCHASED,
        spec=_stripped(spec),
        model=_stripped(model),
        unit=_stripped(unit),
        active=bool(active),
        description=_stripped(description),
    )
    prices = {"list_price": list_price, "tax_rate": tax_rate}
    if cost_price is not UNSET:
        prices["cost_price"] = cost_price
    _validate_product(
        actor,
        product,
        lines=lines,
        previous_unit=None,
        prices=prices,
        exclude=["code", "custom"] if not product.code else ["custom"],
        custom=custom or {},  # required custom fields apply to every new product
    )
    if not product.code:
        _assign_code(actor, product)
    _save(product)
    product.product_lines.set(lines)
    audit.record_change(
        actor=actor,
        instance=product,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(product, PRODUCT_FIELDS),
    )
    return product


@transaction.atomic
def product_update(*, actor, product, version=None, **fields):
    """Edit a product. ``version`` is the version the editor loaded: a product
    saved by someone else since then is refused (``StaleVersion``, 409).
    ``product_lines`` replaces the set; ``cost_price`` needs ``special.view_cost``.
    A blank mnemonic, or one that was generated from the old name, follows the
    new name."""
    policy.require(actor, "products.edit")
    unknown = sorted(set(fields) - set(PRODUCT_FIELDS))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")
    if "cost_price" in fields:
        _require_view_cost(actor)
    product = lock_for_update(Product, product.pk, expected_version=version)
    before = audit.snapshot(product, PRODUCT_FIELDS)
    previous_unit = product.unit
    auto_mnemonic = product.mnemonic == mnemonic_of(product.name)
    lines = fields.pop("product_lines", None)
    lines = list(lines) if lines is not None else None
    custom = fields.pop("custom", None)
    prices = {
        name: fields.pop(name)
        for name in ("list_price", "cost_price", "tax_rate")
        if name in fields
    }
    for name, value in fields.items():
        if name in TEXT_FIELDS:
            value = _stripped(value)
        elif name == "active":
            value = bool(value)
        setattr(product, name, value)
    if "name" in fields and "mnemonic" not in fields and auto_mnemonic:
        product.mnemonic = ""
    if "code" in fields and not product.code:
        raise ValidationError({"code": [_("产品编号不能为空。")]}, code="required")
    _validate_product(
        actor,
        product,
        lines=lines,
        previous_unit=previous_unit,
        prices=prices,
        exclude=["custom"],
        custom=custom,
    )
    bump_version(product)
    _save(product)
    product.refresh_from_db()
    if lines is not None:
        product.product_lines.set(lines)
    audit.record_change(
        actor=actor,
        instance=product,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(product, PRODUCT_FIELDS),
    )
    return product


@transaction.atomic
def product_delete(*, actor, product):
    """Delete a product that nothing references; deactivating is the usual way."""
    policy.require(actor, "products.delete")
    audit.record_change(
        actor=actor,
        instance=product,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(product, PRODUCT_FIELDS),
    )
    try:
        with transaction.atomic():
            product.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise BusinessRuleError(
            _("该产品已被业务单据引用，不能删除。请改为停用。"), code="product_in_use"
        ) from exc


# ---- categories ------------------------------------------------------------------------


def _check_category(category, errors):
    clash = ProductCategory.objects.filter(parent_id=category.parent_id, name=category.name)
    if category.pk:
        clash = clash.exclude(pk=category.pk)
    if category.name and clash.exists():
        errors.setdefault("name", []).append(_("同一上级分类下已有同名分类。"))
    if category.code:
        clash = ProductCategory.objects.filter(code=category.code)
        if category.pk:
            clash = clash.exclude(pk=category.pk)
        if clash.exists():
            errors.setdefault("code", []).append(_("已有相同代码的分类。"))


@transaction.atomic
def category_create(*, actor, name, parent=None, code="", sort_order=0):
    policy.require(actor, "products.create")
    _same_org(actor, "parent", parent)
    category = ProductCategory(
        org_id=actor.org_id,
        name=_stripped(name),
        parent=parent,
        code=_stripped(code),
        sort_order=sort_order or 0,
    )
    errors: dict[str, list] = {}
    _merge_model_errors(category, errors, exclude=["path", "depth"])
    _check_category(category, errors)
    _raise(errors)
    category.save()
    tree_place(category)
    audit.record_change(
        actor=actor,
        instance=category,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(category, CATEGORY_FIELDS),
    )
    return category


@transaction.atomic
def category_update(*, actor, category, name=UNSET, code=UNSET, parent=UNSET, sort_order=UNSET):
    """Rename, re-code, reorder or move a category; a move carries its subtree.
    Moving a category under itself or one of its sub-categories is refused."""
    policy.require(actor, "products.edit")
    category = ProductCategory.objects.select_for_update().get(pk=category.pk)
    before = audit.snapshot(category, CATEGORY_FIELDS)
    if name is not UNSET:
        category.name = _stripped(name)
    if code is not UNSET:
        category.code = _stripped(code)
    if sort_order is not UNSET:
        category.sort_order = sort_order or 0
    moving = parent is not UNSET and (parent.pk if parent else None) != category.parent_id
    if moving:
        _same_org(actor, "parent", parent)
        if parent is not None and parent.is_descendant_of(category):
            raise ValidationError(
                {"parent": [_("不能把分类移动到它自己或它的下级分类之下。")]}, code="tree_cycle"
            )
    errors: dict[str, list] = {}
    _merge_model_errors(category, errors, exclude=["path", "depth", "parent"])
    target_parent_id = (parent.pk if parent else None) if moving else category.parent_id
    probe = ProductCategory(
        pk=category.pk, name=category.name, code=category.code, parent_id=target_parent_id
    )
    _check_category(probe, errors)
    _raise(errors)
    if moving:
        tree_move(category, parent)
    category.save(update_fields=["name", "code", "sort_order", "updated_at"])
    audit.record_change(
        actor=actor,
        instance=category,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(category, CATEGORY_FIELDS),
    )
    return category


@transaction.atomic
def category_delete(*, actor, category):
    """Delete an empty category (no sub-categories, no products)."""
    policy.require(actor, "products.delete")
    if category.children.exists():
        raise BusinessRuleError(
            _("该分类下还有下级分类，请先移走或删除它们。"), code="has_children"
        )
    if category.products.exists():
        raise BusinessRuleError(
            _("该分类下还有产品，请先把这些产品调整到其他分类。"), code="has_products"
        )
    audit.record_change(
        actor=actor,
        instance=category,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(category, CATEGORY_FIELDS),
    )
    category.delete()


# ---- product lines ---------------------------------------------------------------------


def _check_line_name(line, errors):
    clash = ProductLine.objects.filter(name=line.name)
    if line.pk:
        clash = clash.exclude(pk=line.pk)
    if line.name and clash.exists():
        errors.setdefault("name", []).append(_("已有同名产品线。"))


@transaction.atomic
def product_line_create(*, actor, name, description="", sort_order=None):
    policy.require(actor, "products.create")
    if sort_order is None:
        last = (
            ProductLine.objects.order_by("-sort_order").values_list("sort_order", flat=True).first()
        )
        sort_order = 0 if last is None else last + 10
    line = ProductLine(
        org_id=actor.org_id,
        name=_stripped(name),
        description=_stripped(description),
        sort_order=sort_order,
    )
    errors: dict[str, list] = {}
    _merge_model_errors(line, errors, exclude=())
    _check_line_name(line, errors)
    _raise(errors)
    line.save()
    audit.record_change(
        actor=actor,
        instance=line,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(line, LINE_FIELDS),
    )
    return line


@transaction.atomic
def product_line_update(*, actor, line, **fields):
    policy.require(actor, "products.edit")
    line = ProductLine.objects.select_for_update().get(pk=line.pk)
    before = audit.snapshot(line, LINE_FIELDS)
    for name, value in fields.items():
        if name not in LINE_FIELDS:
            raise ValidationError({name: [_("未知字段。")]}, code="unknown_field")
        setattr(line, name, _stripped(value) if name != "sort_order" else (value or 0))
    errors: dict[str, list] = {}
    _merge_model_errors(line, errors, exclude=())
    _check_line_name(line, errors)
    _raise(errors)
    line.save()
    audit.record_change(
        actor=actor,
        instance=line,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(line, LINE_FIELDS),
    )
    return line


@transaction.atomic
def product_line_delete(*, actor, line):
    """Delete a product line no product belongs to (coverage analysis counts on them)."""
    policy.require(actor, "products.delete")
    count = line.products.count()
    if count:
        raise BusinessRuleError(
            _("有 %(n)d 个产品属于该产品线，请先把它们移出该产品线。") % {"n": count},
            code="has_products",
        )
    audit.record_change(
        actor=actor,
        instance=line,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(line, LINE_FIELDS),
    )
    line.delete()

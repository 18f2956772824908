"""catalog.services: numbering, mnemonics, rounding, units, trees, locking, audit."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError

from guanxi.audit.models import ChangeRecord
from guanxi.catalog import services
from guanxi.catalog.mnemonic import mnemonic_of
from guanxi.catalog.models import Product, ProductCategory, ProductLine
from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.orgs import services as org_services
from guanxi.orgs.models import DictionaryEntry, NumberSequence, OrgSettings

pytestmark = pytest.mark.django_db


def _set_price_decimals(org, places):
    with org_scope(org):
        OrgSettings.objects.filter(org=org).update(price_decimals=places)


# ---- codes -----------------------------------------------------------------------------


def test_blank_code_takes_the_next_number_of_the_org_rule(world, make_product):
    first = make_product("激光打印机")
    second = make_product("喷墨打印机", code="  ")
    assert (first.code, second.code) == ("CP-00001", "CP-00002")


def test_code_follows_a_changed_numbering_rule(world, make_product):
    with org_scope(world.org):
        org_services.numbering_rule_set(
            actor=world.admin, target="product", pattern="SP{yyyy}-{seq:03}"
        )
    product = make_product()
    assert product.code.startswith("SP") and product.code.endswith("-001")


def test_numbering_skips_a_code_already_typed_by_hand(world, make_product):
    make_product("手工编号", code="CP-00001")
    assert make_product("自动编号").code == "CP-00002"


def test_duplicate_code_is_a_field_error_and_nothing_is_written(world, make_product):
    make_product("激光打印机", code="P-1")
    with pytest.raises(ValidationError) as exc:
        make_product("另一台", code="P-1")
    assert "code" in exc.value.message_dict
    with org_scope(world.org):
        assert Product.objects.count() == 1


def test_codes_are_unique_per_org_only(world, other_world, make_product):
    make_product("甲", code="P-1")
    make_product("乙", code="P-1", actor=other_world.admin)


def test_invalid_input_does_not_consume_a_number(world, make_product):
    with pytest.raises(ValidationError):
        make_product("", list_price="-1")
    with org_scope(world.org):
        assert not NumberSequence.objects.filter(target="product").exists()
    assert make_product().code == "CP-00001"


# ---- mnemonic --------------------------------------------------------------------------


def test_mnemonic_is_pinyin_initials_with_polyphonic_words_read_right():
    assert mnemonic_of("重庆长城宽带") == "CQCCKD"
    assert mnemonic_of("银行行长") == "YHHZ"
    assert mnemonic_of("惠普 LaserJet 打印机") == "HPLASERJETDYJ"
    assert mnemonic_of("ＥＲＰ实施") == "ERPSS"
    assert mnemonic_of("") == ""


def test_mnemonic_is_filled_when_blank_and_kept_when_typed(world, make_product):
    assert make_product("年度维保服务").mnemonic == "NDWBFW"
    assert make_product("打印机", mnemonic="dy-1").mnemonic == "DY-1"


def test_renaming_refreshes_a_generated_mnemonic_but_keeps_a_typed_one(world, make_product):
    auto = make_product("打印机")
    typed = make_product("复印机", mnemonic="XEROX")
    with org_scope(world.org):
        auto = services.product_update(actor=world.admin, product=auto, name="投影仪")
        typed = services.product_update(actor=world.admin, product=typed, name="复合机")
    assert auto.mnemonic == "TYY"
    assert typed.mnemonic == "XEROX"


# ---- prices ----------------------------------------------------------------------------


def test_prices_are_rounded_half_up_to_the_org_price_decimals(world, make_product):
    product = make_product(list_price="12.345", cost_price="7.005", tax_rate="13.005")
    assert product.list_price == Decimal("12.35")
    assert product.cost_price == Decimal("7.01")
    assert product.tax_rate == Decimal("13.01")
    _set_price_decimals(world.org, 0)
    assert make_product("整数价", list_price="12.5").list_price == Decimal("13")


def test_price_decimals_above_four_store_four(world, make_product):
    _set_price_decimals(world.org, 6)
    product = make_product(list_price="1.234567")
    product.refresh_from_db()
    assert product.list_price == Decimal("1.2346")


def test_bad_numbers_are_reported_together_and_nothing_is_written(world, make_product):
    with pytest.raises(ValidationError) as exc:
        make_product("", list_price="-1", cost_price="abc", tax_rate="101")
    assert {"name", "list_price", "cost_price", "tax_rate"} <= set(exc.value.message_dict)
    with org_scope(world.org):
        assert not Product.objects.exists()


def test_cost_price_needs_view_cost(world, clerk, make_product):
    with pytest.raises(PermissionDenied):
        make_product("打印机", actor=clerk, cost_price="10")
    product = make_product("打印机", actor=clerk)
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.product_update(actor=clerk, product=product, cost_price="10")
    with org_scope(world.org):
        product.refresh_from_db()
        assert product.cost_price is None
        assert Product.objects.count() == 1


def test_margin_and_tangible(world, make_product):
    product = make_product(list_price="200", cost_price="150", kind=Product.Kind.PURCHASED)
    assert product.margin == Decimal("50")
    assert product.margin_rate == Decimal("25")
    assert product.tangible
    assert not make_product("实施培训", kind=Product.Kind.TRAINING).tangible
    assert make_product("无成本").margin is None


# ---- units -----------------------------------------------------------------------------


def test_unit_must_be_a_code_of_the_unit_dictionary(world, make_product):
    assert make_product(unit="set").unit == "set"
    with pytest.raises(ValidationError) as exc:
        make_product("另一个", unit="barrel")
    assert "unit" in exc.value.message_dict
    with pytest.raises(ValidationError):
        make_product("行业不是单位", unit="manufacturing")  # a code of another dictionary


def test_a_deactivated_unit_is_refused_for_new_use_but_kept_when_unchanged(world, make_product):
    product = make_product(unit="box")
    with org_scope(world.org):
        DictionaryEntry.objects.filter(kind="unit", code="box").update(is_active=False)
        services.product_update(actor=world.admin, product=product, name="新名称", unit="box")
    with pytest.raises(ValidationError):
        make_product("新产品", unit="box")


def test_category_and_lines_of_another_org_are_refused(
    world, other_world, make_category, make_product
):
    foreign = make_category("外部分类", actor=other_world.admin)
    with pytest.raises(ValidationError):
        make_product(category=foreign)
    with org_scope(other_world.org):
        line = services.product_line_create(actor=other_world.admin, name="外部产品线")
    with pytest.raises(ValidationError):
        make_product(product_lines=[line])


# ---- update, locking, audit, delete ----------------------------------------------------


def test_stale_version_is_refused_and_nothing_changes(world, make_product):
    product = make_product()
    with org_scope(world.org):
        services.product_update(actor=world.admin, product=product, version=1, name="第一次")
        with pytest.raises(StaleVersion):
            services.product_update(
                actor=world.admin, product=product, version=1, name="过期的修改"
            )
        product.refresh_from_db()
    assert (product.name, product.version) == ("第一次", 2)


def test_update_records_what_changed_in_the_audit_log(world, make_product):
    product = make_product(list_price="100")
    with org_scope(world.org):
        line = services.product_line_create(actor=world.admin, name="办公设备")
        services.product_update(
            actor=world.admin, product=product, list_price="120", product_lines=[line]
        )
        records = list(
            ChangeRecord.objects.filter(entity="catalog.product", object_id=str(product.pk))
        )
    assert [r.action for r in records] == ["update", "create"]
    changes = records[0].changes
    assert changes["list_price"] == {"old": "100.0000", "new": "120.0000"}
    assert changes["product_lines"]["new"][0]["repr"] == "办公设备"
    assert "name" not in changes


def test_unknown_field_is_refused(world, make_product):
    product = make_product()
    with org_scope(world.org), pytest.raises(ValidationError):
        services.product_update(actor=world.admin, product=product, org=None)


def test_delete_is_audited(world, make_product):
    product = make_product()
    with org_scope(world.org):
        services.product_delete(actor=world.admin, product=product)
        assert not Product.objects.exists()
        assert ChangeRecord.objects.filter(entity="catalog.product", action="delete").exists()


def test_delete_of_a_referenced_product_is_a_business_rule_error(world, make_product, monkeypatch):
    product = make_product()

    def protected(self, *args, **kwargs):
        raise ProtectedError("referenced", {self})

    monkeypatch.setattr(Product, "delete", protected)
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError) as exc:
            services.product_delete(actor=world.admin, product=product)
        assert exc.value.code == "product_in_use"
        assert Product.objects.filter(pk=product.pk).exists()
        assert not ChangeRecord.objects.filter(action="delete").exists()


def test_readonly_may_not_write(world, make_product):
    product = make_product()
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            services.product_create(actor=world.readonly, name="不允许")
        with pytest.raises(PermissionDenied):
            services.product_update(actor=world.readonly, product=product, name="不允许")
        with pytest.raises(PermissionDenied):
            services.product_delete(actor=world.readonly, product=product)
        assert Product.objects.get().name == "激光打印机"


# ---- categories ------------------------------------------------------------------------


def test_category_tree_paths_and_moving_a_branch(world, make_category):
    office = make_category("办公设备")
    printers = make_category("打印机", parent=office)
    laser = make_category("激光打印机", parent=printers)
    software = make_category("软件")
    with org_scope(world.org):
        services.category_update(actor=world.admin, category=printers, parent=software)
        laser.refresh_from_db()
        printers.refresh_from_db()
    assert printers.path == f"/{software.pk}/{printers.pk}/"
    assert laser.path == f"/{software.pk}/{printers.pk}/{laser.pk}/"
    assert laser.depth == 2
    with org_scope(world.org):
        services.category_update(actor=world.admin, category=printers, parent=None)
        laser.refresh_from_db()
    assert (laser.path, laser.depth) == (f"/{printers.pk}/{laser.pk}/", 1)


def test_moving_a_category_under_itself_or_its_branch_is_refused(world, make_category):
    office = make_category("办公设备")
    printers = make_category("打印机", parent=office)
    with org_scope(world.org):
        for target in (office, printers):
            with pytest.raises(ValidationError) as exc:
                services.category_update(actor=world.admin, category=office, parent=target)
            assert "parent" in exc.value.message_dict
        office.refresh_from_db()
    assert (office.parent_id, office.path) == (None, f"/{office.pk}/")


def test_category_names_are_unique_among_siblings(world, make_category):
    office = make_category("办公设备")
    make_category("耗材", parent=office)
    make_category("耗材")  # same name elsewhere in the tree is fine
    with pytest.raises(ValidationError) as exc:
        make_category("耗材", parent=office)
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError):
        make_category("办公设备")
    other = make_category("软件")
    with org_scope(world.org), pytest.raises(ValidationError):
        services.category_update(actor=world.admin, category=other, name="办公设备")


def test_category_delete_is_refused_while_it_has_children_or_products(
    world, make_category, make_product
):
    office = make_category("办公设备")
    printers = make_category("打印机", parent=office)
    make_product(category=printers)
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError) as exc:
            services.category_delete(actor=world.admin, category=office)
        assert exc.value.code == "has_children"
        with pytest.raises(BusinessRuleError) as exc:
            services.category_delete(actor=world.admin, category=printers)
        assert exc.value.code == "has_products"
        assert ProductCategory.objects.count() == 2
        empty = services.category_create(actor=world.admin, name="空分类")
        services.category_delete(actor=world.admin, category=empty)
        assert ProductCategory.objects.count() == 2


# ---- product lines ---------------------------------------------------------------------


def test_product_lines_names_unique_and_delete_refused_while_used(world, make_product):
    with org_scope(world.org):
        line = services.product_line_create(actor=world.admin, name="办公设备")
        with pytest.raises(ValidationError):
            services.product_line_create(actor=world.admin, name="办公设备")
    make_product(product_lines=[line])
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError):
            services.product_line_delete(actor=world.admin, line=line)
        renamed = services.product_line_update(actor=world.admin, line=line, name="办公设备线")
        assert renamed.name == "办公设备线"
        spare = services.product_line_create(actor=world.admin, name="备用")
        assert spare.sort_order == line.sort_order + 10
        services.product_line_delete(actor=world.admin, line=spare)
        assert ProductLine.objects.count() == 1

"""Customer screens: list, detail, create, edit, contacts, recycle bin."""

import pytest

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db

LIST = "/customers/"


def _url(customer, suffix=""):
    return f"/customers/{customer.pk}/{suffix}"


def _reload(record):
    with all_orgs():
        return type(record).with_deleted.get(pk=record.pk)


def _count(org):
    with all_orgs():
        return Customer.with_deleted.filter(org=org).count()


@pytest.fixture
def make(world):
    def customer(actor=None, **fields):
        fields.setdefault("name", "北京华信科技有限公司")
        with org_scope(world.org):
            return services.customer_create(actor=actor or world.rep_a, **fields)

    return customer


@pytest.fixture
def make_contact(world):
    def contact(customer, actor=None, **fields):
        fields.setdefault("name", "王小明")
        with org_scope(world.org):
            return services.contact_create(actor=actor or world.rep_a, customer=customer, **fields)

    return contact


def _form(**overrides):
    data = {
        "name": "上海东方贸易有限公司",
        "code": "",
        "mnemonic": "",
        "lifecycle_stage": "potential",
        "industry": "retail",
        "level": "key",
        "phone": "13812345678",
        "email": "info@dongfang.example",
        "tags": "外贸，老朋友",
        "notes": "",
    }
    data.update(overrides)
    return data


# ---- list ------------------------------------------------------------------------------


def test_list_shows_labels_filters_and_masks_phones_for_reps(world, web, make):
    make(name="北京华信科技有限公司", phone="13812345678", industry="it", level="key")
    make(name="上海东方贸易有限公司", industry="retail", lifecycle_stage="new")
    page = web(world.rep_a).get(LIST).content.decode()
    assert "北京华信科技有限公司" in page and "上海东方贸易有限公司" in page
    assert "信息技术" in page and "重点客户" in page and "批发零售" in page
    assert "138****5678" in page and "13812345678" not in page
    assert 'data-testid="new-customer"' in page
    by_stage = web(world.rep_a).get(LIST, {"lifecycle_stage": "new"}).content.decode()
    assert "上海东方贸易有限公司" in by_stage and "北京华信" not in by_stage
    by_pinyin = web(world.rep_a).get(LIST, {"q": "bjhx"}).content.decode()
    assert "北京华信科技有限公司" in by_pinyin and "上海东方" not in by_pinyin
    by_phone = web(world.rep_a).get(LIST, {"q": "5678"}).content.decode()
    assert "北京华信科技有限公司" in by_phone and "上海东方" not in by_phone
    # the manager may see full numbers
    assert "13812345678" in web(world.manager).get(LIST).content.decode()


def test_list_is_scoped_and_mine_toggle(world, web, make):
    make(name="张三的客户")
    make(name="李四的客户", actor=world.rep_b)
    rep_page = web(world.rep_a).get(LIST).content.decode()
    assert "张三的客户" in rep_page and "李四的客户" not in rep_page
    manager = web(world.manager)
    assert "李四的客户" in manager.get(LIST).content.decode()
    make(name="经理的客户", actor=world.manager)
    mine = manager.get(LIST, {"mine": "1"}).content.decode()
    assert "经理的客户" in mine and "张三的客户" not in mine


def test_list_pages_by_cursor_with_a_bounded_query_count(
    world, web, make, django_assert_max_num_queries
):
    for i in range(30):
        make(name=f"客户{i:02d}")
    client = web(world.rep_a)
    # 2 for the signed-in page (session; employee with user and roles), the bell loads
    # later; the list: count, page, picklist labels, custom fields, owners, departments,
    # saved filters (headroom kept for the list's own changes)
    with django_assert_max_num_queries(14):
        first = client.get(LIST)
    html = first.content.decode()
    assert "客户29" in html and "客户05" in html and "客户04" not in html
    assert "共 30 条" in html
    next_url = first.context["next_url"]
    assert next_url and "after=" in next_url
    second = client.get(LIST + next_url).content.decode()
    assert "客户04" in second and "客户00" in second and "客户29" not in second
    assert first.context["next_url"] is not None and 'data-testid="page-next"' not in second


def test_count_is_capped(world, web, make, monkeypatch):
    from guanxi.api import pagination
    from guanxi.customers import views

    make(name="甲")
    make(name="乙")
    monkeypatch.setattr(views, "COUNT_LIMIT", 1)
    monkeypatch.setattr(views, "capped_count", lambda qs: pagination.capped_count(qs, 1))
    page = web(world.rep_a).get(LIST).content.decode()
    assert "共 1+ 条" in page


# ---- detail ----------------------------------------------------------------------------


def test_detail_shows_facts_contacts_and_history(world, web, make, make_contact):
    customer = make(industry="it", level="key", tags=["外贸", "VIP"], phone="13812345678")
    make_contact(customer, name="王小明", title="采购经理", mobile="13900001111")
    page = web(world.rep_a).get(_url(customer)).content.decode()
    assert "北京华信科技有限公司" in page and "信息技术" in page and "重点客户" in page
    assert "外贸" in page and "VIP" in page
    assert "王小明" in page and "采购经理" in page and 'data-testid="primary-badge"' in page
    assert "139****1111" in page and "13900001111" not in page
    assert 'data-testid="record-history"' in page and 'data-testid="history-entry"' in page
    assert 'data-testid="edit-customer"' in page and 'data-testid="contact-form"' in page


def test_other_rep_and_other_org_get_404_the_manager_sees_it(world, other_world, web, make):
    customer = make()
    assert web(world.rep_b).get(_url(customer)).status_code == 404
    assert web(other_world.admin).get(_url(customer)).status_code == 404
    assert web(world.rep_b).post(_url(customer, "edit/"), _form(name="改")).status_code == 404
    assert _reload(customer).name == "北京华信科技有限公司"
    assert web(world.manager).get(_url(customer)).status_code == 200


DETAIL_QUERIES = 10  # DESIGN.md §5: the 360° page, whatever the related-record counts


@pytest.mark.parametrize("who", ["rep_a", "manager", "admin"])
def test_detail_query_count_does_not_grow_with_related_records(
    world, web, make, make_contact, django_assert_max_num_queries, who
):
    """The 360° page: the same queries (at most 10) with one related record of each kind
    or many: contacts, follow-ups past the timeline's length, files, lifecycle moves,
    merges and change-history entries.

    Signed in, the page itself costs 2 (the session; the employee with its org,
    department, user and roles); a data scope over a department tree 1 more (the
    manager); the bell's counts load afterwards. The customer's data takes the rest."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from guanxi.workspace import services as workspace

    stages = ["potential", "opportunity", "new", "repeat", "dormant"]

    def fill(customer, n):
        with org_scope(world.org):
            for i in range(n):
                make_contact(customer, name=f"联系人{i}", mobile=f"1381234{i:04d}")
                workspace.attachment_upload(
                    actor=world.rep_a,
                    customer=customer,
                    upload=SimpleUploadedFile(f"报价{i}.txt", b"quote", "text/plain"),
                )
                customer = services.customer_update(
                    actor=world.rep_a,
                    customer=customer,
                    lifecycle_stage=stages[i % len(stages)],
                    notes=f"第{i}次修改",
                )
            for i in range(n * 3):
                workspace.activity_create(
                    actor=world.rep_a, customer=customer, content=f"第{i}次电话", kind="call"
                )
            for i in range(n):
                duplicate = services.customer_create(actor=world.rep_a, name=f"重复客户{i}")
                services.customers_merge(
                    actor=world.admin, survivor_id=customer.pk, merged_ids=[duplicate.pk]
                )
        return customer

    few = fill(make(name="一个联系人"), 1)
    many = fill(make(name="十个联系人"), 10)
    client = web(getattr(world, who))
    client.get(_url(few))  # warm caches
    with django_assert_max_num_queries(DETAIL_QUERIES) as one:
        small = client.get(_url(few)).content.decode()
    with django_assert_max_num_queries(DETAIL_QUERIES) as lots:
        page = client.get(_url(many)).content.decode()
    assert len(lots.captured_queries) == len(one.captured_queries)
    # every card is there, whatever it cost
    assert small.count('data-testid="contact-row"') == 1
    assert page.count('data-testid="contact-row"') == 10
    assert page.count('data-testid="activity-item"') == 20  # the timeline's length
    assert 'data-testid="more-activities"' in page
    assert page.count('data-testid="file-row"') == 10
    assert page.count('data-testid="stage-change"') == 10  # the latest 10 of 11
    assert page.count("合并了：") == 10 and "重复客户9" in page
    assert page.count('data-testid="history-entry"') > 10
    assert 'hx-get="/jobs/bell/"' in page and 'hx-get="/customers/care/bell/"' in page


def test_detail_shows_history_newest_first_with_labels(world, web, make):
    """Lifecycle moves and merges (read together) keep their order, stage and reason
    labels and who did it; picklist codes show their labels, in the page's language."""
    customer = make(name="华信", industry="retail", level="key")
    with org_scope(world.org):
        customer = services.customer_update(
            actor=world.rep_a, customer=customer, lifecycle_stage="opportunity"
        )
        customer = services.customer_update(
            actor=world.rep_a, customer=customer, lifecycle_stage="new"
        )
        duplicate = services.customer_create(actor=world.rep_a, name="华信重复")
        services.customers_merge(
            actor=world.admin, survivor_id=customer.pk, merged_ids=[duplicate.pk]
        )
    page = web(world.rep_a).get(_url(customer)).content.decode()
    moves = page[page.index('data-testid="lifecycle-history"') :]
    assert moves.index("机会客户 → <strong>新客户") < moves.index("→ <strong>机会客户")
    assert "手动调整 · 张三" in moves and "新建客户" in moves
    merges = page[page.index('data-testid="merge-history"') :]
    assert "合并了：华信重复（" in merges and world.admin.name in merges
    assert 'data-testid="fact-industry">批发零售<' in page
    assert 'data-testid="fact-level">重点客户<' in page
    english = web(world.rep_a).get(_url(customer), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="fact-industry">Wholesale &amp; retail<' in english
    assert 'data-testid="fact-level">Key account<' in english


# ---- create / edit ---------------------------------------------------------------------


def test_rep_creates_a_customer(world, web):
    response = web(world.rep_a).post("/customers/new/", _form())
    with org_scope(world.org):
        customer = Customer.objects.get(name="上海东方贸易有限公司")
    assert response.status_code == 302 and response["Location"] == _url(customer)
    assert customer.owner == world.rep_a and customer.department == world.east
    assert customer.tags == ["外贸", "老朋友"] and customer.level == "key"
    assert customer.mnemonic == "SHDFMYYXGS" and customer.code


def test_create_form_offers_owner_only_with_transfer(world, web):
    assert 'name="owner"' not in web(world.rep_a).get("/customers/new/").content.decode()
    assert 'name="owner"' in web(world.manager).get("/customers/new/").content.decode()
    response = web(world.manager).post(
        "/customers/new/", _form(owner=str(world.rep_b.pk), department=str(world.north.pk))
    )
    assert response.status_code == 302
    with org_scope(world.org):
        assert Customer.objects.get().owner == world.rep_b


def test_bad_input_shows_errors_and_writes_nothing(world, web):
    response = web(world.rep_a).post(
        "/customers/new/", _form(name="", email="nope", industry="spaceflight")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"name", "email", "industry"} <= set(form.errors)
    assert _count(world.org) == 0


def test_service_errors_show_on_the_form(world, web, make):
    make(code="KH-1")
    response = web(world.rep_a).post("/customers/new/", _form(code="KH-1"))
    assert response.status_code == 400
    assert "code" in response.context["form"].errors
    assert _count(world.org) == 1


def test_edit_saves_and_a_stale_version_is_refused(world, web, make):
    customer = make()
    client = web(world.rep_a)
    page = client.get(_url(customer, "edit/")).content.decode()
    assert 'value="北京华信科技有限公司"' in page
    data = _form(name="北京华信科技集团", code=customer.code, version=str(customer.version))
    response = client.post(_url(customer, "edit/"), data)
    assert response.status_code == 302
    saved = _reload(customer)
    assert saved.name == "北京华信科技集团" and saved.version == customer.version + 1
    stale = client.post(_url(customer, "edit/"), {**data, "name": "过期的修改"})
    assert stale.status_code == 409
    assert "该记录已被他人修改" in stale.content.decode()
    assert _reload(customer).name == "北京华信科技集团"


def test_readonly_gets_no_buttons_and_posts_are_refused(world, web, make, make_contact):
    customer = make(actor=world.manager, owner=world.manager)
    contact = make_contact(customer, actor=world.manager, owner=world.manager)
    client = web(world.readonly)
    page = client.get(_url(customer))
    assert page.status_code == 200
    html = page.content.decode()
    for testid in ("edit-customer", "delete-customer", "contact-form", "edit-contact"):
        assert f'data-testid="{testid}"' not in html
    assert 'data-testid="new-customer"' not in client.get(LIST).content.decode()
    assert client.post("/customers/new/", _form()).status_code == 403
    assert client.post(_url(customer, "edit/"), _form(name="改")).status_code == 403
    assert client.post(_url(customer, "delete/")).status_code == 403
    assert client.post(_url(customer, "contacts/new/"), {"name": "新人"}).status_code == 403
    assert client.post(f"/customers/contacts/{contact.pk}/", {"name": "改"}).status_code == 403
    assert client.post(f"/customers/contacts/{contact.pk}/delete/").status_code == 403
    assert _count(world.org) == 1
    assert _reload(customer).name == "北京华信科技有限公司" and _reload(customer).deleted_at is None
    assert _reload(contact).name == "王小明" and _reload(contact).deleted_at is None
    with all_orgs():
        assert Contact.with_deleted.filter(org=world.org).count() == 1


# ---- contacts --------------------------------------------------------------------------


def test_add_edit_and_delete_a_contact(world, web, make):
    customer = make()
    client = web(world.rep_a)
    response = client.post(
        _url(customer, "contacts/new/"),
        {"name": "李雷", "title": "总经理", "mobile": "13700002222", "gender": "male"},
    )
    assert response.status_code == 302
    with org_scope(world.org):
        contact = Contact.objects.get(customer=customer)
    assert contact.is_primary and contact.title == "总经理"
    bad = client.post(_url(customer, "contacts/new/"), {"name": "", "email": "x"})
    assert bad.status_code == 400 and "name" in bad.context["contact_form"].errors
    edit = f"/customers/contacts/{contact.pk}/"
    assert "李雷" in client.get(edit).content.decode()
    saved = client.post(
        edit, {"name": "李雷", "title": "董事长", "is_primary": "on", "version": contact.version}
    )
    assert saved.status_code == 302 and _reload(contact).title == "董事长"
    assert client.post(edit + "delete/").status_code == 403  # reps may not delete
    assert web(world.manager).post(edit + "delete/").status_code == 302
    assert _reload(contact).deleted_at is not None


# ---- recycle bin -----------------------------------------------------------------------


def test_delete_to_recycle_bin_and_restore(world, web, make):
    customer = make(actor=world.manager)
    client = web(world.manager)
    assert client.post(_url(customer, "delete/")).status_code == 302
    assert _reload(customer).deleted_at is not None
    assert 'data-testid="customer-row"' not in client.get(LIST).content.decode()
    assert client.get(_url(customer)).status_code == 404
    bin_page = client.get("/customers/recycle-bin/").content.decode()
    assert customer.name in bin_page and 'data-testid="restore-customer"' in bin_page
    assert client.post(_url(customer, "restore/")).status_code == 302
    assert _reload(customer).deleted_at is None
    assert web(world.readonly).get("/customers/recycle-bin/").status_code == 403


# ---- custom fields ---------------------------------------------------------------------


def test_custom_fields_in_form_detail_and_list(world, web):
    from guanxi.orgs import services as org_services

    with org_scope(world.org):
        org_services.custom_field_create(
            actor=world.admin,
            entity="customer",
            code="scale",
            label="员工规模",
            field_type="text",
            show_in_list=True,
        )
    client = web(world.rep_a)
    assert 'name="cf_scale"' in client.get("/customers/new/").content.decode()
    assert client.post("/customers/new/", _form(cf_scale="500人以上")).status_code == 302
    with org_scope(world.org):
        customer = Customer.objects.get()
    assert customer.custom == {"scale": "500人以上"}
    assert 'data-testid="custom-scale"' in client.get(_url(customer)).content.decode()
    listing = client.get(LIST).content.decode()
    assert "员工规模" in listing and "500人以上" in listing
    filtered = client.get(LIST, {"cf_scale": "100人"}).content.decode()
    assert 'data-testid="customer-row"' not in filtered


def test_odd_list_parameters_never_fail(world, web, make):
    make()
    client = web(world.rep_a)
    for params in ({"lifecycle_stage": "bogus"}, {"after": "abc"}, {"after": "9" * 30}):
        assert client.get(LIST, params).status_code == 200
    assert client.get("/customers/999999999/").status_code == 404
    assert client.get("/customers/contacts/999999999/").status_code == 404


def test_english_list_uses_english_dictionary_labels(world, web, make):
    make(industry="it")
    client = web(world.rep_a)
    page = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Information technology" in page and "Mine only" in page

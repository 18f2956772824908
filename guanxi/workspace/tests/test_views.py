"""The follow-up and file cards of the customer page, their forms and the download."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer
from guanxi.workspace import services
from guanxi.workspace.models import Activity, Attachment

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def customer(world):
    with org_scope(world.org):
        return customer_services.customer_create(actor=world.rep_a, name="杭州西湖茶业有限公司")


def _detail(customer):
    return f"/customers/{customer.pk}/"


def _add_url(customer):
    return f"/activities/customer/{customer.pk}/add/"


def _form(**overrides):
    data = {
        "kind": "call",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "contact": "",
        "content": "电话沟通，客户想要报价",
        "next_followup_on": "",
        "next_followup_note": "",
    }
    data.update(overrides)
    return data


def _activities(world):
    with all_orgs():
        return list(Activity.with_deleted.filter(org=world.org))


def _attachments(world):
    with all_orgs():
        return list(Attachment.with_deleted.filter(org=world.org))


def test_customer_page_shows_both_cards(world, web, customer):
    page = web(world.rep_a).get(_detail(customer)).content.decode()
    assert 'data-testid="activity-card"' in page and 'data-testid="no-activities"' in page
    assert 'data-testid="activity-form"' in page
    assert 'data-testid="files-card"' in page and 'data-testid="file-form"' in page


def test_htmx_add_returns_the_card_with_the_new_follow_up(world, web, customer):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = web(world.rep_a).post(
        _add_url(customer),
        _form(kind="visit", next_followup_on=tomorrow.isoformat(), next_followup_note="送样品"),
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="card mt-3" id="activities"')
    assert "<html" not in html  # the card only, swapped in place
    assert 'data-testid="activity-saved"' in html and "电话沟通，客户想要报价" in html
    assert tomorrow.isoformat() in html and "送样品" in html
    [activity] = _activities(world)
    assert activity.kind == "visit" and activity.owner == world.rep_a
    with all_orgs():
        assert Customer.objects.get(pk=customer.pk).next_followup_on == tomorrow


def test_plain_post_redirects_back_to_the_customer(world, web, customer):
    response = web(world.rep_a).post(_add_url(customer), _form())
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/#activities"
    assert len(_activities(world)) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"content": ""}, "该字段是必填项"),
        (
            {"occurred_at": (timezone.localtime() + datetime.timedelta(days=3)).strftime(
                "%Y-%m-%dT%H:%M")},
            "跟进时间不能晚于明天",
        ),
        ({"kind": "fax"}, "选择一个有效的选项"),
    ],
)  # fmt: skip
def test_htmx_add_with_bad_input_shows_the_error_and_writes_nothing(
    world, web, customer, overrides, message
):
    response = web(world.rep_a).post(_add_url(customer), _form(**overrides), **HTMX)
    assert response.status_code == 200  # htmx swaps the card with its errors
    html = response.content.decode()
    assert message in html and "is-invalid" in html
    assert _activities(world) == []


def test_contact_of_another_customer_is_refused(world, web, customer):
    with org_scope(world.org):
        other = customer_services.customer_create(actor=world.rep_a, name="别的客户")
        stranger = customer_services.contact_create(actor=world.rep_a, customer=other, name="路人")
    response = web(world.rep_a).post(_add_url(customer), _form(contact=str(stranger.pk)))
    assert response.status_code == 400
    assert _activities(world) == []


def test_other_orgs_customer_is_not_found(world, other_world, web):
    with org_scope(other_world.org):
        foreign = customer_services.customer_create(actor=other_world.admin, name="外组织客户")
    assert web(world.admin).post(_add_url(foreign), _form()).status_code == 404
    assert web(world.admin).get(f"/activities/customer/{foreign.pk}/").status_code == 404
    assert _activities(other_world) == []


def test_read_only_employee_sees_the_timeline_without_forms(world, web):
    with org_scope(world.org):
        customer = customer_services.customer_create(
            actor=world.manager, name="主管的客户", owner=world.manager
        )
        services.activity_create(actor=world.manager, customer=customer, content="主管拜访")
    page = web(world.readonly).get(_detail(customer)).content.decode()
    assert "主管拜访" in page
    assert 'data-testid="activity-form"' not in page and 'data-testid="file-form"' not in page
    assert 'data-testid="delete-activity"' not in page
    assert web(world.readonly).post(_add_url(customer), _form()).status_code == 403


def test_edit_and_delete_own_follow_up(world, web, customer):
    with org_scope(world.org):
        activity = services.activity_create(
            actor=world.rep_a, customer=customer, content="初次电话"
        )
    client = web(world.rep_a)
    page = client.get(f"/activities/{activity.pk}/edit/")
    assert page.status_code == 200 and "初次电话" in page.content.decode()
    response = client.post(
        f"/activities/{activity.pk}/edit/", _form(content="改过的内容", version="1")
    )
    assert response.status_code == 302
    [stored] = _activities(world)
    assert stored.content == "改过的内容" and stored.version == 2
    stale = client.post(f"/activities/{activity.pk}/edit/", _form(content="又改", version="1"))
    assert stale.status_code == 409
    assert client.post(f"/activities/{activity.pk}/delete/").status_code == 302
    [stored] = _activities(world)
    assert stored.deleted_at is not None
    assert "改过的内容" not in client.get(_detail(customer)).content.decode()


def test_colleague_cannot_edit_or_delete(world, web, customer):
    with org_scope(world.org):
        activity = services.activity_create(
            actor=world.rep_a, customer=customer, content="初次电话"
        )
    client = web(world.rep_b)
    assert client.get(f"/activities/{activity.pk}/edit/").status_code == 404
    assert client.post(f"/activities/{activity.pk}/delete/").status_code == 404
    assert _activities(world)[0].deleted_at is None


def test_timeline_shows_the_newest_twenty_and_links_to_all(world, web, customer):
    with org_scope(world.org):
        for n in range(22):
            services.activity_create(
                actor=world.rep_a,
                customer=customer,
                content=f"第{n:02d}次跟进",
                occurred_at=timezone.now() - datetime.timedelta(hours=22 - n),
            )
    page = web(world.rep_a).get(_detail(customer)).content.decode()
    assert page.count('data-testid="activity-item"') == 20
    assert "第21次跟进" in page and "第01次跟进" not in page
    assert page.index("第21次跟进") < page.index("第20次跟进")  # newest first
    assert 'data-testid="more-activities"' in page
    full = web(world.rep_a).get(f"/activities/customer/{customer.pk}/").content.decode()
    assert full.count('data-testid="activity-item"') == 22


def test_customer_page_query_count_is_constant(world, web, customer, django_assert_max_num_queries):
    client = web(world.rep_a)
    with org_scope(world.org):
        contact = customer_services.contact_create(
            actor=world.rep_a, customer=customer, name="陈静"
        )
        services.activity_create(
            actor=world.rep_a, customer=customer, content="一", contact=contact
        )
        services.attachment_upload(
            actor=world.rep_a, customer=customer, upload=SimpleUploadedFile("a.txt", b"a")
        )
    client.get(_detail(customer))  # warm caches (session, permissions)
    with django_assert_max_num_queries(10) as one:  # DESIGN.md §5
        client.get(_detail(customer))
    with org_scope(world.org):
        for n in range(14):
            services.activity_create(
                actor=world.rep_a, customer=customer, content=f"跟进{n}", contact=contact
            )
            services.attachment_upload(
                actor=world.rep_a, customer=customer, upload=SimpleUploadedFile(f"{n}.txt", b"a")
            )
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(_detail(customer)).content.decode()
    assert page.count('data-testid="activity-item"') == 15
    assert page.count('data-testid="file-row"') == 15


# ---- files ---------------------------------------------------------------------------------


def _upload_url(customer):
    return f"/files/customer/{customer.pk}/upload/"


def test_upload_download_and_delete_a_file(world, web, customer, settings):
    client = web(world.rep_a)
    upload = SimpleUploadedFile("../../etc/报价单 2026.pdf", b"%PDF-1.4 data")
    response = client.post(_upload_url(customer), {"file": upload})
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/#files"
    [attachment] = _attachments(world)
    assert attachment.original_name == "报价单 2026.pdf"
    assert attachment.size == len(b"%PDF-1.4 data")
    stored = attachment.file.name
    assert stored.startswith(f"files/{world.org.pk}/") and "报价单" not in stored
    assert (settings.MEDIA_ROOT / stored).is_file()

    page = client.get(_detail(customer)).content.decode()
    assert "报价单 2026.pdf" in page
    download = client.get(f"/files/{attachment.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 data"
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E6%8A%A5%E4%BB%B7%E5%8D%95%202026.pdf" in disposition
    assert download["X-Content-Type-Options"] == "nosniff"

    assert client.post(f"/files/{attachment.pk}/delete/").status_code == 302
    assert _attachments(world)[0].deleted_at is not None
    assert client.get(f"/files/{attachment.pk}/download/").status_code == 404


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: SimpleUploadedFile("空.txt", b""), "文件是空的"),
        (lambda: SimpleUploadedFile("大.bin", b"0" * (21 * 1024 * 1024)), "文件不能超过 20 MB"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    world, web, customer, settings, upload, message
):
    response = web(world.rep_a).post(_upload_url(customer), {"file": upload()})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _attachments(world) == []
    assert not list((settings.MEDIA_ROOT).rglob("*")) or not any(
        p.is_file() for p in settings.MEDIA_ROOT.rglob("*")
    )


def test_files_follow_the_customers_visibility(world, other_world, web, customer):
    with org_scope(world.org):
        attachment = services.attachment_upload(
            actor=world.rep_a, customer=customer, upload=SimpleUploadedFile("a.txt", b"secret")
        )
    assert web(world.rep_b).get(f"/files/{attachment.pk}/download/").status_code == 404
    assert web(world.manager).get(f"/files/{attachment.pk}/download/").status_code == 200
    assert web(other_world.admin).get(f"/files/{attachment.pk}/download/").status_code == 404
    assert web(world.readonly).post(f"/files/{attachment.pk}/delete/").status_code == 403
    upload = SimpleUploadedFile("b.txt", b"x")
    assert web(world.rep_b).post(_upload_url(customer), {"file": upload}).status_code == 404
    assert len(_attachments(world)) == 1 and _attachments(world)[0].deleted_at is None


def test_media_url_is_not_where_files_are_served(world, web, customer):
    with org_scope(world.org):
        attachment = services.attachment_upload(
            actor=world.rep_a, customer=customer, upload=SimpleUploadedFile("a.txt", b"secret")
        )
    page = web(world.rep_a).get(_detail(customer)).content.decode()
    assert attachment.file.name not in page and "/media/" not in page


def test_timeline_contact_picker_offers_only_contacts_in_scope(world, web, customer):
    """The page lists every contact of the customer, but the follow-up form's picker
    offers only those the employee's contacts data scope covers (one shared query)."""
    with org_scope(world.org):
        own = customer_services.contact_create(actor=world.rep_a, customer=customer, name="陈静")
        other = customer_services.contact_create(
            actor=world.manager, customer=customer, name="周强"
        )
    page = web(world.rep_a).get(_detail(customer)).content.decode()
    assert page.count('data-testid="contact-row"') == 2 and "周强" in page
    assert f'<option value="{own.pk}">陈静</option>' in page
    assert f'<option value="{other.pk}"' not in page
    manager_page = web(world.manager).get(_detail(customer)).content.decode()
    assert f'<option value="{other.pk}">周强</option>' in manager_page
    assert f'<option value="{own.pk}">陈静</option>' in manager_page  # sub-department

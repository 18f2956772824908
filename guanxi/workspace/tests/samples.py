"""Isolation-matrix samples (see guanxi/api/tests/matrix.py). Records belong to customers
owned by ``rep_b`` in 华北组 (follow-ups are also done by ``rep_b``), so the data-scope
dimension of the matrix applies."""

from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.workspace import services


def _customer(world, name):
    with org_scope(world.org):
        return customer_services.customer_create(actor=world.admin, name=name, owner=world.rep_b)


@sample(
    "activity",
    change={"subject": "改过的主题"},
    check_field="subject",
    create=lambda w: {
        "customer": _customer(w, "新跟进客户").pk,
        "type": "visit",
        "content": "上门拜访",
    },
    owned=True,
)
def build_activity(world):
    customer = _customer(world, "跟进样本客户")
    with org_scope(world.org):
        return services.activity_create(
            actor=world.rep_b, customer=customer, content="电话沟通报价", subject="报价"
        )


@sample(
    "attachment",
    change={"name": "改过的名字.txt"},
    check_field="original_name",
    create=None,  # multipart upload: covered by the workspace API tests
    owned=True,
)
def build_attachment(world):
    customer = _customer(world, "附件样本客户")
    with org_scope(world.org):
        return services.attachment_upload(
            actor=world.rep_b,
            customer=customer,
            upload=SimpleUploadedFile("报价单.txt", "价格表".encode(), content_type="text/plain"),
        )

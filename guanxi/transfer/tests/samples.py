"""Isolation-matrix sample (see guanxi/api/tests/matrix.py): an import uploaded by the admin."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.transfer import services
from guanxi.transfer.tests.helpers import csv_bytes, upload


@sample(
    "import",
    change={"duplicate_mode": "update"},
    check_field="duplicate_mode",
    create=None,  # an upload is multipart; tested in test_api
    owned=False,
)
def build_import(world):
    with org_scope(world.org):
        return services.import_upload(
            actor=world.admin, upload=upload(csv_bytes([["客户名称"], ["样本客户"]]))
        )

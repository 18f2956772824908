"""Isolation-matrix samples (see guanxi/api/tests/matrix.py).

Conversations and messages belong to their members only, like notifications: the
viewsets are not full model viewsets (no DELETE; no function permission, membership
decides), so the generated matrix skips them and ``test_api.py`` proves the same
isolation itself: another org's or another's conversation and message are 404 and stay
unchanged, and never show in a list."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.workspace.messages import services


@sample("conversation", change={"name": "改过的群名"}, check_field="name")
def build_conversation(world):
    with org_scope(world.org):
        return services.group_create(
            actor=world.admin, name="样本群聊", members=[world.rep_b, world.manager]
        )


@sample("message", change={}, check_field="body")
def build_message(world):
    with org_scope(world.org):
        return services.message_send_to(actor=world.admin, recipient=world.rep_b, body="样本消息")

"""The messages demo data: a group and direct conversations, once."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.workspace.messages import demo, selectors
from guanxi.workspace.messages.models import Conversation, Message

pytestmark = pytest.mark.django_db


def test_demo_seed_makes_conversations_once(world):
    with org_scope(world.org):
        assert demo.seed(world.admin) == 6
        assert Conversation.objects.filter(kind="group").count() == 1
        assert Conversation.objects.filter(kind="direct").count() == 2
        assert selectors.unread_total(employee=world.admin) >= 1  # the unanswered one
        assert demo.seed(world.admin) == 0
        assert Message.objects.count() == 6

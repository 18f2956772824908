"""Robot posts against a real local HTTP server: each platform's format and signature,
retries with back-off on 500 / timeout / a platform error code, every attempt recorded."""

import base64
import datetime
import hashlib
import hmac
import urllib.parse

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.workspace.notifications import channels, services
from guanxi.workspace.notifications.models import Delivery

pytestmark = pytest.mark.django_db


def _robot(world, url, platform, secret=""):
    return services.robot_create(
        actor=world.admin, name=f"{platform}群", platform=platform, webhook_url=url, secret=secret
    )


def _queue(world, title="报价单待审批"):
    services.preference_set(actor=world.rep_a, kind="task_due", channels=["robot"])
    services.notify(
        recipients=[world.rep_a], kind="task_due", title=title, body="明天到期", link="/x/1/"
    )
    return Delivery.objects.get(channel="robot")


def _send(world, now=None):
    return services.deliveries_send(org=world.org, now=now)


def test_wecom_markdown(world, webhook):
    with org_scope(world.org):
        _robot(world, webhook.url, "wecom")
        delivery = _queue(world)
        assert _send(world) == {"sent": 1, "failed": 0}
        delivery.refresh_from_db()
    body = webhook.requests[0]["body"]
    assert body["msgtype"] == "markdown"
    assert "任务到期" in body["markdown"]["content"]
    assert "报价单待审批" in body["markdown"]["content"]
    assert "张三" in body["markdown"]["content"]
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 1 and delivery.sent_at is not None
    assert delivery.log[0]["ok"] is True


def test_dingtalk_markdown_signed_in_the_url(world, webhook):
    secret = "SEC0123456789abcdef"
    with org_scope(world.org):
        _robot(world, webhook.url, "dingtalk", secret)
        _queue(world)
        _send(world)
    request = webhook.requests[0]
    assert request["body"]["msgtype"] == "markdown"
    assert set(request["body"]["markdown"]) == {"title", "text"}
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
    assert query["access_token"] == ["abc123"]  # the webhook's own query is kept
    timestamp = query["timestamp"][0]
    assert len(timestamp) == 13  # milliseconds
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]


def test_feishu_text_signed_in_the_body(world, webhook):
    secret = "feishu-secret"
    with org_scope(world.org):
        _robot(world, webhook.url, "feishu", secret)
        _queue(world)
        _send(world)
    body = webhook.requests[0]["body"]
    assert body["msg_type"] == "text"
    assert "报价单待审批" in body["content"]["text"]
    timestamp = body["timestamp"]
    assert len(timestamp) == 10  # seconds
    key = f"{timestamp}\n{secret}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def test_unsigned_robot_posts_no_signature(world, webhook):
    with org_scope(world.org):
        _robot(world, webhook.url, "feishu")
        _queue(world)
        _send(world)
    assert "sign" not in webhook.requests[0]["body"]


def test_a_500_is_retried_with_back_off_until_it_fails(world, webhook):
    webhook.mode = "error500"
    with org_scope(world.org):
        _robot(world, webhook.url, "wecom")
        delivery = _queue(world)
        waits = []
        for attempt in range(1, services.MAX_ATTEMPTS + 1):
            result = _send(world, now=delivery.next_attempt_at)
            assert result == {"sent": 0, "failed": 1}
            delivery.refresh_from_db()
            assert delivery.attempts == attempt
            assert delivery.last_error == "HTTP 500"
            if delivery.next_attempt_at is not None:
                at = datetime.datetime.fromisoformat(delivery.log[-1]["at"])
                waits.append(round((delivery.next_attempt_at - at).total_seconds() / 60))
            # not due yet: nothing is sent again
            assert _send(world) == {"sent": 0, "failed": 0}
    assert waits == [1, 5, 30, 120, 360]
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.next_attempt_at is None
    assert len(delivery.log) == 6 and all(not entry["ok"] for entry in delivery.log)
    assert len(webhook.requests) == 6


def test_a_timeout_is_recorded_and_retried_then_a_200_sends(world, webhook, monkeypatch):
    monkeypatch.setattr(channels, "TIMEOUT", 0.3)
    webhook.mode = "slow"
    with org_scope(world.org):
        _robot(world, webhook.url, "dingtalk")
        delivery = _queue(world)
        _send(world)
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.PENDING
        assert delivery.attempts == 1
        assert "timed out" in delivery.last_error or "Timeout" in delivery.last_error
        webhook.mode = "ok"
        assert _send(world, now=delivery.next_attempt_at) == {"sent": 1, "failed": 0}
        delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 2
    assert [entry["ok"] for entry in delivery.log] == [False, True]
    assert delivery.last_error == ""


def test_a_platform_error_code_in_a_200_is_a_failure(world, webhook):
    webhook.mode = "errcode"
    with org_scope(world.org):
        _robot(world, webhook.url, "wecom")
        delivery = _queue(world)
        _send(world)
        delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.last_error.startswith("310000")


def test_a_claimed_delivery_is_not_sent_twice(world, webhook):
    """Two workers: the second finds the delivery claimed and leaves it."""
    with org_scope(world.org):
        _robot(world, webhook.url, "wecom")
        delivery = _queue(world)
        now = delivery.next_attempt_at
        assert services._claim(delivery.pk, now) is True
        assert services._claim(delivery.pk, now) is False
        assert _send(world, now=now) == {"sent": 0, "failed": 0}
    assert webhook.requests == []


def test_webhook_urls_must_be_http(world):
    with org_scope(world.org):
        for url in ("ftp://example.com/x", "file:///etc/passwd", "example.com/hook", ""):
            with pytest.raises(Exception) as refused:
                _robot(world, url, "wecom")
            assert "webhook_url" in str(refused.value.error_dict)

"""The mailbox passwords are stored encrypted: the poller still logs in with them (a
real Dovecot), a plain password of before the change still works and the data
migration encrypts it, a password the configured keys cannot decrypt is a readable
poll failure (never a crash), and a too-long password is refused with nothing saved."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import override_settings

from guanxi.core import crypto
from guanxi.core.tenancy import org_scope
from guanxi.service.mail import services
from guanxi.service.mail.models import PASSWORD_PURPOSE, Mailbox
from guanxi.service.mail.tests import helpers as h

pytestmark = pytest.mark.django_db

migration = importlib.import_module("guanxi.service.mail.migrations.0002_mailbox_password_text")


def test_the_stored_password_is_a_token_and_the_poller_logs_in_with_it(world, imap_server):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server)
    stored = h.reset_mailbox(world)
    assert crypto.is_encrypted(stored.imap_password)
    assert imap_server.password not in stored.imap_password
    imap_server.deliver(h.plain())
    assert h.poll(world, box).counts == {"ticket_created": 1}


def test_a_plain_password_still_works_and_the_migration_encrypts_it(world, imap_server):
    h.customer_with_contact(world)
    box = h.mailbox(world, imap=imap_server, smtp_user="agent", smtp_password="smtp-plain")
    with org_scope(world.org):
        Mailbox.objects.filter(pk=box.pk).update(
            imap_password=imap_server.password, smtp_password="smtp-plain"
        )
    imap_server.deliver(h.plain())
    assert h.poll(world, box).counts == {"ticket_created": 1}

    migration.encrypt_plain(apps, None)
    stored = h.reset_mailbox(world)
    assert crypto.is_encrypted(stored.imap_password) and crypto.is_encrypted(stored.smtp_password)
    assert stored.password("imap_password") == imap_server.password
    assert stored.password("smtp_password") == "smtp-plain"
    token = stored.imap_password
    migration.encrypt_plain(apps, None)  # a second run leaves tokens alone
    assert h.reset_mailbox(world).imap_password == token

    migration.decrypt_again(apps, None)
    assert h.reset_mailbox(world).imap_password == imap_server.password


def test_a_password_the_keys_cannot_decrypt_is_a_readable_failure(world, imap_server):
    box = h.mailbox(world, imap=imap_server)
    with override_settings(FIELD_ENCRYPTION_KEY="another-key"):
        result = h.poll(world, box)
    assert result.status == "failed"
    assert "无法解密" in result.error and "密钥" in result.error
    stored = h.reset_mailbox(world)
    assert stored.consecutive_failures == 1 and "无法解密" in stored.last_error
    assert crypto.decrypt(stored.imap_password, purpose=PASSWORD_PURPOSE)  # untouched


def test_a_too_long_password_is_refused_and_nothing_saved(world):
    box = h.mailbox(world)
    before = h.reset_mailbox(world).imap_password
    with org_scope(world.org), pytest.raises(ValidationError) as raised:
        services.mailbox_save(
            actor=world.admin, mailbox=box, version=box.version, imap_password="x" * 201
        )
    assert "imap_password" in raised.value.message_dict
    assert h.reset_mailbox(world).imap_password == before


def test_a_long_chinese_password_fits(world):
    box = h.mailbox(world)
    with org_scope(world.org):
        services.mailbox_save(
            actor=world.admin, mailbox=box, version=box.version, smtp_password="密" * 200
        )
    assert h.reset_mailbox(world).password("smtp_password") == "密" * 200

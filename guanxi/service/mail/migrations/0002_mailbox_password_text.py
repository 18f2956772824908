"""The mailbox passwords are stored encrypted (guanxi.core.crypto): the columns grow to
hold the tokens, and the plain passwords already saved are encrypted in place. Going
back decrypts them again (with the key that encrypted them still configured)."""

from django.db import migrations, models

from guanxi.core import crypto

# the purpose string of guanxi.service.mail.models.PASSWORD_PURPOSE, as of this migration
PURPOSE = "service_mail.mailbox.password"
FIELDS = ("imap_password", "smtp_password")


def _each(apps, change):
    Mailbox = apps.get_model("service_mail", "Mailbox")
    for box in Mailbox._base_manager.all().only("pk", *FIELDS).iterator():
        values = {name: change(getattr(box, name)) for name in FIELDS}
        if any(values[name] != getattr(box, name) for name in FIELDS):
            Mailbox._base_manager.filter(pk=box.pk).update(**values)


def encrypt_plain(apps, schema_editor):
    _each(
        apps,
        lambda value: (
            value
            if not value or crypto.is_encrypted(value)
            else crypto.encrypt(value, purpose=PURPOSE)
        ),
    )


def decrypt_again(apps, schema_editor):
    _each(apps, lambda value: crypto.reveal(value, purpose=PURPOSE))


class Migration(migrations.Migration):
    dependencies = [
        ("service_mail", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="mailbox",
            name="imap_password",
            field=models.TextField(blank=True, verbose_name="IMAP 密码"),
        ),
        migrations.AlterField(
            model_name="mailbox",
            name="smtp_password",
            field=models.TextField(blank=True, verbose_name="SMTP 密码"),
        ),
        migrations.RunPython(encrypt_plain, decrypt_again),
    ]

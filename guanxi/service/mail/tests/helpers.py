"""Builders of the e-mail channel's tests: customers with contacts, the org's
mailbox pointed at the test servers, and raw messages as mail clients write them."""

import email.policy
import email.utils
import itertools
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.service.mail import services
from guanxi.service.mail.models import Mailbox
from guanxi.service.mail.tests import servers

SERVICE_ADDRESS = "service@alpha.example"
_ids = itertools.count(1)


def customer_with_contact(
    world, *, name="华光科技有限公司", contact="李雷", email="li.lei@huaguang.example"
):
    with org_scope(world.org):
        client = customer_services.customer_create(actor=world.admin, name=name, owner=world.rep_a)
        person = customer_services.contact_create(
            actor=world.admin, customer=client, name=contact, email=email
        )
    return client, person


def mailbox(world, *, imap=None, smtp=None, active=True, **fields):
    """The org's mailbox, on the test servers when given (else unreachable ones)."""
    values = {
        "name": "客服邮箱",
        "active": active,
        "imap_host": "127.0.0.1",
        "imap_port": servers.free_port(),
        "imap_security": "none",
        "imap_user": servers.USER,
        "imap_password": servers.PASSWORD,
        "from_address": SERVICE_ADDRESS,
        "from_name": "阿尔法客服",
    }
    if imap is not None:
        values.update(imap.settings())
    if smtp is not None:
        values.update(smtp.settings())
    values.update(fields)
    with org_scope(world.org):
        return services.mailbox_save(actor=world.admin, **values)


def reload(world, record):
    with org_scope(world.org):
        return type(record).objects.get(pk=record.pk)


def message_id():
    return f"<test{next(_ids)}.{email.utils.make_msgid().strip('<>')}>"


def plain(
    *,
    sender="李雷 <li.lei@huaguang.example>",
    subject="打印机无法开机",
    body="您好，设备坏了。",
    msgid=None,
    headers=None,
    to=SERVICE_ADDRESS,
):
    """A UTF-8 text mail."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate(localtime=True)
    if msgid is not False:
        message["Message-ID"] = msgid or message_id()
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


def gbk(
    *,
    sender_name="韩梅梅",
    address="han@huaguang.example",
    subject="发票开错了",
    body="请重新开具增值税专用发票。",
    msgid=None,
):
    """A mail as an older Chinese client writes it: GBK subject and name as encoded
    words, a GB2312-declared base64 body."""
    message = MIMEText(body, "plain", "gbk")
    message.replace_header("Content-Type", 'text/plain; charset="gb2312"')
    message["Subject"] = Header(subject, "gbk")
    message["From"] = f"{Header(sender_name, 'gbk').encode()} <{address}>"
    message["To"] = SERVICE_ADDRESS
    message["Message-ID"] = msgid or message_id()
    return message.as_bytes()


def html_only(
    *, sender="li.lei@huaguang.example", subject="网页邮件", markup="<p>第一段</p><p>第二段</p>"
):
    message = MIMEMultipart("alternative")
    message["From"] = sender
    message["To"] = SERVICE_ADDRESS
    message["Subject"] = Header(subject, "utf-8")
    message["Message-ID"] = message_id()
    message.attach(MIMEText(markup, "html", "utf-8"))
    return message.as_bytes()


def with_attachment(*, sender="li.lei@huaguang.example", subject="附件", size=1000):
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = SERVICE_ADDRESS
    message["Subject"] = subject
    message["Message-ID"] = message_id()
    message.set_content("见附件。")
    message.add_attachment(
        b"x" * size, maintype="application", subtype="octet-stream", filename="故障照片.bin"
    )
    return message.as_bytes()


def poll(world, box, **kwargs):
    with org_scope(world.org):
        return services.mailbox_poll(mailbox=box, **kwargs)


def reset_mailbox(world):
    with org_scope(world.org):
        return Mailbox.objects.get()

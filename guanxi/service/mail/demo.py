"""Demo data of the e-mail channel: the org's support mailbox, set up but not active
(the demo has no mail server), and a few received mails handled the way the poller
handles them — a customer's contact writing in (a ticket), an unknown sender waiting
in the unmatched list, and an auto-reply set aside. Called by the project's demo seed
inside the demo org's scope after the tickets demo; a second run adds nothing. Returns
how many mails were recorded."""

import email.policy
import email.utils
from email.message import EmailMessage

from guanxi.customers.models import Contact
from guanxi.service.mail import services
from guanxi.service.mail.models import InboundMail, Mailbox


def _mail(*, sender, subject, body, headers=None, domain="huaxin-demo.example"):
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = f"service@{domain}"
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate(localtime=True)
    message["Message-ID"] = email.utils.make_msgid(domain=domain)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


def seed(admin):
    if Mailbox.objects.exists() or InboundMail.objects.exists():
        return 0
    mailbox = services.mailbox_save(
        actor=admin,
        name="客服邮箱",
        active=False,
        imap_host="imap.huaxin-demo.example",
        imap_port=993,
        imap_security="ssl",
        imap_user="service@huaxin-demo.example",
        imap_password="",
        smtp_host="smtp.huaxin-demo.example",
        smtp_port=465,
        smtp_security="ssl",
        smtp_user="service@huaxin-demo.example",
        from_address="service@huaxin-demo.example",
        from_name="华信科技客服",
    )
    mails = []
    contact = (
        Contact.objects.exclude(email="")
        .filter(customer__deleted_at__isnull=True)
        .select_related("customer")
        .order_by("pk")
        .first()
    )
    if contact is not None:
        mails.append(
            _mail(
                sender=email.utils.formataddr((contact.name, contact.email)),
                subject="设备报警灯常亮，请协助排查",
                body="您好：\n我们上月采购的设备今天开机后报警灯一直亮着，重启后仍然如此。"
                "请安排工程师联系我。\n谢谢！",
            )
        )
    mails.append(
        _mail(
            sender="刘经理 <liu.manager@xinke-demo.example>",
            subject="咨询：贵司产品能否开具专用发票",
            body="您好，我们是新科贸易，想采购一批设备，请问能否开具增值税专用发票？",
        )
    )
    mails.append(
        _mail(
            sender="postmaster@mail.partner-demo.example",
            subject="自动回复：我已休假",
            body="我将于下周一返回办公室，期间邮件不作处理。",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    for raw in mails:
        services.handle_message(mailbox=mailbox, raw=raw)
    return len(mails)

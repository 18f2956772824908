"""Every write to quotes (销售报价).

Each service checks the actor's permission and data scope first, validates the whole
input (``ValidationError`` with field errors, ``BusinessRuleError`` for rule
refusals) before writing, works in one transaction holding the quote's row lock and
records the change in the audit log.

The life of a quote::

    draft ──submit──▶ pending ──approved──▶ approved ──send──▶ sent ──▶ accepted
      ▲   (a line discount over the org's       │                  └──▶ rejected
      │    limit; else straight to approved)    │   (valid_until passed: expired)
      └──────── rejected / withdrawn ◀──────────┘

A draft whose discounts stay within the limit may be sent without approval. Editing
is possible in draft and approved (an edited approved quote goes back to draft);
once sent, a change is a new revision (``quote_revise``), and the old revision stays
read-only.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.core.versioning import lock_for_update
from guanxi.orgs import numbering, policy
from guanxi.orgs.models import OrgSettings
from guanxi.sales import lines as doc_lines
from guanxi.sales.quotes import selectors
from guanxi.sales.quotes.models import Quote, QuoteDelivery, QuoteLine
from guanxi.workspace.approvals import registry as approvals_registry
from guanxi.workspace.approvals import services as approvals
from guanxi.workspace.approvals.models import ApprovalRequest

DOCUMENT = "quote"
MODULE = selectors.MODULE
NUMBERING_TARGET = "quote"
TITLE_LENGTH = 200
TERMS_LENGTH = 5000
NOTES_LENGTH = 2000
MESSAGE_LENGTH = 5000
MAX_RECIPIENTS = 20
UNSET = object()

HEADER_FIELDS = (
    "title", "customer", "contact", "valid_until", "quote_date", "terms", "notes",
    "language", "owner", "opportunity",
)  # fmt: skip
AUDIT_FIELDS = (
    *HEADER_FIELDS, "status", "currency", "decimals", "subtotal", "discount_amount", "amount",
    "tax", "total", "max_discount", "revision", "superseded_at", "sent_at", "deleted_at",
)  # fmt: skip
EDITABLE = (Quote.Status.DRAFT, Quote.Status.APPROVED)
SENDABLE = (Quote.Status.DRAFT, Quote.Status.APPROVED, Quote.Status.SENT)


# ---- settings --------------------------------------------------------------------------


def org_parameters(org_id):
    """``(quote_decimals, price_decimals, currency, quote_discount_limit)`` of the org."""
    with org_scope(org_id):
        row = (
            OrgSettings.objects.filter(org_id=org_id)
            .values_list("quote_decimals", "price_decimals", "currency", "quote_discount_limit")
            .first()
        )
    if row is None:
        return 2, 2, "CNY", None
    return row


def needs_approval(quote, limit=UNSET) -> bool:
    """Whether a line discount of ``quote`` exceeds the org's ``quote_discount_limit``."""
    if limit is UNSET:
        limit = org_parameters(quote.org_id)[3]
    return limit is not None and quote.max_discount > limit


# ---- validation ------------------------------------------------------------------------


def _text(value, field, length, errors):
    value = "" if value is None else str(value).strip()
    if len(value) > length:
        errors.setdefault(field, []).append(_("最多 %(count)s 个字。") % {"count": length})
    return value


def _date(value, field, errors):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors.setdefault(field, []).append(_("请输入有效的日期。"))
        return None


def _clean_header(actor, data, errors):
    """Checks and normalises the header fields in ``data`` (in place)."""
    customer = data.get("customer")
    if customer is None:
        errors.setdefault("customer", []).append(_("请选择客户。"))
    elif customer.org_id != actor.org_id or customer.deleted_at is not None:
        errors.setdefault("customer", []).append(_("客户不存在。"))
    contact = data.get("contact")
    if contact is not None and (
        customer is None or contact.customer_id != customer.pk or contact.deleted_at is not None
    ):
        errors.setdefault("contact", []).append(_("联系人不属于该客户。"))
    opportunity = data.get("opportunity")
    if opportunity is not None and (
        opportunity.org_id != actor.org_id
        or customer is None
        or opportunity.customer_id != customer.pk
    ):
        errors.setdefault("opportunity", []).append(_("商机不属于该客户。"))
    owner = data.get("owner")
    if owner is not None and (owner.org_id != actor.org_id or not owner.is_active):
        errors.setdefault("owner", []).append(_("负责人必须是本组织在职员工。"))
    data["title"] = _text(data.get("title"), "title", TITLE_LENGTH, errors)
    data["terms"] = _text(data.get("terms"), "terms", TERMS_LENGTH, errors)
    data["notes"] = _text(data.get("notes"), "notes", NOTES_LENGTH, errors)
    data["quote_date"] = _date(data.get("quote_date"), "quote_date", errors) or (
        timezone.localdate()
    )
    data["valid_until"] = _date(data.get("valid_until"), "valid_until", errors)
    if data["valid_until"] is not None and data["valid_until"] < data["quote_date"]:
        errors.setdefault("valid_until", []).append(_("有效期不能早于报价日期。"))
    language = data.get("language") or Quote.Language.CHINESE
    if language not in Quote.Language.values:
        errors.setdefault("language", []).append(_("请选择中文或英文。"))
    data["language"] = language


def _check_customer_visible(actor, customer):
    """A quote is made for a customer the actor may see (else the same 404 as a
    missing one: no leak of customers out of scope)."""
    if customer is not None and not policy.can_see_record(
        actor, "customers", customer, owner="owner", department="department"
    ):
        raise ValidationError({"customer": [_("客户不存在。")]}, code="invalid")


def _check_transfer(actor, owner, current_owner_id):
    """Giving a quote to someone other than oneself (or than its current owner) is a
    transfer: it needs ``quotes.transfer``."""
    if owner is None or owner.pk in (actor.pk, current_owner_id):
        return
    if not policy.can(actor, f"{MODULE}.transfer"):
        raise PermissionDenied(_("把报价单交给其他负责人需要“转移”权限。"))


def _raise(errors):
    if errors:
        raise ValidationError(errors, code="invalid")


def _clean_lines(actor, raw, *, places, price_places, allowed_inactive=()):
    return doc_lines.clean_lines(
        raw,
        org_id=actor.org_id,
        places=places,
        price_places=max(price_places, 6),
        allowed_inactive=allowed_inactive,
    )


def _snapshot(quote):
    return audit.snapshot(quote, AUDIT_FIELDS)


def _apply_totals(quote, totals, inputs, places):
    for name, value in totals.as_fields().items():
        setattr(quote, name, value)
    quote.decimals = places
    quote.max_discount = doc_lines.max_discount(inputs)


def _owner_department(owner):
    return owner.department_id if owner is not None else None


# ---- create / update / delete ----------------------------------------------------------


@transaction.atomic
def quote_create(
    *,
    actor,
    customer,
    lines,
    contact=None,
    title="",
    quote_date=None,
    valid_until=None,
    terms="",
    notes="",
    language=Quote.Language.CHINESE,
    owner=None,
    opportunity=None,
):
    """A draft quote for ``customer`` with ``lines`` (raw dicts with the API names, see
    ``guanxi.sales.lines.clean_lines``). Its code is the next of the org's ``quote``
    numbering rule; ``owner`` defaults to the actor; currency and decimal places come
    from the system parameters. Needs ``quotes.create`` and a customer the actor may
    see; ``opportunity`` (optional) must be of the same customer."""
    policy.require(actor, f"{MODULE}.create")
    owner = owner or actor
    _check_transfer(actor, owner, None)
    data = {
        "customer": customer,
        "contact": contact,
        "title": title,
        "quote_date": quote_date,
        "valid_until": valid_until,
        "terms": terms,
        "notes": notes,
        "language": language,
        "owner": owner,
        "opportunity": opportunity,
    }
    errors: dict[str, list] = {}
    _clean_header(actor, data, errors)
    places, price_places, currency, _limit = org_parameters(actor.org_id)
    try:
        inputs = _clean_lines(actor, lines, places=places, price_places=price_places)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    _raise(errors)
    _check_customer_visible(actor, customer)
    quote = Quote(
        org_id=actor.org_id,
        code=numbering.next_code(org_id=actor.org_id, target=NUMBERING_TARGET),
        currency=currency,
        owner_department_id=_owner_department(owner),
        created_by=actor,
        **data,
    )
    quote.save()
    totals = doc_lines.replace_lines(
        document=quote, line_model=QuoteLine, fk_name="quote", inputs=inputs, places=places
    )
    _apply_totals(quote, totals, inputs, places)
    quote.save()
    audit.record_change(
        actor=actor, instance=quote, action=ChangeRecord.Action.CREATE, after=_snapshot(quote)
    )
    _index(quote)
    return quote


def _lock(actor, quote):
    """Re-read and lock the quote after checking the actor may change it."""
    selectors.access_quote(actor, quote.pk, write=True)
    locked = lock_for_update(Quote, quote.pk)
    if locked.deleted_at is not None:
        raise BusinessRuleError(_("报价单已删除。"), code="quote_deleted")
    return locked


def _check_current(quote):
    if quote.superseded:
        raise BusinessRuleError(
            _("这是已被新版本取代的旧版本，只能查看。"), code="quote_superseded"
        )


def _check_editable(quote):
    _check_current(quote)
    approvals.ensure_editable(quote)
    if quote.status not in EDITABLE:
        raise BusinessRuleError(
            _("报价单“%(status)s”后不能直接修改，请生成新版本。")
            % {"status": quote.get_status_display()},
            code="quote_not_editable",
        )


@transaction.atomic
def quote_update(*, actor, quote, version=None, lines=UNSET, **changes):
    """Change a draft or approved quote's header and/or ``lines``; an approved quote goes
    back to draft (its approval no longer fits it). Refused while pending approval
    ("审批中"), once sent (revise instead) and on a superseded revision. ``version`` is
    the one the editor loaded (stale: 409). Locks the quote."""
    quote = _lock(actor, quote)
    _check_editable(quote)  # before the version: "under approval" says more than "stale"
    if version is not None and int(version) != quote.version:
        raise StaleVersion()
    unknown = sorted(set(changes) - set(HEADER_FIELDS))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown})
    data = {name: getattr(quote, name) for name in HEADER_FIELDS}
    data.update(changes)
    if data["owner"] is None:
        data["owner"] = quote.owner
    _check_transfer(actor, data["owner"], quote.owner_id)
    errors: dict[str, list] = {}
    _clean_header(actor, data, errors)
    places, price_places, _currency, _limit = org_parameters(actor.org_id)
    inputs = None
    if lines is not UNSET:
        current = list(quote.lines.values_list("product_id", flat=True))
        try:
            inputs = _clean_lines(
                actor, lines, places=places, price_places=price_places, allowed_inactive=current
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    _raise(errors)
    if data["customer"].pk != quote.customer_id:
        _check_customer_visible(actor, data["customer"])
    before = _snapshot(quote)
    for name, value in data.items():
        setattr(quote, name, value)
    quote.owner_department_id = _owner_department(quote.owner)
    if inputs is not None:
        totals = doc_lines.replace_lines(
            document=quote, line_model=QuoteLine, fk_name="quote", inputs=inputs, places=places
        )
        _apply_totals(quote, totals, inputs, places)
    changed = _snapshot(quote) != before or inputs is not None
    if changed and quote.status == Quote.Status.APPROVED:
        quote.status = Quote.Status.DRAFT
    if changed:
        quote.version += 1
        quote.save()
        audit.record_change(
            actor=actor,
            instance=quote,
            action=ChangeRecord.Action.UPDATE,
            before=before,
            after=_snapshot(quote),
        )
        _index(quote)
    return quote


@transaction.atomic
def quote_delete(*, actor, quote):
    """Move a quote to the recycle bin (``quotes.delete``); refused while pending
    approval. Deleting the current revision makes the one before it current again."""
    policy.require(actor, f"{MODULE}.delete")
    selectors.access_quote(actor, quote.pk)
    quote = lock_for_update(Quote, quote.pk)
    if quote.deleted_at is not None:
        raise BusinessRuleError(_("报价单已删除。"), code="quote_deleted")
    approvals.ensure_editable(quote)
    before = _snapshot(quote)
    previous_id = quote.previous_id
    quote.deleted_at = timezone.now()
    quote.previous = None  # the previous revision may be revised again
    quote.save(update_fields=["deleted_at", "previous", "updated_at"])
    if previous_id is not None and not quote.superseded:
        Quote.objects.filter(pk=previous_id).update(superseded_at=None)
    audit.record_change(
        actor=actor,
        instance=quote,
        action=ChangeRecord.Action.DELETE,
        before=before,
        after=_snapshot(quote),
    )
    _index(quote, *([previous_id] if previous_id else []))


# ---- revisions -------------------------------------------------------------------------


@transaction.atomic
def quote_revise(*, actor, quote):
    """Make the next revision of ``quote`` (same code, revision + 1, header and lines
    copied, status draft, amounts recomputed at today's decimal places); ``quote`` is
    kept, read-only, as superseded. Needs ``quotes.create`` and ``quotes.edit``;
    refused while pending approval or on a superseded revision. Locks ``quote``."""
    policy.require(actor, f"{MODULE}.create")
    old = _lock(actor, quote)
    _check_current(old)
    approvals.ensure_editable(old)
    places, _price_places, currency, _limit = org_parameters(actor.org_id)
    new = Quote(
        org_id=old.org_id,
        code=old.code,
        # the next number of the code, deleted revisions included: never reused
        revision=(
            Quote.with_deleted.filter(code=old.code).aggregate(last=Max("revision"))["last"] or 0
        )
        + 1,
        previous=old,
        title=old.title,
        customer_id=old.customer_id,
        contact_id=old.contact_id,
        language=old.language,
        currency=old.currency or currency,
        quote_date=timezone.localdate(),
        valid_until=old.valid_until,
        terms=old.terms,
        notes=old.notes,
        owner_id=old.owner_id,
        opportunity_id=old.opportunity_id,
        owner_department_id=old.owner_department_id,
        created_by=actor,
    )
    if new.valid_until is not None and new.valid_until < new.quote_date:
        new.valid_until = None
    new.save()
    inputs = doc_lines.inputs_from_lines(old.lines.select_related("product"))
    totals = doc_lines.replace_lines(
        document=new, line_model=QuoteLine, fk_name="quote", inputs=inputs, places=places
    )
    _apply_totals(new, totals, inputs, places)
    new.save()
    before = _snapshot(old)
    old.superseded_at = timezone.now()
    old.version += 1
    old.save(update_fields=["superseded_at", "version", "updated_at"])
    audit.record_change(
        actor=actor,
        instance=old,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(old),
    )
    audit.record_change(
        actor=actor, instance=new, action=ChangeRecord.Action.CREATE, after=_snapshot(new)
    )
    _index(new)
    return new


# ---- approval --------------------------------------------------------------------------


@transaction.atomic
def quote_submit(*, actor, quote, comment=""):
    """Submit a draft for approval. A quote whose line discounts all stay within the
    org's ``quote_discount_limit`` needs none and is approved at once; otherwise it goes
    to the approvals engine (document type ``quote``). When no approval flow of the org
    matches, the engine answers None and the quote counts as approved (the org chose not
    to route quotes). Returns the approval request or None. Locks the quote."""
    quote = _lock(actor, quote)
    _check_current(quote)
    approvals.ensure_editable(quote)
    if quote.status != Quote.Status.DRAFT:
        raise BusinessRuleError(_("只有草稿状态的报价单可以提交审批。"), code="quote_not_draft")
    if not quote.lines.exists():
        raise BusinessRuleError(_("报价单没有明细，不能提交。"), code="quote_empty")
    before = _snapshot(quote)
    request = None
    if needs_approval(quote):
        request = approvals.submit(actor=actor, record=quote, document=DOCUMENT, comment=comment)
    if request is None or request.status == ApprovalRequest.Status.APPROVED:
        quote.status = Quote.Status.APPROVED
    else:
        quote.status = Quote.Status.PENDING
    quote.version += 1
    quote.save()
    audit.record_change(
        actor=actor,
        instance=quote,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(quote),
    )
    return request


def _on_decided(record, request):
    """The approvals engine ended a request of this quote: approved → approved; rejected
    or withdrawn → back to draft (edit it, then submit again)."""
    quote = lock_for_update(Quote, record.pk)
    if quote.status != Quote.Status.PENDING:
        return
    before = _snapshot(quote)
    quote.status = (
        Quote.Status.APPROVED
        if request.status == ApprovalRequest.Status.APPROVED
        else Quote.Status.DRAFT
    )
    quote.version += 1
    quote.save()
    audit.record_change(
        actor=None,
        instance=quote,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(quote),
    )


def register_document():
    """Called once at start-up: quotes become the approvals document type ``quote``
    (variables: the largest line discount in percent and the total amount)."""
    approvals_registry.register(
        DOCUMENT,
        gettext_lazy("报价单"),
        model=Quote,
        variables={
            "max_discount": approvals_registry.Variable(
                gettext_lazy("最大行折扣（%）"),
                approvals_registry.NUMBER,
                lambda quote: quote.max_discount,
            ),
            "total": approvals_registry.Variable(
                gettext_lazy("价税合计"), approvals_registry.NUMBER, lambda quote: quote.total
            ),
        },
        describe=lambda quote: f"{quote.label} {quote.customer.name}",
        link=lambda quote: reverse("quotes:quote_detail", args=[quote.pk]),
        owner_field="owner",
        on_decided=_on_decided,
    )


# ---- sending ---------------------------------------------------------------------------


def _addresses(value, field, errors, *, required):
    if isinstance(value, (list, tuple)):
        parts = [str(v).strip() for v in value]
    else:
        text = str(value or "").replace("；", ";").replace("，", ",").replace(";", ",")
        parts = [part.strip() for part in text.split(",")]
    parts = [part for part in parts if part]
    if required and not parts:
        errors.setdefault(field, []).append(_("请填写收件人邮箱。"))
    if len(parts) > MAX_RECIPIENTS:
        errors.setdefault(field, []).append(
            _("最多 %(count)s 个地址。") % {"count": MAX_RECIPIENTS}
        )
    for part in parts:
        try:
            validate_email(part)
        except ValidationError:
            errors.setdefault(field, []).append(
                _("“%(address)s”不是有效的邮箱地址。") % {"address": part}
            )
    return parts


def check_sendable(quote, *, today=None):
    """Refuse (``BusinessRuleError``) to send ``quote`` now: superseded, pending or
    needing an approval it has not got, expired, accepted or rejected, or empty."""
    _check_current(quote)
    approvals.ensure_editable(quote)
    if quote.status not in SENDABLE:
        raise BusinessRuleError(
            _("报价单“%(status)s”，不能发送。") % {"status": quote.get_status_display()},
            code="quote_not_sendable",
        )
    if quote.status == Quote.Status.DRAFT and needs_approval(quote):
        raise BusinessRuleError(
            _("报价折扣超出审批线，须审批通过后才能发送。"), code="quote_needs_approval"
        )
    today = today or timezone.localdate()
    if quote.valid_until is not None and quote.valid_until < today:
        raise BusinessRuleError(
            _("报价单已过有效期，请修改有效期或生成新版本后再发送。"), code="quote_expired"
        )
    if quote.total is None or not quote.lines.exists():
        raise BusinessRuleError(_("报价单没有明细，不能提交。"), code="quote_empty")


def default_subject(quote, language=None):
    with translation.override(language or quote.language):
        return _("报价单 %(label)s - %(org)s") % {"label": quote.label, "org": _org_name(quote)}


def _org_name(quote):
    with all_orgs():
        return quote.org.name


@transaction.atomic
def quote_send(*, actor, quote, to, cc="", subject="", message="", language=None, connection=None):
    """E-mail the quote's PDF (in ``language``, the quote's own by default) to ``to``
    (and ``cc``), from the system. Records who sent it when to whom and moves the quote
    to sent. Refused unless it may be sent (``check_sendable``). The mail is sent inside
    the transaction, as its last step: a mail server that refuses it rolls everything
    back, so a quote is never marked sent that was not. ``connection``: another mail
    connection than the configured backend (the demo data sends to a dummy one). Locks the
    quote."""
    from guanxi.sales.quotes.pdf import quote_pdf, quote_pdf_filename

    quote = _lock(actor, quote)
    check_sendable(quote)
    language = language or quote.language
    if language not in Quote.Language.values:
        raise ValidationError({"language": [_("请选择中文或英文。")]}, code="invalid")
    errors: dict[str, list] = {}
    to_list = _addresses(to, "to", errors, required=True)
    cc_list = _addresses(cc, "cc", errors, required=False)
    subject = _text(subject, "subject", 200, errors) or default_subject(quote, language)
    message = _text(message, "message", MESSAGE_LENGTH, errors)
    _raise(errors)
    quote = (
        selectors.with_lines(Quote.objects.filter(pk=quote.pk))
        .select_related("customer", "contact", "owner")
        .get()
    )
    pdf = quote_pdf(quote, language=language)
    before = _snapshot(quote)
    now = timezone.now()
    delivery = QuoteDelivery.objects.create(
        org_id=quote.org_id,
        quote=quote,
        sent_by=actor,
        sent_at=now,
        to=", ".join(to_list)[:1000],
        cc=", ".join(cc_list)[:1000],
        subject=subject,
        language=language,
    )
    quote.status = Quote.Status.SENT
    quote.sent_at = now
    quote.version += 1
    quote.save()
    audit.record_change(
        actor=actor,
        instance=quote,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(quote),
    )
    mail = EmailMessage(
        subject=subject, body=message, to=to_list, cc=cc_list, connection=connection
    )
    if actor.user_id and getattr(actor.user, "email", ""):
        mail.reply_to = [actor.user.email]
    mail.attach(quote_pdf_filename(quote, language), pdf, "application/pdf")
    mail.send(fail_silently=False)
    return delivery


# ---- the customer's answer and expiry --------------------------------------------------


OUTCOMES = {"accepted": Quote.Status.ACCEPTED, "rejected": Quote.Status.REJECTED}


@transaction.atomic
def quote_mark(*, actor, quote, outcome):
    """Record the customer's answer to a sent quote: ``accepted`` or ``rejected``."""
    if outcome not in OUTCOMES:
        raise ValidationError({"outcome": [_("请选择“接受”或“拒绝”。")]}, code="invalid")
    quote = _lock(actor, quote)
    _check_current(quote)
    if quote.status not in (Quote.Status.SENT, Quote.Status.EXPIRED):
        raise BusinessRuleError(_("只有已发送的报价单可以登记客户答复。"), code="quote_not_sent")
    before = _snapshot(quote)
    quote.status = OUTCOMES[outcome]
    quote.decided_at = timezone.now()
    quote.version += 1
    quote.save()
    audit.record_change(
        actor=actor,
        instance=quote,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(quote),
    )
    return quote


def quotes_expire(*, org_id, today=None) -> int:
    """Mark the org's sent quotes whose ``valid_until`` has passed as expired (the nightly
    job); returns how many."""
    today = today or timezone.localdate()
    with org_scope(org_id), transaction.atomic():
        due = Quote.objects.filter(status=Quote.Status.SENT, valid_until__lt=today)
        count = 0
        for quote in due.select_for_update():
            before = _snapshot(quote)
            quote.status = Quote.Status.EXPIRED
            quote.version += 1
            quote.save(update_fields=["status", "version", "updated_at"])
            audit.record_change(
                actor=None,
                instance=quote,
                action=ChangeRecord.Action.UPDATE,
                before=before,
                after=_snapshot(quote),
            )
            count += 1
    return count


def active_org_ids() -> list[int]:
    from guanxi.orgs.models import Organization

    with all_orgs():
        return list(Organization.objects.filter(is_active=True).values_list("pk", flat=True))


# ---- search index ----------------------------------------------------------------------


def _index(quote, *extra_ids):
    """Refresh the search entries of ``quote`` (and of ``extra_ids``) in this transaction:
    only current, live revisions stay in the index."""
    from guanxi.sales.quotes import indexing

    ids = [quote.pk, *extra_ids]
    if quote.previous_id:
        ids.append(quote.previous_id)
    indexing.index_quotes(ids)

"""Screens of opportunities (商机): the list, the kanban board (drag a card to another
stage), the funnel, the opportunity page (stage path, lines, competitors, history,
follow-ups), the create/edit form and the pipeline setup. Thin: they parse input and
call ``services`` / ``selectors``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.models import Contact
from guanxi.orgs import policy
from guanxi.orgs.selectors import dictionary_labels
from guanxi.sales import forms as sales_forms
from guanxi.sales import lines as document_lines
from guanxi.sales import paging
from guanxi.sales.opportunities import selectors, services
from guanxi.sales.opportunities.filters import SORTS, OpportunityFilter
from guanxi.sales.opportunities.forms import (
    LoseForm,
    OpportunityForm,
    PipelineForm,
    StageFormSet,
    active_employees,
    stages_from_formset,
)
from guanxi.sales.opportunities.models import (
    MONEY_PLACES,
    Opportunity,
    OpportunityLine,
    Pipeline,
    Stage,
)

MODULE = "opportunities"
PAGE_SIZE = 30
PICK_LIMIT = 20
REFUSALS = (ValidationError, BusinessRuleError, PermissionDenied)
BOARD_FILTERS = ("q", "owner", "customer", "close_from", "close_to", "amount_min", "amount_max")


def _can(employee):
    return {
        action: policy.can(employee, f"{MODULE}.{action}")
        for action in ("create", "edit", "delete", "transfer")
    }


def _params(request, keys=None):
    return {
        key: value
        for key, value in request.GET.items()
        if value and key not in ("page", "sort") and (keys is None or key in keys)
    }


def _owner_choices(employee):
    """Owners to filter by: everyone for those who see beyond their own records."""
    if (
        policy.visible_q(employee, MODULE) is None
        or policy.access_for(employee).scope(MODULE).department_ids
    ):
        return [(e.pk, e.name) for e in active_employees()]
    return [(employee.pk, _("我负责的"))]


def _pipeline_param(request, pipelines):
    wanted = request.GET.get("pipeline")
    for pipeline in pipelines:
        if str(pipeline.pk) == wanted:
            return pipeline
    return pipelines[0]


def _filtered(request, employee, *, keys=None):
    """``(queryset, filterset)`` of the scoped opportunities under the request's filters."""
    data = request.GET
    if keys is not None:
        data = data.copy()
        for key in list(data):
            if key not in keys:
                del data[key]
    filterset = OpportunityFilter(data, queryset=selectors.opportunity_queryset(employee=employee))
    queryset = filterset.qs if filterset.is_valid() else Opportunity.objects.none()
    return queryset, filterset


# ---- list ----------------------------------------------------------------------------------


@employee_required
@require_GET
def opportunity_list(request):
    """Opportunities the employee sees, filtered and sorted (``sort``: a column key)."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    services.ensure_default_pipeline(employee.org_id)
    queryset, filterset = _filtered(request, employee)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "-created"
    rows, pager = paging.keyset_page(request, queryset, order=SORTS[sort], size=PAGE_SIZE)
    pipelines = selectors.pipelines(active_only=False)
    stages = list(Stage.objects.filter(pipeline__in=pipelines).order_by("pipeline_id", "position"))
    params = _params(request)
    return render(
        request,
        "opportunities/opportunity_list.html",
        {
            "rows": rows,
            **pager,
            "params": params,
            "sort": sort,
            "query": urlencode(params),
            "filter_errors": filterset.errors if filterset.is_bound else {},
            "statuses": Opportunity.Status.choices,
            "selected_status": request.GET.getlist("status"),
            "stages": [
                (s.pk, f"{s.name}" if len(pipelines) == 1 else f"{s.pipeline.name} · {s.name}")
                for s in stages
            ],
            "owners": _owner_choices(employee),
            "can": _can(employee),
            "can_setup": policy.can(employee, "sales_setup.view"),
        },
    )


# ---- board ---------------------------------------------------------------------------------


def _board_context(request, employee, pipeline, *, stage_ids=None):
    queryset, filterset = _filtered(request, employee, keys=BOARD_FILTERS)
    columns = selectors.kanban_columns(
        employee=employee, pipeline=pipeline, queryset=queryset, stage_ids=stage_ids
    )
    params = _params(request, BOARD_FILTERS)
    return {
        "pipeline": pipeline,
        "columns": columns,
        "params": params,
        "query": urlencode(params),
        "filter_errors": filterset.errors if filterset.is_bound else {},
        "can_move": policy.can(employee, f"{MODULE}.edit"),
    }


@employee_required
@require_GET
def opportunity_board(request):
    """The kanban board of one pipeline: a column per stage with its totals (count,
    amount, weighted amount) and cards; dragging a card to another column moves it."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    services.ensure_default_pipeline(employee.org_id)
    pipelines = selectors.pipelines()
    pipeline = _pipeline_param(request, pipelines)
    context = _board_context(request, employee, pipeline)
    context.update(
        {
            "pipelines": pipelines,
            "owners": _owner_choices(employee),
            "lose_form": LoseForm(),
            "can": _can(employee),
        }
    )
    return render(request, "opportunities/opportunity_board.html", context)


@employee_required
@require_POST
def opportunity_move(request, pk):
    """Move an opportunity to ``stage`` (with the ``version`` shown). From the board
    (htmx) it answers the two columns concerned, re-rendered, whatever happened (a refused
    move snaps back, with the reason: 403 no permission, 409 changed by someone else, 400
    or 422 refused); from the opportunity page it goes back there."""
    employee = request.employee
    opportunity = selectors.access_opportunity(employee, pk)
    from_stage_id = opportunity.stage_id
    stage = Stage.objects.filter(pk=_int(request.POST.get("stage"))).first()
    status, message = 200, ""
    try:
        if stage is None:
            raise ValidationError({"stage": [_("阶段不存在。")]})
        services.opportunity_move(
            actor=employee,
            opportunity=opportunity,
            stage=stage,
            version=_int(request.POST.get("version")),
            lost_reason=request.POST.get("lost_reason", ""),
            lost_note=request.POST.get("lost_note", ""),
        )
    except REFUSALS as exc:
        status = 403 if isinstance(exc, PermissionDenied) else getattr(exc, "status_code", 400)
        message = refusal_text(exc)
    if not request.htmx:
        if message:
            messages.error(request, message)
        else:
            messages.success(request, _("商机已移到“%(stage)s”。") % {"stage": stage.name})
        target = request.POST.get("next", "")
        if target.startswith("/") and not target.startswith("//"):
            return redirect(target)
        return redirect("opportunities:opportunity_detail", opportunity.pk)
    stage_ids = {from_stage_id} | ({stage.pk} if stage is not None else set())
    pipeline = opportunity.pipeline
    context = _board_context(request, employee, pipeline, stage_ids=stage_ids)
    context.update({"oob": True, "message": message})
    return render(request, "opportunities/_board_columns.html", context, status=status)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---- funnel --------------------------------------------------------------------------------


@employee_required
@require_GET
def opportunity_funnel(request):
    """The funnel of one pipeline: count, amount and weighted amount per stage (ECharts,
    with the same figures as a table)."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    services.ensure_default_pipeline(employee.org_id)
    pipelines = selectors.pipelines()
    pipeline = _pipeline_param(request, pipelines)
    queryset, filterset = _filtered(request, employee, keys=BOARD_FILTERS)
    rows = selectors.funnel(queryset=queryset, pipeline=pipeline)
    chart = {
        "stages": [row["stage"].name for row in rows],
        "counts": [row["count"] for row in rows],
        "amounts": [str(row["amount"]) for row in rows],
        "labels": {"count": _("商机数"), "amount": _("金额")},
    }
    params = _params(request, BOARD_FILTERS)
    return render(
        request,
        "opportunities/opportunity_funnel.html",
        {
            "pipelines": pipelines,
            "pipeline": pipeline,
            "rows": rows,
            "chart": chart,
            "params": params,
            "query": urlencode(params),
            "owners": _owner_choices(employee),
            "filter_errors": filterset.errors if filterset.is_bound else {},
        },
    )


# ---- the opportunity page ----------------------------------------------------------------


@employee_required
@require_GET
def opportunity_detail(request, pk):
    employee = request.employee
    opportunity = selectors.access_opportunity(employee, pk)
    lines = list(
        OpportunityLine.objects.filter(opportunity=opportunity)
        .select_related("product")
        .order_by("position")
    )
    labels = dictionary_labels(kinds=["lost_reason", "lead_source"])
    can = _can(employee)
    return render(
        request,
        "opportunities/opportunity_detail.html",
        {
            "opportunity": opportunity,
            "stages": selectors.stages_of(opportunity.pipeline_id),
            "lines": lines,
            "totals": document_lines.compute_totals(lines, MONEY_PLACES) if lines else None,
            "currency": opportunity.currency,
            "history": selectors.stage_history(opportunity),
            "lost_reason_label": labels["lost_reason"].get(opportunity.lost_reason, ""),
            "source_label": labels["lead_source"].get(opportunity.source, opportunity.source),
            "lose_form": LoseForm(initial={"version": opportunity.version}),
            "can": can,
            "can_followup": policy.can(employee, "activities.view"),
        },
    )


def _form_records(employee, *, customer=None, pipeline=None):
    pipelines = selectors.pipelines()
    contacts = (
        list(Contact.objects.filter(customer=customer).order_by("-is_primary", "name"))
        if customer is not None
        else []
    )
    pipeline = pipeline or (pipelines[0] if pipelines else None)
    stages = [
        s for s in selectors.stages_of(pipeline, active_only=True) if s.kind == Stage.Kind.OPEN
    ]
    owners = active_employees() if policy.can(employee, f"{MODULE}.transfer") else []
    return {
        "customers": [customer] if customer is not None else [],
        "contacts": contacts,
        "pipelines": pipelines,
        "stages": stages,
        "owners": owners,
    }


def _customer_from(employee, value):
    """A customer the employee sees, by id (None for anything else)."""
    pk = _int(value)
    if not pk:
        return None
    return customer_selectors.customer_queryset(employee=employee).filter(pk=pk).first()


def _editor(request, employee, rows, errors=()):
    places = MONEY_PLACES
    return sales_forms.editor_context(
        org_id=employee.org_id,
        rows=rows,
        places=places,
        currency=services._org_values(employee.org_id)[0],
        errors=errors,
    )


def _raw_lines(request, form):
    try:
        return sales_forms.lines_from_post(request.POST), []
    except ValidationError as exc:
        return [], exc.message_dict.get("lines", exc.messages)


def _form_page(request, form, *, opportunity=None, editor=None, status=200):
    return render(
        request,
        "opportunities/opportunity_form.html",
        {"form": form, "opportunity": opportunity, **(editor or {})},
        status=status,
    )


@employee_required
def opportunity_create(request):
    """A new opportunity (``?customer=`` preselects the customer, as from its page)."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.create")
    services.ensure_default_pipeline(employee.org_id)
    source = request.POST if request.method == "POST" else request.GET
    customer = _customer_from(employee, source.get("customer"))
    pipelines = selectors.pipelines()
    pipeline = next((p for p in pipelines if str(p.pk) == source.get("pipeline")), None)
    records = _form_records(employee, customer=customer, pipeline=pipeline)
    initial = {"customer": customer.pk if customer else None, "owner": employee.pk}
    form = OpportunityForm(request.POST or None, initial=initial, **records)
    raw, line_errors = _raw_lines(request, form) if request.method == "POST" else ([], [])
    if request.method == "POST" and form.is_valid() and not line_errors:
        data = form.cleaned_data
        try:
            opportunity = services.opportunity_create(
                actor=employee,
                customer=form.record("customer"),
                name=data["name"],
                amount=None if raw else data.get("amount"),
                probability=data.get("probability"),
                expected_close_date=data.get("expected_close_date"),
                owner=form.record("owner") or employee,
                contact=form.record("contact"),
                pipeline=form.record("pipeline"),
                stage=form.record("stage"),
                source=data.get("source") or "",
                next_step=data.get("next_step") or "",
                description=data.get("description") or "",
                lines=raw,
            )
        except REFUSALS as exc:
            if isinstance(exc, ValidationError) and "lines" in getattr(exc, "message_dict", {}):
                line_errors = exc.message_dict["lines"]
            refuse(form, exc)
        else:
            messages.success(request, _("商机已创建。"))
            return redirect("opportunities:opportunity_detail", opportunity.pk)
    status = form_status(request, form) if not line_errors else 400
    return _form_page(
        request, form, editor=_editor(request, employee, raw, line_errors), status=status
    )


@employee_required
def opportunity_edit(request, pk):
    employee = request.employee
    opportunity = selectors.access_opportunity(employee, pk, write=True)
    records = _form_records(employee, customer=opportunity.customer)
    initial = {
        "name": opportunity.name,
        "contact": opportunity.contact_id,
        "amount": opportunity.amount,
        "probability": opportunity.probability,
        "expected_close_date": opportunity.expected_close_date,
        "source": opportunity.source,
        "next_step": opportunity.next_step,
        "owner": opportunity.owner_id,
        "description": opportunity.description,
        "version": opportunity.version,
    }
    form = OpportunityForm(
        request.POST or None, initial=initial, editing=True, source=opportunity.source, **records
    )
    stored = list(opportunity.lines.select_related("product").order_by("position"))
    raw, line_errors = _raw_lines(request, form) if request.method == "POST" else (stored, [])
    if request.method == "POST" and form.is_valid() and not line_errors:
        data = form.cleaned_data
        changes = {
            "name": data["name"],
            "contact": form.record("contact"),
            "probability": data.get("probability")
            if data.get("probability") is not None
            else opportunity.probability,
            "expected_close_date": data.get("expected_close_date"),
            "source": data.get("source") or "",
            "next_step": data.get("next_step") or "",
            "description": data.get("description") or "",
        }
        if not raw:
            changes["amount"] = data.get("amount") or 0
        if "owner" in form.fields and form.record("owner") is not None:
            changes["owner"] = form.record("owner")
        if opportunity.status != Opportunity.Status.OPEN:
            changes.pop("probability")
        try:
            services.opportunity_update(
                actor=employee,
                opportunity=opportunity,
                version=data.get("version"),
                lines=raw,
                **changes,
            )
        except REFUSALS as exc:
            if isinstance(exc, ValidationError) and "lines" in getattr(exc, "message_dict", {}):
                line_errors = exc.message_dict["lines"]
            refuse(form, exc)
        else:
            messages.success(request, _("商机已保存。"))
            return redirect("opportunities:opportunity_detail", opportunity.pk)
    status = form_status(request, form) if not line_errors else 400
    return _form_page(
        request,
        form,
        opportunity=opportunity,
        editor=_editor(request, employee, raw, line_errors),
        status=status,
    )


def _act(request, pk, do, success):
    employee = request.employee
    opportunity = selectors.access_opportunity(employee, pk)
    try:
        do(employee, opportunity)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, success)
    return redirect("opportunities:opportunity_detail", opportunity.pk)


@employee_required
@require_POST
def opportunity_win(request, pk):
    return _act(
        request,
        pk,
        lambda actor, o: services.opportunity_win(
            actor=actor, opportunity=o, version=_int(request.POST.get("version"))
        ),
        _("恭喜，商机已赢单。"),
    )


@employee_required
@require_POST
def opportunity_lose(request, pk):
    reason = request.POST.get("lost_reason", "")
    return _act(
        request,
        pk,
        lambda actor, o: services.opportunity_lose(
            actor=actor,
            opportunity=o,
            lost_reason=reason,
            lost_note=request.POST.get("lost_note", ""),
            version=_int(request.POST.get("version")),
        ),
        _("商机已标记为输单。"),
    )


@employee_required
@require_POST
def opportunity_reopen(request, pk):
    return _act(
        request,
        pk,
        lambda actor, o: services.opportunity_reopen(
            actor=actor, opportunity=o, version=_int(request.POST.get("version"))
        ),
        _("商机已重新打开。"),
    )


@employee_required
@require_POST
def opportunity_delete(request, pk):
    employee = request.employee
    opportunity = selectors.access_opportunity(employee, pk)
    try:
        services.opportunity_delete(
            actor=employee, opportunity=opportunity, version=_int(request.POST.get("version"))
        )
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return redirect("opportunities:opportunity_detail", opportunity.pk)
    messages.success(request, _("商机已移入回收站。"))
    return redirect("opportunities:opportunity_list")


@employee_required
@require_GET
def recycle_bin(request):
    """Deleted opportunities in the employee's scope (needs ``opportunities.delete``, as
    the customers' recycle bin needs ``customers.delete``), each with a restore button."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.delete")
    rows = selectors.deleted_opportunities(employee=employee)
    return render(request, "opportunities/recycle_bin.html", {"rows": rows})


@employee_required
@require_POST
def opportunity_restore(request, pk):
    employee = request.employee
    policy.require(employee, f"{MODULE}.delete")
    opportunity = selectors.access_opportunity(employee, pk, deleted=True)
    try:
        services.opportunity_restore(actor=employee, opportunity=opportunity)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return redirect("opportunities:recycle_bin")
    messages.success(request, _("商机“%(name)s”已恢复。") % {"name": opportunity.name})
    return redirect("opportunities:opportunity_detail", opportunity.pk)


# ---- pickers (htmx) ------------------------------------------------------------------------


@employee_required
@require_GET
def customer_options(request):
    """``<option>``s of the customers matching ``q`` that the employee may see (htmx)."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.create")
    text = request.GET.get("customer_q", "").strip()[:100]
    customers = []
    if text:
        customers = list(
            customer_selectors.customer_queryset(employee=employee)
            .filter(customer_selectors.text_query(text))
            .order_by("name", "pk")
            .only("pk", "name", "code")[:PICK_LIMIT]
        )
    return render(request, "opportunities/_customer_options.html", {"customers": customers})


@employee_required
@require_GET
def contact_options(request):
    """``<option>``s of the chosen customer's contacts (htmx, after a customer is picked)."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    customer = _customer_from(employee, request.GET.get("customer"))
    contacts = (
        list(Contact.objects.filter(customer=customer).order_by("-is_primary", "name"))
        if customer
        else []
    )
    return render(request, "opportunities/_contact_options.html", {"contacts": contacts})


@employee_required
@require_GET
def stage_options(request):
    """``<option>``s of the open stages of the chosen pipeline (htmx)."""
    policy.require(request.employee, f"{MODULE}.view")
    pipeline = Pipeline.objects.filter(pk=_int(request.GET.get("pipeline")), is_active=True).first()
    stages = (
        [s for s in selectors.stages_of(pipeline, active_only=True) if s.kind == Stage.Kind.OPEN]
        if pipeline
        else []
    )
    return render(request, "opportunities/_stage_options.html", {"stages": stages})


# ---- customer 360 panel (htmx) -------------------------------------------------------------


@employee_required
@require_GET
def customer_panel(request, pk):
    """The customer page's 商机 card: open opportunities with amounts (loaded after the
    page, so the page itself spends no query on it)."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    customer = customer_selectors.access_customer(employee, pk)
    summary = selectors.customer_summary(employee=employee, customer_id=customer.pk)
    return render(
        request,
        "opportunities/_customer_panel_body.html",
        {
            "customer": customer,
            "summary": summary,
            "can_create": policy.can(employee, f"{MODULE}.create"),
            "list_url": reverse("opportunities:opportunity_list")
            + "?"
            + urlencode({"customer": customer.pk}),
        },
    )


# ---- pipeline setup ------------------------------------------------------------------------


def _setup(request, *, write=False):
    policy.require(request.employee, "sales_setup.edit" if write else "sales_setup.view")
    services.ensure_default_pipeline(request.employee.org_id)


@employee_required
@require_GET
def pipeline_list(request):
    """销售流程设置: the pipelines and their stages."""
    _setup(request)
    pipelines = list(
        Pipeline.objects.prefetch_related(
            Prefetch("stages", queryset=Stage.objects.order_by("position", "id"))
        ).order_by("-is_default", "sort_order", "id")
    )
    return render(
        request,
        "opportunities/pipeline_list.html",
        {"pipelines": pipelines, "can_edit": policy.can(request.employee, "sales_setup.edit")},
    )


def _stage_initial(pipeline):
    return [
        {
            "id": s.pk,
            "position": (i + 1) * 10,
            "name": s.name,
            "probability": s.probability,
            "kind": s.kind,
            "is_active": s.is_active,
        }
        for i, s in enumerate(selectors.stages_of(pipeline))
    ]


def _pipeline_form_page(request, form, formset, pipeline, status=200):
    in_use = selectors_in_use(pipeline)
    return render(
        request,
        "opportunities/pipeline_form.html",
        {"form": form, "formset": formset, "pipeline": pipeline, "in_use": in_use},
        status=status,
    )


def selectors_in_use(pipeline):
    if pipeline is None:
        return set()
    used = services.stage_in_use([s.pk for s in selectors.stages_of(pipeline)])
    return used | {str(pk) for pk in used}  # the rows hold ids as numbers, or text after a post


@employee_required
def pipeline_edit(request, pk=None):
    """Add, rename, reorder (the 顺序 numbers), re-rate, deactivate or delete the stages
    of a pipeline, or make a new pipeline; a stage in use is never deleted."""
    _setup(request, write=True)
    pipeline = None
    if pk is not None:
        pipeline = Pipeline.objects.filter(pk=pk).first()
        if pipeline is None:
            raise Http404
    if pipeline is not None:
        initial = {
            "name": pipeline.name,
            "is_default": pipeline.is_default,
            "is_active": pipeline.is_active,
        }
        stage_initial = _stage_initial(pipeline)
    else:
        initial = {"is_active": True}
        stage_initial = [
            {"position": (i + 1) * 10, "name": name, "probability": p, "kind": kind,
             "is_active": True}
            for i, (name, p, kind) in enumerate(services.DEFAULT_STAGES)
        ]  # fmt: skip
    form = PipelineForm(request.POST or None, initial=initial)
    formset = StageFormSet(request.POST or None, initial=stage_initial, prefix="stages")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        stages = stages_from_formset(formset)
        data = form.cleaned_data
        try:
            if pipeline is None:
                pipeline = services.pipeline_create(
                    actor=request.employee,
                    name=data["name"],
                    stages=stages,
                    is_default=data["is_default"],
                )
            else:
                services.pipeline_update(
                    actor=request.employee,
                    pipeline=pipeline,
                    name=data["name"],
                    stages=stages,
                    is_default=data["is_default"] or None,
                    is_active=data["is_active"],
                )
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("销售流程已保存。"))
            return redirect("opportunities:pipeline_list")
    return _pipeline_form_page(request, form, formset, pipeline, status=form_status(request, form))

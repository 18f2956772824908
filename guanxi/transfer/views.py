"""Import screens: upload → mapping (with a preview) → validation → import → result."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required
from guanxi.jobs import progress as job_progress
from guanxi.orgs import custom_fields, policy
from guanxi.transfer import mapping, selectors, services
from guanxi.transfer.forms import MappingForm, UploadForm

RECENT = 10


def _require(employee):
    policy.require(employee, services.PERMISSION)


@require_http_methods(["GET", "POST"])
@employee_required
def import_upload(request):
    employee = request.employee
    _require(employee)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_upload(actor=employee, upload=form.cleaned_data["file"])
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            return redirect("transfer:import_detail", pk=batch.pk)
    recent = selectors.batch_queryset(employee=employee)[:RECENT]
    return render(
        request,
        "transfer/import_upload.html",
        {"form": form, "recent": recent},
        status=form_status(request, form),
    )


def _context(employee, batch, form):
    preview = services.preview(batch)
    columns = [
        {
            "field": form[name],
            "title": title,
            "samples": [row[index] for row in preview if index < len(row)][:3],
        }
        for index, (name, title) in enumerate(zip(form.columns, batch.header, strict=True))
    ]
    return {
        "batch": batch,
        "form": form,
        "columns": columns,
        "preview": preview,
        "busy": batch.status in services.BUSY,
        "undo_until": services.undo_deadline(batch) if services.can_undo(employee, batch) else None,
        "editable": batch.status not in (*services.BUSY, *services.FINISHED),
    }


@require_http_methods(["GET", "POST"])
@employee_required
def import_detail(request, pk):
    employee = request.employee
    _require(employee)
    batch = selectors.access_batch(employee, pk)
    targets = mapping.targets(custom_fields.definitions("customer"))
    form = MappingForm(request.POST or None, batch=batch, targets=targets)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_configure(
                actor=employee,
                batch=batch,
                mapping=form.mapping(),
                duplicate_mode=form.cleaned_data["duplicate_mode"],
                valid_only=form.cleaned_data["valid_only"],
            )
            if request.POST.get("action") == "run":
                services.import_start(actor=employee, batch=batch)
            else:
                services.import_validate(actor=employee, batch=batch)
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            return redirect("transfer:import_detail", pk=batch.pk)
    return render(
        request,
        "transfer/import_detail.html",
        _context(employee, batch, form),
        status=form_status(request, form),
    )


@require_POST
@employee_required
def import_undo(request, pk):
    employee = request.employee
    _require(employee)
    batch = selectors.access_batch(employee, pk)
    try:
        services.import_undo(actor=employee, batch=batch)
    except BusinessRuleError as exc:
        messages.error(request, str(exc.message))
    return redirect("transfer:import_detail", pk=batch.pk)


@require_GET
@employee_required
def import_progress(request, pk):
    """Polled while the batch is being checked or imported; reloads the page when done."""
    batch = selectors.access_batch(request.employee, pk)
    if batch.status not in services.BUSY:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    job = batch.job
    job_progress.overlay([job])
    return render(request, "transfer/_progress.html", {"batch": batch, "job": job})


@require_GET
@employee_required
def import_errors(request, pk):
    return error_report_response(selectors.access_batch(request.employee, pk))


def error_report_response(batch):
    """The batch's error report as a private CSV download (404 when it has none)."""
    if not batch.error_report:
        raise Http404
    try:
        handle = batch.error_report.open("rb")
    except OSError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=f"import-{batch.pk}-errors.csv",
        content_type="text/csv; charset=utf-8",
    )  # fmt: skip
    response["Cache-Control"] = "private, no-store"
    return response

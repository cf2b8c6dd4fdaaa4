"""/reports/: the committee report, the oversight lists, and exports. Thin views.

A reader outside the reports' roles gets 403 (police, social workers): reports are not a
child's record, so there is nothing to hide by a 404. Bad filters show a GOV.UK error
summary and no numbers, never a 500.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.clock import london_date
from core.errors import NotAllowed, Refused
from reports import exports
from reports.charts import bar_chart
from reports.counting import committee_report
from reports.forms import ExportForm, ReportFilterForm, StatutoryReturnForm
from reports.models import ExportKind, ReportExport
from reports.oversight import LISTS, oversight_lists
from reports.sections import sections
from reports.selectors import ReportScope, data_as_at, report_children, report_scope
from reports.ssda903 import returns_authorities
from reports.tables import Table, shown, table_html
from reports.tasks import build_export


def _scope(request: HttpRequest) -> ReportScope:
    try:
        return report_scope(request.user)  # type: ignore[arg-type]
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error


def _filter_form(request: HttpRequest, scope: ReportScope) -> ReportFilterForm:
    return ReportFilterForm(request.GET, scope=scope, today=london_date(timezone.now()))


def parameters_of(form: ReportFilterForm) -> dict:
    """The validated filters as the export record keeps them (reports.exports.filters_from)."""
    data = form.cleaned_data
    return {
        "from": data["period"].start.isoformat(),
        "to": data["period"].end.isoformat(),
        "authority": form.authority_id(),
        "team": data.get("team"),
        "legal_status": data.get("legal_status") or "",
        "category": data.get("category") or "",
        "age_bands": [list(band) for band in data["age_bands"]],
    }


def _shown_table(table: Table, suppress: bool) -> dict:
    rows = [[shown(cell, suppress=suppress) for cell in row] for row in table.rows]
    return {"table": table, "rows": rows, "html": table_html(table, rows)}


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    form = _filter_form(request, scope)
    if not form.is_valid():
        return render(request, "reports/index.html", {"form": form, "sections": []})
    now = timezone.now()
    try:
        children = report_children(
            request.user,  # type: ignore[arg-type]
            scope,
            authority_id=form.authority_id(),
            team_id=form.cleaned_data.get("team"),
        )
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    suppress = bool(form.cleaned_data.get("suppress"))
    report = committee_report(children, form.filters(), team_id=form.cleaned_data.get("team"))
    drawn = [
        {
            "section": section,
            "chart": bar_chart(section.chart, chart_id=f"chart-{section.key}"),
            "tables": [_shown_table(t, suppress) for t in section.tables],
        }
        for section in sections(report)
    ]
    return render(
        request,
        "reports/index.html",
        {
            "form": form,
            "period": report.period,
            "sections": drawn,
            "data_as_at": data_as_at(now),
            "query": request.GET.urlencode(),
            "export_form": ExportForm(initial={"format": "xlsx"}),
            "exports": ReportExport.objects.filter(requested_by_id=request.user.pk).order_by(
                "-requested_at"
            )[:5],
        },
    )


@login_required
@require_GET
def oversight(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    form = _filter_form(request, scope)
    if not form.is_valid():
        return render(request, "reports/oversight.html", {"form": form, "lists": []})
    try:
        children = report_children(
            request.user,  # type: ignore[arg-type]
            scope,
            authority_id=form.authority_id(),
            team_id=form.cleaned_data.get("team"),
        )
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    now = timezone.now()
    return render(
        request,
        "reports/oversight.html",
        {
            "form": form,
            "lists": oversight_lists(children, now),
            "now": now,
            "data_as_at": data_as_at(now),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_POST
def export_create(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    kind = request.POST.get("kind", ExportKind.COMMITTEE)
    filters = ReportFilterForm(request.GET, scope=scope, today=london_date(timezone.now()))
    export_form = ExportForm(request.POST)
    if not filters.is_valid() or not export_form.is_valid() or kind not in ExportKind.values:
        return render(
            request,
            "reports/export_invalid.html",
            {
                "form": export_form if filters.is_valid() else filters,
                "back": f"{reverse('reports:index')}?{request.GET.urlencode()}",
            },
            status=400,
        )
    parameters = parameters_of(filters)
    parameters["sections"] = export_form.cleaned_data["sections"]
    parameters["lists"] = list(LISTS)
    try:
        export = exports.request_export(
            acting_user=request.user,  # type: ignore[arg-type]
            kind=kind,
            format=export_form.cleaned_data["format"],
            parameters=parameters,
            for_publication=export_form.cleaned_data["for_publication"],
        )
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    except Refused as error:
        return render(
            request,
            "reports/export_invalid.html",
            {"message": str(error), "back": reverse("reports:index")},
            status=400,
        )
    build_export.delay(export.pk)
    return HttpResponseRedirect(reverse("reports:export", args=[export.pk]))


@login_required
@require_GET
def export_status(request: HttpRequest, export_id: int) -> HttpResponse:
    export = get_object_or_404(ReportExport, pk=export_id, requested_by_id=request.user.pk)
    template = (
        "reports/_export_status.html"
        if request.headers.get("HX-Request")
        else "reports/export.html"
    )
    return render(
        request, template, {"export": export, "expired": export.expires_at <= timezone.now()}
    )


@login_required
@require_GET
def export_download(request: HttpRequest, export_id: int) -> HttpResponse:
    try:
        export = exports.open_download(acting_user=request.user, export_id=export_id)  # type: ignore[arg-type]
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    except Refused as error:
        return render(request, "reports/export_gone.html", {"message": str(error)}, status=410)
    types = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf",
        "zip": "application/zip",
    }
    response = HttpResponse(bytes(export.content or b""), content_type=types[export.format])
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _returns_page(request: HttpRequest, forms: dict, status: int = 200) -> HttpResponse:
    return render(
        request,
        "reports/returns.html",
        {
            **forms,
            "exports": ReportExport.objects.filter(
                requested_by_id=request.user.pk,
                kind__in=[ExportKind.SSDA903, ExportKind.ANNEX_A],
            ).order_by("-requested_at")[:5],
        },
        status=status,
    )


def _return_forms(request: HttpRequest, data: dict | None = None, kind: str = "") -> dict:
    authorities = returns_authorities(request.user)  # type: ignore[arg-type]
    if not authorities:
        raise PermissionDenied(
            "Statutory returns are for the authority's Missing Co-ordinator and Assistant Director."
        )
    today = london_date(timezone.now())
    first = authorities[0].pk
    year = today.year + 1 if today.month >= 4 else today.year
    return {
        "ssda903_form": StatutoryReturnForm(
            data if kind == ExportKind.SSDA903 else None,
            authorities=authorities,
            kind=ExportKind.SSDA903,
            today=today,
            initial={"authority": first, "year": year - 1},
            prefix="ssda903",
        ),
        "annex_a_form": StatutoryReturnForm(
            data if kind == ExportKind.ANNEX_A else None,
            authorities=authorities,
            kind=ExportKind.ANNEX_A,
            today=today,
            initial={"authority": first, "on": today},
            prefix="annex_a",
        ),
    }


@login_required
@require_GET
def statutory_returns(request: HttpRequest) -> HttpResponse:
    return _returns_page(request, _return_forms(request))


@login_required
@require_POST
def statutory_return_create(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in (ExportKind.SSDA903, ExportKind.ANNEX_A):
        raise Http404
    forms = _return_forms(request, request.POST, kind)
    form = forms[f"{kind}_form"]
    if not form.is_valid():
        return _returns_page(request, forms, status=400)
    try:
        export = exports.request_export(
            acting_user=request.user,  # type: ignore[arg-type]
            kind=kind,
            format=exports.STATUTORY_FORMATS[kind],
            parameters=form.parameters(),
            for_publication=False,
        )
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    except Refused as error:
        form.add_error(None, str(error))
        return _returns_page(request, forms, status=400)
    build_export.delay(export.pk)
    return HttpResponseRedirect(reverse("reports:export", args=[export.pk]))

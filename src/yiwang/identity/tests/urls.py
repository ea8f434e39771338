"""Test-only pages guarded by the access decorators and mixins, mounted beside the real site."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views import View

from yiwang.identity.access import (
    CitizenRequiredMixin,
    StaffRequiredMixin,
    citizen_required,
    staff_required,
)
from yiwang.identity.constants import Role


@citizen_required
def citizen_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"citizen:{request.user.get_username()}")


@staff_required
def staff_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"staff:{request.user.get_username()}")


@staff_required(roles=[Role.APPROVER])
def approver_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("approver")


class CitizenView(CitizenRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(f"citizen-cbv:{request.user.get_username()}")


class StaffView(StaffRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(f"staff-cbv:{request.user.get_username()}")


urlpatterns = [
    path("__test__/citizen/", citizen_page),
    path("__test__/staff/", staff_page),
    path("__test__/approver/", approver_page),
    path("__test__/citizen-cbv/", CitizenView.as_view()),
    path("__test__/staff-cbv/", StaffView.as_view()),
    path("", include("yiwang.urls")),
]

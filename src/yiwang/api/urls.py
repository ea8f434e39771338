from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from yiwang.api.errors import error_body
from yiwang.api.main import api


@csrf_exempt  # it changes nothing; without this, a POST got the site's "form expired" page
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other address under the API answers in the API's error format, not with a web page."""
    return JsonResponse(error_body("not_found", _("There is nothing here for you.")), status=404)


def _json_method_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    # django-ninja answers a method an address does not take with a plain-text 405; the API
    # promises one error format, so the answer is rewritten (keeping the Allow header).
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/"):
            body = error_body(
                "method_not_allowed",
                _("This address does not take %(method)s requests.") % {"method": request.method},
            )
            replacement = JsonResponse(body, status=405)
            replacement["Allow"] = response.get("Allow", "")
            return replacement
        return response

    return wrapper


def _api_patterns() -> list[Any]:
    urls = api.urls  # built afresh on every access: change and mount the same one
    patterns, _app_name, _namespace = urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _json_method_not_allowed(pattern.callback)
    return [path("v1/", urls)]


urlpatterns = [
    *_api_patterns(),
    re_path(r"^(?P<rest>.*)$", not_found),
]

"""A URLconf that mounts only the catalogue router, as zicht.core.api will, for the API tests.

Built once at import: django-ninja refuses two NinjaAPI instances with the same namespace.
"""

from django.urls import include, path
from ninja import NinjaAPI
from ninja.security import django_auth

from zicht.catalogue.api import build_router
from zicht.core.problems import install_handlers
from zicht.core.urls_common import _open_to_anonymous

api = NinjaAPI(urls_namespace="catalogue-test-api", auth=django_auth, docs_url=None)
install_handlers(api)
api.add_router("/catalogue", build_router())

api_patterns, app_name, namespace = api.urls
# As in zicht.core.urls_common: the API answers 401 itself instead of the login redirect.
_open_to_anonymous(api_patterns)
urlpatterns = [path("api/v1/", include((api_patterns, app_name), namespace=namespace))]

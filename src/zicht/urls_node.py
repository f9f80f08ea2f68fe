"""Root URLconf of a regional node (ZICHT_ROLE=node)."""

from zicht.core.urls_common import common_patterns

api, urlpatterns = common_patterns("node")

handler403 = "zicht.core.views.forbidden"
handler404 = "zicht.core.views.not_found"
handler500 = "zicht.core.views.server_error"

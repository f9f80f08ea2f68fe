"""Root URLconf of the hub (ZICHT_ROLE=hub). Node-only features are not routed here."""

from zicht.core.urls_common import common_patterns

api, urlpatterns = common_patterns("hub")

handler403 = "zicht.core.views.forbidden"
handler404 = "zicht.core.views.not_found"
handler500 = "zicht.core.views.server_error"

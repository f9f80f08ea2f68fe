"""Pages of joint research: studies and releases on the hub, run requests on a node.

The two roles get different pattern lists (``patterns_for(role)``, as the transport does),
so a hub page is a 404 on a node and the other way round. A function of the role rather
than of ``settings.ZICHT_ROLE`` because both URLconfs are loaded in one process (the
authorization matrix test does), and a module-level pattern list would be built once.

The app root (``/onderzoek/``) is the landing page on both roles: the studies on the hub,
the requests on a node. The navigation names it ``research:study-list`` on the hub and
``research:request-list`` on a node; both names resolve to the root on both roles, so a
link made with either name lands on the page of the role that serves it. (With one name
per role, the hub's root path would resolve on a node to the node's list, and the
authorization matrix rightly refuses a hub route that answers on a node.)
"""

from django.urls import URLPattern, path, register_converter

from zicht.research.views import hub, node


class IdentifierConverter:
    """Study and run ids: the protocol's identifiers (may contain dots, unlike a slug)."""

    regex = "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IdentifierConverter, "research_id")

app_name = "research"

hub_urlpatterns = [
    path("", hub.study_list, name="study-list"),
    path("", hub.study_list, name="request-list"),
    path("nieuw/", hub.study_create, name="study-create"),
    path("studie/<research_id:study_id>/", hub.study_detail, name="study-detail"),
    path("studie/<research_id:study_id>/wijzigen/", hub.study_edit, name="study-edit"),
    path("studie/<research_id:study_id>/aanbieden/", hub.run_offer, name="run-offer"),
    path("uitvoering/<research_id:run_id>/uitvoeren/", hub.run_start, name="run-start"),
    path("uitvoering/<research_id:run_id>/intrekken/", hub.run_cancel, name="run-cancel"),
    path("uitvoering/<research_id:run_id>/resultaat/", hub.release_detail, name="release-detail"),
    path("uitvoering/<research_id:run_id>/resultaat.csv", hub.release_csv, name="release-csv"),
]

node_urlpatterns = [
    path("", node.request_list, name="request-list"),
    path("", node.request_list, name="study-list"),
    path("verzoek/<research_id:run_id>/", node.request_detail, name="request-detail"),
    path("verzoek/<research_id:run_id>/besluit/", node.request_decide, name="request-decide"),
    path("verzoek/<research_id:run_id>/resultaat.csv", node.request_csv, name="request-csv"),
]


def patterns_for(role: str) -> list[URLPattern]:
    return hub_urlpatterns if role == "hub" else node_urlpatterns

"""Pages of the transport: the network overview on the hub, the connection page on a node.

The two roles get different pattern lists (``patterns_for``) under different paths, so
each page exists only where it belongs and is a 404 on the other role.
"""

from django.urls import URLPattern, path

from zicht.transport import views

app_name = "transport"

hub_urlpatterns = [
    path("netwerk/", views.hub_status, name="hub-status"),
    path("netwerk/aanmeldcodes/", views.create_code, name="create-code"),
    path("netwerk/nodes/<slug:region>/goedkeuren/", views.approve, name="approve-node"),
]

node_urlpatterns = [
    path("verbinding/", views.node_status, name="node-status"),
]


def patterns_for(role: str) -> list[URLPattern]:
    return hub_urlpatterns if role == "hub" else node_urlpatterns

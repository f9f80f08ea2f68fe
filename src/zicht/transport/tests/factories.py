"""Factories for the hub's registry of nodes."""

from typing import Any

import factory
from django.utils import timezone

from zicht.transport.models import Node, NodeStatus
from zicht.transport.protocol import keys


class NodeFactory(factory.django.DjangoModelFactory):
    """A registered node with real (throwaway) public keys; ``keypairs`` holds the private."""

    class Meta:
        model = Node
        django_get_or_create = ("region",)

    region = "limburg"
    organisation = factory.LazyAttribute(lambda n: f"RIEC {n.region}")
    status = NodeStatus.ACTIVE
    enrolled_at = factory.LazyFunction(timezone.now)
    approved_at = factory.LazyFunction(timezone.now)
    software_version = "0.1.0"
    keypairs = factory.LazyFunction(keys.generate)
    signing_key = factory.LazyAttribute(lambda n: n.keypairs.signing_public)
    signing_key_id = factory.LazyAttribute(lambda n: n.keypairs.signing_key_id)
    box_key = factory.LazyAttribute(lambda n: n.keypairs.box_public)
    box_key_id = factory.LazyAttribute(lambda n: n.keypairs.box_key_id)

    @classmethod
    def _create(cls, model_class: type[Node], *args: Any, **kwargs: Any) -> Node:
        pairs = kwargs.pop("keypairs")
        node: Node = super()._create(model_class, *args, **kwargs)
        node.keypairs = pairs  # type: ignore[attr-defined]  # handy in tests
        return node

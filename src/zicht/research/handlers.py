"""The transport message kinds of joint research (registered from ``AppConfig.ready``)."""

from zicht.research.services import node as node_services
from zicht.transport.handlers import ReceivedMessage, register


@register(node_services.SHARE_KIND)
def receive_share(message: ReceivedMessage) -> None:
    # Raising here records the message as failed and keeps nothing of it (the transport
    # rolls the handler's work back together with the receipt).
    node_services.store_received_share(
        sender=message.sender, payload=message.payload, received=message.created
    )

"""The wire form of the messages: plain dicts a transport can carry, checked strictly."""

import json

import pytest

from zicht.research.protocols.errors import InvalidParametersError, MessageRejectedError
from zicht.research.protocols.messages import PartialSum, ShareMessage
from zicht.research.protocols.secure_aggregation import make_shares, start_run

REGIONS = ("den-haag", "limburg", "rotterdam")


def _share() -> ShareMessage:
    run = start_run(run_id="study-7-run-1", participants=REGIONS, cells=3)
    return make_shares([1, 2, 3], run=run, sender="limburg")["rotterdam"]


def _partial() -> PartialSum:
    return PartialSum(
        run_id="study-7-run-1",
        epoch=2,
        sender="limburg",
        senders=REGIONS,
        modulus=2**61 - 1,
        vector=(5, 6, 7),
    )


@pytest.mark.parametrize("make", [_share, _partial])
def test_messages_survive_a_json_round_trip(make):
    message = make()
    wire = json.loads(json.dumps(message.to_dict()))
    assert type(message).from_dict(wire) == message


def test_message_ids_are_deterministic_and_bind_run_epoch_and_parties():
    share = _share()
    assert share.message_id == "secagg.share:study-7-run-1:0:limburg:rotterdam"
    assert _partial().message_id == "secagg.partial:study-7-run-1:2:limburg"


def test_a_share_never_appears_in_its_repr():
    share = _share()
    assert str(share.vector[0]) not in repr(share)
    assert "vector" not in repr(_partial())


@pytest.mark.parametrize(
    "change",
    [
        {"id": "secagg.share:study-7-run-1:1:limburg:rotterdam"},
        {"epoch": 1},  # the id no longer matches
        {"kind": "secagg.partial"},
        {"v": 2},
        {"vector": [1, True, 3]},
        {"vector": [1, -2, 3]},
        {"vector": []},
        {"vector": "1,2,3"},
        {"sender": "lim burg"},
        {"epoch": -1},
        {"modulus": 1},
        {"extra": 1},
    ],
)
def test_malformed_share_dicts_are_rejected(change):
    data = {**_share().to_dict(), **change}
    with pytest.raises(MessageRejectedError):
        ShareMessage.from_dict(data)


def test_missing_keys_and_non_mappings_are_rejected():
    data = _share().to_dict()
    del data["recipient"]
    with pytest.raises(MessageRejectedError):
        ShareMessage.from_dict(data)
    with pytest.raises(MessageRejectedError):
        PartialSum.from_dict([])  # type: ignore[arg-type]


def test_partial_sum_senders_must_be_sorted_and_unique():
    data = _partial().to_dict()
    with pytest.raises(MessageRejectedError):
        PartialSum.from_dict({**data, "senders": ["rotterdam", "limburg", "den-haag"]})
    with pytest.raises(InvalidParametersError):
        PartialSum(run_id="r", epoch=0, sender="a", senders=("a", "a"), modulus=101, vector=(1,))


def test_partial_sum_dicts_with_a_wrong_id_or_senders_are_rejected():
    data = _partial().to_dict()
    with pytest.raises(MessageRejectedError, match="id"):
        PartialSum.from_dict({**data, "id": "secagg.partial:study-7-run-1:2:rotterdam"})
    with pytest.raises(MessageRejectedError):
        PartialSum.from_dict({**data, "senders": "den-haag,limburg"})

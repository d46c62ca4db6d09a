"""After the broker lost its log, consumers read their partitions from the first record (issue 14 item 1)."""

from __future__ import annotations

from typing import Any

import pytest

from tousu_shared.consumer import RewindAfterLostLog

pytestmark = pytest.mark.unit


class FakeConsumer:
    """The two aiokafka calls the rewinder uses."""

    def __init__(self, assigned: list[str]) -> None:
        self.assigned = assigned
        self.seeks: list[tuple[Any, int]] = []

    def assignment(self) -> set[str]:
        return set(self.assigned)

    def seek(self, tp: Any, offset: int) -> None:
        self.seeks.append((tp, offset))


def test_a_rewind_seeks_every_assigned_partition_to_its_first_record() -> None:
    rewinder = RewindAfterLostLog()
    rewinder.consumer = FakeConsumer(["t-0", "t-1"])
    assert rewinder.rewind(window_s=60) == 2
    assert sorted(rewinder.consumer.seeks) == [("t-0", 0), ("t-1", 0)]


async def test_partitions_assigned_inside_the_window_start_from_the_first_record_too() -> None:
    """A rebalance right after the new log (the group is new there) would otherwise resume at a commit
    made while positions still pointed into the old log."""
    rewinder = RewindAfterLostLog()
    consumer = FakeConsumer([])
    rewinder.consumer = consumer
    await rewinder.on_partitions_assigned({"t-2"})
    assert consumer.seeks == []  # no lost log: assignments keep their committed offsets
    rewinder.rewind(window_s=60)
    await rewinder.on_partitions_assigned({"t-3"})
    assert consumer.seeks == [("t-3", 0)]
    rewinder.until = 0.0  # the window is over
    await rewinder.on_partitions_assigned({"t-4"})
    assert consumer.seeks == [("t-3", 0)]


def test_a_rewind_before_the_consumer_started_does_nothing() -> None:
    assert RewindAfterLostLog().rewind(window_s=60) == 0

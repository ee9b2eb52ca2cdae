"""Python's cyclic collector: paused while a draw works (always turned back on), and kept
off the objects a server process made at start-up."""

from __future__ import annotations

import gc
import weakref

import pytest

from scheduler.batches import cyclic_gc_paused


def test_the_collector_is_paused_inside_and_back_on_after() -> None:
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_failing_batch_still_turns_it_back_on() -> None:
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        raise RuntimeError("the draw failed")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off() -> None:
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_cycles_made_during_the_batch_are_collected_afterwards() -> None:
    class Node:
        other: Node

    with cyclic_gc_paused():
        first, second = Node(), Node()
        first.other, second.other = second, first
        alive = weakref.ref(first)
        del first, second
        assert alive() is not None  # a cycle: reference counting alone does not free it
    gc.collect()
    assert alive() is None


def test_a_server_process_leaves_its_start_up_objects_out_of_collections() -> None:
    import scheduler.asgi  # noqa: F401  (what daphne loads)

    assert gc.get_freeze_count() > 10_000

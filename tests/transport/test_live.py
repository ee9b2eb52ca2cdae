"""The board is live: a coordinator's socket, opened where the board page says, gets the
planning run's start and finish as they happen, and the board fetched again (what live.js
swaps in) shows the trips."""

from __future__ import annotations

import asyncio
import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from scheduler.asgi import application
from tests import factories as f
from tests.transport.conftest import Rides
from transport.models import PlanRun
from transport.services import plan_run_execute

pytestmark = pytest.mark.django_db(transaction=True)


def board(user, day) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/rides/board/?date={day}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_board_hears_planning_progress_and_result_live(world, rides: Rides,
                                                           family_booking):
    van = rides.add_vehicle("Van", seats=6, child_seats=2)
    rides.add_driver("joe", "Springfield", van)
    rides.ride(family_booking, "Springfield", children=1, child_seats=1)
    html = board(world.coordinator, rides.day)
    after = re.search(r'data-live data-after="([\d:,]+)"', html).group(1)
    assert "This day has not been planned yet." in html
    run = PlanRun.objects.create(day=rides.day, requested_by=world.coordinator)

    async def scenario() -> list[dict]:
        token = await database_sync_to_async(f.token_for)(world.coordinator)
        ws = WebsocketCommunicator(application, f"/ws/live/?token={token}&after={after}",
                                   headers=[(b"host", b"127.0.0.1"),
                                            (b"origin", b"http://127.0.0.1")])
        connected, _ = await ws.connect()
        assert connected
        await database_sync_to_async(plan_run_execute)(run_id=run.pk)
        got = []
        while len(got) < 2:
            message = await ws.receive_json_from(timeout=5)
            if message["type"].startswith("transport.plan."):
                got.append(message)
        await ws.disconnect()
        return got

    started, finished = asyncio.run(scenario())
    assert started["type"] == "transport.plan.started"
    assert finished["type"] == "transport.plan.finished"
    assert finished["data"]["plan_run_id"] == run.pk
    assert "1 ride planned" in finished["data"]["title"]  # one ride: no "1 rides"
    fresh = board(world.coordinator, rides.day)
    assert "Joe" in fresh and 'id="trip-' in fresh
    assert "1 ride planned on 1 trip;" in fresh

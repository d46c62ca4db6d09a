"""`tousu dev` starts everything, stops everything on Ctrl-C, and reuses its data directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from pymongo import MongoClient

from tests.e2e.dev_stack import descendants, free_ports, start_dev, stop_dev, wait_ready

pytestmark = pytest.mark.e2e


def test_dev_runs_four_services_stops_cleanly_and_keeps_its_data(tmp_path: Path) -> None:
    ports = free_ports()
    data_dir = tmp_path / "tousu-data"
    run = start_dev(data_dir, ports)
    try:
        wait_ready(run)
        assert len(descendants(run.proc.pid)) >= 6, "broker, database and four service processes"
        key = (data_dir / "dev-api-key").read_text().strip()
        assert key.startswith("tsk_dev_")
        with MongoClient(f"mongodb://127.0.0.1:{ports['mongo']}/?directConnection=true") as client:
            client["tousu_e2e_probe"]["marks"].insert_one({"_id": "kept", "run": 1})
    finally:
        code, left = stop_dev(run)
    assert code == 0
    assert left == set(), f"processes left behind: {left}"

    second = start_dev(data_dir, ports)
    try:
        wait_ready(second)
        assert (data_dir / "dev-api-key").read_text().strip() == key, "the dev key is reused"
        with MongoClient(f"mongodb://127.0.0.1:{ports['mongo']}/?directConnection=true") as client:
            assert client["tousu_e2e_probe"]["marks"].find_one({"_id": "kept"}) == {"_id": "kept", "run": 1}
    finally:
        code, left = stop_dev(second)
    assert code == 0 and left == set()

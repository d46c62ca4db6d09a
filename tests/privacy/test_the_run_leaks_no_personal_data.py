"""The last test of the run: no ID number, phone or complainant name in any record of any topic on the session's
broker, nor in any log line any service wrote during the run (in-process services and service processes alike).

It runs after everything else (tests/privacy is last in `testpaths`), so it sees every record and log line the
unit, integration, e2e and fault tests produced: complaints posted through intake with personal data in their
fields and inside their text, hostile bodies, poison records and their dead letters. A planted record and a
planted log line prove that the scan reads what it claims to read.
"""

from __future__ import annotations

import json
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.support.kafka import publish_raw
from tests.support.leaks import known_names, scan_logs, scan_topics
from tousu_tools.endpoints import Backends

pytestmark = pytest.mark.e2e

CANARY_NAME = "司马测试"
CANARY_PHONE = "13900001111"
CANARY_ID = "110101199003070019"


@pytest.mark.timeout(900)
async def test_no_personal_data_in_any_topic_record_or_log_line(
    servers: Backends, tmp_path_factory: pytest.TempPathFactory
) -> None:
    canary_topic = f"canary.{uuid.uuid4().hex[:8]}"
    value = json.dumps({"note": f"{CANARY_NAME} {CANARY_PHONE} {CANARY_ID}"}, ensure_ascii=True).encode()
    admin = AIOKafkaAdminClient(bootstrap_servers=servers.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(canary_topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    await publish_raw(servers.kafka_bootstrap, canary_topic, key=b"k", value=value, headers=[])
    root = tmp_path_factory.getbasetemp()
    canary_log = root / "canary" / "planted.log"
    canary_log.parent.mkdir(exist_ok=True)
    canary_log.write_text(f'{{"event": "planted", "who": "{CANARY_NAME}"}}\n', encoding="utf-8")
    names = known_names() | {CANARY_NAME}

    records, in_records = await scan_topics(servers.kafka_bootstrap, names)
    lines, in_logs = scan_logs(root, names)
    print(f"scanned {records} records on every topic and {lines} log lines under {root}; {len(names)} names")

    planted = sorted(f.kind for f in in_records if f.where.startswith(canary_topic))
    assert planted == ["id_number", "mobile", "name"], f"the scan missed the planted record: {planted}"
    assert [f.kind for f in in_logs if f.where.startswith("canary")] == ["name"], "the scan missed the planted line"
    findings = [f for f in in_records + in_logs if not f.where.startswith(("canary", canary_topic))]
    assert not findings, f"{len(findings)} leaks, e.g.:\n" + "\n".join(
        f"{f.where} {f.kind}: {f.excerpt}" for f in findings[:20]
    )

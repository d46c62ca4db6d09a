"""Deployment artefacts validated offline: Dockerfile, docker-compose.yml, deploy/.

Nothing here can run on this machine (no Docker engine, no cluster), so each
file is checked with the schema tool of its format (compose spec, Kubernetes
OpenAPI schemas, promtool) and cross-checked against the facts the services
rely on: one image, `tousu serve <name>`, ports 8000-8003, /healthz /readyz
/metrics. Each schema tool is also fed a broken document once, so a validator
that silently accepts everything fails here instead of passing everything.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SERVICES = {"intake": 8000, "analysis": 8001, "escalation": 8002, "followup": 8003}
IMAGE_UID = 10001
# The oldest Kubernetes we claim to support, and the newest schema shipped with
# kubernetes-validate: catches both fields too new and APIs since removed.
K8S_VERSIONS = ("1.31.0", kubernetes_validate.latest_version())
NOT_APPLIED = {"kustomization.yaml", "secret.example.yaml"}  # see kustomization.yaml
# The schemas type resource quantities as int-or-string only; the API server parses them.
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$")


def load_yaml(path: Path) -> Any:
    """One YAML document (anchors and merge keys resolved)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_all_yaml(path: Path) -> list[dict[str, Any]]:
    """Every non-empty document of a multi-document YAML file."""
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def k8s_resources(kind: str) -> dict[str, dict[str, Any]]:
    """Core Kubernetes resources of one kind, by metadata.name."""
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            found.update({d["metadata"]["name"]: d for d in load_all_yaml(path) if d["kind"] == kind})
    return found


# --------------------------------------------------------------------------- Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    pairs = [ln.strip().split(None, 1) for ln in joined.splitlines() if ln.strip()]
    return [(p[0].upper(), p[1] if len(p) > 1 else "") for p in pairs]


def final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The instructions of the last build stage (the image that ships)."""
    starts = [i for i, (op, _) in enumerate(instructions) if op == "FROM"]
    return instructions[starts[-1] :]


def test_dockerfile_is_multi_stage_and_ships_a_slim_python_runtime() -> None:
    instructions = dockerfile_instructions()
    froms = [args for op, args in instructions if op == "FROM"]
    assert len(froms) >= 2, "multi-stage build expected"
    args = dict(a.split("=", 1) for op, a in instructions if op == "ARG" and "=" in a)
    base = final_stage(instructions)[0][1].split()[0]
    assert re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], base) == "python:3.11-slim"
    runs = " ".join(a for op, a in instructions if op == "RUN")
    assert "uv sync --frozen --no-dev" in runs
    shipped = final_stage(instructions)
    assert any(op == "COPY" and "--from=builder" in a and "/app/.venv" in a for op, a in shipped)
    assert not any(op == "RUN" and "uv " in a for op, a in shipped), "no uv in the runtime stage"


def test_dockerfile_runs_as_the_numeric_non_root_user_kubernetes_expects() -> None:
    users = [a for op, a in final_stage(dockerfile_instructions()) if op == "USER"]
    assert users, "the runtime stage must set USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) == IMAGE_UID, "numeric, so runAsNonRoot can verify it"
    for deployment in k8s_resources("Deployment").values():
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == IMAGE_UID


def test_dockerfile_runs_the_tousu_cli_and_checks_healthz() -> None:
    shipped = dict(final_stage(dockerfile_instructions()))
    assert json.loads(shipped["ENTRYPOINT"]) == ["tousu"]
    assert json.loads(shipped["CMD"]) == ["serve", "intake"]
    assert "/healthz" in shipped["HEALTHCHECK"] and "urllib" in shipped["HEALTHCHECK"]
    assert "TOUSU_HOST=0.0.0.0" in shipped["ENV"]


def test_dockerfile_copies_every_workspace_member_manifest_for_the_dependency_layer() -> None:
    copies = " ".join(a for op, a in dockerfile_instructions() if op == "COPY")
    members = [ROOT / "shared", *sorted((ROOT / "services").glob("*/"))]
    for member in members:
        if (member / "pyproject.toml").exists():
            assert f"{member.relative_to(ROOT)}/pyproject.toml" in copies
    for needed in ("pyproject.toml", "uv.lock", ".python-version"):
        assert needed in copies


def test_dockerignore_keeps_local_state_out_and_sources_in() -> None:
    ignored = {
        ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines() if ln.strip() and not ln.startswith("#")
    }
    assert {".git", ".venv", ".tousu"} <= ignored
    assert not ignored & {"shared", "services", "uv.lock", "pyproject.toml", ".python-version"}


# --------------------------------------------------------------------------- docker-compose.yml


def check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    """check-jsonschema from this interpreter's environment; its builtin schemas are vendored."""
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_compose_file_matches_the_compose_specification() -> None:
    result = check_jsonschema("--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_validator_rejects_a_broken_file(tmp_path: Path) -> None:
    compose = load_yaml(ROOT / "docker-compose.yml")
    compose["services"]["intake"]["helthcheck"] = compose["services"]["intake"].pop("healthcheck")
    compose["services"]["kafka"]["depends_on"] = {"mongo": {"condition": "service_up"}}
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(yaml.safe_dump(compose), encoding="utf-8")
    result = check_jsonschema("--builtin-schema", "vendor.compose-spec", str(broken))
    assert result.returncode != 0
    assert "helthcheck" in result.stdout and "service_up" in result.stdout


def test_compose_runs_the_four_services_from_one_image_with_their_commands() -> None:
    services = load_yaml(ROOT / "docker-compose.yml")["services"]
    builds = {json.dumps(services[name]["build"], sort_keys=True) for name in SERVICES}
    assert builds == {json.dumps({"context": ".", "dockerfile": "Dockerfile"}, sort_keys=True)}
    assert len({services[name]["image"] for name in SERVICES}) == 1
    for name, port in SERVICES.items():
        service = services[name]
        assert service["command"] == ["serve", name]
        assert service["environment"]["TOUSU_PORT"] == str(port)
        assert any(str(p).endswith(f":{port}:{port}") for p in service["ports"])
        assert "/healthz" in " ".join(service["healthcheck"]["test"])
        assert service["restart"] == "unless-stopped"
        assert service["depends_on"]["kafka"]["condition"] == "service_healthy"
        assert service["depends_on"]["mongo-init"]["condition"] == "service_completed_successfully"


def test_compose_services_reach_kafka_and_the_mongo_replica_set_inside_the_network() -> None:
    services = load_yaml(ROOT / "docker-compose.yml")["services"]
    for name in SERVICES:
        env = services[name]["environment"]
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["MONGODB_URI"] == "mongodb://mongo:27017/?replicaSet=rs0"
        assert env["TOUSU_HOST"] == "0.0.0.0"
        assert env["TOUSU_KAFKA_IDEMPOTENCE"] == "true"
        assert env["TOUSU_KAFKA_REPLICATION_FACTOR"] == "1"
        assert ("TOUSU_PII_KEY" in env) == (name == "intake"), "only intake holds the PII key"
    kafka = services["kafka"]["environment"]
    assert "PLAINTEXT://kafka:9092" in kafka["KAFKA_ADVERTISED_LISTENERS"]
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["kafka"]["image"].startswith("apache/kafka:3.9.")
    assert services["mongo"]["image"].startswith("mongo:7")
    assert services["mongo"]["command"][:2] == ["--replSet", "rs0"]
    assert "rs.initiate" in " ".join(services["mongo-init"]["entrypoint"])


def test_compose_mounts_the_monitoring_config_from_deploy() -> None:
    services = load_yaml(ROOT / "docker-compose.yml")["services"]
    mounts = {
        target: source
        for name in ("prometheus", "grafana")
        for source, target, *_ in (v.split(":") for v in services[name]["volumes"])
        if source.startswith("./")
    }
    for source in mounts.values():
        assert (ROOT / source).exists(), f"bind mount source {source} is missing"
    assert mounts["/etc/prometheus/prometheus.yml"] == "./deploy/prometheus/prometheus.yml"
    assert mounts["/etc/prometheus/rules"] == "./deploy/prometheus/rules"
    assert mounts["/etc/grafana/provisioning"] == "./deploy/grafana/provisioning"
    provider = load_yaml(DEPLOY / "grafana/provisioning/dashboards/tousu.yml")["providers"][0]
    assert mounts[provider["options"]["path"]] == "./deploy/grafana/dashboards"


# --------------------------------------------------------------------------- Kubernetes


CORE_MANIFESTS = sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("filename", CORE_MANIFESTS)
def test_core_manifest_matches_the_kubernetes_schema_strictly(filename: str, version: str) -> None:
    documents = load_all_yaml(K8S / filename)
    assert documents
    for document in documents:
        # Raises ValidationError, or SchemaNotFoundError for a kind it does not know:
        # both fail the test (the CLI would only warn on the latter).
        kubernetes_validate.validate(document, version, strict=True)


def test_kubernetes_validator_rejects_unknown_and_mistyped_fields() -> None:
    deployment = k8s_resources("Deployment")["intake"]
    unknown = copy.deepcopy(deployment)
    unknown["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    mistyped = copy.deepcopy(deployment)
    mistyped["spec"]["replicas"] = "two"
    for broken in (unknown, mistyped):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, K8S_VERSIONS[0], strict=True)


def test_kustomization_applies_every_core_manifest_except_the_example_secret() -> None:
    listed = load_yaml(K8S / "kustomization.yaml")["resources"]
    assert sorted(listed) == sorted(set(CORE_MANIFESTS) - NOT_APPLIED)
    monitoring = load_yaml(K8S / "monitoring/kustomization.yaml")["resources"]
    assert monitoring == ["servicemonitor.yaml"]
    assert all((K8S / "monitoring" / name).exists() for name in monitoring)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_kustomize_builds_the_core_monitoring_and_autoscaling_sets() -> None:
    for folder, kinds in (
        (K8S, {"Deployment", "Service"}),
        (K8S / "monitoring", {"ServiceMonitor"}),
        (K8S / "autoscaling", {"ScaledObject"}),
    ):
        result = subprocess.run(
            ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stderr
        built = [d for d in yaml.safe_load_all(result.stdout) if d]
        assert kinds <= {d["kind"] for d in built}
        assert all(d["metadata"].get("namespace") == "tousu" for d in built if d["kind"] != "Namespace")


def container_of(name: str) -> dict[str, Any]:
    """The single container of a service's Deployment."""
    pod = k8s_resources("Deployment")[name]["spec"]["template"]["spec"]
    containers: list[dict[str, Any]] = pod["containers"]
    assert len(containers) == 1
    return containers[0]


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_deployment_runs_one_service_with_probes_and_resources(name: str, port: int) -> None:
    deployment = k8s_resources("Deployment")[name]
    container = container_of(name)
    assert deployment["spec"]["replicas"] == 2
    assert container["args"] == ["serve", name]
    assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    assert {"name": "TOUSU_PORT", "value": str(port)} in container["env"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    for bound in ("requests", "limits"):
        quantities = container["resources"][bound]
        assert set(quantities) == {"cpu", "memory"}
        assert all(QUANTITY.match(str(q)) for q in quantities.values()), quantities
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] == "/metrics"
    assert annotations["prometheus.io/port"] == str(port)


@pytest.mark.parametrize("name", SERVICES)
def test_deployment_is_locked_down_with_only_tmp_writable(name: str) -> None:
    pod = k8s_resources("Deployment")[name]["spec"]["template"]["spec"]
    container = container_of(name)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}} in pod["volumes"]


@pytest.mark.parametrize("name", SERVICES)
def test_deployment_takes_config_and_only_the_secrets_it_needs(name: str) -> None:
    container = container_of(name)
    assert container["envFrom"] == [{"configMapRef": {"name": "tousu-config"}}]
    secret_refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
    expected = {"MONGODB_URI", "TOUSU_CUSTOMER_KEY_SECRET"} | ({"TOUSU_PII_KEY"} if name == "intake" else set())
    assert set(secret_refs) == expected
    example = k8s_resources("Secret")["tousu-secrets"]["stringData"]
    for ref in secret_refs.values():
        assert ref["name"] == "tousu-secrets" and ref["key"] in example
    config = k8s_resources("ConfigMap")["tousu-config"]["data"]
    assert config["TOUSU_KAFKA_REPLICATION_FACTOR"] == "3" and config["TOUSU_KAFKA_PARTITIONS"] == "12"


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_selects_its_deployment_pods_on_the_http_port(name: str, port: int) -> None:
    service = k8s_resources("Service")[name]
    pod_labels = k8s_resources("Deployment")[name]["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["ports"] == [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}]


def test_service_monitor_scrapes_every_service_like_the_compose_prometheus() -> None:
    (monitor,) = load_all_yaml(K8S / "monitoring/servicemonitor.yaml")
    assert (monitor["apiVersion"], monitor["kind"]) == ("monitoring.coreos.com/v1", "ServiceMonitor")
    spec = monitor["spec"]
    services = k8s_resources("Service")
    selected = {
        name
        for name, svc in services.items()
        if spec["selector"]["matchLabels"].items() <= svc["metadata"]["labels"].items()
        and all(
            svc["metadata"]["labels"].get(e["key"]) in e["values"] for e in spec["selector"].get("matchExpressions", [])
        )
    }
    assert selected == set(SERVICES)
    assert {services[n]["metadata"]["labels"][spec["jobLabel"]] for n in SERVICES} == {"tousu"}
    assert spec["namespaceSelector"]["matchNames"] == ["tousu"]
    (endpoint,) = spec["endpoints"]
    assert endpoint["path"] == "/metrics" and endpoint["honorLabels"] is True
    assert all(endpoint["port"] in {p["name"] for p in services[n]["spec"]["ports"]} for n in SERVICES)


CONSUMERS = ("analysis", "escalation", "followup")
SCALED_OBJECTS = K8S / "autoscaling/scaledobjects.yaml"


def scaled_objects() -> dict[str, dict[str, Any]]:
    """KEDA ScaledObjects by metadata.name."""
    return {d["metadata"]["name"]: d for d in load_all_yaml(SCALED_OBJECTS)}


def test_autoscaling_is_a_separate_kustomization_of_keda_scaled_objects() -> None:
    # Like monitoring/: CRD resources stay out of the core set, which applies on any cluster.
    assert load_yaml(K8S / "autoscaling/kustomization.yaml")["resources"] == ["scaledobjects.yaml"]
    assert load_yaml(K8S / "autoscaling/kustomization.yaml")["namespace"] == "tousu"
    for document in load_all_yaml(SCALED_OBJECTS):
        assert (document["apiVersion"], document["kind"]) == ("keda.sh/v1alpha1", "ScaledObject")
    assert "ScaledObject" not in {d["kind"] for p in K8S.glob("*.yaml") for d in load_all_yaml(p)}


def test_each_consumer_service_and_only_those_scale_on_their_own_consumer_lag() -> None:
    objects = scaled_objects()
    assert set(objects) == set(CONSUMERS)  # intake serves HTTP: it has no consumer lag
    deployments = k8s_resources("Deployment")
    for name, scaled in objects.items():
        target = scaled["spec"]["scaleTargetRef"]
        assert target == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert target["name"] in deployments
        assert scaled["metadata"]["labels"]["app.kubernetes.io/component"] == name
        (trigger,) = scaled["spec"]["triggers"]
        assert trigger["type"] == "prometheus" and trigger["metricType"] == "AverageValue"
        query = trigger["metadata"]["query"]
        assert re.fullmatch(rf'sum\(tousu_consumer_lag\{{job="tousu", service="{name}"\}}\)', query), query


def test_scaled_object_fields_have_the_types_keda_accepts() -> None:
    for name, scaled in scaled_objects().items():
        spec = scaled["spec"]
        assert set(spec) <= {
            "scaleTargetRef", "minReplicaCount", "maxReplicaCount", "pollingInterval", "cooldownPeriod",
            "idleReplicaCount", "fallback", "advanced", "triggers",
        }, name  # fmt: skip
        for key in ("minReplicaCount", "maxReplicaCount", "pollingInterval", "cooldownPeriod"):
            assert isinstance(spec[key], int) and spec[key] > 0, (name, key)
        (trigger,) = spec["triggers"]
        # metadata is map[string]string in the CRD: a YAML number there is rejected by the API server.
        assert all(isinstance(v, str) for v in trigger["metadata"].values()), trigger["metadata"]
        assert re.fullmatch(r"https?://[a-z0-9.-]+(:[0-9]+)?", trigger["metadata"]["serverAddress"])
        assert 0 < int(trigger["metadata"]["activationThreshold"]) < int(trigger["metadata"]["threshold"])
        assert spec["fallback"]["replicas"] <= spec["maxReplicaCount"] and spec["fallback"]["failureThreshold"] > 0
        for direction in ("scaleUp", "scaleDown"):
            rules = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"][direction]
            assert 0 <= rules["stabilizationWindowSeconds"] <= 3600
            assert all(p["type"] in {"Pods", "Percent"} and 0 < p["periodSeconds"] <= 1800 for p in rules["policies"])


def test_replicas_stay_between_two_and_the_partition_count() -> None:
    partitions = int(k8s_resources("ConfigMap")["tousu-config"]["data"]["TOUSU_KAFKA_PARTITIONS"])
    for name, scaled in scaled_objects().items():
        spec = scaled["spec"]
        # Above the partition count an instance gets no partition; below two a pod loss stops the service.
        assert 2 <= spec["minReplicaCount"] <= spec["maxReplicaCount"] == partitions, name


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_scaling_queries_are_valid_promql(tmp_path: Path) -> None:
    rules = [
        {"record": f"keda:{name}", "expr": scaled["spec"]["triggers"][0]["metadata"]["query"]}
        for name, scaled in scaled_objects().items()
    ]
    path = tmp_path / "keda.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "keda", "rules": rules}]}), encoding="utf-8")
    result = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- Prometheus


def test_prometheus_scrapes_every_service_on_metrics_and_itself() -> None:
    config = load_yaml(DEPLOY / "prometheus/prometheus.yml")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["prometheus"]["static_configs"][0]["targets"] == ["localhost:9090"]
    tousu = jobs["tousu"]
    assert tousu["metrics_path"] == "/metrics"
    targets = {t: group["labels"]["service"] for group in tousu["static_configs"] for t in group["targets"]}
    assert targets == {f"{name}:{port}": name for name, port in SERVICES.items()}
    assert config["rule_files"] == ["/etc/prometheus/rules/*.yml"]


ALERTS = {
    "TousuServiceDown", "TousuServiceAbsent", "TousuHighErrorRate",  # a service down, error rate
    "TousuDeadLetters", "TousuOutboxBacklog", "TousuOutboxStalled", "TousuOutboxStalledCritical",
    "TousuConsumerLagHigh", "TousuSlaBreachesRising", "TousuComplaintsOverdue", "TousuFollowupSurveysOverdue",
}  # fmt: skip


def alert_rules() -> dict[str, dict[str, Any]]:
    """Every alerting rule of deploy/prometheus/rules, by name."""
    return {
        rule["alert"]: rule
        for path in sorted((DEPLOY / "prometheus/rules").glob("*.yml"))
        for group in load_yaml(path)["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }


def test_alert_rules_cover_the_operational_failures() -> None:
    alerts = alert_rules()
    assert set(alerts) == ALERTS
    assert 'job="tousu"' in alerts["TousuServiceDown"]["expr"]  # the job name of prometheus.yml
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name


def test_rules_folder_holds_only_rule_files() -> None:
    # Prometheus loads every rules/*.yml (prometheus.yml's rule_files glob) and refuses
    # to start on anything else, e.g. a promtool unit-test file.
    for path in (DEPLOY / "prometheus/rules").iterdir():
        assert path.suffix == ".yml" and set(load_yaml(path)) == {"groups"}, path.name


PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (Debian: apt-get install prometheus)"
)


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run promtool; the caller asserts on the result."""
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=60, check=False)


@needs_promtool
def test_promtool_accepts_the_config_with_its_rules(tmp_path: Path) -> None:
    # The config names the in-container rules path; point it at the repository's
    # rules so `check config` also loads and checks them.
    config = load_yaml(DEPLOY / "prometheus/prometheus.yml")
    config["rule_files"] = [str(DEPLOY / "prometheus/rules/*.yml")]
    checked = tmp_path / "prometheus.yml"
    checked.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = promtool("check", "config", str(checked))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout and "rules found" in result.stdout


@needs_promtool
def test_promtool_accepts_every_rule_file() -> None:
    rule_files = sorted((DEPLOY / "prometheus/rules").glob("*.yml"))
    assert rule_files
    result = promtool("check", "rules", *map(str, rule_files))
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_rejects_a_broken_rule(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump({"groups": [{"name": "x", "rules": [{"alert": "X", "expr": "up =="}]}]}))
    assert promtool("check", "rules", str(broken)).returncode != 0


RULE_TESTS = DEPLOY / "prometheus/tests/tousu.test.yml"


@needs_promtool
def test_alert_rules_pass_their_promtool_unit_tests() -> None:
    result = promtool("test", "rules", str(RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(
    ("original", "mutant"),
    [
        ("max(tousu_complaints_overdue) > 0", "sum(tousu_complaints_overdue) > 0"),  # double counting
        ("sum by (service, topic) (tousu_consumer_lag) > 1000", "max by (service, topic) (tousu_consumer_lag) > 1000"),
        ('status=~"5.."', 'status=~"[45].."'),  # 4xx are the caller's fault
        ("unless route:tousu_sla_breached:increase1h <=", "and route:tousu_sla_breached:increase1h >"),
        ("tousu_outbox_oldest_age_seconds) > 120", "tousu_outbox_oldest_age_seconds) > 600"),
    ],
)
@needs_promtool
def test_rule_unit_tests_catch_a_weakened_rule(tmp_path: Path, original: str, mutant: str) -> None:
    rules = (DEPLOY / "prometheus/rules/tousu.yml").read_text(encoding="utf-8")
    assert original in rules
    (tmp_path / "rules").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "rules/tousu.yml").write_text(rules.replace(original, mutant), encoding="utf-8")
    shutil.copy(RULE_TESTS, tmp_path / "tests/tousu.test.yml")
    result = promtool("test", "rules", str(tmp_path / "tests/tousu.test.yml"))
    assert result.returncode != 0, f"the unit tests did not notice: {original!r} -> {mutant!r}"


# --------------------------------------------------------------------------- Grafana


def test_grafana_provisions_the_prometheus_datasource_and_the_dashboard_folder() -> None:
    datasources = load_yaml(DEPLOY / "grafana/provisioning/datasources/prometheus.yml")
    (source,) = datasources["datasources"]
    assert (source["type"], source["uid"], source["url"]) == ("prometheus", "prometheus", "http://prometheus:9090")
    providers = load_yaml(DEPLOY / "grafana/provisioning/dashboards/tousu.yml")
    assert providers["apiVersion"] == 1
    assert [p["type"] for p in providers["providers"]] == ["file"]


def test_dashboard_loads_and_every_panel_queries_the_provisioned_datasource() -> None:
    datasource_uid = load_yaml(DEPLOY / "grafana/provisioning/datasources/prometheus.yml")["datasources"][0]["uid"]
    for path in sorted((DEPLOY / "grafana/dashboards").glob("*.json")):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        assert dashboard["uid"] and dashboard["title"] and dashboard["panels"]
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate panel ids"
        for panel in (p for p in dashboard["panels"] if p["type"] != "row"):  # rows hold no queries
            assert panel["datasource"]["uid"] == datasource_uid
            assert panel["targets"] and all(t["expr"] and t["refId"] for t in panel["targets"])
    text = (DEPLOY / "grafana/dashboards/tousu.json").read_text(encoding="utf-8")
    assert "tousu_complaints_received_total" in text and "up{" in text

"""The Kubernetes manifests (deploy/k8s/) and the nginx example: syntax and what they expose."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.launch.settings import PROJECT_DIR

K8S = PROJECT_DIR / "deploy" / "k8s"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY|_SID|DB_URL", re.IGNORECASE)
API_VERSIONS = {
    "ConfigMap": "v1",
    "Service": "v1",
    "Deployment": "apps/v1",
    "CronJob": "batch/v1",
    "Ingress": "networking.k8s.io/v1",
    "NetworkPolicy": "networking.k8s.io/v1",
}


def manifests() -> list[dict[str, Any]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document is not None:
                document["__file__"] = path.name
                found.append(document)
    return found


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [m for m in manifests() if m["kind"] == kind]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return dict(spec["template"]["spec"])


def named(kind: str, name: str) -> dict[str, Any]:
    return next(m for m in of_kind(kind) if m["metadata"]["name"] == name)


def test_every_manifest_parses_and_is_complete() -> None:
    found = manifests()
    assert {m["kind"] for m in found} >= {"ConfigMap", "Deployment", "Service", "Ingress"}
    for manifest in found:
        where = f"{manifest['__file__']}: {manifest.get('kind')}"
        assert manifest["apiVersion"] == API_VERSIONS[manifest["kind"]], where
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", manifest["metadata"]["name"])
        assert manifest["metadata"]["labels"]["app.kubernetes.io/part-of"] == "lems-bot"


@pytest.mark.parametrize("kind", ["Deployment", "CronJob"])
def test_workloads_are_bounded_and_unprivileged(kind: str) -> None:
    for workload in of_kind(kind):
        if kind == "Deployment":
            selector = workload["spec"]["selector"]["matchLabels"]
            labels = workload["spec"]["template"]["metadata"]["labels"]
            assert selector.items() <= labels.items()
        pod = pod_spec(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            assert container["image"] and container["command"]
            assert container["resources"]["limits"]["memory"]
            assert container["resources"]["requests"]["memory"]
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_no_secret_is_written_in_a_manifest() -> None:
    assert not of_kind("Secret"), "create the Secret outside the repository"
    for workload in of_kind("Deployment") + of_kind("CronJob"):
        for container in pod_spec(workload)["containers"]:
            for variable in container.get("env", []):
                if SECRET_NAME.search(variable["name"]):
                    assert "value" not in variable, variable["name"]
                    assert variable["valueFrom"]["secretKeyRef"]["name"] == "lems-bot-secrets"
    for config in of_kind("ConfigMap"):
        assert not [key for key in config["data"] if SECRET_NAME.search(key)]


def test_referenced_config_maps_exist() -> None:
    maps = {m["metadata"]["name"] for m in of_kind("ConfigMap")}
    for workload in of_kind("Deployment") + of_kind("CronJob"):
        for container in pod_spec(workload)["containers"]:
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] in maps


def test_both_servers_read_the_same_country_setting() -> None:
    config = named("ConfigMap", "lems-bot-config")["data"]
    assert "BOT_COUNTRY" in config
    rasa = pod_spec(named("Deployment", "lems-rasa"))["containers"][0]
    assert {"configMapRef": {"name": "lems-bot-config"}} in rasa["envFrom"]
    actions = pod_spec(named("Deployment", "lems-actions"))["containers"][0]
    [country] = [v for v in actions["env"] if v["name"] == "BOT_COUNTRY"]
    assert country["valueFrom"]["configMapKeyRef"] == {
        "name": "lems-bot-config",
        "key": "BOT_COUNTRY",
    }


def test_the_rasa_server_is_ready_when_its_rest_channel_answers() -> None:
    rasa = named("Deployment", "lems-rasa")
    container = pod_spec(rasa)["containers"][0]
    for probe in ("readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["path"] == "/webhooks/rest/"
    # alive without its database: restarting would not bring the database back
    assert container["livenessProbe"]["httpGet"]["path"] == "/"
    secrets = {
        e["name"]: e["valueFrom"]["secretKeyRef"]["key"]
        for e in container["env"]
        if "valueFrom" in e
    }
    assert secrets["BOT_IDENTITY_SECRET"] == "BOT_IDENTITY_SECRET", "one secret for all replicas"
    assert container["args"] == ["--endpoints", "endpoints.postgres.yml"]
    assert rasa["spec"]["replicas"] >= 2
    assert (PROJECT_DIR / "endpoints.postgres.yml").is_file()


def test_services_select_their_pods_and_stay_inside_the_cluster() -> None:
    for service in of_kind("Service"):
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
        pods = [
            d["spec"]["template"]["metadata"]["labels"]
            for d in of_kind("Deployment")
            if service["spec"]["selector"].items()
            <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(pods) == 1, service["metadata"]["name"]
    assert named("Service", "lems-rasa")["spec"]["sessionAffinity"] == "ClientIP"


def test_the_ingress_exposes_only_the_channels_over_tls() -> None:
    (ingress,) = of_kind("Ingress")
    assert ingress["spec"]["tls"]
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    assert {p["path"] for p in paths} == {"/webhooks/", "/socket.io/"}
    assert {p["backend"]["service"]["name"] for p in paths} == {"lems-rasa"}


def test_the_retention_job_runs_the_retention_command() -> None:
    job = named("CronJob", "lems-retention")
    assert job["spec"]["schedule"] and job["spec"]["concurrencyPolicy"] == "Forbid"
    assert pod_spec(job)["containers"][0]["command"][-2:] == ["-m", "bot.retention"]


# ------------------------------------------------------------------ the nginx example


def nginx_example() -> str:
    text = (PROJECT_DIR / "docs" / "deployment.md").read_text()
    blocks = re.findall(r"```nginx\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 1, "docs/deployment.md has one nginx example"
    return str(blocks[0])


def test_the_nginx_example_exposes_only_the_channels_and_the_widget() -> None:
    config = nginx_example()
    locations = set(re.findall(r"location\s+(?:[=^~]+\s+)?(\S+)\s*\{", config))
    assert locations == {"/webhooks/", "/socket.io/", "/widget/", "/"}
    root = config[config.index("location / {") :]
    assert root[: root.index("}")].strip().endswith("return 404;")
    assert "ssl_certificate" in config and "client_max_body_size 1m;" in config
    assert "proxy_pass http://127.0.0.1:5055" not in config  # never the action server


def test_the_nginx_example_is_valid(tmp_path: Path) -> None:
    nginx = shutil.which("nginx")
    openssl = shutil.which("openssl")
    if not nginx or not openssl:
        pytest.skip("nginx or openssl is not installed (apt-get install nginx)")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=bot.example.org", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = nginx_example()
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {tmp_path / 'cert.pem'};", site)
    site = re.sub(
        r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {tmp_path / 'key.pem'};", site
    )
    site = re.sub(r"root\s+\S+;", f"root {tmp_path};", site)
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        f"events {{}}\nhttp {{\naccess_log off;\n{site}\n}}\n"
    )
    done = subprocess.run(
        [nginx, "-t", "-c", str(main), "-p", str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

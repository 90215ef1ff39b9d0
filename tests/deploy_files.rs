//! The deployment files in `deploy/` agree with the binary and with each other: the
//! production config passes `otai check` (and refuses an empty trigger secret), the OTOBO web
//! service's webhook fires a trigger pipe that config has, the Kubernetes probes ask the
//! listener's endpoints on its port, and every stop waits longer than the grace period.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_yaml::Value;

mod support;

use support::{all_output, otai_command, output_of};

fn deploy(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(file)
}

fn yaml_docs(file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(deploy(file)).unwrap();
    serde_yaml::Deserializer::from_str(&text)
        .map(|doc| serde::Deserialize::deserialize(doc).unwrap())
        .collect()
}

fn at<'v>(value: &'v Value, path: &str) -> &'v Value {
    path.split('.')
        .fold(value, |value, key| match key.parse::<usize>() {
            Ok(index) => &value[index],
            Err(_) => &value[key],
        })
}

/// Every pipe id of `config` that uses `base:IntervalTrigger`, at any depth.
fn trigger_ids(value: &Value, ids: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            if map.get("use").and_then(Value::as_str) == Some("base:IntervalTrigger") {
                ids.extend(map.get("id").and_then(Value::as_str).map(str::to_owned));
            }
            map.values().for_each(|v| trigger_ids(v, ids));
        }
        Value::Sequence(items) => items.iter().for_each(|v| trigger_ids(v, ids)),
        _ => {}
    }
}

fn check(secret: &str) -> std::process::Output {
    output_of(
        otai_command()
            .args(["check", "--config"])
            .arg(deploy("config.yml"))
            .env(
                "OTAI_OTOBO_URL",
                "https://helpdesk.example.com/otobo/nph-genericinterface.pl",
            )
            .env("OTAI_OTOBO_PASSWORD", "pw")
            .env("OTAI_TRIGGER_SECRET", secret),
    )
}

#[test]
fn the_production_config_checks_and_refuses_an_empty_trigger_secret() {
    let ok = check("0123456789abcdef");
    assert_eq!(ok.status.code(), Some(0), "{}", all_output(&ok));
    let empty = check("");
    assert_eq!(empty.status.code(), Some(2), "{}", all_output(&empty));
    let text = all_output(&empty);
    assert!(text.contains("the trigger secret is empty"), "{text}");
    assert!(
        text.contains("infrastructure.listen.trigger_secret"),
        "{text}"
    );
}

#[test]
fn the_otobo_webhook_fires_a_trigger_of_the_config_with_basic_auth() {
    let service = &yaml_docs("otobo/OpenTicketAI-webservice.yml")[0];
    let transport = at(service, "Requester.Transport");
    assert_eq!(at(transport, "Type").as_str(), Some("HTTP::REST"));
    assert_eq!(
        at(transport, "Config.Authentication.AuthType").as_str(),
        Some("BasicAuth")
    );
    let invoker = at(service, "Requester.Invoker.ticket-created");
    assert_eq!(at(invoker, "Events.0.Event").as_str(), Some("TicketCreate"));
    let mapping = at(transport, "Config.InvokerControllerMapping.ticket-created");
    assert_eq!(at(mapping, "Command").as_str(), Some("POST"));
    let controller = at(mapping, "Controller").as_str().unwrap();
    let id = controller.strip_prefix("/trigger/").unwrap();

    let config = &yaml_docs("config.yml")[0];
    let mut ids = Vec::new();
    trigger_ids(config, &mut ids);
    assert_eq!(ids, [id]);
    // The provider serves the routes the plugin calls.
    for route in [
        "ticket-search",
        "ticket-get",
        "ticket-update",
        "ticket-create",
    ] {
        let mapped = at(
            service,
            &format!("Provider.Transport.Config.RouteOperationMapping.{route}.Route"),
        );
        assert_eq!(mapped.as_str(), Some(format!("/{route}").as_str()));
    }
}

/// The value of `--NAME=VALUE` in `args`.
fn flag<'a>(args: &'a [Value], name: &str) -> &'a str {
    args.iter()
        .filter_map(Value::as_str)
        .find_map(|arg| arg.strip_prefix(&format!("--{name}=")))
        .unwrap_or_else(|| panic!("no --{name}= in {args:?}"))
}

fn seconds(duration: &str) -> u64 {
    duration.strip_suffix('s').unwrap().parse().unwrap()
}

#[test]
fn the_kubernetes_workers_probe_the_listener_and_partition_by_ordinal() {
    let docs = yaml_docs("kubernetes/otai.yaml");
    let set = docs
        .iter()
        .find(|doc| doc["kind"].as_str() == Some("StatefulSet"))
        .unwrap();
    let pod = at(set, "spec.template.spec");
    let container = at(pod, "containers.0");
    let args = container["args"].as_sequence().unwrap();
    assert_eq!(args[0].as_str(), Some("run"));
    let port: u64 = flag(args, "listen")
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(at(container, "ports.0.containerPort").as_u64(), Some(port));
    assert_eq!(
        at(container, "livenessProbe.httpGet.path").as_str(),
        Some("/healthz")
    );
    assert_eq!(
        at(container, "readinessProbe.httpGet.path").as_str(),
        Some("/readyz")
    );
    assert!(
        at(pod, "terminationGracePeriodSeconds").as_u64().unwrap()
            > seconds(flag(args, "grace-period"))
    );

    let env = container["env"].as_sequence().unwrap();
    let var = |name: &str| {
        env.iter()
            .find(|e| e["name"].as_str() == Some(name))
            .unwrap()
    };
    let replicas = at(set, "spec.replicas").as_u64().unwrap();
    assert_eq!(
        var("OTAI_WORKER")["value"].as_str(),
        Some(format!("$(POD_INDEX)/{replicas}").as_str())
    );
    for secret in ["OTAI_OTOBO_PASSWORD", "OTAI_TRIGGER_SECRET"] {
        assert!(
            var(secret)["valueFrom"]["secretKeyRef"].is_mapping(),
            "{secret}"
        );
    }
    // The state directory is the volume of each worker.
    let state_dir = var("OTAI_STATE_DIR")["value"].as_str().unwrap();
    let mounts = container["volumeMounts"].as_sequence().unwrap();
    let state = mounts
        .iter()
        .find(|m| m["mountPath"].as_str() == Some(state_dir))
        .unwrap();
    assert_eq!(
        state["name"],
        at(set, "spec.volumeClaimTemplates.0.metadata.name").clone()
    );
    let config = flag(args, "config");
    assert!(mounts
        .iter()
        .any(|m| config.starts_with(m["mountPath"].as_str().unwrap())));
}

#[test]
fn the_systemd_unit_is_hardened_and_outwaits_the_grace_period() {
    let unit = std::fs::read_to_string(deploy("systemd/otai.service")).unwrap();
    let setting = |key: &str| {
        unit.lines()
            .find_map(|line| line.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key}= in the unit"))
    };
    for (key, value) in [
        ("DynamicUser", "yes"),
        ("NoNewPrivileges", "yes"),
        ("CapabilityBoundingSet", ""),
        ("ProtectSystem", "strict"),
        ("StateDirectory", "otai"),
        ("SystemCallFilter", "@system-service"),
        ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ("MemoryDenyWriteExecute", "yes"),
        ("KillSignal", "SIGTERM"),
        ("RestartPreventExitStatus", "2"),
    ] {
        assert_eq!(setting(key), value, "{key}");
    }
    let exec = setting("ExecStart");
    let grace = exec
        .split("--grace-period ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert!(seconds(setting("TimeoutStopSec")) > seconds(grace));
    assert!(exec.contains("--listen 127.0.0.1:"), "{exec}");
    assert!(setting("EnvironmentFile").starts_with("/etc/otai/"));
}

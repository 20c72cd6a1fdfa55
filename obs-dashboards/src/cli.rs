//! The `gen-dashboards` command: writes the artifacts into a directory, or checks that they are up to date.
//!
//! A service gets the command with a three-line binary, `src/bin/gen-dashboards.rs`:
//!
//! ```no_run
//! use my_service as _; // links the crate that declares the metrics, so the catalog is complete
//! # mod my_service {}
//! fn main() { obs_dashboards::cli::main() }
//! ```
//!
//! ```text
//! gen-dashboards --out DIR [--check] [options]
//!
//!   --out DIR                 where the files go (required)
//!   --check                   write nothing; exit 1 with a diff if a file in DIR is missing or stale
//!   --config FILE             options from a YAML file (keys as in `Options`: job, datasource_uid, receivers.page.webhook_urls, ...)
//!   --service NAME            the service name (default: the crate declaring the most metrics)
//!   --job JOB                 the Prometheus job label (default: the service name)
//!   --datasource-uid UID      the Grafana Prometheus datasource uid (default: prometheus)
//!   --folder NAME             Grafana folder (default: Services)
//!   --title-prefix TEXT       prepended to dashboard titles
//!   --grafana-url URL         for dashboard links in alerts (default: http://localhost:3000)
//!   --runbook-url-base URL    each alert links to URL/<alertname>
//!   --prometheus-url URL      for the provisioned datasource (default: http://localhost:9090)
//!   --scrape-target HOST:PORT the service's /metrics endpoint (default: localhost:9464, where obs::init!() serves)
//!   --alertmanager-target HOST:PORT                (default: localhost:9093)
//!   --webhook-url URL         a webhook receiver for every route (repeatable)
//!   --slack-channel CHANNEL   a Slack receiver for the page and ticket routes (repeatable; needs --slack-api-url)
//!   --slack-api-url URL       Slack's incoming-webhook URL
//!   --email-to ADDRESS        an email receiver for the page and ticket routes (repeatable)
//!   --email-from ADDRESS, --smtp-smarthost HOST:PORT
//!   --kubernetes              also write Kubernetes resources (PrometheusRule, ServiceMonitor, dashboard ConfigMaps)
//!   --k8s-namespace NS        their namespace (default: default; implies --kubernetes)
//!   --k8s-label KEY=VALUE     an extra label on each, such as release=kube-prometheus-stack (repeatable)
//!   --k8s-pod-monitor         a PodMonitor instead of a ServiceMonitor
//!   --k8s-single-file         one multi-document kubernetes/<service>.yml instead of a file per resource
//!   --compose                 also write a local stack: compose/docker-compose.yml (Prometheus, Alertmanager, Grafana, Jaeger)
//!   --compose-service-host HOST  where the stack scrapes the service (default: host.docker.internal; implies --compose)
//!   --compose-service-port PORT  its metrics port (default: 9464)
//!   --fast-alerts             divide every alerting duration by 60 (an hour becomes a minute), for end-to-end tests
//!   --time-scale N            divide them by N instead
//! ```

use crate::{generate, Model, Options};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the command line asked for.
///
/// ```
/// let args: Vec<String> = ["--out", "/tmp/x", "--check", "--job", "shop"].iter().map(|s| s.to_string()).collect();
/// let cmd = obs_dashboards::cli::parse(&args).unwrap();
/// assert!(cmd.check);
/// assert_eq!(cmd.options.job.as_deref(), Some("shop"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// The output directory.
    pub out: PathBuf,
    /// Check instead of writing.
    pub check: bool,
    /// Generation options.
    pub options: Options,
}

const USAGE: &str = "usage: gen-dashboards --out DIR [--check] [--config FILE] [--service NAME] [--job JOB] \
[--datasource-uid UID] [--folder NAME] [--title-prefix TEXT] [--grafana-url URL] [--runbook-url-base URL] \
[--prometheus-url URL] [--scrape-target HOST:PORT] [--alertmanager-target HOST:PORT] [--webhook-url URL]... \
[--slack-channel CHANNEL]... [--slack-api-url URL] [--email-to ADDRESS]... [--email-from ADDRESS] \
[--smtp-smarthost HOST:PORT] [--kubernetes] [--k8s-namespace NS] [--k8s-label KEY=VALUE]... [--k8s-pod-monitor] \
[--k8s-single-file] [--compose] [--compose-service-host HOST] [--compose-service-port PORT] \
[--fast-alerts | --time-scale N]";

/// Parses the arguments (without the program name). `--config` is read first, flags override it.
///
/// ```
/// let args: Vec<String> = ["--out", "d", "--bogus"].iter().map(|s| s.to_string()).collect();
/// assert!(obs_dashboards::cli::parse(&args).unwrap_err().contains("--bogus"));
/// ```
pub fn parse(args: &[String]) -> Result<Command, String> {
    // The config file first, so flags win whatever their order.
    let mut options = Options::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--config" {
            let path = it.next().ok_or("--config needs a FILE")?;
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read --config {path}: {e}"))?;
            options = serde_norway::from_str(&text).map_err(|e| format!("--config {path}: {e}"))?;
        }
    }
    let mut out = None;
    let mut check = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (a.as_str(), None),
        };
        let mut value = || -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it.next().cloned().ok_or_else(|| format!("{flag} needs a value\n{USAGE}")),
            }
        };
        let r = &mut options.receivers;
        match flag {
            "--out" => out = Some(PathBuf::from(value()?)),
            "--check" => check = true,
            "--config" => {
                value()?;
            }
            "--service" => options.service = Some(value()?),
            "--job" => options.job = Some(value()?),
            "--datasource-uid" => options.datasource_uid = value()?,
            "--folder" => options.folder = value()?,
            "--title-prefix" => options.title_prefix = value()?,
            "--grafana-url" => options.grafana_url = value()?,
            "--runbook-url-base" => options.runbook_url_base = value()?,
            "--prometheus-url" => options.prometheus_url = value()?,
            "--scrape-target" => options.scrape_target = value()?,
            "--alertmanager-target" => options.alertmanager_target = value()?,
            "--webhook-url" => {
                let v = value()?;
                for rec in [&mut r.page, &mut r.ticket, &mut r.info] {
                    rec.webhook_urls.push(v.clone());
                }
            }
            "--slack-channel" => {
                let v = value()?;
                for rec in [&mut r.page, &mut r.ticket] {
                    rec.slack_channels.push(v.clone());
                }
            }
            "--email-to" => {
                let v = value()?;
                for rec in [&mut r.page, &mut r.ticket] {
                    rec.email_to.push(v.clone());
                }
            }
            "--slack-api-url" => options.slack_api_url = Some(value()?),
            "--email-from" => options.email_from = value()?,
            "--smtp-smarthost" => options.smtp_smarthost = value()?,
            "--kubernetes" => {
                options.kubernetes.get_or_insert_with(Default::default);
            }
            "--k8s-namespace" => options.kubernetes.get_or_insert_with(Default::default).namespace = value()?,
            "--k8s-label" => {
                let v = value()?;
                let (k, val) = v.split_once('=').ok_or_else(|| format!("--k8s-label takes KEY=VALUE, not `{v}`"))?;
                options.kubernetes.get_or_insert_with(Default::default).labels.insert(k.to_owned(), val.to_owned());
            }
            "--k8s-pod-monitor" => {
                options.kubernetes.get_or_insert_with(Default::default).monitor = crate::kubernetes::Monitor::Pod
            }
            "--k8s-single-file" => options.kubernetes.get_or_insert_with(Default::default).single_file = true,
            "--compose" => {
                options.compose.get_or_insert_with(Default::default);
            }
            "--compose-service-host" => options.compose.get_or_insert_with(Default::default).service_host = value()?,
            "--compose-service-port" => {
                let v = value()?;
                options.compose.get_or_insert_with(Default::default).service_port =
                    v.parse().map_err(|_| format!("--compose-service-port takes a port number, not `{v}`"))?;
            }
            "--fast-alerts" => options.time_scale = 60,
            "--time-scale" => {
                let v = value()?;
                options.time_scale = v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("--time-scale takes a whole number from 1, not `{v}`"))?;
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let out = out.ok_or_else(|| format!("--out DIR is required\n{USAGE}"))?;
    Ok(Command { out, check, options })
}

/// Runs a parsed command on `model`, reporting to `log`. Returns whether it succeeded (for `--check`: whether
/// every file is up to date).
///
/// ```
/// let dir = std::env::temp_dir().join("obs-dashboards-doc-run");
/// let mut model = obs_dashboards::Model::new("svc");
/// model.metrics.push(obs_dashboards::Metric::new("jobs", obs_runtime::MetricKind::Counter, "Jobs."));
/// let cmd = obs_dashboards::cli::Command { out: dir.clone(), check: false, options: Default::default() };
/// let mut log = Vec::new();
/// assert!(obs_dashboards::cli::run(&cmd, &model, &mut log).unwrap());
/// let check = obs_dashboards::cli::Command { check: true, ..cmd };
/// assert!(obs_dashboards::cli::run(&check, &model, &mut log).unwrap());
/// # std::fs::remove_dir_all(dir).unwrap();
/// ```
pub fn run(cmd: &Command, model: &Model, log: &mut dyn Write) -> Result<bool, String> {
    let artifacts = generate(model, &cmd.options).map_err(|e| e.to_string())?;
    let files = artifacts.files();
    if cmd.check {
        let mut stale = 0;
        for f in &files {
            let path = cmd.out.join(&f.path);
            match std::fs::read_to_string(&path) {
                Ok(on_disk) if on_disk == f.contents => {}
                Ok(on_disk) => {
                    stale += 1;
                    let diff = similar::TextDiff::from_lines(&on_disk, &f.contents);
                    let shown = path.display().to_string();
                    writeln!(log, "stale: {shown}").map_err(io)?;
                    write!(
                        log,
                        "{}",
                        diff.unified_diff()
                            .context_radius(3)
                            .header(&format!("{shown} (on disk)"), &format!("{shown} (generated)"))
                    )
                    .map_err(io)?;
                }
                Err(_) => {
                    stale += 1;
                    writeln!(log, "missing: {}", path.display()).map_err(io)?;
                }
            }
        }
        if stale > 0 {
            writeln!(
                log,
                "{stale} of {} generated files are missing or stale in {}; regenerate them with the same command without --check",
                files.len(),
                cmd.out.display()
            )
            .map_err(io)?;
            return Ok(false);
        }
        writeln!(log, "{} files in {} are up to date", files.len(), cmd.out.display()).map_err(io)?;
        return Ok(true);
    }
    for f in &files {
        let path = cmd.out.join(&f.path);
        write_file(&path, &f.contents)?;
        writeln!(log, "wrote {}", path.display()).map_err(io)?;
    }
    writeln!(
        log,
        "{} files for service {} (job {}); check them in CI with --check",
        files.len(),
        artifacts.service,
        artifacts.job
    )
    .map_err(io)?;
    Ok(true)
}

fn io(e: std::io::Error) -> String {
    e.to_string()
}

fn write_file(path: &Path, contents: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The entry point of `gen-dashboards`: parses `std::env::args`, reads [`obs_runtime::catalog()`], and exits
/// with 0 on success, 1 when `--check` finds stale files, 2 on errors (bad arguments, an empty catalog).
///
/// ```no_run
/// obs_dashboards::cli::main(); // exits the process
/// ```
pub fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match parse(&args) {
        Err(msg) => {
            eprintln!("{msg}");
            2
        }
        Ok(cmd) => {
            let catalog = obs_runtime::catalog();
            if let Err(e) = catalog.validate() {
                eprintln!("warning: {e}");
            }
            let model = Model::from_catalog(catalog);
            let mut out = std::io::stdout();
            match run(&cmd, &model, &mut out) {
                Ok(true) => 0,
                Ok(false) => 1,
                Err(msg) => {
                    eprintln!("error: {msg}");
                    2
                }
            }
        }
    };
    std::process::exit(code);
}

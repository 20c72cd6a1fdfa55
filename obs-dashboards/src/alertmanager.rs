//! Alertmanager configuration: routes by severity, grouping, inhibition and per-severity repeat intervals.

use crate::options::{Options, Receiver};
use crate::util::dur;
use serde::{Deserialize, Serialize};

/// An Alertmanager configuration file.
///
/// ```
/// let c = obs_dashboards::alertmanager::config(&obs_dashboards::Options::default());
/// assert_eq!(c.route.group_by, ["service", "alertname"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Global settings.
    pub global: Global,
    /// The routing tree.
    pub route: Route,
    /// Inhibition rules.
    pub inhibit_rules: Vec<InhibitRule>,
    /// Receivers.
    pub receivers: Vec<ReceiverConfig>,
}

/// Global settings.
///
/// ```
/// let g = obs_dashboards::alertmanager::config(&obs_dashboards::Options::default()).global;
/// assert_eq!(g.resolve_timeout, "5m");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Global {
    /// How long an alert that stopped being sent is kept before it resolves.
    pub resolve_timeout: String,
    /// Slack webhook URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slack_api_url: Option<String>,
    /// SMTP smarthost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_smarthost: Option<String>,
    /// Sender address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_from: Option<String>,
    /// Whether SMTP requires TLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_require_tls: Option<bool>,
}

/// A route.
///
/// ```
/// let r = obs_dashboards::alertmanager::config(&obs_dashboards::Options::default()).route;
/// assert_eq!(r.routes.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// Receiver name.
    pub receiver: String,
    /// Grouping labels (root route only).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub group_by: Vec<String>,
    /// Matchers, such as `severity="critical"`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub matchers: Vec<String>,
    /// Wait before the first notification of a group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_wait: Option<String>,
    /// Wait before notifying about new alerts of a group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_interval: Option<String>,
    /// Wait before repeating a notification: the escalation cadence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_interval: Option<String>,
    /// Child routes.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub routes: Vec<Route>,
}

/// An inhibition rule.
///
/// ```
/// let i = &obs_dashboards::alertmanager::config(&obs_dashboards::Options::default()).inhibit_rules[0];
/// assert_eq!(i.equal, ["service", "alertname"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InhibitRule {
    /// The inhibiting alerts.
    pub source_matchers: Vec<String>,
    /// The muted alerts.
    pub target_matchers: Vec<String>,
    /// Labels both must share.
    pub equal: Vec<String>,
}

/// A receiver.
///
/// ```
/// let r = &obs_dashboards::alertmanager::config(&obs_dashboards::Options::default()).receivers[0];
/// assert_eq!(r.name, "page");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiverConfig {
    /// Name.
    pub name: String,
    /// Webhooks.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub webhook_configs: Vec<WebhookConfig>,
    /// Slack.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub slack_configs: Vec<SlackConfig>,
    /// Email.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub email_configs: Vec<EmailConfig>,
}

/// A webhook.
///
/// ```
/// let w = obs_dashboards::alertmanager::WebhookConfig { url: "http://x/".into(), send_resolved: true };
/// assert!(w.send_resolved);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookConfig {
    /// URL.
    pub url: String,
    /// Notify on resolution too.
    pub send_resolved: bool,
}

/// A Slack channel.
///
/// ```
/// let s = obs_dashboards::alertmanager::SlackConfig { channel: "#oncall".into(), send_resolved: true, title: String::new(), text: String::new() };
/// assert_eq!(s.channel, "#oncall");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlackConfig {
    /// Channel.
    pub channel: String,
    /// Notify on resolution too.
    pub send_resolved: bool,
    /// Message title (a Go template).
    pub title: String,
    /// Message text (a Go template).
    pub text: String,
}

/// An email recipient.
///
/// ```
/// let e = obs_dashboards::alertmanager::EmailConfig { to: "a@b".into(), send_resolved: true };
/// assert_eq!(e.to, "a@b");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailConfig {
    /// Address.
    pub to: String,
    /// Notify on resolution too.
    pub send_resolved: bool,
}

fn receiver(name: &str, r: &Receiver) -> ReceiverConfig {
    ReceiverConfig {
        name: name.to_owned(),
        webhook_configs: r
            .webhook_urls
            .iter()
            .map(|u| WebhookConfig { url: u.clone(), send_resolved: true })
            .collect(),
        slack_configs: r
            .slack_channels
            .iter()
            .map(|c| SlackConfig {
                channel: c.clone(),
                send_resolved: true,
                title: "[{{ .Status | toUpper }}] {{ .CommonLabels.service }}: {{ .CommonLabels.alertname }}".to_owned(),
                text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.description }}\nDashboard: {{ .Annotations.dashboard }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}".to_owned(),
            })
            .collect(),
        email_configs: r
            .email_to
            .iter()
            .map(|t| EmailConfig { to: t.clone(), send_resolved: true })
            .collect(),
    }
}

/// The Alertmanager configuration for `opts`: `page` (critical), `ticket` (warning) and `info` routes.
///
/// ```
/// let c = obs_dashboards::alertmanager::config(&obs_dashboards::Options::default());
/// assert_eq!(c.route.routes[0].matchers, ["severity=\"critical\""]);
/// ```
pub fn config(opts: &Options) -> Config {
    let r = &opts.receivers;
    let any_slack = [&r.page, &r.ticket, &r.info].iter().any(|r| !r.slack_channels.is_empty());
    let any_email = [&r.page, &r.ticket, &r.info].iter().any(|r| !r.email_to.is_empty());
    let s = |secs: u64| Some(dur(opts.scaled(secs)));
    let child = |receiver: &str, severity: &str, repeat: u64| Route {
        receiver: receiver.to_owned(),
        group_by: Vec::new(),
        matchers: vec![format!("severity=\"{severity}\"")],
        group_wait: None,
        group_interval: None,
        repeat_interval: s(repeat),
        routes: Vec::new(),
    };
    Config {
        global: Global {
            resolve_timeout: "5m".to_owned(),
            slack_api_url: if any_slack { opts.slack_api_url.clone() } else { None },
            smtp_smarthost: any_email.then(|| opts.smtp_smarthost.clone()),
            smtp_from: any_email.then(|| opts.email_from.clone()),
            smtp_require_tls: any_email.then_some(false),
        },
        route: Route {
            receiver: "ticket".to_owned(),
            group_by: vec!["service".to_owned(), "alertname".to_owned()],
            matchers: Vec::new(),
            group_wait: s(30),
            group_interval: s(300),
            repeat_interval: s(12 * 3600),
            routes: vec![
                child("page", "critical", 3600),
                child("ticket", "warning", 12 * 3600),
                child("info", "info", 7 * 86400),
            ],
        },
        inhibit_rules: vec![
            InhibitRule {
                source_matchers: vec!["severity=\"critical\"".to_owned()],
                target_matchers: vec!["severity=\"warning\"".to_owned()],
                equal: vec!["service".to_owned(), "alertname".to_owned()],
            },
            // A paging burn-rate alert makes the ticket of the same objective noise.
            InhibitRule {
                source_matchers: vec!["severity=\"critical\"".to_owned(), "slo=~\".+\"".to_owned()],
                target_matchers: vec!["severity=\"warning\"".to_owned(), "slo=~\".+\"".to_owned()],
                equal: vec!["service".to_owned(), "slo".to_owned(), "sli".to_owned()],
            },
            // With the target down or absent, everything else about the service is a consequence.
            InhibitRule {
                source_matchers: vec!["alertname=~\"TargetDown|TargetAbsent\"".to_owned()],
                target_matchers: vec!["alertname!~\"TargetDown|TargetAbsent\"".to_owned()],
                equal: vec!["service".to_owned()],
            },
        ],
        receivers: vec![receiver("page", &r.page), receiver("ticket", &r.ticket), receiver("info", &r.info)],
    }
}

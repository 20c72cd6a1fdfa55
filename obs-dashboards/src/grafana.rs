//! The Grafana dashboard JSON model (schemaVersion 42), as serde types.
//!
//! Only what the generator uses is modelled; panel-plugin options, whose shape depends on the panel type, are
//! JSON values. Every dashboard written is type-checked against `Dashboard` from npm `@grafana/schema` in the
//! tests.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The dashboard schema version written (Grafana 12/13).
///
/// ```
/// assert_eq!(obs_dashboards::grafana::SCHEMA_VERSION, 42);
/// ```
pub const SCHEMA_VERSION: u32 = 42;

/// A dashboard.
///
/// ```
/// let d = obs_dashboards::grafana::Dashboard::new("abc", "Shop");
/// let json = serde_json::to_string(&d).unwrap();
/// assert!(json.contains("\"schemaVersion\":42"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    /// Stable identifier, derived from the service and dashboard names.
    pub uid: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// `browser`.
    pub timezone: String,
    /// Whether users may edit it in the UI (changes are overwritten on the next provisioning).
    pub editable: bool,
    /// 1: shared crosshair.
    pub graph_tooltip: u8,
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Version, always 1: the files are regenerated, not edited.
    pub version: u32,
    /// Auto-refresh interval.
    pub refresh: String,
    /// Default time range.
    pub time: TimeRange,
    /// Template variables.
    pub templating: Templating,
    /// Annotations.
    pub annotations: Annotations,
    /// Links to the service's other dashboards.
    pub links: Vec<DashboardLink>,
    /// Rows and panels, in display order.
    pub panels: Vec<Panel>,
}

impl Dashboard {
    /// An empty dashboard with the defaults used everywhere.
    ///
    /// ```
    /// assert!(obs_dashboards::grafana::Dashboard::new("u", "T").panels.is_empty());
    /// ```
    pub fn new(uid: &str, title: &str) -> Dashboard {
        Dashboard {
            uid: uid.to_owned(),
            title: title.to_owned(),
            description: String::new(),
            tags: vec!["obs".to_owned(), "generated".to_owned()],
            timezone: "browser".to_owned(),
            editable: false,
            graph_tooltip: 1,
            schema_version: SCHEMA_VERSION,
            version: 1,
            refresh: "30s".to_owned(),
            time: TimeRange { from: "now-3h".to_owned(), to: "now".to_owned() },
            templating: Templating { list: Vec::new() },
            annotations: Annotations { list: Vec::new() },
            links: Vec::new(),
            panels: Vec::new(),
        }
    }
}

/// A relative time range.
///
/// ```
/// let t = obs_dashboards::grafana::TimeRange { from: "now-1h".into(), to: "now".into() };
/// assert_eq!(t.to, "now");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeRange {
    /// Start.
    pub from: String,
    /// End.
    pub to: String,
}

/// The template variables.
///
/// ```
/// assert!(obs_dashboards::grafana::Templating { list: vec![] }.list.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Templating {
    /// Variables, in display order.
    pub list: Vec<Variable>,
}

/// The annotations.
///
/// ```
/// assert!(obs_dashboards::grafana::Annotations { list: vec![] }.list.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotations {
    /// Annotation queries.
    pub list: Vec<Value>,
}

/// A link in the dashboard's header.
///
/// ```
/// let l = obs_dashboards::grafana::DashboardLink::to_tag("obs");
/// assert_eq!(l.kind, "dashboards");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DashboardLink {
    /// Title.
    pub title: String,
    /// `dashboards` (by tag) or `link`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Tags of the linked dashboards.
    pub tags: Vec<String>,
    /// Shown as a dropdown.
    pub as_dropdown: bool,
    /// Icon.
    pub icon: String,
    /// Carry the variables over.
    pub include_vars: bool,
    /// Carry the time range over.
    pub keep_time: bool,
    /// Open in a new tab.
    pub target_blank: bool,
    /// Tooltip.
    pub tooltip: String,
}

impl DashboardLink {
    /// A link to every dashboard tagged `tag`, keeping time and variables.
    ///
    /// ```
    /// assert!(obs_dashboards::grafana::DashboardLink::to_tag("shop").keep_time);
    /// ```
    pub fn to_tag(tag: &str) -> DashboardLink {
        DashboardLink {
            title: "Service dashboards".to_owned(),
            kind: "dashboards".to_owned(),
            tags: vec![tag.to_owned()],
            as_dropdown: true,
            icon: "external link".to_owned(),
            include_vars: true,
            keep_time: true,
            target_blank: false,
            tooltip: String::new(),
        }
    }
}

/// A template variable.
///
/// ```
/// let v = obs_dashboards::grafana::Variable::custom("outcome", &["approved".into(), "declined".into()]);
/// assert_eq!(v.query, serde_json::json!("approved,declined"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Variable {
    /// Name, used as `$name`.
    pub name: String,
    /// Display label.
    pub label: String,
    /// `datasource`, `query` or `custom`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The query, the datasource plugin id, or the comma-separated values.
    pub query: Value,
    /// The datasource of a query variable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datasource: Option<DataSourceRef>,
    /// 1: on dashboard load; 2: on time range change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh: Option<u8>,
    /// Offer "All".
    pub include_all: bool,
    /// The regex "All" stands for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_value: Option<String>,
    /// Several values may be selected.
    pub multi: bool,
    /// 1: alphabetical.
    pub sort: u8,
    /// The initial selection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<VariableOption>,
    /// The values of a custom variable.
    pub options: Vec<VariableOption>,
    /// 0: shown.
    pub hide: u8,
}

/// One value of a variable.
///
/// ```
/// let o = obs_dashboards::grafana::VariableOption::new("All", "$__all", true);
/// assert!(o.selected);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariableOption {
    /// Displayed text.
    pub text: String,
    /// Value.
    pub value: String,
    /// Selected.
    pub selected: bool,
}

impl VariableOption {
    /// An option.
    ///
    /// ```
    /// assert_eq!(obs_dashboards::grafana::VariableOption::new("a", "a", false).text, "a");
    /// ```
    pub fn new(text: &str, value: &str, selected: bool) -> VariableOption {
        VariableOption { text: text.to_owned(), value: value.to_owned(), selected }
    }
}

impl Variable {
    /// The datasource picker, defaulting to `uid`.
    ///
    /// ```
    /// assert_eq!(obs_dashboards::grafana::Variable::datasource("prom").kind, "datasource");
    /// ```
    pub fn datasource(uid: &str) -> Variable {
        Variable {
            name: "datasource".to_owned(),
            label: "Data source".to_owned(),
            kind: "datasource".to_owned(),
            query: Value::from("prometheus"),
            datasource: None,
            refresh: Some(1),
            include_all: false,
            all_value: None,
            multi: false,
            sort: 0,
            current: Some(VariableOption::new(uid, uid, true)),
            options: Vec::new(),
            hide: 0,
        }
    }

    /// A variable whose values come from a Prometheus query (`label_values(...)`), with "All" selected.
    ///
    /// ```
    /// let v = obs_dashboards::grafana::Variable::query("instance", "label_values(up, instance)");
    /// assert!(v.include_all);
    /// ```
    pub fn query(name: &str, query: &str) -> Variable {
        Variable {
            name: name.to_owned(),
            label: name.to_owned(),
            kind: "query".to_owned(),
            query: serde_json::json!({ "query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery", "qryType": 1 }),
            datasource: Some(DataSourceRef::variable()),
            refresh: Some(2),
            include_all: true,
            all_value: Some(".*".to_owned()),
            multi: true,
            sort: 1,
            current: Some(VariableOption::new("All", "$__all", true)),
            options: Vec::new(),
            hide: 0,
        }
    }

    /// A variable over a fixed value set (a label whose values are known at compile time), with "All" selected.
    ///
    /// ```
    /// let v = obs_dashboards::grafana::Variable::custom("ok", &["false".into(), "true".into()]);
    /// assert_eq!(v.options.len(), 3);
    /// ```
    pub fn custom(name: &str, values: &[String]) -> Variable {
        let mut options = vec![VariableOption::new("All", "$__all", true)];
        options.extend(values.iter().map(|v| VariableOption::new(v, v, false)));
        Variable {
            name: name.to_owned(),
            label: name.to_owned(),
            kind: "custom".to_owned(),
            query: Value::from(values.join(",")),
            datasource: None,
            refresh: None,
            include_all: true,
            all_value: Some(".*".to_owned()),
            multi: true,
            sort: 0,
            current: Some(VariableOption::new("All", "$__all", true)),
            options,
            hide: 0,
        }
    }
}

/// A reference to a datasource.
///
/// ```
/// assert_eq!(obs_dashboards::grafana::DataSourceRef::variable().uid, "${datasource}");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSourceRef {
    /// Plugin id: `prometheus`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Instance uid, or a variable.
    pub uid: String,
}

impl DataSourceRef {
    /// The Prometheus datasource chosen by the `$datasource` variable.
    ///
    /// ```
    /// assert_eq!(obs_dashboards::grafana::DataSourceRef::variable().kind, "prometheus");
    /// ```
    pub fn variable() -> DataSourceRef {
        DataSourceRef { kind: "prometheus".to_owned(), uid: "${datasource}".to_owned() }
    }
}

/// A panel's position on the 24-column grid.
///
/// ```
/// let g = obs_dashboards::grafana::GridPos { x: 0, y: 0, w: 12, h: 8 };
/// assert_eq!(g.w, 12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridPos {
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

/// A panel, or a row (`type: "row"`).
///
/// ```
/// let p = obs_dashboards::grafana::Panel::new("timeseries", "Rate");
/// assert!(p.targets.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Panel {
    /// Unique within the dashboard; assigned in layout order.
    pub id: u32,
    /// Panel plugin: `timeseries`, `stat`, `gauge`, `heatmap`, `table`, `state-timeline`, `bargauge` or `row`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Title.
    pub title: String,
    /// Description (the metric's HELP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Position.
    pub grid_pos: GridPos,
    /// Datasource (panels only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datasource: Option<DataSourceRef>,
    /// Queries (panels only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
    /// Field defaults: unit, thresholds, mappings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_config: Option<FieldConfigSource>,
    /// Plugin options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Value>,
    /// Rows: collapsed or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collapsed: Option<bool>,
    /// Rows: the panels of a collapsed row (empty for an open row, whose panels follow it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panels: Option<Vec<Panel>>,
}

impl Panel {
    /// A panel of plugin `kind` with no queries yet.
    ///
    /// ```
    /// assert_eq!(obs_dashboards::grafana::Panel::new("stat", "Up").kind, "stat");
    /// ```
    pub fn new(kind: &str, title: &str) -> Panel {
        Panel {
            id: 0,
            kind: kind.to_owned(),
            title: title.to_owned(),
            description: None,
            grid_pos: GridPos { x: 0, y: 0, w: 8, h: 8 },
            datasource: Some(DataSourceRef::variable()),
            targets: Vec::new(),
            field_config: Some(FieldConfigSource::default()),
            options: None,
            collapsed: None,
            panels: None,
        }
    }

    /// An open row.
    ///
    /// ```
    /// assert_eq!(obs_dashboards::grafana::Panel::row("Process").kind, "row");
    /// ```
    pub fn row(title: &str) -> Panel {
        Panel {
            id: 0,
            kind: "row".to_owned(),
            title: title.to_owned(),
            description: None,
            grid_pos: GridPos { x: 0, y: 0, w: 24, h: 1 },
            datasource: None,
            targets: Vec::new(),
            field_config: None,
            options: None,
            collapsed: Some(false),
            panels: Some(Vec::new()),
        }
    }
}

/// A Prometheus query of a panel.
///
/// ```
/// let t = obs_dashboards::grafana::Target::range("A", "up", "{{instance}}");
/// assert!(!t.exemplar);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// `A`, `B`, ...
    pub ref_id: String,
    /// Datasource.
    pub datasource: DataSourceRef,
    /// PromQL.
    pub expr: String,
    /// Series name template.
    pub legend_format: String,
    /// A range query.
    pub range: bool,
    /// An instant query.
    pub instant: bool,
    /// Fetch exemplars (histograms).
    pub exemplar: bool,
    /// `time_series`, `table` or `heatmap`.
    pub format: String,
    /// `code`: written as PromQL.
    pub editor_mode: String,
}

impl Target {
    /// A range query.
    ///
    /// ```
    /// assert!(obs_dashboards::grafana::Target::range("A", "up", "").range);
    /// ```
    pub fn range(ref_id: &str, expr: &str, legend: &str) -> Target {
        Target {
            ref_id: ref_id.to_owned(),
            datasource: DataSourceRef::variable(),
            expr: expr.to_owned(),
            legend_format: legend.to_owned(),
            range: true,
            instant: false,
            exemplar: false,
            format: "time_series".to_owned(),
            editor_mode: "code".to_owned(),
        }
    }

    /// An instant query, as a table.
    ///
    /// ```
    /// assert!(obs_dashboards::grafana::Target::instant("A", "up").instant);
    /// ```
    pub fn instant(ref_id: &str, expr: &str) -> Target {
        Target { range: false, instant: true, format: "table".to_owned(), ..Target::range(ref_id, expr, "") }
    }
}

/// Field configuration: defaults plus (unused) overrides.
///
/// ```
/// assert!(obs_dashboards::grafana::FieldConfigSource::default().overrides.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FieldConfigSource {
    /// Defaults for every field.
    pub defaults: FieldConfig,
    /// Per-field overrides.
    pub overrides: Vec<Value>,
}

/// Field defaults.
///
/// ```
/// let f = obs_dashboards::grafana::FieldConfig { unit: Some("s".into()), ..Default::default() };
/// assert_eq!(f.unit.as_deref(), Some("s"));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FieldConfig {
    /// Grafana unit id (`s`, `bytes`, `percentunit`, `ops`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Minimum of the axis or gauge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Maximum of the axis or gauge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Decimals shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u32>,
    /// Thresholds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Thresholds>,
    /// Value mappings (such as 1 → "up").
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub mappings: Vec<Value>,
    /// Plugin-specific field options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<Value>,
}

/// Thresholds: colour steps.
///
/// ```
/// let t = obs_dashboards::grafana::Thresholds::steps(&[(None, "green"), (Some(1.0), "red")]);
/// assert_eq!(t.steps.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// `absolute`.
    pub mode: String,
    /// Steps; the first has value `null` (minus infinity).
    pub steps: Vec<ThresholdStep>,
}

impl Thresholds {
    /// Absolute thresholds from `(value, colour)` pairs.
    ///
    /// ```
    /// let t = obs_dashboards::grafana::Thresholds::steps(&[(None, "red")]);
    /// assert_eq!(t.mode, "absolute");
    /// ```
    pub fn steps(steps: &[(Option<f64>, &str)]) -> Thresholds {
        Thresholds {
            mode: "absolute".to_owned(),
            steps: steps.iter().map(|(v, c)| ThresholdStep { value: *v, color: (*c).to_owned() }).collect(),
        }
    }
}

/// One threshold step.
///
/// ```
/// let s = obs_dashboards::grafana::ThresholdStep { value: None, color: "green".into() };
/// assert!(s.value.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdStep {
    /// Lower bound; `null` for the base step.
    pub value: Option<f64>,
    /// Colour.
    pub color: String,
}

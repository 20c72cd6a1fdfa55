// More `alert(...)` mistakes, each reported on its own token, all at once.

/// Jobs waiting.
#[obs::metric(gauge, alert = "QueueBacklog")]
struct NotParenthesized;

/// Request latency.
#[obs::metric(histogram, unit = "seconds", alert(name = "SlowRequests", quantile = 1.5, window = "5m", expr = "> 1", summary = "Slow"))]
struct QuantileOutOfRange;

/// Jobs waiting.
#[obs::metric(gauge, alert(name = "QueueBacklog", rate = "5m", expr = "> 100", summary = "Backlog"))]
struct GaugeWithRate;

/// Jobs waiting.
#[obs::metric(gauge, alert(name = "queue-backlog", expr = "> 100", summary = "Backlog"))]
struct BadAlertName;

/// Jobs waiting.
#[obs::metric(gauge, alert(name = "QueueBacklog", expr = "> 100", summary = ""))]
struct EmptySummary;

/// Jobs waiting.
#[obs::metric(gauge, alert(summary = "Backlog"))]
struct NoNameNoCondition;

/// Jobs waiting.
#[obs::metric(gauge, alert(name = "QueueBacklog", expr = "> 100"))]
struct NoSummary;

/// Jobs waiting.
#[obs::metric(gauge, alert(name = "QueueBacklog", expr = "> 100", summary = "Backlog"), alert(name = "QueueBacklog", expr = "> 500", summary = "Backlog"))]
struct SameNameTwice;

/// Jobs waiting.
#[obs::metric(gauge, alert(name = "QueueBacklog", expr = "> 100", summary = "Backlog", severty = "page"))]
struct UnknownSetting;

/// Orders placed.
#[obs::metric(counter, alert(name = "OrderSpike", rate = "5m", window = "1h", expr = "> 100", summary = "Spike"))]
struct CounterWithWindow;

/// Orders placed.
#[obs::metric(counter, alert(name = "OrderSpike", increase = "soon", expr = "> 100", summary = "Spike"))]
struct BadIncreaseWindow;

fn main() {}

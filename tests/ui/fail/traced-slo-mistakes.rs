// Each SLO mistake is reported on its own token, all at once.
#[obs::traced(slo(name = "checkout-fast", success_rate = 0.999))]
fn bad_name() {}

#[obs::traced(slo(latency(threshold = 0.25)))]
fn no_percentile() {}

#[obs::traced(slo(latency(percentile = 0.99)))]
fn no_threshold() {}

#[obs::traced(slo(latency(percentile = 0.99, threshold = "250ms")))]
fn threshold_not_a_number() {}

#[obs::traced(slo(name = "checkout"))]
fn no_objective() {}

#[obs::traced(slo(success_rate = 0.99, success_rate = 0.999))]
fn twice() {}

#[obs::traced(metrics = false, slo(success_rate = 0.999))]
fn without_metrics() {}

fn main() {}

#[obs::traced(native = true)]
fn valued() {}

#[obs::traced(native, native)]
fn twice() {}

#[obs::traced(metrics = false, native)]
fn without_metrics() {}

fn main() {
    valued();
    twice();
    without_metrics();
}

/// Orders placed.
#[obs::metric(counter, alert(name = "OrderSpike", rate = "5m", increase = "1h", expr = "> 100", summary = "Too many orders"))]
struct Orders;

fn main() {}

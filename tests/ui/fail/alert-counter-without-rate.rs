/// Payment errors.
#[obs::metric(counter, alert(name = "PaymentErrors", expr = "> 10", summary = "Payments fail"))]
struct PaymentErrors;

fn main() {}

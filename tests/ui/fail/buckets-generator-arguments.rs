/// A.
#[obs::metric(histogram, buckets = exponential(1, 2))]
struct A;

/// B.
#[obs::metric(histogram, buckets = exponential(1, 1, 3))]
struct B;

/// C.
#[obs::metric(histogram, buckets = linear(0, 0, 3))]
struct C;

/// D.
#[obs::metric(histogram, buckets = linear(0, 1, 0))]
struct D;

/// E.
#[obs::metric(histogram, buckets = exponential(1e300, 1e300, 5))]
struct E;

fn main() {}

/// Requests.
#[obs::metric(counter)]
struct Requests<T>(std::marker::PhantomData<T>);

fn main() {}

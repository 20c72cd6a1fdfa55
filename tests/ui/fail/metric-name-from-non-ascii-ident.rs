/// Size of the queue.
#[obs::metric(gauge)]
struct Größe;

fn main() {}

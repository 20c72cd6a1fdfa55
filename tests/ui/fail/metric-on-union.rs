/// Requests.
#[obs::metric(counter)]
union Requests {
    a: u32,
}

fn main() {}

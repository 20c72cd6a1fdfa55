#[derive(obs::Labels)]
struct L {
    #[label(name = "route")]
    path: &'static str,
    route: &'static str,
}

fn main() {}

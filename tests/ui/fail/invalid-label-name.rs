#[derive(obs::Labels)]
struct L {
    #[label(name = "bad-name")]
    route: &'static str,
}

fn main() {}

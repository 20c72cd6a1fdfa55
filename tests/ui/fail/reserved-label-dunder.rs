#[derive(obs::Labels)]
struct L {
    #[label(name = "__meta")]
    meta: &'static str,
}

fn main() {}

#[derive(obs::Labels)]
struct L {
    le: &'static str,
}

fn main() {}

#[derive(obs::Labels)]
struct L {
    route: &'static str,
    ratio: f32,
}

fn main() {}

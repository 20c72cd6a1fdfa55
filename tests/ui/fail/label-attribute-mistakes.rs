#[derive(obs::Labels)]
struct L {
    #[label(nme = "route")]
    route: &'static str,
    #[label(name = "a", name = "b")]
    method: &'static str,
}

fn main() {}

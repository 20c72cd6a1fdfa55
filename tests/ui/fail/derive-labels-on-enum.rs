#[derive(obs::Labels)]
enum L {
    A,
}

#[derive(obs::LabelValue)]
struct V {
    a: u8,
}

fn main() {}

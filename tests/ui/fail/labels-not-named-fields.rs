#[derive(obs::Labels)]
struct Tuple(&'static str);

#[derive(obs::Labels)]
union Union {
    a: u32,
}

fn main() {}

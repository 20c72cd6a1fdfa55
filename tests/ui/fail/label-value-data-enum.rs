#[derive(obs::LabelValue)]
enum Method {
    Get,
    Other(String),
}

fn main() {}

// A label name with `:` quotes the label-name pattern, which has no `:`, not the metric-name one.
#[derive(obs::Labels)]
struct L {
    #[label(name = "http:route")]
    route: &'static str,
}

fn main() {}

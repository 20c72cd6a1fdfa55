// `quantile` is reserved for a summary's quantiles; the message says so, not "histogram buckets".
#[derive(obs::Labels)]
struct L {
    quantile: &'static str,
}

fn main() {}

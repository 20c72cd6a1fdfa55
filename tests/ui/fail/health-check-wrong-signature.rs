#[obs::health_check]
fn takes_an_argument(url: &str) -> Result<(), String> {
    let _ = url;
    Ok(())
}

#[obs::health_check(critical)]
fn returns_bool() -> bool {
    true
}

#[obs::health_check]
async fn returns_nothing() {}

fn main() {}

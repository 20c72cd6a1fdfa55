#[obs::health_check(timeout = "1s", critical, timeout = "2s")]
fn database() -> Result<(), String> {
    Ok(())
}

fn main() {}

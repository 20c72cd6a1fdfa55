#[obs::health_check(timeout = "0s", interval = "10 seconds")]
fn db() -> Result<(), String> {
    Ok(())
}

fn main() {}

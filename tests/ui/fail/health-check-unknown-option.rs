#[obs::health_check(critcal, timeout = "1s")]
fn db() -> Result<(), String> {
    Ok(())
}

fn main() {}

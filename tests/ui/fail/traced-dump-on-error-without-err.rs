#[obs::traced(dump_on_error)]
fn charge() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = charge();
}

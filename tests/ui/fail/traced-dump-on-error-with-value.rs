#[obs::traced(err, dump_on_error = true)]
fn charge() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = charge();
}

#[obs::traced(err, dump_on_error, dump_on_error)]
fn charge() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = charge();
}

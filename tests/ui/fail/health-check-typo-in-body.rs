// A typo in a check's body is reported by rustc alone, in the user's code: the attribute keeps the body as tokens
// and does not call the function misplaced.
#[obs::health_check(timeout = "2s")]
fn database() -> Result<(), String> {
    let ready = ;
    Ok(())
}

fn main() {
    let _ = database();
}

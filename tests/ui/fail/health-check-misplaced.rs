#[obs::health_check]
struct NotAFunction;

#[obs::health_check(weight = 0, name = "")]
fn db() -> Result<(), String> {
    Ok(())
}

fn main() {}

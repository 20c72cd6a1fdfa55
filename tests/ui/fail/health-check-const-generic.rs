#[obs::health_check]
const fn constant() -> Result<(), String> {
    Ok(())
}

#[obs::health_check]
fn generic<T>() -> Result<(), String> {
    Ok(())
}

fn main() {}

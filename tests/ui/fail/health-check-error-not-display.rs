struct Opaque;

#[obs::health_check]
fn db() -> Result<(), Opaque> {
    Ok(())
}

fn main() {}

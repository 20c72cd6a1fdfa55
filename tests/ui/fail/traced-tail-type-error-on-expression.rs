// A traced body whose tail expression has the wrong type is reported on that expression, against the declared
// return type, sync and async, as it would be without the attribute.
#[derive(Debug)]
struct Error;

#[obs::traced]
fn label(x: u32) -> u32 {
    x.to_string()
}

#[obs::traced]
async fn fetch(x: u32) -> Result<u32, Error> {
    Ok(x.to_string())
}

fn main() {
    let _ = label(1);
    let _ = fetch(1);
}

// A `?` whose error does not convert into the declared error type is reported on the `?`, sync and async.
#[derive(Debug)]
struct Error;

#[obs::traced]
fn parse(x: Option<u32>) -> Result<u32, Error> {
    let v = x.ok_or("missing")?;
    Ok(v)
}

#[obs::traced]
async fn parse_async(x: Option<u32>) -> Result<u32, Error> {
    let v = x.ok_or("missing")?;
    Ok(v)
}

fn main() {
    let _ = parse(None);
    let _ = parse_async(None);
}

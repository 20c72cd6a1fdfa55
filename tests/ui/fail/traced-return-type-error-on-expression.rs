// A `return` of the wrong type in a traced body is reported on the returned expression, sync and async.
#[obs::traced]
fn early(x: u32) -> u32 {
    if x == 0 {
        return "zero";
    }
    x
}

#[obs::traced]
async fn early_async(x: u32) -> u32 {
    if x == 0 {
        return "zero";
    }
    x
}

fn main() {
    let _ = early(1);
    let _ = early_async(1);
}

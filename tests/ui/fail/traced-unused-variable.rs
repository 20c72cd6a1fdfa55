// An unused variable in a traced body is reported on the user's variable.
#![deny(unused_variables)]

#[obs::traced]
fn handle(request: u32) -> u32 {
    let unused = request * 2;
    request
}

#[obs::traced]
async fn handle_async(request: u32) -> u32 {
    let also_unused = request;
    request
}

fn main() {
    handle(1);
    let _ = handle_async(1);
}

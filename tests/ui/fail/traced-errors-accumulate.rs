// Every mistake is reported in one build, and the function still exists, so `main` has no further error.
#[obs::traced(kind = sever, skip(nope), err, bukets = [0.1])]
fn handle(request: u32) -> u32 {
    request
}

fn main() {
    let _: u32 = handle(1);
}

// An argument that cannot be recorded is reported on that argument; `skip(it)` is the fix.
struct Opaque;

#[obs::traced]
fn handle(request: Opaque, id: u32) -> u32 {
    let _ = request;
    id
}

fn main() {
    handle(Opaque, 1);
}

// A type error in a traced body is reported on the user's expression, not in generated code.
#[obs::traced]
fn price(quantity: u32) -> u64 {
    let n: u64 = quantity;
    n * 3
}

#[obs::traced]
async fn total(quantity: u32) -> u64 {
    let unit: u64 = "three";
    unit * quantity as u64
}

fn main() {
    let _ = price(2);
    let _ = total(2);
}

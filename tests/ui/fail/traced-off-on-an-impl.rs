struct Cart;

#[obs::traced(off)]
impl Cart {
    fn total(&self) -> u32 {
        0
    }
}

fn main() {
    let _ = Cart.total();
}

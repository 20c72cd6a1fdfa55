struct Cart;

#[obs::traced(err)]
impl Cart {
    fn add(&self) -> Result<(), String> {
        Ok(())
    }
}

fn main() {
    let _ = Cart.add();
}

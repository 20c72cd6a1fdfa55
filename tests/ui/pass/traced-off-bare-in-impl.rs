//! Inside `#[obs::traced] impl`, a method's `#[traced(off)]` and `#[traced(...)]` are written bare, as the README
//! shows, without `traced` being imported.

struct Cart {
    items: Vec<u32>,
}

#[obs::traced]
impl Cart {
    fn add(&mut self, item: u32) {
        self.items.push(item);
    }
    #[traced(off)]
    fn len(&self) -> usize {
        self.items.len()
    }
    #[traced(name = "cart.total", skip_all)]
    fn total(&self) -> u32 {
        self.items.iter().sum()
    }
}

fn main() {
    let mut cart = Cart { items: Vec::new() };
    cart.add(2);
    assert_eq!((cart.len(), cart.total()), (1, 2));
}

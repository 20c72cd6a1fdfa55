obs::namespace!("9shop");

fn main() {}

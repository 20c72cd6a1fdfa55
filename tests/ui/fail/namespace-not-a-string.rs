obs::namespace!(shop);

fn main() {}

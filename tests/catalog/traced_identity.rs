//! A traced method is named after its type: `Cart::new` and `Order::new` in one module are two series, two span
//! names and two catalog entries, and a trait impl's method is `<Type as Trait>::method`.

use obs::trace::{MemorySink, Outcome, TracePipeline};

mod shop {
    pub struct Cart(pub u32);
    pub struct Order;
    pub struct Basket<T>(std::marker::PhantomData<T>);

    #[obs::traced]
    impl Cart {
        pub fn new() -> Self {
            Cart(0)
        }
        /// A method's own options apply; a span name set by the user is kept.
        #[obs::traced(name = "cart.add")]
        pub fn add(&mut self, n: u32) {
            self.0 += n;
        }
    }

    #[obs::traced]
    impl Order {
        #[traced(slo(success_rate = 0.99))]
        pub fn new() -> Self {
            Order
        }
    }

    #[obs::traced]
    impl<T: Clone> Basket<T> {
        pub fn new() -> Self {
            Basket(std::marker::PhantomData)
        }
    }

    pub trait Store {
        fn get(&self) -> u32;
    }

    #[obs::traced]
    impl Store for Cart {
        fn get(&self) -> u32 {
            self.0
        }
    }

    /// A free function keeps its bare name.
    #[obs::traced]
    pub fn new() -> u32 {
        1
    }
}

use shop::{Basket, Cart, Order, Store};

const MODULE: &str = "catalog::traced_identity::shop";

fn calls(function: &str) -> u64 {
    obs::trace::traced_function(MODULE, function).unwrap_or_else(|| panic!("`{function}` is traced")).calls(Outcome::Ok)
}

#[test]
fn methods_of_two_types_are_two_series_and_two_span_names() {
    // The pipeline is process-wide, and every span it receives is checked: the tests of this binary that make
    // spans take turns.
    let _lock = crate::common::turn(&crate::common::PIPELINE);
    let sink = MemorySink::default();
    let guard = TracePipeline::builder().service_name("traced-identity").sink(sink.clone()).install().unwrap();
    let mut cart = Cart::new();
    let _ = Cart::new();
    let _ = Cart::new();
    cart.add(2);
    let _ = Order::new();
    let _ = Basket::<u8>::new();
    let _ = Basket::<String>::new();
    assert_eq!(cart.get(), 2);
    assert_eq!(shop::new(), 1);
    guard.flush();
    drop(guard);

    let counts = ["Cart::new", "Order::new", "Basket::new", "<Cart as Store>::get", "Cart::add", "new"].map(calls);
    assert_eq!(counts, [3, 1, 2, 1, 1, 1]);

    let text = obs::encode(obs::Format::Prometheus);
    for (function, n) in [("Cart::new", 3), ("Order::new", 1), ("Basket::new", 2), ("<Cart as Store>::get", 1)] {
        let line = format!("function_calls_total{{function=\"{function}\",module=\"{MODULE}\",result=\"ok\"}} {n}");
        assert!(text.lines().any(|l| l == line), "missing `{line}` in:\n{text}");
        let count = format!("function_calls_duration_seconds_count{{function=\"{function}\",module=\"{MODULE}\"}} {n}");
        assert!(text.lines().any(|l| l == count), "missing `{count}` in:\n{text}");
    }
    let bare = format!("function_calls_total{{function=\"new\",module=\"{MODULE}\",result=\"ok\"}} 1");
    assert!(text.lines().any(|l| l == bare), "the free function `new` is its own series:\n{text}");

    let mut names: Vec<&str> = sink.spans().iter().map(|s| s.name).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["<Cart as Store>::get", "Basket::new", "Basket::new", "Cart::new", "Cart::new", "Cart::new", "Order::new"]
            .into_iter()
            .chain(["cart.add", "new"])
            .collect::<Vec<_>>()
    );
}

#[test]
fn the_catalog_names_methods_after_their_type() {
    let c = obs::catalog();
    c.validate().expect("every traced function has its own identity");
    let mine: Vec<(&str, &str)> =
        c.functions().filter(|f| f.location.module_path == MODULE).map(|f| (f.function, f.span_name)).collect();
    assert_eq!(
        mine,
        [
            ("<Cart as Store>::get", "<Cart as Store>::get"),
            ("Basket::new", "Basket::new"),
            ("Cart::add", "cart.add"),
            ("Cart::new", "Cart::new"),
            ("Order::new", "Order::new"),
            ("new", "new"),
        ]
    );
    let order = c.functions().find(|f| f.function == "Order::new").unwrap();
    assert_eq!(order.slo.unwrap().name, "Order_new", "the default SLO name follows the identity");
}

#[test]
fn generated_rules_and_dashboards_select_each_method_by_its_label() {
    let model = obs_dashboards::Model::from_catalog(obs::catalog());
    let files = obs_dashboards::generate(&model, &Default::default()).expect("generated").files();
    let paths: Vec<_> = files.iter().map(|f| &f.path).collect();
    let rules = files.iter().find(|f| f.path.starts_with("prometheus/rules")).map(|f| &f.contents);
    let rules = rules.unwrap_or_else(|| panic!("a rules file in {paths:?}"));
    assert!(rules.contains(&format!("function=\"Order::new\", module=\"{MODULE}\"")), "{rules}");
    assert!(!rules.contains("function=\"new\""), "{rules}");
}

//! Two traced functions that still expose one identity (a `function` label in one module) are a catalog error
//! naming both, and the exposition shows the first of them only, as for two metrics of one name.

mod clash {
    pub struct Cart;
    pub struct Order;

    // A method's own `#[traced]` cannot see its type: both are `new`.
    impl Cart {
        #[obs::traced]
        pub fn new() -> Self {
            Cart
        }
    }

    impl Order {
        #[obs::traced]
        pub fn new() -> Self {
            Order
        }
    }

    pub struct Id(pub u64);

    // Generic arguments are not part of the name: both are `<Id as From>::from`.
    #[obs::traced]
    impl From<u32> for Id {
        fn from(v: u32) -> Self {
            Id(v.into())
        }
    }

    #[obs::traced]
    impl From<u64> for Id {
        fn from(v: u64) -> Self {
            Id(v)
        }
    }
}

const MODULE: &str = "broken_catalog::traced_identity_clash::clash";

#[test]
fn two_functions_with_one_identity_are_a_validate_error_naming_both() {
    let errors = obs::catalog().validate().expect_err("a shared identity is an error");
    let mine: Vec<&obs::CatalogError> = errors
        .0
        .iter()
        .filter(|e| matches!(e, obs::CatalogError::DuplicateFunction { module, .. } if *module == MODULE))
        .collect();
    assert_eq!(mine.len(), 2, "{errors}");
    let lines = |e: &obs::CatalogError| match e {
        obs::CatalogError::DuplicateFunction { function, first, second, .. } => {
            assert!(first.file.ends_with("tests/broken_catalog/traced_identity_clash.rs"), "{e}");
            assert!(second.file.ends_with("tests/broken_catalog/traced_identity_clash.rs"), "{e}");
            (*function, first.line, second.line)
        }
        _ => unreachable!(),
    };
    assert_eq!(mine.iter().map(|e| lines(e)).collect::<Vec<_>>(), [("<Id as From>::from", 28, 35), ("new", 11, 18)]);
    let text = errors.to_string();
    assert!(text.contains("`function=\"new\"` in module `broken_catalog::traced_identity_clash::clash`"), "{text}");
    assert!(
        text.contains("tests/broken_catalog/traced_identity_clash.rs:11:")
            && text.contains("tests/broken_catalog/traced_identity_clash.rs:18:"),
        "{text}"
    );
    assert!(text.contains("put `#[obs::traced]` on their `impl` blocks"), "the message names the fix: {text}");
}

#[test]
fn the_exposition_shows_the_first_of_them_alone() {
    let _ = clash::Cart::new();
    let _ = clash::Cart::new();
    let _ = clash::Order::new();
    assert_eq!(clash::Id::from(7u32).0 + clash::Id::from(8u64).0, 15);
    let text = obs::encode(obs::Format::Prometheus);
    let prefix = format!("function_calls_total{{function=\"new\",module=\"{MODULE}\",result=\"ok\"}} ");
    let series: Vec<&str> = text.lines().filter(|l| l.starts_with(&prefix)).collect();
    // The first declaration (`Cart::new`, line 11) is shown with its own calls; `Order::new` is held back.
    assert_eq!(series, [format!("{prefix}2")], "{text}");
    let f = obs::trace::traced_function(MODULE, "new").unwrap();
    assert_eq!(f.desc().location.line, 11);
    let exposed = obs::catalog().exposed_functions().filter(|f| f.location.module_path == MODULE).count();
    assert_eq!(exposed, 2, "one `new` and one `<Id as From>::from`");
    let from = format!("function_calls_total{{function=\"<Id as From>::from\",module=\"{MODULE}\",result=\"ok\"}} 1");
    assert!(text.lines().any(|l| l == from), "the first `from` alone, with its one call:\n{text}");
}

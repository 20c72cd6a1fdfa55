//! The shop's business metrics.

use obs::{LabelValue, Labels};

obs::namespace!("shop");

/// A payment provider outcome.
#[derive(LabelValue, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// Charged.
    Approved,
    /// Refused by the provider.
    Declined,
    /// The provider failed or timed out.
    Error,
}

/// Product categories of the catalogue.
#[derive(LabelValue, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Books.
    Books,
    /// Games.
    Games,
    /// Music.
    Music,
}

/// Labels of payment metrics.
#[derive(Labels)]
pub struct Payment {
    /// The outcome.
    pub outcome: PaymentOutcome,
}

/// Labels of real-user-monitoring metrics.
#[derive(Labels)]
pub struct RumPage {
    /// The page, as the browser reports it: the frontend names its pages by route (`/catalogue/{category}`).
    pub page: String,
}

/// Labels of catalogue metrics.
#[derive(Labels)]
pub struct Catalogue {
    /// The category browsed.
    pub category: Category,
}

/// Orders placed and paid.
#[obs::metric(counter)]
pub struct OrdersPlaced;

/// Payment attempts, by outcome.
#[obs::metric(counter, labels = Payment)]
pub struct PaymentAttempts;

/// Value of paid orders.
#[obs::metric(counter, value = f64, unit = "euros")]
pub struct Revenue;

/// Catalogue pages served, by category.
#[obs::metric(counter, labels = Catalogue)]
pub struct CatalogueViews;

/// Items in open carts.
#[obs::metric(gauge)]
pub struct CartItems;

/// Time the simulated database takes per query.
#[obs::metric(
    histogram,
    unit = "seconds",
    buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0],
    alert(
        name = "SlowDatabase",
        quantile = 0.9,
        window = "5m",
        expr = "> 0.2",
        for = "2m",
        severity = "warning",
        summary = "Database queries are slow",
        description = "The 90th percentile of database query time is over 200 ms."
    )
)]
pub struct DbQueryDuration;

/// Page load time that browsers report in real-user-monitoring beacons (`POST /rum?load_ms=..`). Native buckets
/// only: the quantiles of a spread no one can bucket in advance, at a few percent of error.
#[obs::metric(histogram, native, unit = "seconds")]
pub struct PageLoad;

/// Value of one order.
#[obs::metric(histogram, unit = "euros", buckets = [5.0, 10.0, 25.0, 50.0, 100.0, 250.0])]
pub struct OrderValue;

/// Largest Contentful Paint that browsers report in real-user-monitoring beacons, by page.
///
/// `POST /rum?load_ms=..&lcp_ms=..&page=..`. The page is the browser's word, so the family holds at most 20
/// series: a new page beyond them goes to the overflow series and is counted in `obs_cardinality_overflow_total`
/// (a frontend release that reports raw URLs instead of its route names does that). A browser without the Largest
/// Contentful Paint API sends `NaN`: obs drops it and counts it in `obs_dropped_observations_total`.
#[obs::metric(
    histogram,
    labels = RumPage,
    unit = "seconds",
    buckets = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0],
    cap = 20
)]
pub struct LargestContentfulPaint;

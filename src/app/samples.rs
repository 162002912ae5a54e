//! The sample portfolios from `portfolios/`, compiled in so a first run always has something
//! to show, even when the program is installed without its source folder.

/// `(file name, content)` of every bundled sample, in menu order.
pub const SAMPLES: [(&str, &str); 4] = [
    (
        "leveraged-long.ron",
        include_str!("../../portfolios/leveraged-long.ron"),
    ),
    (
        "basis-trade.ron",
        include_str!("../../portfolios/basis-trade.ron"),
    ),
    (
        "options-book.ron",
        include_str!("../../portfolios/options-book.ron"),
    ),
    (
        "retail-alts.ron",
        include_str!("../../portfolios/retail-alts.ron"),
    ),
];

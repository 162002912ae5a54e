//! RiskDeck: a desktop risk workstation for leveraged crypto portfolios spread over several
//! venues (Binance, Bybit, OKX, Deribit, Hyperliquid, dYdX, Aave, spot wallets).
//!
//! This page is the map of the code: read it before your first change.
//!
//! # Layers
//!
//! A functional core inside an imperative shell. Data flows one way:
//!
//! ```text
//! file ──► model ──► pricing (with market's board) ──► engine ──► present ──► ui / cli
//!                       ▲                                                     │
//!                       └──── market: venues, cache, bundle ◄── app/tasks ◄───┘ (refresh)
//! ```
//!
//! | layer | what it is | may import |
//! |---|---|---|
//! | [`model`] | portfolio file types, parsing with line:column errors, validation, saves that never lose another writer's edit ([`model::io`]), migrations, invertible [`model::edit::Edit`]s, [`model::InstrumentKey`], where a number came from and when it is stale ([`model::provenance`]), the valuation time ([`model::valuation`]) | nothing of ours |
//! | [`venues`] | [`venues::VenueSpec`]: each venue's rules as data (ratio direction, fee in MM, derived formulas, bankruptcy tick by instrument, pools) | `model` |
//! | [`engine`] | pure risk math: margin per venue ([`engine::margin`], one file per venue family with its spec), expired futures settled ([`engine::expiry`]), Black-76 option values and Greeks ([`engine::options`], not wired in yet), cross-venue aggregation | `model`, `venues` |
//! | [`market`] | venue request builders and pure `parse_*` functions, transport (deadlines, no redirects), concurrent fetch, the price [`market::board`] (now, or candle closes at a past time: [`market::board::at_time`]), disk cache, bundled history | `model` |
//! | [`pricing`] | **the one seam**: (portfolio, board, valuation time) → the engine's snapshot plus every assumption, and which moment the numbers are for ([`pricing::Valuation`], [`pricing::past_time`]) | `model`, `market`, `engine` |
//! | [`present`] | formatting of every kind of number, the report and its JSON schema, price provenance lines | `model`, `engine` |
//! | [`cli`] | headless subcommands; text and `--json` | everything but `ui`/`app` |
//! | [`app`], [`ui`] | eframe shell: [`app::Command`]s applied in one place, named background tasks ([`app::tasks`]), panels that draw and return commands | everything |
//!
//! Rules, each enforced: no egui outside `ui/` and `app/`; the engine reads no clock, no file
//! and no network and imports no `market`, `pricing` or `present` (`tests/layering.rs` fails
//! otherwise); the clock is read in the shell only, threads start in the task layer or the
//! per-venue fetch, colours are made in `ui/theme.rs` (clippy `disallowed-methods`,
//! `.clippy.toml`; each allowed site says why). Money is `rust_decimal::Decimal` with checked
//! arithmetic; statistics and plots are `f64`.
//!
//! # One price, from venue to screen
//!
//! 0. The valuation time: [`pricing::past_time`] turns the user's choice (the file's
//!    `valuation.as_of`, `--as-of`, the GUI's toolbar) into now or a past moment; a past one
//!    is priced by [`market::board::at_time`] from candle closes made by then, never from
//!    today's marks.
//! 1. [`market::board::wanted_by`] lists what the file needs: each contract as
//!    ([`model::Venue`], symbol), each coin by ticker. `BTCUSDT` at Binance and at Bybit are two
//!    [`model::InstrumentKey`]s.
//! 2. [`market::board::refresh`] (or [`market::board::offline`]) asks each contract's own venue,
//!    then coin sources in order, then the same perpetual at other venues, then the disk cache,
//!    then the bundled history, and files each answer under its key ([`market::board::plan`],
//!    [`market::board::merge`]). In the GUI this runs as the `prices` task; in the CLI inline.
//! 3. [`pricing::price`] lays the file's manual prices over the board and builds the engine's
//!    [`engine::MarketSnapshot`] plus assumptions (USDT at 1 USD, σ source, failed sources);
//!    [`pricing::analyze`] runs the engine on it. The GUI's [`app::document::Document`] and
//!    `riskdeck report` make exactly these two calls.
//! 4. The engine's [`engine::PositionRisk`] carries the price's source; [`present::PriceLine`]
//!    turns it into "binance_futures mark, 12 s" at the valuation time, and
//!    [`present::format`] writes its digits (to the instrument's tick when known), identically
//!    in the Margin panel and in the text report.
//!
//! # Where a change goes
//!
//! - A venue's rule (ratio, fee, bankruptcy rounding): its file in `engine/margin/` (`SPEC` and
//!   the venue-specific code); its tier tables: `assets/venues/*.ron` (dated and sourced).
//! - A new price source or endpoint: `market/<venue>.rs` (request + pure parser, tested on the
//!   documentation bodies in `tests/fixtures/api/`), then `market/board/plan.rs`.
//! - How a price becomes engine input (precedence, stand-ins, assumptions): [`pricing`] only.
//! - How a number is written: [`present::format`]; a report field: [`present::report`] (JSON
//!   fields are only ever added; the README documents them).
//! - A user action: a variant of [`app::Command`] and its arm in `RiskDeckApp::run_command`;
//!   panels return commands.
//! - Background work (timeline, Monte Carlo, cascades, VaR): a named task on
//!   [`app::tasks::Tasks`] with [`app::tasks::Policy::Supersede`], reporting progress as
//!   messages; the computation itself is a pure function in `engine`.
//! - A new view: a pure engine module, its figures through [`pricing`] and [`present`], a
//!   panel in `ui/`, a subcommand in `cli/` printing the same digits.
//!
//! # Tests
//!
//! One integration binary (`tests/integration.rs`): engine against published venue examples
//! and independent closed forms (`tests/oracles.rs`), property tests, parsers on documentation
//! bodies, HTTP against a local 127.0.0.1 server, the CLI as a process, headless GUI with
//! egui_kittest. Every test that touches prices sets its own cache directory; none touches the
//! network or the developer's own state.

pub mod app;
pub mod cli;
pub mod engine;
pub mod market;
pub mod model;
pub mod present;
pub mod pricing;
pub mod ui;
pub mod venues;

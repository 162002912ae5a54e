//! The Margin panel: summary cards, the sortable account table with positions, and three
//! charts (equity vs maintenance margin, exposure by venue, liquidation ladder). Every number
//! comes from [`crate::engine::analyze`]; hovering one shows how it was computed.

use std::collections::BTreeSet;

use egui::{Color32, RichText};
use egui_plot::{Bar, BarChart, Plot, Points};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::engine::result::NEAR_LIQUIDATION_PCT;
use crate::engine::{AccountRisk, MarginReport, PositionRisk};
use crate::present::format::{
    self as fmt, NONE, group_thousands, leverage, money, signed_pct, signed_pct_decimal,
};
use crate::ui::theme;

/// What the user picked in one panel, highlighted in the others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// An account, by label.
    Account(String),
    /// An underlying coin.
    Underlying(String),
}

/// Columns the account table sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortColumn {
    /// File order.
    File,
    /// Account label.
    Account,
    /// Equity in USD.
    Equity,
    /// Maintenance margin in USD.
    Maintenance,
    /// Maintenance usage (MM ÷ equity), highest first.
    Usage,
    /// Leverage.
    Leverage,
    /// Liquidation move (smallest first).
    Move,
}

/// The panel's own state (not saved).
#[derive(Clone, Debug)]
pub struct MarginView {
    /// Sort column.
    pub sort: SortColumn,
    /// Ascending or descending.
    pub ascending: bool,
    /// Accounts (by index) whose positions are shown.
    pub expanded: BTreeSet<usize>,
    /// Ages (seconds) past which live and bundled prices are drawn as stale (from Settings).
    pub stale_after_s: (i64, i64),
    /// Current funding rate per funding interval (fraction) by contract, from the last
    /// price refresh; shown beside perpetuals.
    pub funding_rates: std::collections::BTreeMap<crate::model::InstrumentKey, Decimal>,
    /// The time price ages are measured to (ms since the epoch), set by the shell each frame.
    pub now_ms: i64,
}

impl Default for MarginView {
    fn default() -> Self {
        Self {
            sort: SortColumn::File,
            ascending: true,
            expanded: BTreeSet::new(),
            stale_after_s: (
                crate::market::board::STALE_MARK_SECONDS,
                crate::market::board::STALE_HISTORY_SECONDS,
            ),
            funding_rates: std::collections::BTreeMap::new(),
            now_ms: 0,
        }
    }
}

fn to_f64(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// Colour for a liquidation distance in percent: red within 10 %, amber within 25 %.
fn distance_color(ui: &egui::Ui, distance_pct: Option<f64>) -> Color32 {
    match distance_pct.map(f64::abs) {
        Some(d) if d <= to_f64(NEAR_LIQUIDATION_PCT) => theme::error_color(ui),
        Some(d) if d <= 25.0 => theme::AMBER,
        Some(_) => theme::GREEN,
        None => ui.visuals().weak_text_color(),
    }
}

/// Colour for a maintenance usage: red from 80 % (or no equity), amber from 50 %.
fn usage_color(ui: &egui::Ui, usage: Option<Decimal>) -> Color32 {
    match usage.map(to_f64) {
        Some(u) if u < 0.5 => theme::GREEN,
        Some(u) if u < 0.8 => theme::AMBER,
        _ => theme::error_color(ui),
    }
}

fn approx(text: String, approximate: bool) -> String {
    if approximate {
        format!("~{text}")
    } else {
        text
    }
}

/// Draws the Margin panel. Returns the new selection when the user changed it (the shell
/// applies it as a command, so every panel sees it).
pub fn margin_ui(
    ui: &mut egui::Ui,
    report: &MarginReport,
    view: &mut MarginView,
    current: &Option<Selection>,
) -> Option<Option<Selection>> {
    let mut next = current.clone();
    let selection = &mut next;
    egui::ScrollArea::vertical()
        .id_salt("margin_scroll")
        .show(ui, |ui| {
            summary_cards(ui, report, view);
            // Failed price sources are summed up in one collapsed line (the banner and the
            // status bar already say it): the book's own warnings stay in full view.
            let (sources, book): (Vec<&String>, Vec<&String>) = report
                .warnings
                .iter()
                .partition(|w| w.starts_with("Price source failed"));
            for warning in book {
                ui.colored_label(theme::error_color(ui), format!("Warning: {warning}"));
            }
            if !sources.is_empty() {
                egui::CollapsingHeader::new(
                    RichText::new(format!(
                        "{} price source(s) failed: the figures use cached, bundled or stand-in \
                         prices where they did",
                        sources.len()
                    ))
                    .color(theme::warn_color(ui)),
                )
                .id_salt("failed_sources")
                .show(ui, |ui| {
                    for warning in sources {
                        ui.label(RichText::new(warning).small());
                    }
                });
            }
            ui.add_space(6.0);
            // The table scrolls sideways in a narrow panel rather than cutting its last
            // columns (liquidation move, prices).
            egui::ScrollArea::horizontal()
                .id_salt("margin_accounts_scroll")
                .show(ui, |ui| {
                    accounts_table(ui, report, view, selection);
                    // Room for the floating scroll bar, so it never covers the last row.
                    ui.add_space(ui.spacing().scroll.floating_width + 4.0);
                });
            ui.add_space(8.0);
            charts(ui, report, selection);
            if !report.excluded.is_empty() || !report.assumptions.is_empty() {
                ui.add_space(6.0);
                ui.label(RichText::new("Left out and assumed").strong());
                for excluded in &report.excluded {
                    ui.label(format!("Excluded {}: {}", excluded.path, excluded.reason));
                }
                for assumption in &report.assumptions {
                    ui.label(format!("Assumed: {assumption}"));
                }
            }
        });
    (next != *current).then_some(next)
}

fn card(ui: &mut egui::Ui, title: &str, value: String, color: Option<Color32>, hover: &str) {
    // A frame's size is known only once drawn, so the wrapping row cannot wrap it: measure
    // the value and start a new row when the card would not fit in what is left of this one.
    let value_width = ui
        .painter()
        .layout_no_wrap(
            value.clone(),
            egui::FontId::proportional(18.0),
            ui.visuals().text_color(),
        )
        .size()
        .x;
    let needed = value_width.max(150.0) + 2.0 * ui.spacing().item_spacing.x + 16.0;
    if ui.available_width() < needed {
        ui.end_row();
    }
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_min_width(150.0);
        ui.vertical(|ui| {
            ui.label(RichText::new(title).small());
            let mut text = RichText::new(value).size(18.0).strong();
            if let Some(color) = color {
                text = text.color(color);
            }
            ui.label(text).on_hover_text(hover);
        });
    });
}

fn summary_cards(ui: &mut egui::Ui, report: &MarginReport, view: &MarginView) {
    let totals = &report.totals;
    let lines: Vec<(String, crate::present::PriceLine)> = report
        .positions
        .iter()
        .filter_map(|p| {
            let line =
                crate::present::PriceLine::with_thresholds(p, view.now_ms, view.stale_after_s)?;
            Some((format!("{} {}", p.account, p.symbol), line))
        })
        .collect();
    let prices = crate::present::report::PriceSummary::from_lines(
        lines.iter().map(|(name, line)| (name.clone(), line)),
    );
    ui.horizontal_wrapped(|ui| {
        card(
            ui,
            "Total equity (USD)",
            money(totals.equity_usd),
            None,
            "Sum over accounts of collateral (valued in USD, with haircuts where known) plus \
             unrealized PnL.",
        );
        card(
            ui,
            "Gross / net leverage",
            format!(
                "{} / {}",
                crate::present::report::total_leverage(totals.equity_usd, totals.gross_leverage),
                crate::present::report::total_leverage(totals.equity_usd, totals.net_leverage)
            ),
            None,
            &format!(
                "Gross: sum of every leg's absolute notional ({} USD) over equity. Net: sum over \
                 underlyings of the absolute net notional ({} USD) over equity.",
                money(totals.gross_notional_usd),
                money(totals.net_notional_usd)
            ),
        );
        let weakest_color = distance_color(ui, totals.weakest_move_pct);
        card(
            ui,
            "Weakest account (uniform move)",
            match (&totals.weakest_account, totals.weakest_move_pct) {
                (Some(label), Some(pct)) => format!("{label}: {}", signed_pct(pct)),
                _ if totals.accounts_liquidated > 0 => "others: none liquidatable".to_owned(),
                _ => "none liquidatable".to_owned(),
            },
            Some(weakest_color),
            "An account measure: the account liquidated by the smallest uniform move of every \
             underlying at once (its own venue's rules, tier changes included), the table's \
             Liq. move column. Accounts already liquidated are counted on their own card.",
        );
        card(
            ui,
            "Positions within 10 % of liq.",
            totals.positions_near_liquidation.to_string(),
            (totals.positions_near_liquidation > 0).then(|| theme::error_color(ui)),
            "A position measure: how many positions have their own liquidation price within \
             10 % of their mark (each position's distance, as in the expanded rows), not \
             counting positions already liquidated.",
        );
        if totals.accounts_liquidated > 0 || totals.positions_liquidated > 0 {
            card(
                ui,
                "LIQUIDATED",
                format!(
                    "{} accounts, {} positions",
                    totals.accounts_liquidated, totals.positions_liquidated
                ),
                Some(theme::error_color(ui)),
                "Accounts at or below their maintenance margin (Aave: health factor below 1) and \
                 positions at or past their liquidation price: the venue is liquidating them \
                 now. Their moves and distances to liquidation are not shown.",
            );
        }
    });
    // The prices behind every figure, as a line that wraps (it can be long).
    let prices_color = if prices.stale > 0 || prices.stand_in > 0 {
        theme::AMBER
    } else {
        ui.visuals().weak_text_color()
    };
    ui.label(RichText::new(format!("Prices: {}", prices.headline())).color(prices_color))
        .on_hover_text(
            "The state of the prices every figure on this panel rests on: the oldest market \
             price (its age at the valuation time, its source and the position), how many are \
             older than the staleness thresholds in Settings, how many contracts are priced by \
             their underlying (stand-in), and how many prices are typed into the file.",
        );
}

fn sorted_accounts<'a>(report: &'a MarginReport, view: &MarginView) -> Vec<&'a AccountRisk> {
    let mut accounts: Vec<&AccountRisk> = report.accounts.iter().collect();
    let key_f64 = |a: &AccountRisk| match view.sort {
        SortColumn::Equity => to_f64(a.equity_usd),
        SortColumn::Maintenance => to_f64(a.maintenance_margin_usd),
        // No usage (equity ≤ 0) sorts as the worst.
        SortColumn::Usage => -a.maintenance_usage.map_or(f64::INFINITY, to_f64),
        SortColumn::Leverage => a.leverage.map_or(0.0, to_f64),
        SortColumn::Move => a.liquidation_move_pct.map_or(f64::INFINITY, f64::abs),
        SortColumn::File | SortColumn::Account => 0.0,
    };
    match view.sort {
        SortColumn::File => {}
        SortColumn::Account => accounts.sort_by(|a, b| a.label.cmp(&b.label)),
        _ => accounts.sort_by(|a, b| key_f64(a).total_cmp(&key_f64(b))),
    }
    if !view.ascending {
        accounts.reverse();
    }
    accounts
}

fn header(ui: &mut egui::Ui, view: &mut MarginView, title: &str, column: SortColumn) {
    let arrow = match (view.sort == column, view.ascending) {
        (true, true) => " ^",
        (true, false) => " v",
        (false, _) => "",
    };
    let clicked = ui
        .add(egui::Button::new(RichText::new(format!("{title}{arrow}")).strong()).frame(false))
        .on_hover_text(format!("Sort by {}", title.to_lowercase()))
        .clicked();
    if clicked {
        if view.sort == column {
            view.ascending = !view.ascending;
        } else {
            view.sort = column;
            view.ascending = true;
        }
    }
}

fn right(ui: &mut egui::Ui, text: impl Into<egui::WidgetText>) -> egui::Response {
    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
        ui.label(text)
    })
    .inner
}

fn accounts_table(
    ui: &mut egui::Ui,
    report: &MarginReport,
    view: &mut MarginView,
    selection: &mut Option<Selection>,
) {
    let accounts = sorted_accounts(report, view);
    if view.sort != SortColumn::File
        && ui
            .add(egui::Button::new("Back to file order").small())
            .on_hover_text("Sorted by a column: click to list accounts as in the file")
            .clicked()
    {
        *view = MarginView {
            expanded: std::mem::take(&mut view.expanded),
            ..MarginView::default()
        };
    }
    egui::Grid::new("margin_accounts")
        .striped(true)
        .num_columns(8)
        .spacing([10.0, 4.0])
        .show(ui, |ui| {
            header(ui, view, "Account", SortColumn::Account);
            ui.label(RichText::new("Venue").strong());
            header(ui, view, "Equity USD", SortColumn::Equity);
            header(ui, view, "Maint. USD", SortColumn::Maintenance);
            header(ui, view, "MM usage", SortColumn::Usage);
            header(ui, view, "Leverage", SortColumn::Leverage);
            header(ui, view, "Liq. move", SortColumn::Move);
            ui.label(RichText::new("Prices").strong())
                .on_hover_text("The oldest price each account's figures rest on");
            ui.end_row();
            for account in accounts {
                account_row(ui, report, account, view, selection);
            }
        });
}

fn account_row(
    ui: &mut egui::Ui,
    report: &MarginReport,
    account: &AccountRisk,
    view: &mut MarginView,
    selection: &mut Option<Selection>,
) {
    let expanded = view.expanded.contains(&account.index);
    let selected = *selection == Some(Selection::Account(account.label.clone()));
    ui.horizontal(|ui| {
        let toggle = if expanded { "-" } else { "+" };
        if ui
            .add(egui::Button::new(toggle).frame(false))
            .on_hover_text("Show or hide the account's positions")
            .clicked()
        {
            if expanded {
                view.expanded.remove(&account.index);
            } else {
                view.expanded.insert(account.index);
            }
        }
        let mut label = RichText::new(approx(account.label.clone(), account.approximate)).strong();
        if selected {
            label = label.color(ui.visuals().selection.stroke.color);
        }
        let response = ui
            .add(egui::Button::selectable(selected, label))
            .on_hover_text(account.notes.join("\n"));
        if response.clicked() {
            *selection = (!selected).then(|| Selection::Account(account.label.clone()));
        }
        if account.is_over_committed() {
            ui.label(
                RichText::new("over-committed")
                    .small()
                    .color(theme::warn_color(ui)),
            )
            .on_hover_text(format!(
                "Initial margin {} USD exceeds equity {} USD: these positions could not have \
                 been opened.",
                money(account.initial_margin_usd),
                money(account.equity_usd)
            ));
        }
    });
    ui.label(account.venue.display_name())
        .on_hover_text(format!(
            "{} account, {} margin",
            account.venue.display_name(),
            account.margin_mode.display_name()
        ));
    right(ui, money(account.equity_usd)).on_hover_text(format!(
        "Wallet {} {} plus unrealized PnL, in USD.",
        money(account.wallet_balance),
        account.margin_asset
    ));
    right(ui, money(account.maintenance_margin_usd))
        .on_hover_text("Sum of the positions' maintenance margins, in USD.");
    let usage_text = match (&account.maintenance_usage, &account.maintenance_usage_of) {
        (Some(usage), Some(of)) => format!("{} ({of})", fmt::ratio_pct(*usage)),
        (Some(usage), None) => fmt::ratio_pct(*usage),
        (None, _) if account.equity_usd > Decimal::ZERO => "nothing margined".to_owned(),
        (None, _) => "no equity".to_owned(),
    };
    let venue_ratio = match (account.margin_ratio, account.health_factor) {
        (Some(ratio), _) => fmt::ratio_pct(ratio),
        (None, Some(hf)) => fmt::health(hf),
        (None, None) => NONE.to_owned(),
    };
    let usage_hover = format!(
        "Maintenance margin ÷ equity: 100 % is liquidation, the same measure at every venue \
         (Aave: 1 / health factor; isolated: the worst position's). Bar colour: red from \
         80 %, amber from 50 %.\nThe venue's own figure: {venue_ratio} ({}).",
        account.margin_ratio_definition
    );
    let usage = account
        .maintenance_usage
        .map_or(1.0, to_f64)
        .clamp(0.0, 1.0);
    let color = usage_color(ui, account.maintenance_usage);
    // One cell: the bar, then the number (a label drawn over a short fill reads badly).
    ui.horizontal(|ui| {
        ui.add(
            egui::ProgressBar::new(usage as f32)
                .desired_width(44.0)
                .fill(color),
        )
        .on_hover_text(&usage_hover);
        ui.label(usage_text).on_hover_text(&usage_hover);
    });
    let color = distance_color(ui, account.liquidation_move_pct);
    let leverage_text = if account.equity_usd <= Decimal::ZERO {
        "no equity".to_owned()
    } else {
        leverage(account.leverage)
    };
    right(ui, leverage_text)
        .on_hover_text("Gross notional of the account's positions over its equity.");
    let (move_text, move_color) = if account.liquidated {
        ("LIQUIDATED".to_owned(), theme::error_color(ui))
    } else {
        (
            account
                .liquidation_move_pct
                .map_or_else(|| "none".to_owned(), signed_pct),
            color,
        )
    };
    right(ui, RichText::new(move_text).strong().color(move_color)).on_hover_text(
        "The uniform move of every underlying that brings the account to its venue's \
         liquidation threshold, tier changes included.",
    );
    account_prices_cell(ui, report, account.index, view);
    ui.end_row();
    if expanded {
        for position in report
            .positions
            .iter()
            .filter(|p| p.account_index == account.index)
        {
            let funding = view
                .funding_rates
                .get(&crate::model::InstrumentKey::contract(
                    account.venue,
                    &position.symbol,
                ))
                .copied();
            position_row(ui, position, view, funding);
        }
    }
}

/// The hover text of a position row: its explanation, tier, source and approximate marker.
fn position_hover(position: &PositionRisk) -> String {
    let mut lines = position.explanation();
    if let Some(tier) = &position.tier {
        lines.push(format!("Tier: {tier}"));
    }
    lines.push(format!("Source: {}", position.source));
    if position.approximate {
        lines.push("Approximate: see the notes above.".to_owned());
    }
    lines.join("\n")
}

fn position_row(
    ui: &mut egui::Ui,
    position: &PositionRisk,
    view: &MarginView,
    funding_rate: Option<Decimal>,
) {
    let price = |value: Decimal| fmt::price(value, position.price_tick);
    let hover = position_hover(position);
    ui.label(format!(
        "      {} {} {}",
        position.side.name(),
        position.symbol,
        if position.approximate { "~" } else { "" }
    ))
    .on_hover_text(&hover);
    let provenance =
        crate::present::PriceLine::with_thresholds(position, view.now_ms, view.stale_after_s);
    let funding_text = funding_rate.map_or_else(String::new, |rate| {
        format!(", funding {}", fmt::funding_pct(rate))
    });
    let price_text = format!(
        "size {} @ mark {}{funding_text}",
        group_thousands(position.size),
        price(position.mark_price)
    );
    match &provenance {
        Some(line) => {
            let text = RichText::new(format!("{price_text} ({})", line.summary()));
            let text = if line.stale {
                text.color(crate::ui::theme::warn_color(ui))
            } else {
                text
            };
            ui.label(text).on_hover_text(format!(
                "Price: {}{}{}",
                line.summary(),
                if funding_rate.is_some() {
                    "\nFunding: the venue's current rate per funding interval (longs pay \
                     shorts when positive), from the same refresh."
                } else {
                    ""
                },
                if line.stale {
                    "\nStale: older than the thresholds in Settings (default 5 min for a live \
                     price, 1 day for a bundled close)."
                } else {
                    ""
                }
            ));
        }
        None => {
            ui.label(price_text)
                .on_hover_text("Price derived from the underlying's (lending rows).");
        }
    }
    right(ui, format!("{} USD", money(position.notional_usd)))
        .on_hover_text("Notional at the mark, in USD.");
    right(
        ui,
        format!(
            "{} {}",
            fmt::price(position.maintenance_margin, None),
            position.margin_asset
        ),
    )
    .on_hover_text(&hover);
    right(
        ui,
        format!("IM {}", fmt::price(position.initial_margin, None)),
    )
    .on_hover_text("Initial margin: notional / leverage, or the isolated margin.");
    let distance = position.distance_to_liquidation_pct.map(to_f64);
    let color = distance_color(ui, distance);
    let color = if position.liquidated {
        theme::error_color(ui)
    } else {
        color
    };
    let settled = position.expired.as_ref();
    let hover = match settled {
        Some(expiry) => format!(
            "Expired at 08:00 UTC on its expiry date, before the valuation time: settled at the \
             underlying's {} (approximate: the venue settles on a 30-minute average). Its \
             payoff (PnL) is in the wallet; it has no margin and no exposure.",
            expiry.basis
        ),
        None => hover,
    };
    ui.label(
        RichText::new(match (position.liquidated, position.liquidation_price) {
            _ if settled.is_some() => format!(
                "expired — settled at {}",
                price(settled.map_or(Decimal::ZERO, |e| e.settled_at))
            ),
            (true, Some(lp)) => format!("LIQUIDATED at liq {}", price(lp)),
            (true, None) => "LIQUIDATED".to_owned(),
            (false, Some(lp)) => format!("liq {}", price(lp)),
            (false, None) => "no liquidation".to_owned(),
        })
        .color(color),
    )
    .on_hover_text(&hover);
    right(
        ui,
        position
            .bankruptcy_price
            .map_or_else(String::new, |bp| format!("bankr. {}", price(bp))),
    )
    .on_hover_text("Bankruptcy price: where the position's margin is used up (Bybit).");
    right(
        ui,
        RichText::new(
            position
                .distance_to_liquidation_pct
                .map_or_else(String::new, signed_pct_decimal),
        )
        .color(color),
    )
    .on_hover_text("Move of the mark to the liquidation price.");
    right(
        ui,
        format!("PnL {}", fmt::price(position.unrealized_pnl, None)),
    );
    ui.end_row();
}

/// The state of the prices an account's figures rest on, in its row: its oldest price's age,
/// amber when any is stale or a stand-in (the report's `accounts[].prices`).
fn account_prices_cell(ui: &mut egui::Ui, report: &MarginReport, index: usize, view: &MarginView) {
    let lines: Vec<(String, crate::present::PriceLine)> = report
        .positions
        .iter()
        .filter(|p| p.account_index == index)
        .filter_map(|p| {
            let line =
                crate::present::PriceLine::with_thresholds(p, view.now_ms, view.stale_after_s)?;
            Some((p.symbol.to_string(), line))
        })
        .collect();
    let summary = crate::present::report::PriceSummary::from_lines(
        lines.iter().map(|(name, line)| (name.clone(), line)),
    );
    let age = summary
        .oldest_age_seconds
        .map(crate::present::format::age)
        .unwrap_or_default();
    let (text, color) = if summary.stale > 0 {
        (format!("STALE {age}"), theme::warn_color(ui))
    } else if summary.stand_in > 0 {
        (
            format!("{} stand-in", summary.stand_in),
            theme::warn_color(ui),
        )
    } else if summary.oldest_age_seconds.is_some() {
        (format!("prices {age}"), theme::weak_color(ui))
    } else if summary.manual > 0 {
        ("manual".to_owned(), theme::weak_color(ui))
    } else {
        (String::new(), theme::weak_color(ui))
    };
    ui.label(RichText::new(text).small().color(color))
        .on_hover_text(format!("Prices of this account: {}", summary.headline()));
}

fn dim(color: Color32, active: bool) -> Color32 {
    if active {
        color
    } else {
        color.gamma_multiply(0.35)
    }
}

/// The three charts: side by side in a wide panel; in a narrow one the first two share a
/// row and the ladder takes the next, so none is cut. Legends sit under the plots (never over
/// the data), each venue has one colour in every chart, and every bar and point is named.
fn charts(ui: &mut egui::Ui, report: &MarginReport, selection: &mut Option<Selection>) {
    if ui.available_width() >= 1000.0 {
        ui.columns(3, |columns| {
            equity_chart(&mut columns[0], report, selection);
            exposure_chart(&mut columns[1], report, selection);
            ladder_chart(&mut columns[2], report, selection);
        });
    } else {
        ui.columns(2, |columns| {
            equity_chart(&mut columns[0], report, selection);
            exposure_chart(&mut columns[1], report, selection);
        });
        ui.add_space(6.0);
        ladder_chart(ui, report, selection);
    }
}

fn account_active(selection: &Option<Selection>, label: &str) -> bool {
    match selection {
        Some(Selection::Account(selected)) => selected == label,
        _ => true,
    }
}

fn underlying_active(selection: &Option<Selection>, underlying: &str) -> bool {
    match selection {
        Some(Selection::Underlying(selected)) => selected == underlying,
        _ => true,
    }
}

/// A legend under a plot: a coloured square and a name per series.
fn legend_row(ui: &mut egui::Ui, entries: &[(String, Color32)]) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 10.0;
        for (name, color) in entries {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(9.0, 9.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 1.0, *color);
            ui.label(RichText::new(name).small());
        }
    });
}

/// Ticks at every category (integer) and no other.
fn category_marks(input: egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "chart bounds: a handful of categories"
    )]
    let (low, high) = (input.bounds.0.ceil() as i64, input.bounds.1.floor() as i64);
    (low.max(0)..=high.min(low.max(0) + 200))
        .map(|value| egui_plot::GridMark {
            value: value as f64,
            step_size: 1.0,
        })
        .collect()
}

/// Equity and maintenance margin per account: the equity bar in the account's venue colour,
/// maintenance margin grey beside it; accounts numbered on the axis and named in the legend.
fn equity_chart(ui: &mut egui::Ui, report: &MarginReport, selection: &Option<Selection>) {
    ui.label(RichText::new("Equity vs maintenance margin (USD)").strong());
    let numbers: Vec<String> = (1..=report.accounts.len()).map(|n| n.to_string()).collect();
    let equity = BarChart::new(
        "Equity",
        report
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                Bar::new(i as f64 - 0.18, to_f64(a.equity_usd))
                    .width(0.35)
                    .name(format!("{} equity", a.label))
                    .fill(dim(
                        theme::venue_color(a.venue),
                        account_active(selection, &a.label),
                    ))
            })
            .collect(),
    );
    let maintenance = BarChart::new(
        "Maintenance margin",
        report
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                Bar::new(i as f64 + 0.18, to_f64(a.maintenance_margin_usd))
                    .width(0.35)
                    .name(format!("{} maintenance margin", a.label))
                    .fill(dim(theme::MARGIN_GREY, account_active(selection, &a.label)))
            })
            .collect(),
    )
    .color(theme::MARGIN_GREY);
    Plot::new("equity_vs_mm")
        .height(200.0)
        .allow_scroll(false)
        .x_grid_spacer(category_marks)
        .x_axis_formatter(move |mark, _| category(&numbers, mark.value))
        .show(ui, |plot| {
            plot.bar_chart(equity);
            plot.bar_chart(maintenance);
        });
    let mut entries: Vec<(String, Color32)> = report
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            (
                format!("{} {}", i + 1, a.label),
                theme::venue_color(a.venue),
            )
        })
        .collect();
    entries.push(("maintenance margin".to_owned(), theme::MARGIN_GREY));
    legend_row(ui, &entries);
}

/// Net exposure per underlying, stacked by venue (longs up, shorts down).
fn exposure_chart(ui: &mut egui::Ui, report: &MarginReport, selection: &mut Option<Selection>) {
    ui.label(RichText::new("Net exposure by venue (USD)").strong());
    let underlyings: Vec<String> = report
        .exposures
        .iter()
        .map(|e| e.underlying.clone())
        .collect();
    let mut venues: Vec<crate::model::Venue> = report
        .exposures
        .iter()
        .flat_map(|e| e.by_account.iter().map(|s| s.venue))
        .collect();
    venues.sort();
    venues.dedup();
    let mut stacked: Vec<BarChart> = Vec::new();
    for venue in &venues {
        let bars: Vec<Bar> = report
            .exposures
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let value: Decimal = e
                    .by_account
                    .iter()
                    .filter(|s| s.venue == *venue)
                    .map(|s| s.net_notional_usd)
                    .sum();
                Bar::new(i as f64, to_f64(value))
                    .width(0.6)
                    .name(format!("{} at {}", e.underlying, venue.display_name()))
                    .fill(dim(
                        theme::venue_color(*venue),
                        underlying_active(selection, &e.underlying),
                    ))
            })
            .collect();
        let refs: Vec<&BarChart> = stacked.iter().collect();
        let chart = BarChart::new(venue.display_name(), bars)
            .color(theme::venue_color(*venue))
            .stack_on(&refs);
        stacked.push(chart);
    }
    let names = underlyings.clone();
    Plot::new("exposure_by_venue")
        .height(200.0)
        .allow_scroll(false)
        .x_grid_spacer(category_marks)
        .x_axis_formatter(move |mark, _| category(&names, mark.value))
        .show(ui, |plot| {
            for chart in stacked {
                plot.bar_chart(chart);
            }
        });
    let entries: Vec<(String, Color32)> = venues
        .iter()
        .map(|v| (v.display_name().to_owned(), theme::venue_color(*v)))
        .collect();
    legend_row(ui, &entries);
    ui.horizontal_wrapped(|ui| {
        ui.label("Highlight:");
        for underlying in &underlyings {
            let on = *selection == Some(Selection::Underlying(underlying.clone()));
            if ui.selectable_label(on, underlying).clicked() {
                *selection = (!on).then(|| Selection::Underlying(underlying.clone()));
            }
        }
    });
}

/// Every position's liquidation price relative to its mark, by underlying, one point per
/// position in its account's venue colour.
fn ladder_chart(ui: &mut egui::Ui, report: &MarginReport, selection: &Option<Selection>) {
    ui.label(RichText::new("Liquidation ladder (% from mark)").strong());
    let underlyings: Vec<String> = report
        .exposures
        .iter()
        .map(|e| e.underlying.clone())
        .collect();
    let series: Vec<Points<'_>> = report
        .accounts
        .iter()
        .filter_map(|account| {
            let points: Vec<[f64; 2]> = report
                .positions
                .iter()
                .filter(|p| p.account_index == account.index)
                .filter_map(|p| {
                    let x = underlyings.iter().position(|u| **u == *p.underlying)?;
                    Some([x as f64, to_f64(p.distance_to_liquidation_pct?)])
                })
                .collect();
            (!points.is_empty()).then(|| {
                Points::new(account.label.clone(), points)
                    .radius(5.0)
                    .color(dim(
                        theme::venue_color(account.venue),
                        account_active(selection, &account.label),
                    ))
            })
        })
        .collect();
    let names = underlyings.clone();
    Plot::new("liquidation_ladder")
        .height(200.0)
        .allow_scroll(false)
        .include_y(0.0)
        .include_x(-0.5)
        .include_x(underlyings.len() as f64 - 0.5)
        .x_grid_spacer(category_marks)
        .x_axis_formatter(move |mark, _| category(&names, mark.value))
        .y_axis_formatter(|mark, _| format!("{:+.0} %", mark.value))
        .show(ui, |plot| {
            for points in series {
                plot.points(points);
            }
        });
    let entries: Vec<(String, Color32)> = report
        .accounts
        .iter()
        .filter(|a| {
            report
                .positions
                .iter()
                .any(|p| p.account_index == a.index && p.distance_to_liquidation_pct.is_some())
        })
        .map(|a| (a.label.clone(), theme::venue_color(a.venue)))
        .collect();
    legend_row(ui, &entries);
}

/// The category name at an integer axis position, blank between categories.
fn category(names: &[String], value: f64) -> String {
    let rounded = value.round();
    if (value - rounded).abs() > 1e-6 || rounded < 0.0 {
        return String::new();
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "checked above: a small non-negative integer"
    )]
    names.get(rounded as usize).cloned().unwrap_or_default()
}

//! The Portfolio panel: accounts, collateral and positions as editable tables, with every
//! validation problem shown at its field and listed at the bottom.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::fields::{FieldEdits, FieldSpec, text_field};
use super::theme;
use crate::model::validate::Issue;
use crate::model::venue_rules::rule_for;
use crate::model::{
    Account, Collateral, MarginMode, OptionRight, Portfolio, Position, PositionKind, Settlement,
    Venue,
};
use crate::present::format::{group_thousands, parse_decimal_input};

/// What the Portfolio panel needs besides the draft it edits.
pub struct PortfolioContext<'a> {
    /// Validation problems of the committed portfolio.
    pub issues: &'a [Issue],
    /// Text being typed into fields.
    pub edits: &'a mut FieldEdits,
    /// Today's date (UTC), the default expiry of new futures and options.
    pub today: NaiveDate,
    /// Label of the account selected in another panel, drawn highlighted.
    pub highlight_account: Option<&'a str>,
    /// The engine's numbers of the committed portfolio, shown read-only beside each
    /// position's fields (mark, uPnL, liquidation price).
    pub analysis: Option<&'a crate::engine::MarginReport>,
}

/// Structural changes requested while drawing; applied after the tables so indices stay valid.
enum Change {
    RemoveAccount(usize),
    DuplicateAccount(usize),
    AddPosition(usize, PositionKind),
    RemovePosition(usize, usize),
    DuplicatePosition(usize, usize),
    AddCollateral(usize),
    RemoveCollateral(usize, usize),
}

const NUMBER_WIDTH: f32 = 96.0;
const SYMBOL_WIDTH: f32 = 150.0;
const SHORT_WIDTH: f32 = 56.0;

/// Draws the panel, editing `draft` in place.
pub fn portfolio_ui(ui: &mut egui::Ui, draft: &mut Portfolio, ctx: &mut PortfolioContext<'_>) {
    egui::ScrollArea::both()
        .id_salt("portfolio_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            header_ui(ui, draft, ctx);
            ui.separator();
            let mut changes = Vec::new();
            for (index, account) in draft.accounts.iter_mut().enumerate() {
                account_ui(ui, index, account, ctx, &mut changes);
            }
            ui.add_space(4.0);
            ui.menu_button("Add account", |ui| {
                for venue in Venue::ALL {
                    if ui.button(venue.display_name()).clicked() {
                        draft.accounts.push(new_account(draft, venue));
                    }
                }
            });
            apply_changes(draft, changes, ctx.today);
            ui.separator();
            problems_ui(ui, ctx.issues);
        });
}

fn header_ui(ui: &mut egui::Ui, draft: &mut Portfolio, ctx: &mut PortfolioContext<'_>) {
    egui::Grid::new("portfolio_header")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label("Name");
            let spec = FieldSpec {
                path: "name",
                name: "Portfolio name",
                width: 320.0,
                numeric: false,
                problem: problem(ctx.issues, "name"),
            };
            if let Some(name) = text_field(ui, ctx.edits, &spec, &draft.name, |text| {
                Ok::<_, String>(text.trim().to_owned())
            }) {
                draft.name = name;
            }
            ui.end_row();
            ui.label("Notes");
            let spec = FieldSpec {
                path: "notes",
                name: "Portfolio notes",
                width: 520.0,
                numeric: false,
                problem: None,
            };
            if let Some(notes) = text_field(ui, ctx.edits, &spec, &draft.notes, |text| {
                Ok::<_, String>(text.to_owned())
            }) {
                draft.notes = notes;
            }
            ui.end_row();
        });
}

fn account_ui(
    ui: &mut egui::Ui,
    index: usize,
    account: &mut Account,
    ctx: &mut PortfolioContext<'_>,
    changes: &mut Vec<Change>,
) {
    let path = format!("accounts[{index}]");
    let has_problem = ctx
        .issues
        .iter()
        .any(|issue| issue.path.starts_with(&format!("{path}.")) || issue.path == path);
    let mut title = egui::RichText::new(format!(
        "{}  ·  {}  ·  {}",
        account.label,
        account.venue.display_name(),
        account.margin_mode.display_name()
    ))
    .strong();
    if has_problem {
        title = title.color(theme::error_color(ui));
    } else if ctx.highlight_account == Some(account.label.as_str()) {
        title = title
            .color(ui.visuals().selection.stroke.color)
            .background_color(ui.visuals().selection.bg_fill.gamma_multiply(0.4));
    }
    egui::CollapsingHeader::new(title)
        .id_salt(("account", index))
        .default_open(true)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label("Label");
                let label_path = format!("{path}.label");
                let spec = FieldSpec {
                    path: &label_path,
                    name: &format!("Label of account {}", index + 1),
                    width: 160.0,
                    numeric: false,
                    problem: problem(ctx.issues, &label_path),
                };
                if let Some(label) = text_field(ui, ctx.edits, &spec, &account.label, |text| {
                    Ok::<_, String>(text.trim().to_owned())
                }) {
                    account.label = label;
                }
                ui.label("Venue");
                ui.name_inputs(format!("Venue of {}", account.label), |ui| {
                    egui::ComboBox::from_id_salt(("venue", index))
                        .selected_text(account.venue.display_name())
                        .show_ui(ui, |ui| {
                            for venue in Venue::ALL {
                                ui.selectable_value(
                                    &mut account.venue,
                                    venue,
                                    venue.display_name(),
                                );
                            }
                        });
                });
                ui.label("Margin");
                let mode_path = format!("{path}.margin_mode");
                let mode_problem = problem(ctx.issues, &mode_path);
                let combo = ui.name_inputs(format!("Margin mode of {}", account.label), |ui| {
                    egui::ComboBox::from_id_salt(("mode", index))
                        .selected_text(account.margin_mode.display_name())
                        .show_ui(ui, |ui| {
                            for mode in MarginMode::ALL {
                                ui.selectable_value(
                                    &mut account.margin_mode,
                                    mode,
                                    mode.display_name(),
                                );
                            }
                        })
                        .response
                });
                if let Some(problem) = mode_problem {
                    combo.on_hover_text(problem);
                }
                if ui
                    .button("Duplicate account")
                    .on_hover_text("Add a copy of this account below the last one")
                    .clicked()
                {
                    changes.push(Change::DuplicateAccount(index));
                }
                if ui
                    .button("Remove account")
                    .on_hover_text("Remove this account and its positions (Ctrl+Z undoes)")
                    .clicked()
                {
                    changes.push(Change::RemoveAccount(index));
                }
            });
            collateral_ui(ui, index, account, ctx, changes);
            positions_ui(ui, index, account, ctx, changes);
        });
}

fn collateral_ui(
    ui: &mut egui::Ui,
    index: usize,
    account: &mut Account,
    ctx: &mut PortfolioContext<'_>,
    changes: &mut Vec<Change>,
) {
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new("Collateral").strong());
        if ui.small_button("Add collateral").clicked() {
            changes.push(Change::AddCollateral(index));
        }
    });
    if account.collateral.is_empty() {
        ui.weak("No collateral.");
        return;
    }
    egui::Grid::new(("collateral", index))
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for (row, collateral) in account.collateral.iter_mut().enumerate() {
                let base = format!("accounts[{index}].collateral[{row}]");
                let asset_path = format!("{base}.asset");
                let spec = FieldSpec {
                    path: &asset_path,
                    name: &format!("{} collateral {} asset", account.label, row + 1),
                    width: SHORT_WIDTH,
                    numeric: false,
                    problem: problem(ctx.issues, &asset_path),
                };
                if let Some(asset) =
                    text_field(ui, ctx.edits, &spec, &collateral.asset, parse_ticker)
                {
                    collateral.asset = asset;
                }
                let amount_path = format!("{base}.amount");
                let name = format!("{} {} collateral amount", account.label, collateral.asset);
                decimal_field(ui, ctx, &amount_path, &name, &mut collateral.amount);
                if ui
                    .small_button("Remove")
                    .on_hover_text("Remove this collateral balance")
                    .clicked()
                {
                    changes.push(Change::RemoveCollateral(index, row));
                }
                ui.end_row();
            }
        });
}

fn positions_ui(
    ui: &mut egui::Ui,
    index: usize,
    account: &mut Account,
    ctx: &mut PortfolioContext<'_>,
    changes: &mut Vec<Change>,
) {
    let rule = rule_for(account.venue);
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new("Positions").strong());
        ui.menu_button("Add position", |ui| {
            for kind in &rule.position_kinds {
                if ui.button(kind.display_name()).clicked() {
                    changes.push(Change::AddPosition(index, *kind));
                }
            }
        });
    });
    if account.positions.is_empty() {
        ui.weak("No positions.");
        return;
    }
    let headers = [
        ("Kind", "Position kind"),
        (
            "Mark",
            "The price the numbers use (read-only: the Margin panel says where it came from)",
        ),
        (
            "uPnL",
            "Unrealized PnL at the mark, in the margin asset (read-only)",
        ),
        (
            "Liq.",
            "Liquidation price from the venue's formula (read-only; the Margin panel explains it)",
        ),
        (
            "Symbol / asset",
            "The venue's symbol, or the asset for spot and lending balances",
        ),
        ("Underlying", "The coin whose price moves the position"),
        (
            "Settlement",
            "Linear: margined in USDT/USDC/USD. Inverse: margined and paid in the coin",
        ),
        (
            "Size",
            "Signed: positive long, negative short. Contracts when a contract size is set, else base units",
        ),
        (
            "Contract size",
            "Base units per contract (linear), USD per contract (inverse); empty = size is in base units",
        ),
        (
            "Entry",
            "Average entry price (cost basis in USD for spot, premium per unit for options; may be empty)",
        ),
        (
            "Leverage",
            "Leverage set on the venue (required in isolated mode)",
        ),
        (
            "Isolated margin",
            "Margin assigned to the position in isolated mode; empty = notional / leverage",
        ),
        (
            "Expiry",
            "Expiry date, YYYY-MM-DD (08:00 UTC at most venues)",
        ),
        ("Strike", "Option strike in USD"),
        ("Right", "Call or put"),
        ("", ""),
    ];
    egui::Grid::new(("positions", index))
        .num_columns(headers.len())
        .striped(true)
        .show(ui, |ui| {
            for (title, tip) in headers {
                ui.label(egui::RichText::new(title).small().strong())
                    .on_hover_text(tip);
            }
            ui.end_row();
            let label = account.label.clone();
            for (row, position) in account.positions.iter_mut().enumerate() {
                let base = format!("accounts[{index}].positions[{row}]");
                let risk = ctx.analysis.and_then(|a| {
                    a.positions
                        .iter()
                        .find(|p| p.account_index == index && p.position_index == row)
                });
                let excluded = ctx
                    .analysis
                    .and_then(|a| a.excluded.iter().find(|e| e.path == base))
                    .map(|e| e.reason.as_str());
                position_row_ui(ui, &base, &label, position, ctx, (risk, excluded));
                ui.horizontal(|ui| {
                    if ui
                        .small_button("Duplicate")
                        .on_hover_text("Add a copy of this position")
                        .clicked()
                    {
                        changes.push(Change::DuplicatePosition(index, row));
                    }
                    if ui
                        .small_button("Remove")
                        .on_hover_text("Remove this position (Ctrl+Z undoes)")
                        .clicked()
                    {
                        changes.push(Change::RemovePosition(index, row));
                    }
                });
                ui.end_row();
            }
        });
}

/// The read-only cells of a position: its mark, uPnL and liquidation price as the engine
/// computed them (or why it is left out).
fn computed_cells(
    ui: &mut egui::Ui,
    risk: Option<&crate::engine::PositionRisk>,
    excluded: Option<&str>,
) {
    use crate::present::format;
    let weak = theme::weak_color(ui);
    let Some(risk) = risk else {
        let text = if excluded.is_some() {
            "excluded"
        } else {
            "–"
        };
        ui.label(egui::RichText::new(text).small().color(weak))
            .on_hover_text(excluded.unwrap_or("Not priced yet"));
        ui.label("");
        ui.label("");
        return;
    };
    ui.label(
        egui::RichText::new(format::price(risk.mark_price, risk.price_tick))
            .small()
            .color(weak),
    )
    .on_hover_text("The mark the numbers use; the Margin panel says its source and age.");
    ui.label(
        egui::RichText::new(format!(
            "{} {}",
            format::price(risk.unrealized_pnl, None),
            risk.margin_asset
        ))
        .small()
        .color(weak),
    );
    let (text, color) = match (&risk.expired, risk.liquidated, risk.liquidation_price) {
        (Some(expiry), _, _) => (
            format!(
                "expired — settled at {}",
                format::price(expiry.settled_at, risk.price_tick)
            ),
            theme::warn_color(ui),
        ),
        (None, true, _) => ("LIQUIDATED".to_owned(), theme::error_color(ui)),
        (None, false, Some(lp)) => (format::price(lp, risk.price_tick), weak),
        (None, false, None) => ("none".to_owned(), weak),
    };
    ui.label(egui::RichText::new(text).small().color(color));
}

fn position_row_ui(
    ui: &mut egui::Ui,
    base: &str,
    account: &str,
    position: &mut Position,
    ctx: &mut PortfolioContext<'_>,
    (risk, excluded): (Option<&crate::engine::PositionRisk>, Option<&str>),
) {
    let kind = position.kind();
    let name = position.name().to_owned();
    let field_name = |field: &str| format!("{account} {name} {field}");
    let kind_label = egui::RichText::new(kind.display_name());
    match problem(ctx.issues, base) {
        Some(problem) => {
            ui.label(kind_label.color(theme::error_color(ui)))
                .on_hover_text(problem);
        }
        None => {
            ui.label(kind_label);
        }
    }
    computed_cells(ui, risk, excluded);
    match position {
        Position::Spot(spot) => {
            text_cell(
                ui,
                ctx,
                &format!("{base}.asset"),
                &field_name("asset"),
                &mut spot.asset,
                SYMBOL_WIDTH,
            );
            not_applicable(ui, 2);
            decimal_field(
                ui,
                ctx,
                &format!("{base}.amount"),
                &field_name("amount"),
                &mut spot.amount,
            );
            not_applicable(ui, 1);
            optional_decimal_field(
                ui,
                ctx,
                &format!("{base}.cost_basis_usd"),
                &field_name("cost basis"),
                &mut spot.cost_basis_usd,
            );
            not_applicable(ui, 5);
        }
        Position::Supply(balance) | Position::Borrow(balance) => {
            text_cell(
                ui,
                ctx,
                &format!("{base}.asset"),
                &field_name("asset"),
                &mut balance.asset,
                SYMBOL_WIDTH,
            );
            not_applicable(ui, 2);
            decimal_field(
                ui,
                ctx,
                &format!("{base}.amount"),
                &field_name("amount"),
                &mut balance.amount,
            );
            not_applicable(ui, 7);
        }
        Position::Perpetual(perp) => {
            text_cell(
                ui,
                ctx,
                &format!("{base}.symbol"),
                &field_name("symbol"),
                &mut perp.symbol,
                SYMBOL_WIDTH,
            );
            text_cell(
                ui,
                ctx,
                &format!("{base}.underlying"),
                &field_name("underlying"),
                &mut perp.underlying,
                SHORT_WIDTH,
            );
            settlement_combo(
                ui,
                base,
                &field_name("settlement"),
                &mut perp.settlement,
                ctx.issues,
            );
            decimal_field(
                ui,
                ctx,
                &format!("{base}.size"),
                &field_name("size"),
                &mut perp.size,
            );
            optional_decimal_field(
                ui,
                ctx,
                &format!("{base}.contract_size"),
                &field_name("contract size"),
                &mut perp.contract_size,
            );
            decimal_field(
                ui,
                ctx,
                &format!("{base}.entry_price"),
                &field_name("entry price"),
                &mut perp.entry_price,
            );
            optional_decimal_field(
                ui,
                ctx,
                &format!("{base}.leverage"),
                &field_name("leverage"),
                &mut perp.leverage,
            );
            optional_decimal_field(
                ui,
                ctx,
                &format!("{base}.isolated_margin"),
                &field_name("isolated margin"),
                &mut perp.isolated_margin,
            );
            not_applicable(ui, 3);
        }
        Position::Future(future) => {
            text_cell(
                ui,
                ctx,
                &format!("{base}.symbol"),
                &field_name("symbol"),
                &mut future.symbol,
                SYMBOL_WIDTH,
            );
            text_cell(
                ui,
                ctx,
                &format!("{base}.underlying"),
                &field_name("underlying"),
                &mut future.underlying,
                SHORT_WIDTH,
            );
            settlement_combo(
                ui,
                base,
                &field_name("settlement"),
                &mut future.settlement,
                ctx.issues,
            );
            decimal_field(
                ui,
                ctx,
                &format!("{base}.size"),
                &field_name("size"),
                &mut future.size,
            );
            optional_decimal_field(
                ui,
                ctx,
                &format!("{base}.contract_size"),
                &field_name("contract size"),
                &mut future.contract_size,
            );
            decimal_field(
                ui,
                ctx,
                &format!("{base}.entry_price"),
                &field_name("entry price"),
                &mut future.entry_price,
            );
            optional_decimal_field(
                ui,
                ctx,
                &format!("{base}.leverage"),
                &field_name("leverage"),
                &mut future.leverage,
            );
            optional_decimal_field(
                ui,
                ctx,
                &format!("{base}.isolated_margin"),
                &field_name("isolated margin"),
                &mut future.isolated_margin,
            );
            date_field(
                ui,
                ctx,
                &format!("{base}.expiry"),
                &field_name("expiry"),
                &mut future.expiry,
            );
            not_applicable(ui, 2);
        }
        Position::Option(option) => {
            text_cell(
                ui,
                ctx,
                &format!("{base}.symbol"),
                &field_name("symbol"),
                &mut option.symbol,
                SYMBOL_WIDTH,
            );
            text_cell(
                ui,
                ctx,
                &format!("{base}.underlying"),
                &field_name("underlying"),
                &mut option.underlying,
                SHORT_WIDTH,
            );
            settlement_combo(
                ui,
                base,
                &field_name("settlement"),
                &mut option.settlement,
                ctx.issues,
            );
            decimal_field(
                ui,
                ctx,
                &format!("{base}.size"),
                &field_name("size"),
                &mut option.size,
            );
            decimal_field(
                ui,
                ctx,
                &format!("{base}.contract_size"),
                &field_name("contract size"),
                &mut option.contract_size,
            );
            optional_decimal_field(
                ui,
                ctx,
                &format!("{base}.entry_price"),
                &field_name("premium"),
                &mut option.entry_price,
            );
            not_applicable(ui, 2);
            date_field(
                ui,
                ctx,
                &format!("{base}.expiry"),
                &field_name("expiry"),
                &mut option.expiry,
            );
            decimal_field(
                ui,
                ctx,
                &format!("{base}.strike"),
                &field_name("strike"),
                &mut option.strike,
            );
            ui.name_inputs(field_name("right"), |ui| {
                egui::ComboBox::from_id_salt(("right", base))
                    .width(SHORT_WIDTH)
                    .selected_text(right_name(option.right))
                    .show_ui(ui, |ui| {
                        for right in [OptionRight::Call, OptionRight::Put] {
                            ui.selectable_value(&mut option.right, right, right_name(right));
                        }
                    });
            });
        }
    }
}

fn right_name(right: OptionRight) -> &'static str {
    match right {
        OptionRight::Call => "call",
        OptionRight::Put => "put",
    }
}

fn settlement_name(settlement: Settlement) -> &'static str {
    match settlement {
        Settlement::Linear => "linear",
        Settlement::Inverse => "inverse",
    }
}

fn settlement_combo(
    ui: &mut egui::Ui,
    base: &str,
    name: &str,
    settlement: &mut Settlement,
    issues: &[Issue],
) {
    let path = format!("{base}.settlement");
    let response = ui.name_inputs(name, |ui| {
        egui::ComboBox::from_id_salt(("settlement", base))
            .width(70.0)
            .selected_text(settlement_name(*settlement))
            .show_ui(ui, |ui| {
                for option in [Settlement::Linear, Settlement::Inverse] {
                    ui.selectable_value(settlement, option, settlement_name(option));
                }
            })
            .response
    });
    if let Some(problem) = problem(issues, &path) {
        response.on_hover_text(problem);
    }
}

fn not_applicable(ui: &mut egui::Ui, cells: usize) {
    for _ in 0..cells {
        ui.label(egui::RichText::new("-").color(theme::weak_color(ui)))
            .on_hover_text("Does not apply to this kind of position");
    }
}

fn text_cell(
    ui: &mut egui::Ui,
    ctx: &mut PortfolioContext<'_>,
    path: &str,
    name: &str,
    value: &mut String,
    width: f32,
) {
    let spec = FieldSpec {
        path,
        name,
        width,
        numeric: false,
        problem: problem(ctx.issues, path),
    };
    if let Some(text) = text_field(ui, ctx.edits, &spec, value, parse_ticker) {
        *value = text;
    }
}

fn decimal_field(
    ui: &mut egui::Ui,
    ctx: &mut PortfolioContext<'_>,
    path: &str,
    name: &str,
    value: &mut Decimal,
) {
    let spec = FieldSpec {
        path,
        name,
        width: NUMBER_WIDTH,
        numeric: true,
        problem: problem(ctx.issues, path),
    };
    if let Some(parsed) = text_field(
        ui,
        ctx.edits,
        &spec,
        &group_thousands(*value),
        parse_decimal_input,
    ) {
        *value = parsed;
    }
}

fn optional_decimal_field(
    ui: &mut egui::Ui,
    ctx: &mut PortfolioContext<'_>,
    path: &str,
    name: &str,
    value: &mut Option<Decimal>,
) {
    let spec = FieldSpec {
        path,
        name,
        width: NUMBER_WIDTH,
        numeric: true,
        problem: problem(ctx.issues, path),
    };
    let shown = value.map(group_thousands).unwrap_or_default();
    let parse = |text: &str| {
        if text.trim().is_empty() {
            Ok(None)
        } else {
            parse_decimal_input(text).map(Some)
        }
    };
    if let Some(parsed) = text_field(ui, ctx.edits, &spec, &shown, parse) {
        *value = parsed;
    }
}

fn date_field(
    ui: &mut egui::Ui,
    ctx: &mut PortfolioContext<'_>,
    path: &str,
    name: &str,
    value: &mut NaiveDate,
) {
    let spec = FieldSpec {
        path,
        name,
        width: 88.0,
        numeric: false,
        problem: problem(ctx.issues, path),
    };
    let parse = |text: &str| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| format!("\"{text}\" is not a date; write YYYY-MM-DD, e.g. 2025-12-26"))
    };
    if let Some(date) = text_field(ui, ctx.edits, &spec, &value.to_string(), parse) {
        *value = date;
    }
}

fn parse_ticker(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        Err("enter a symbol or ticker".to_owned())
    } else {
        Ok(trimmed.to_owned())
    }
}

fn problem<'a>(issues: &'a [Issue], path: &str) -> Option<&'a str> {
    issues
        .iter()
        .find(|issue| issue.path == path)
        .map(|issue| issue.message.as_str())
}

fn problems_ui(ui: &mut egui::Ui, issues: &[Issue]) {
    if issues.is_empty() {
        ui.weak("No problems: the portfolio is valid and can be saved.");
        return;
    }
    ui.colored_label(
        theme::error_color(ui),
        format!(
            "{} problem{} to fix before saving:",
            issues.len(),
            if issues.len() == 1 { "" } else { "s" }
        ),
    );
    for issue in issues {
        ui.label(format!("{}: {}", issue.path, issue.message));
    }
}

fn new_account(portfolio: &Portfolio, venue: Venue) -> Account {
    let base = venue.display_name().to_owned();
    let mut label = base.clone();
    let mut counter = 2;
    while portfolio
        .accounts
        .iter()
        .any(|account| account.label == label)
    {
        label = format!("{base} {counter}");
        counter += 1;
    }
    let rule = rule_for(venue);
    Account {
        label,
        venue,
        margin_mode: rule
            .margin_modes
            .first()
            .copied()
            .unwrap_or(MarginMode::Cross),
        collateral: Vec::new(),
        positions: Vec::new(),
        venue_parameters: None,
    }
}

fn apply_changes(draft: &mut Portfolio, changes: Vec<Change>, today: NaiveDate) {
    for change in changes {
        match change {
            Change::RemoveAccount(index) => {
                if index < draft.accounts.len() {
                    draft.accounts.remove(index);
                }
            }
            Change::DuplicateAccount(index) => {
                if let Some(account) = draft.accounts.get(index).cloned() {
                    let mut copy = new_account(draft, account.venue);
                    copy.label = unique_copy_label(draft, &account.label);
                    copy.margin_mode = account.margin_mode;
                    copy.collateral = account.collateral;
                    copy.positions = account.positions;
                    draft.accounts.push(copy);
                }
            }
            Change::AddPosition(index, kind) => {
                if let Some(account) = draft.accounts.get_mut(index) {
                    let settlement = rule_for(account.venue)
                        .settlements
                        .first()
                        .copied()
                        .unwrap_or(Settlement::Linear);
                    account
                        .positions
                        .push(Position::template(kind, settlement, today));
                }
            }
            Change::RemovePosition(index, row) => {
                if let Some(account) = draft.accounts.get_mut(index)
                    && row < account.positions.len()
                {
                    account.positions.remove(row);
                }
            }
            Change::DuplicatePosition(index, row) => {
                if let Some(account) = draft.accounts.get_mut(index)
                    && let Some(position) = account.positions.get(row).cloned()
                {
                    account.positions.insert(row + 1, position);
                }
            }
            Change::AddCollateral(index) => {
                if let Some(account) = draft.accounts.get_mut(index) {
                    account.collateral.push(Collateral {
                        asset: "USDT".to_owned(),
                        amount: Decimal::ZERO,
                    });
                }
            }
            Change::RemoveCollateral(index, row) => {
                if let Some(account) = draft.accounts.get_mut(index)
                    && row < account.collateral.len()
                {
                    account.collateral.remove(row);
                }
            }
        }
    }
}

fn unique_copy_label(portfolio: &Portfolio, label: &str) -> String {
    let mut candidate = format!("{label} (copy)");
    let mut counter = 2;
    while portfolio
        .accounts
        .iter()
        .any(|account| account.label == candidate)
    {
        candidate = format!("{label} (copy {counter})");
        counter += 1;
    }
    candidate
}

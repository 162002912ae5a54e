//! Test oracles: each venue's published or derived closed form, written independently of the
//! engine's shared solver ([`riskdeck::engine::margin::leg::Leg::solve_price`]), so the tests
//! can compare the engine's numbers with the venue's own statement of the formula. Nothing in
//! the crate calls these.

pub mod binance {
    //! Binance USDⓈ-M and COIN-M one-way liquidation prices, as the Binance FAQ states them (venue-margin.md §1.1, §2):
    //! `MM = notional × MMR − cum`; `LP = (WB − TMM1 + UPNL1 + cum − side·qty·EP) / (qty·MMR − side·qty)`
    //! (COIN-M: `LP = (N·MMR + side·N) / ((WB − TMM1 + UPNL1 + cum)/CS + side·N/EP)`).

    use riskdeck::engine::margin::leg::{Leg, MarginRule};
    use riskdeck::model::Settlement;
    use riskdeck::model::params::{TierTable, maintenance_amounts, tier_index};
    use rust_decimal::Decimal;

    /// `MM = notional × MMR_tier − cum_tier` for a notional in the margin asset.
    pub fn maintenance_margin(table: &TierTable, notional: Decimal) -> Decimal {
        let (index, _) = tier_index(&table.tiers, notional);
        let cum = maintenance_amounts(&table.tiers);
        table.tiers.get(index).map_or(Decimal::ZERO, |tier| {
            notional * tier.mmr - cum.get(index).copied().unwrap_or_default()
        })
    }

    /// USDⓈ-M one-way liquidation price of a position of signed `size` coins entered at
    /// `entry_price`, with cross wallet `wallet` and the other positions' maintenance margin
    /// `other_mm` and PnL `other_upnl` (all in USDT; zeros for isolated). `mark_price` only picks
    /// the tier tried first.
    pub fn liquidation_price_usdm(
        table: &TierTable,
        wallet: Decimal,
        other_mm: Decimal,
        other_upnl: Decimal,
        size: Decimal,
        entry_price: Decimal,
        mark_price: Decimal,
    ) -> Option<Decimal> {
        let leg = leg(
            table,
            Settlement::Linear,
            size,
            Decimal::ONE,
            entry_price,
            mark_price,
        );
        leg.solve_price(wallet + other_upnl, other_mm, true)
    }

    /// COIN-M one-way liquidation price of `contracts` (signed) of `contract_size_usd` each,
    /// with the coin wallet `wallet_coin` and the other positions' MM and PnL in coin.
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per variable of Binance's formula, so a call reads like the FAQ"
    )]
    pub fn liquidation_price_coinm(
        table: &TierTable,
        wallet_coin: Decimal,
        other_mm: Decimal,
        other_upnl: Decimal,
        contracts: Decimal,
        contract_size_usd: Decimal,
        entry_price: Decimal,
        mark_price: Decimal,
    ) -> Option<Decimal> {
        let leg = leg(
            table,
            Settlement::Inverse,
            contracts,
            contract_size_usd,
            entry_price,
            mark_price,
        );
        leg.solve_price(wallet_coin + other_upnl, other_mm, true)
    }

    /// A leg on `table` (no fee).
    pub fn leg(
        table: &TierTable,
        settlement: Settlement,
        size: Decimal,
        contract_size: Decimal,
        entry_price: Decimal,
        mark_price: Decimal,
    ) -> Leg<'_> {
        Leg::new(
            settlement,
            size,
            contract_size,
            entry_price,
            mark_price,
            MarginRule::Tiered {
                table,
                cum: maintenance_amounts(&table.tiers).into(),
                fee: Decimal::ZERO,
                tiers_used: table.tiers.len(),
            },
        )
    }
}

pub mod okx {
    //! OKX isolated liquidation prices derived from its margin-ratio definition (venue-margin.md §4; OKX publishes no example):
    //! `LP_long = (ctVal·n·EP − M) / (ctVal·n·(1 − MMR − f))`, `LP_short = (ctVal·n·EP + M) / (ctVal·n·(1 + MMR + f))`;
    //! coin-margined `LP_long = ctVal·n·(1 + MMR + f) / (M + ctVal·n/EP)`, `LP_short = ctVal·n·(1 − MMR − f) / (ctVal·n/EP − M)`.

    use rust_decimal::Decimal;

    /// USDT-margined isolated liquidation price (closed form above): `ct_val` coins per contract,
    /// `contracts` signed, `margin` the isolated margin in USDT.
    pub fn liquidation_price_linear(
        ct_val: Decimal,
        contracts: Decimal,
        entry_price: Decimal,
        margin: Decimal,
        mmr: Decimal,
        fee: Decimal,
    ) -> Option<Decimal> {
        let coins = ct_val * contracts.abs();
        let price = if contracts.is_sign_negative() {
            (coins * entry_price + margin).checked_div(coins * (Decimal::ONE + mmr + fee))?
        } else {
            (coins * entry_price - margin).checked_div(coins * (Decimal::ONE - mmr - fee))?
        };
        (price > Decimal::ZERO).then_some(price)
    }

    /// Coin-margined isolated liquidation price: `ct_val` USD per contract, `margin` in coin.
    pub fn liquidation_price_inverse(
        ct_val: Decimal,
        contracts: Decimal,
        entry_price: Decimal,
        margin: Decimal,
        mmr: Decimal,
        fee: Decimal,
    ) -> Option<Decimal> {
        let face = ct_val * contracts.abs();
        let price = if contracts.is_sign_negative() {
            (face * (Decimal::ONE - mmr - fee)).checked_div(face / entry_price - margin)?
        } else {
            (face * (Decimal::ONE + mmr + fee)).checked_div(margin + face / entry_price)?
        };
        (price > Decimal::ZERO).then_some(price)
    }
}

pub mod hyperliquid {
    //! Hyperliquid's documented liquidation price (docs "Liquidations", venue-margin.md §6.2):
    //! `LP = price − side × margin_available / position_size / (1 − l × side)`, `l = MMR = 1 / (2 × max leverage)`.

    use rust_decimal::Decimal;

    /// `MMR = 1 / (2 × max leverage)`.
    pub fn maintenance_rate(max_leverage: Decimal) -> Option<Decimal> {
        Decimal::ONE.checked_div(Decimal::TWO * max_leverage)
    }

    /// The documented formula: `price − side × available / size / (1 − l × side)`, with `size` the
    /// absolute size in coins and `available` the margin above maintenance, in USDC.
    pub fn liquidation_price(
        price: Decimal,
        side: Decimal,
        margin_available: Decimal,
        size: Decimal,
        mmr: Decimal,
    ) -> Option<Decimal> {
        let step = margin_available.checked_div(size)?;
        let lp = price - side * step.checked_div(Decimal::ONE - mmr * side)?;
        (lp > Decimal::ZERO).then_some(lp)
    }
}

pub mod dydx {
    //! dYdX v4 isolated liquidation price derived from its margin definition (venue-margin.md §6.1):
    //! `LP_long = (EP·|S| − C) / (|S|·(1 − MMF))`, `LP_short = (EP·|S| + C) / (|S|·(1 + MMF))`.

    use rust_decimal::Decimal;

    /// The derived isolated liquidation price for a signed size `size` with collateral `collateral`.
    pub fn liquidation_price(
        size: Decimal,
        entry_price: Decimal,
        collateral: Decimal,
        mmf: Decimal,
    ) -> Option<Decimal> {
        let s = size.abs();
        let price = if size.is_sign_negative() {
            (entry_price * s + collateral).checked_div(s * (Decimal::ONE + mmf))?
        } else {
            (entry_price * s - collateral).checked_div(s * (Decimal::ONE - mmf))?
        };
        (price > Decimal::ZERO).then_some(price)
    }
}

pub mod deribit {
    //! Deribit's size-scaled futures margin rates (venue-margin.md §5.1): `IM% = base + size × k`, `MM% = base + size × k`.

    use riskdeck::model::params::SizeScaledRule;
    use rust_decimal::Decimal;

    /// `(IM rate, MM rate)` of a position of `coins` (absolute size in coins).
    pub fn margin_rates(rule: &SizeScaledRule, coins: Decimal) -> (Decimal, Decimal) {
        let coins = coins.abs();
        (
            rule.im_base + coins * rule.im_per_coin,
            rule.mm_base + coins * rule.mm_per_coin,
        )
    }
}

//! The window's state kept between runs (theme, offline, layout, sources, thresholds) and
//! the part of it the Settings window edits. Portfolio content is never stored here.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::market;
use crate::ui::{self, Pane};

/// UI state kept between runs (eframe persistence). Portfolio content is never stored here.
#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct PersistedState {
    /// Most recent first.
    pub recent_files: Vec<PathBuf>,
    /// Dark theme (default) or light.
    pub dark_mode: bool,
    /// Never touch the network.
    pub offline: bool,
    /// Panel arrangement.
    pub layout: egui_tiles::Tree<Pane>,
    /// Seconds between automatic price refreshes (0 = only on demand).
    pub refresh_interval_s: u64,
    /// Source order and base URLs.
    pub feed: market::FeedSettings,
    /// Age (seconds) after which a live price is drawn as stale.
    pub stale_mark_s: i64,
    /// Age (seconds) after which a bundled or historical price is drawn as stale.
    pub stale_history_s: i64,
}

/// The part of [`PersistedState`] the Settings window edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Never touch the network.
    pub offline: bool,
    /// Seconds between automatic price refreshes (0 = only on demand).
    pub refresh_interval_s: u64,
    /// Age (seconds) after which a live price is drawn as stale.
    pub stale_mark_s: i64,
    /// Age (seconds) after which a bundled or historical price is drawn as stale.
    pub stale_history_s: i64,
    /// Source order and base URLs.
    pub feed: market::FeedSettings,
}

impl PersistedState {
    /// The settings the Settings window shows.
    pub fn settings(&self) -> Settings {
        Settings {
            offline: self.offline,
            refresh_interval_s: self.refresh_interval_s,
            stale_mark_s: self.stale_mark_s,
            stale_history_s: self.stale_history_s,
            feed: self.feed.clone(),
        }
    }

    pub(super) fn apply(&mut self, settings: Settings) {
        let Settings {
            offline,
            refresh_interval_s,
            stale_mark_s,
            stale_history_s,
            feed,
        } = settings;
        self.offline = offline;
        self.refresh_interval_s = refresh_interval_s;
        self.stale_mark_s = stale_mark_s;
        self.stale_history_s = stale_history_s;
        self.feed = feed;
    }
}

impl Default for PersistedState {
    fn default() -> Self {
        Self {
            recent_files: Vec::new(),
            dark_mode: true,
            offline: false,
            layout: ui::default_tree(),
            refresh_interval_s: 60,
            feed: market::FeedSettings::default(),
            stale_mark_s: crate::market::board::STALE_MARK_SECONDS,
            stale_history_s: crate::market::board::STALE_HISTORY_SECONDS,
        }
    }
}

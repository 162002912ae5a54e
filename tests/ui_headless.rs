//! Headless GUI tests (kittest).

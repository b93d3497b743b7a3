//! End-to-end tests of the `comity` binary: each test runs the real executable, as an
//! operator would, on a fresh database of every available engine (SQLite always,
//! PostgreSQL when `COMITY_TEST_POSTGRES_URL` is set), and the browser smoke test drives
//! real headless Chromium when `COMITY_TEST_BROWSER=1`.

mod accounts;
mod audit;
mod backup;
mod browser;
mod config;
mod help;
mod import;
mod receipts;
mod serve;
mod support;

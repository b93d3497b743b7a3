//! Tunable behaviour of the application (not where it listens or stores: that is the CLI's).

use chrono::Duration;
use comity_domain::access::Role;

use crate::mail::MailSettings;

#[derive(Debug, Clone)]
pub struct Settings {
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after login, however active.
    pub session_max: Duration,
    /// Roles whose holders must use a second factor.
    pub totp_required_roles: Vec<Role>,
    /// Failed logins per account within `throttle_window` before refusing.
    pub max_failures_per_account: i64,
    /// Failed logins per client address within `throttle_window` before refusing.
    pub max_failures_per_address: i64,
    pub throttle_window: Duration,
    /// Lifetime of a new API token unless asked otherwise.
    pub token_ttl: Duration,
    /// Where reminder e-mails go out; none turns e-mail off (in-app notifications remain).
    pub mail: Option<MailSettings>,
    /// A deadline this many days ahead, or fewer, is "due soon" and gets a reminder.
    pub reminder_horizon_days: i64,
    /// The key receipts are signed with (from `COMITY_RECEIPT_KEY`); none means the key
    /// Comity generates and keeps in the database.
    pub receipt_key: Option<ed25519_dalek::SigningKey>,
    /// The address users reach Comity at (`COMITY_PUBLIC_URL`), for links in e-mails.
    pub public_url: Option<String>,
    /// The mailbox where travel reports arrive (`COMITY_TRAVEL_MAILBOX`); none turns polling off.
    pub travel_mailbox: Option<crate::mailbox::MailboxConfig>,
    /// The unit that triages reports from the mailbox; none means the first OTP office.
    pub travel_alert_unit: Option<String>,
    /// Days a State is given to answer the Assembly President's open letter.
    pub open_letter_reply_days: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle: Duration::minutes(30),
            session_max: Duration::hours(12),
            totp_required_roles: Vec::new(),
            max_failures_per_account: 5,
            max_failures_per_address: 20,
            throttle_window: Duration::minutes(15),
            token_ttl: Duration::days(90),
            mail: None,
            reminder_horizon_days: 7,
            receipt_key: None,
            public_url: None,
            travel_mailbox: None,
            travel_alert_unit: None,
            open_letter_reply_days: comity_domain::warrant::OPEN_LETTER_REPLY_DAYS as i64,
        }
    }
}

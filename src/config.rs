//! Settings from the environment, each with a default that works on a fresh
//! machine: a SQLite file under `./data/`, the surveys in `./surveys/`, a
//! generated key in `./secrets/`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// How many submissions the response writer's transaction takes at most,
/// unless `WRITER_MAX_BATCH` says otherwise.
pub const DEFAULT_WRITER_MAX_BATCH: usize = 512;

/// How long the safeguarding leads' alerts gather after the first one is
/// mailed, unless `ALERT_DIGEST_MINUTES` says otherwise: short enough that a
/// disclosure among many still reaches a lead within minutes, long enough
/// that a flood makes a few emails an hour, not hundreds.
pub const DEFAULT_ALERT_DIGEST_MINUTES: u32 = 10;
/// Flagged sends a client address makes in an hour before the rest only
/// count apart in the leads' digest, unless `FLAGGED_SENDS_PER_HOUR` says
/// otherwise. One child sends one; a few leave room for a class on one
/// school network.
pub const DEFAULT_FLAGGED_SENDS_PER_HOUR: u32 = 3;

/// Where the generated key lives unless `SECRET_KEY_FILE` says otherwise:
/// apart from the data folder, so that a copy or backup of `./data` (the
/// database) does not carry the key that turns its response ids back into
/// receipt codes.
pub const DEFAULT_SECRET_KEY_FILE: &str = "./secrets/secret.key";

/// Everything the service needs to start.
#[derive(Clone)]
pub struct Settings {
    /// `sqlite://…` / a file path, or `postgres://…`.
    pub database_url: String,
    /// Where the service listens, e.g. `127.0.0.1:8080` (port 0 picks a free one).
    pub bind: String,
    /// The address people reach the service on, for links in mail.
    pub base_url: String,
    /// Where survey definitions, themes, the lexicon and contacts live.
    pub surveys_dir: PathBuf,
    /// Where the embedded database and the file outbox live (the generated
    /// key lives apart, in [`DEFAULT_SECRET_KEY_FILE`] or `SECRET_KEY_FILE`).
    pub data_dir: PathBuf,
    /// Key material for everything the service signs or encrypts.
    pub secret: SecretKey,
    /// Counts below this are never shown.
    pub suppress_below: u32,
    /// Days free text is kept.
    pub retention_days: u32,
    /// `smtp://…` or `smtps://…`; unset: mail is written as `.eml` files under `data_dir/outbox/`.
    pub smtp_url: Option<String>,
    /// The From: of every email.
    pub mail_from: String,
    /// How often the outbox is checked for mail to send.
    pub mail_poll: std::time::Duration,
    /// The wait after a first failed send; doubles each try, up to an hour.
    pub mail_retry_base: std::time::Duration,
    /// Respondent form posts allowed per client address per minute (0: no limit).
    pub respondent_posts_per_minute: u32,
    /// Requests of any kind allowed per client address per minute (0: no
    /// limit). See [`crate::limits::REQUESTS_PER_MINUTE`].
    pub requests_per_minute: u32,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` name the client
    /// (`TRUSTED_PROXIES`; none by default).
    pub trusted_proxies: TrustedProxies,
    /// How long the safeguarding leads' alerts gather into one digest
    /// (`ALERT_DIGEST_MINUTES`, 1 to 1,440).
    pub alert_digest: std::time::Duration,
    /// Flagged sends per client address per hour that may each set off an
    /// alert; the rest are stored all the same (0: no limit).
    pub flagged_sends_per_hour: u32,
    /// For the benchmark only: SQLite's `synchronous` (FULL unless told).
    pub sqlite_synchronous: crate::db::SqliteSynchronous,
    /// For the benchmark only: submissions per transaction (1 = no group commit).
    pub writer_max_batch: usize,
    /// A missing translation shows visibly (`⟦en⟧`) instead of quietly in
    /// English: `STRICT_TRANSLATIONS`, on by default in debug builds.
    pub strict_translations: bool,
    /// How long a client may take over a request (see README, "Limits").
    pub timeouts: crate::limits::Timeouts,
    /// For tests only, and set by no environment variable: counts, exports
    /// and the review queue take in today's responses too. In service they
    /// stop at the end of yesterday ([`crate::review::counts::counted_until`]),
    /// so that no one can watch a child's answer arrive.
    pub count_today: bool,
}

impl Settings {
    /// Reads the environment (see README's configuration table). Without
    /// `SECRET_KEY`, reads the key file, or makes one when there is none.
    pub fn from_env() -> Result<Settings, ConfigError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let data_dir = var("DATA_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("./data"));
        let bind = var("BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| data_dir.join("listening-loop.sqlite3").to_string_lossy().into_owned());
        let base_url = var("BASE_URL").unwrap_or_else(|| format!("http://{bind}"));
        let surveys_dir = var("SURVEYS_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("./surveys"));
        let secret = match var("SECRET_KEY") {
            Some(value) => SecretKey::from_configured(&value)?,
            None => {
                let file = var("SECRET_KEY_FILE").unwrap_or_else(|| DEFAULT_SECRET_KEY_FILE.to_owned());
                SecretKey::load_or_create(Path::new(&file), &data_dir)?
            }
        };
        Ok(Settings {
            database_url,
            bind,
            base_url: base_url.trim_end_matches('/').to_owned(),
            surveys_dir,
            data_dir,
            secret,
            suppress_below: parse_number("SUPPRESS_BELOW", var("SUPPRESS_BELOW"), 5)?,
            retention_days: parse_number("RETENTION_DAYS", var("RETENTION_DAYS"), 365)?,
            smtp_url: var("SMTP_URL"),
            mail_from: var("MAIL_FROM").unwrap_or_else(|| "Listening Loop <listening-loop@localhost>".to_owned()),
            mail_poll: std::time::Duration::from_secs(2),
            mail_retry_base: std::time::Duration::from_secs(60),
            respondent_posts_per_minute: parse_number(
                "RESPONDENT_POSTS_PER_MINUTE",
                var("RESPONDENT_POSTS_PER_MINUTE"),
                6000,
            )?,
            requests_per_minute: parse_number(
                "REQUESTS_PER_MINUTE",
                var("REQUESTS_PER_MINUTE"),
                crate::limits::REQUESTS_PER_MINUTE,
            )?,
            trusted_proxies: TrustedProxies::parse(var("TRUSTED_PROXIES").as_deref().unwrap_or_default())?,
            alert_digest: alert_digest(var("ALERT_DIGEST_MINUTES"))?,
            flagged_sends_per_hour: parse_number(
                "FLAGGED_SENDS_PER_HOUR",
                var("FLAGGED_SENDS_PER_HOUR"),
                DEFAULT_FLAGGED_SENDS_PER_HOUR,
            )?,
            sqlite_synchronous: match var("SQLITE_SYNCHRONOUS").map(|v| v.to_ascii_uppercase()).as_deref() {
                None | Some("FULL") => crate::db::SqliteSynchronous::Full,
                Some("NORMAL") => crate::db::SqliteSynchronous::Normal,
                Some(_) => return Err(ConfigError::BadSynchronous),
            },
            writer_max_batch: parse_number(
                "WRITER_MAX_BATCH",
                var("WRITER_MAX_BATCH"),
                DEFAULT_WRITER_MAX_BATCH as u32,
            )? as usize,
            strict_translations: match var("STRICT_TRANSLATIONS").map(|v| v.to_ascii_lowercase()).as_deref() {
                None => cfg!(debug_assertions),
                Some("1" | "true" | "on" | "yes") => true,
                Some(_) => false,
            },
            timeouts: Default::default(),
            count_today: false,
        })
    }
}

/// `ALERT_DIGEST_MINUTES`: from a minute to a day. No gathering at all
/// would be one email per flagged response again.
fn alert_digest(value: Option<String>) -> Result<std::time::Duration, ConfigError> {
    match parse_number("ALERT_DIGEST_MINUTES", value, DEFAULT_ALERT_DIGEST_MINUTES)? {
        minutes @ 1..=1440 => Ok(std::time::Duration::from_secs(60 * u64::from(minutes))),
        _ => Err(ConfigError::DigestMinutes),
    }
}

fn parse_number(name: &'static str, value: Option<String>, default: u32) -> Result<u32, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| ConfigError::NotANumber(name)),
    }
}

/// The reverse proxies allowed to say who their client is: a list of
/// addresses and CIDR ranges, e.g. `127.0.0.1, 10.0.0.0/8, fd00::/8`.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// Reads a comma-separated list; empty means none.
    pub fn parse(list: &str) -> Result<TrustedProxies, ConfigError> {
        let nets = list.split(',').map(str::trim).filter(|item| !item.is_empty()).map(|item| {
            item.parse::<ipnet::IpNet>()
                .map(|net| net.trunc())
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError::BadTrustedProxy(item.to_owned()))
        });
        Ok(TrustedProxies(nets.collect::<Result<_, _>>()?))
    }

    /// Whether `addr` is one of them. An IPv4 peer seen through an IPv6
    /// socket (`::ffff:10.0.0.1`) counts as its IPv4 address.
    pub fn contains(&self, addr: std::net::IpAddr) -> bool {
        let addr = addr.to_canonical();
        self.0.iter().any(|net| net.contains(&addr))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// 32 bytes of key material. Debug never prints it.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    /// The key file's name in the data folder, where installs before
    /// `SECRET_KEY_FILE` generated it.
    const OLD_FILE: &'static str = "secret.key";

    /// A configured key: any string of at least 32 characters (e.g. 64 hex
    /// digits from `openssl rand -hex 32`), stretched to 32 bytes with SHA-256.
    pub fn from_configured(value: &str) -> Result<SecretKey, ConfigError> {
        if value.trim().chars().count() < 32 {
            return Err(ConfigError::ShortSecret);
        }
        Ok(SecretKey(Sha256::digest(value.trim().as_bytes()).into()))
    }

    /// Random key material, for tests and first runs.
    pub fn generate() -> SecretKey {
        let mut bytes = [0u8; 32];
        crate::random::random_bytes(&mut bytes);
        SecretKey(bytes)
    }

    /// Reads the key file, or makes one (0600, its folder 0700 when made).
    /// A key that an older install generated into the data folder is moved
    /// here first, so staff stay signed in and receipt codes keep working.
    /// Refuses a key file the group or others may read or change: anyone
    /// who can read it can sign staff cookies and link receipt codes to
    /// responses.
    pub fn load_or_create(file: &Path, data_dir: &Path) -> Result<SecretKey, ConfigError> {
        move_out_of_data_folder(file, &data_dir.join(Self::OLD_FILE))?;
        let io = |source| ConfigError::SecretFile { path: file.to_owned(), source };
        match crate::private_files::open_to_others(file) {
            Ok(None) => {
                let text = std::fs::read_to_string(file).map_err(io)?;
                SecretKey::from_file_text(&text).ok_or_else(|| ConfigError::BadSecretFile(file.to_owned()))
            }
            Ok(Some(mode)) => Err(ConfigError::SecretFileOpen { path: file.to_owned(), mode }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => SecretKey::create_file(file),
            Err(e) => Err(io(e)),
        }
    }

    /// A new key, in a new file.
    fn create_file(file: &Path) -> Result<SecretKey, ConfigError> {
        let key = SecretKey::generate();
        write_key_file(file, &hex::encode(key.0))?;
        tracing::info!(file = %file.display(), "generated a secret key");
        Ok(key)
    }

    /// A key file's 64 hex digits.
    fn from_file_text(text: &str) -> Option<SecretKey> {
        hex::decode(text.trim()).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()).map(SecretKey)
    }

    /// The key receipt codes are derived with (by the writer) and looked up
    /// with (by `/track`): one function, so the two can never drift apart.
    pub fn receipt_key(&self) -> [u8; 32] {
        self.derive("receipt codes")
    }

    /// A key for one purpose, so that no two uses share key material:
    /// SHA-256(`"listening-loop key v1\0"` ‖ purpose ‖ `0` ‖ key).
    ///
    /// Deliberately not HKDF, and it must not become HKDF: keys derived here
    /// are already in use (response ids and receipt codes in the database and
    /// on children's paper, sealed drafts in open pages, staff cookies,
    /// subscription links in mailboxes), and HKDF's HMAC-based extract and
    /// expand cannot give these bytes, so a switch would orphan all of them.
    /// Nor is it needed: the key is 32 uniformly random bytes (or the SHA-256
    /// of a long configured secret), and a hash of it behind a fixed,
    /// versioned label and the purpose (ended by a NUL, so no purpose is a
    /// prefix of another's input) is an independent pseudo-random key per
    /// purpose. HKDF's extract step is for input that is not uniform.
    /// `tests::derived_keys_are_pinned` keeps the bytes as they are.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(b"listening-loop key v1\0");
        hasher.update(purpose.as_bytes());
        hasher.update([0]);
        hasher.update(self.0);
        hasher.finalize().into()
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// Moves a key generated into the data folder by an older install to
/// `file`, unless `file` is there already: written anew (0600) with the
/// same key, then the old one removed. Nothing else changes, so cookies,
/// sealed drafts and receipt codes made with it keep working.
fn move_out_of_data_folder(file: &Path, old: &Path) -> Result<(), ConfigError> {
    let exists = |path: &Path| std::fs::symlink_metadata(path).is_ok();
    if !exists(old) {
        return Ok(());
    }
    if exists(file) {
        if !same_file(file, old) {
            tracing::warn!(
                old = %old.display(),
                used = %file.display(),
                "an old secret key is still in the data folder; the key file is used instead, so delete the old one"
            );
        }
        return Ok(());
    }
    let text =
        std::fs::read_to_string(old).map_err(|source| ConfigError::SecretFile { path: old.to_owned(), source })?;
    if SecretKey::from_file_text(&text).is_none() {
        return Err(ConfigError::BadSecretFile(old.to_owned()));
    }
    write_key_file(file, text.trim())?;
    std::fs::remove_file(old).map_err(|source| ConfigError::SecretFile { path: old.to_owned(), source })?;
    tracing::info!(from = %old.display(), to = %file.display(), "moved the secret key out of the data folder");
    Ok(())
}

/// Writes a new key file (0600), making its folder (0700) if missing; an
/// existing folder is left as it is (it may be shared, as `/etc` is).
fn write_key_file(file: &Path, hex_digits: &str) -> Result<(), ConfigError> {
    let io = |source| ConfigError::SecretFile { path: file.to_owned(), source };
    if let Some(folder) = file.parent().filter(|f| !f.as_os_str().is_empty()) {
        crate::private_files::create_folder(folder).map_err(io)?;
    }
    crate::private_files::write_new(file, hex_digits.as_bytes()).map_err(io)
}

/// Whether two paths name one file (`SECRET_KEY_FILE` may point into the
/// data folder itself).
fn same_file(a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

/// Why the settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be a whole number")]
    NotANumber(&'static str),
    #[error("TRUSTED_PROXIES: {0:?} is not an address or a CIDR range such as 10.0.0.0/8")]
    BadTrustedProxy(String),
    #[error("SQLITE_SYNCHRONOUS must be FULL or NORMAL")]
    BadSynchronous,
    #[error("ALERT_DIGEST_MINUTES must be from 1 to 1440 (a day)")]
    DigestMinutes,
    #[error("SECRET_KEY must be at least 32 characters (try `openssl rand -hex 32`)")]
    ShortSecret,
    #[error("could not read or create the secret key file {path}: {source}")]
    SecretFile { path: PathBuf, source: std::io::Error },
    #[error(
        "the secret key file {path} may be read or changed by other users (mode {mode:o}); make it yours \
         alone with `chmod 600 {path}` (if someone may have copied it, see \"Keys\" in the README)"
    )]
    SecretFileOpen { path: PathBuf, mode: u32 },
    #[error(
        "the secret key file {0} is not 64 hex digits; delete it to make a new one (staff will have to sign in again)"
    )]
    BadSecretFile(PathBuf),
}

#[cfg(test)]
mod tests {
    use super::{SecretKey, TrustedProxies};

    #[test]
    fn trusted_proxies_are_addresses_and_ranges() {
        let trusted = TrustedProxies::parse(" 127.0.0.1, 10.1.2.3/8 ,fd00::/8,, 2001:db8::7 ").unwrap();
        for inside in ["127.0.0.1", "10.200.0.1", "fd12::1", "2001:db8::7", "::ffff:10.0.0.9"] {
            assert!(trusted.contains(inside.parse().unwrap()), "{inside}");
        }
        for outside in ["127.0.0.2", "11.0.0.1", "fe80::1", "2001:db8::8", "::1"] {
            assert!(!trusted.contains(outside.parse().unwrap()), "{outside}");
        }
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(TrustedProxies::parse(" , ").unwrap().is_empty());
        for bad in ["10.0.0.0/33", "localhost", "10.0.0.0/8 10.1.0.0/16", "*", "fd00::/129", "10.0.0.1:80"] {
            let error = TrustedProxies::parse(&format!("127.0.0.1,{bad}")).unwrap_err();
            assert!(error.to_string().contains(bad), "{error}");
        }
    }

    /// Every purpose the service derives a key for. A new one goes here too.
    const PURPOSES: [&str; 4] = ["receipt codes", "respondent drafts", "staff sessions", "subscription links"];

    /// Keys derived today must come out the same for ever: stored response
    /// ids, issued receipt codes, sealed drafts, signed-in staff and emailed
    /// subscription links all depend on them. Computed by this code when the
    /// test was written; a change here breaks every one of those.
    #[test]
    fn derived_keys_are_pinned() {
        let configured = SecretKey::from_configured("listening-loop pinned test secret, 32+ characters").unwrap();
        assert_eq!(hex::encode(configured.0), "54d5f831347cd533bf28ceb5813aa210c0f05d1cfd0a85cda70702c399aee126");
        assert_derives(
            &configured,
            [
                "8b079a7357b01d3ab3dcabe384b091da1d7e4c2487b6b620b9387e47a3616d3c",
                "535d6569b6de086390987f48d6d7a2a581171b52edceba29ea45cdd580cf2ff0",
                "b910a8efaef78afe72af5ab338c7c30136c68e1ab48e6ed8569dd5808b1e4bba",
                "afb1f39bdac451c9a4d23477493c48573106d35689650416e76825972008228d",
            ],
        );
        assert_eq!(configured.receipt_key(), configured.derive("receipt codes"));

        // A key file's bytes are used as they are.
        assert_derives(
            &SecretKey([7; 32]),
            [
                "154f7f3469f337adadd3b12138752846967943dd28cc4c8ad39e100d12937b47",
                "74a0ce70dff60c082849398356f27608103120c5c5a7c0ca20b2bc6e83c95dc9",
                "7319aa40c8746a38172bb8586307e357b2d4f283e5707ae4882c9c0dd97c8058",
                "62055d8620301def6eabb35c6fdf93c4f4a67f95d9def19bd2fbdc787b03f82e",
            ],
        );
    }

    /// `secret` derives, for each of [`PURPOSES`] in turn, the key written here in hex.
    fn assert_derives(secret: &SecretKey, expected: [&str; 4]) {
        for (purpose, key) in PURPOSES.iter().zip(expected) {
            assert_eq!(hex::encode(secret.derive(purpose)), key, "{purpose}");
        }
    }

    #[test]
    fn the_alert_digest_gathers_from_a_minute_to_a_day() {
        use super::{ConfigError, alert_digest};
        let minutes = |v: &str| alert_digest(Some(v.to_owned())).map(|d| d.as_secs() / 60);
        assert_eq!(alert_digest(None).unwrap().as_secs(), 600, "10 minutes unless told");
        assert_eq!(minutes("1").unwrap(), 1);
        assert_eq!(minutes(" 1440 ").unwrap(), 1440);
        assert!(matches!(minutes("0"), Err(ConfigError::DigestMinutes)));
        assert!(matches!(minutes("1441"), Err(ConfigError::DigestMinutes)));
        assert!(matches!(minutes("ten"), Err(ConfigError::NotANumber("ALERT_DIGEST_MINUTES"))));
    }

    #[cfg(unix)]
    fn mode(path: &std::path::Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[cfg(unix)]
    #[test]
    fn a_generated_key_is_kept_apart_from_the_data_and_private() {
        let tmp = tempfile::tempdir().unwrap();
        let (data, file) = (tmp.path().join("data"), tmp.path().join("secrets/secret.key"));
        let made = SecretKey::load_or_create(&file, &data).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().unwrap()), 0o700);
        assert!(!data.join("secret.key").exists(), "nothing in the data folder");
        let read = SecretKey::load_or_create(&file, &data).unwrap();
        assert_eq!(read.0, made.0, "the same key on every start");
    }

    #[cfg(unix)]
    #[test]
    fn an_older_installs_key_moves_out_of_the_data_folder_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let (data, file) = (tmp.path().join("data"), tmp.path().join("secrets/secret.key"));
        std::fs::create_dir(&data).unwrap();
        let old = SecretKey([7; 32]);
        std::fs::write(data.join("secret.key"), format!("{}\n", hex::encode(old.0))).unwrap();

        let moved = SecretKey::load_or_create(&file, &data).unwrap();
        assert_eq!(moved.0, old.0);
        assert_eq!(moved.derive("staff sessions"), old.derive("staff sessions"), "staff stay signed in");
        assert_eq!(moved.receipt_key(), old.receipt_key(), "receipt codes keep working");
        assert!(!data.join("secret.key").exists(), "the old file is gone");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), hex::encode(old.0));
        assert_eq!((mode(&file), mode(file.parent().unwrap())), (0o600, 0o700));

        // A key file already in place wins, and an old one is left for a person to delete.
        crate::private_files::write_new(&data.join("secret.key"), hex::encode([9; 32]).as_bytes()).unwrap();
        assert_eq!(SecretKey::load_or_create(&file, &data).unwrap().0, old.0);
        assert!(data.join("secret.key").exists());
        // As when SECRET_KEY_FILE names the old place itself.
        let in_place = SecretKey::load_or_create(&data.join("secret.key"), &data).unwrap();
        assert_eq!(in_place.0, [9; 32]);
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_may_read_or_change_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let (data, file) = (tmp.path().join("data"), tmp.path().join("secret.key"));
        SecretKey::load_or_create(&file, &data).unwrap();
        for loose in [0o640, 0o604, 0o620, 0o666] {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(loose)).unwrap();
            let error = SecretKey::load_or_create(&file, &data).unwrap_err().to_string();
            assert!(error.contains(&format!("chmod 600 {}", file.display())), "{error}");
            assert!(error.contains(&format!("mode {loose:o}")), "{error}");
        }
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(SecretKey::load_or_create(&file, &data).is_ok(), "read-only for its owner is fine");
    }

    #[test]
    fn each_purpose_gets_its_own_key() {
        let secret = SecretKey([7; 32]);
        let mut keys: Vec<[u8; 32]> = PURPOSES.iter().map(|p| secret.derive(p)).collect();
        keys.push(secret.0);
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), PURPOSES.len() + 1);
    }
}

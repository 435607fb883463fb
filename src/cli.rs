//! The command line: `serve` (the default), `migrate`, `surveys check`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cause::Chain;
use crate::config::Settings;
use crate::surveys::{Registry, survey_files};

#[derive(Parser)]
#[command(
    name = "listening-loop",
    version,
    about = "Hear children, parents and practitioners; show them what changed."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site (the default).
    Serve,
    /// Create or update the database schema, then exit.
    Migrate,
    /// Check survey files; exits non-zero naming file and line of each mistake.
    Surveys {
        #[command(subcommand)]
        command: SurveysCommand,
    },
    /// Delete free text older than RETENTION_DAYS now (the service also does it daily).
    Purge,
    /// Count the stored responses again for the dashboard (after restoring a backup, say).
    Recount,
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a staff account and print a one-time link to set its password.
    Add {
        /// Their email address.
        #[arg(long)]
        email: String,
        /// A role: youth_reviewer, safeguarding_lead, publisher or admin. Repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Their name, as shown to other staff (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Subcommand)]
enum SurveysCommand {
    /// Check the surveys folder, or the survey files given (against the
    /// folder's themes, contacts and lexicon).
    Check {
        /// Survey files to check instead of every survey in the folder.
        files: Vec<PathBuf>,
        /// The surveys folder (default: SURVEYS_DIR or ./surveys).
        #[arg(long, env = "SURVEYS_DIR", default_value = "./surveys")]
        dir: PathBuf,
    },
}

impl Cli {
    /// Runs the chosen command.
    pub fn run(self) -> ExitCode {
        match self.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(),
            Command::Migrate => migrate(),
            Command::Purge => purge(),
            Command::Recount => recount(),
            Command::Surveys { command: SurveysCommand::Check { files, dir } } => check_surveys(&dir, files),
            Command::User { command: UserCommand::Add { email, roles, name } } => add_user(&email, &roles, name),
        }
    }
}

/// The settings from the environment; `None` once it has said what is wrong.
fn settings() -> Option<Settings> {
    Settings::from_env().map_err(|e| eprintln!("listening-loop: {e}")).ok()
}

/// A connection of its own to the database, migrated first, for a one-off
/// command.
fn open_database(settings: &Settings) -> Result<crate::db::DbConnection, crate::db::DbError> {
    crate::db::Database::connect(&settings.database_url)?.open_dedicated()
}

/// How a one-off command ends: on success it prints what `done` says was
/// done; on failure, the error with every cause behind it.
fn report<T, E: std::error::Error + 'static>(result: Result<T, E>, done: impl FnOnce(T) -> String) -> ExitCode {
    match result {
        Ok(value) => {
            println!("{}", done(value));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("listening-loop: {}", Chain(&e));
            ExitCode::FAILURE
        }
    }
}

fn serve() -> ExitCode {
    let Some(settings) = settings() else { return ExitCode::FAILURE };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("listening-loop: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let base_url = settings.base_url.clone();
        let app = match crate::Application::build(settings) {
            Ok(app) => app,
            Err(e) => {
                eprintln!("listening-loop: {}", Chain(&e));
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(port = app.port(), %base_url, "serving");
        let writer = app.writer();
        let stopped = app.run_until_stopped().await;
        // What the last hour stored is not left in the order it came.
        writer.mix_now().await;
        crate::hour_log::write_summary(crate::hour_log::hour_began(chrono::Utc::now()));
        match stopped {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("listening-loop: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

fn recount() -> ExitCode {
    let Some(settings) = settings() else { return ExitCode::FAILURE };
    let registry = match crate::surveys::Registry::load(&settings.surveys_dir) {
        Ok(registry) => registry,
        Err(errors) => {
            for e in errors {
                eprintln!("listening-loop: {e}");
            }
            return ExitCode::FAILURE;
        }
    };
    let result = open_database(&settings)
        .and_then(|mut conn| Ok(crate::db::daily::recount(&mut conn, &registry.measured_questions())?));
    report(result, |()| "Counted the stored responses again for the dashboard.".to_owned())
}

fn purge() -> ExitCode {
    let Some(settings) = settings() else { return ExitCode::FAILURE };
    let result = open_database(&settings).and_then(|mut conn| {
        let today = chrono::Utc::now().date_naive();
        Ok(crate::anonymise::retention::purge_free_text(&mut conn, today, settings.retention_days)?)
    });
    report(result, |purged| {
        format!(
            "Deleted {} written answers and {} quotes older than {} days.",
            purged.written_answers, purged.quotes, settings.retention_days
        )
    })
}

fn migrate() -> ExitCode {
    let Some(settings) = settings() else { return ExitCode::FAILURE };
    report(crate::db::Database::connect(&settings.database_url), |_| "The database is up to date.".to_owned())
}

fn check_surveys(dir: &std::path::Path, files: Vec<PathBuf>) -> ExitCode {
    let files = if files.is_empty() {
        match survey_files(dir) {
            Ok(files) => files,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        files
    };
    match Registry::load_with(dir, &files) {
        Ok(registry) => {
            for survey in registry.surveys() {
                let questions = survey.questions().count();
                let ages: Vec<&str> = survey.age_groups.iter().map(|a| a.as_str()).collect();
                println!(
                    "ok  {}  {} (/s/{}, {}, {} questions, version {})",
                    survey.path.display(),
                    survey.id,
                    survey.link,
                    ages.join(" "),
                    questions,
                    survey.version
                );
                for language in &registry.catalogue.languages()[1..] {
                    if let Some(line) = translation_note(survey, &language.code) {
                        println!("    {line}");
                    }
                }
            }
            for (code, missing) in registry.catalogue.gaps() {
                if !missing.is_empty() {
                    let keys: Vec<&str> = missing.iter().map(|k| k.as_str()).collect();
                    println!(
                        "note  lang/{code}.toml is partly translated: {} of {} messages show in English: {}",
                        missing.len(),
                        crate::surveys::Key::ALL.len(),
                        keys.join(", ")
                    );
                }
            }
            let unreviewed = registry.lexicon.unreviewed_languages();
            if !unreviewed.is_empty() {
                println!(
                    "Safeguarding phrases in {} are a first version: review them with native-speaking \
                     safeguarding practitioners, then set reviewed = true.",
                    unreviewed.join(", ")
                );
            }
            let not_ready = registry.partnership.not_ready();
            if !not_ready.is_empty() {
                for line in &not_ready {
                    eprintln!("not ready to go live: {line}");
                }
                eprintln!(
                    "{} surveys, {} themes, {} safeguarding phrases, no mistakes; but fill in the local help above \
                     (surveys/README.md, `partnership.toml`) before anyone answers: never a guessed number.",
                    registry.surveys().len(),
                    registry.themes.len(),
                    registry.lexicon.len()
                );
                return ExitCode::FAILURE;
            }
            println!(
                "{} surveys, {} themes, {} safeguarding phrases: all fine.",
                registry.surveys().len(),
                registry.themes.len(),
                registry.lexicon.len()
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("{} mistake{} found.", errors.len(), if errors.len() == 1 { "" } else { "s" });
            ExitCode::FAILURE
        }
    }
}

/// How far a survey is translated into one language, unless fully.
fn translation_note(survey: &crate::surveys::Survey, code: &str) -> Option<String> {
    let missing = survey.untranslated(code);
    let total = survey.untranslated("-").len();
    match missing.len() {
        0 => None,
        n if n == total => Some(format!("{code}: not translated; shows in English")),
        n => {
            let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
            let more = if n > 5 { format!(" and {} more", n - 5) } else { String::new() };
            Some(format!(
                "{code}: partly translated: {n} of {total} wordings show in English: {}{more}",
                shown.join("; ")
            ))
        }
    }
}

fn add_user(email: &str, roles: &[String], name: Option<String>) -> ExitCode {
    use crate::db::audit;
    use crate::mail::EmailAddress;
    use crate::staff::roles::Role;
    use crate::staff::store;
    use diesel::Connection;

    let fail = |message: &dyn std::fmt::Display| {
        eprintln!("listening-loop: {message}");
        ExitCode::FAILURE
    };
    let email = match EmailAddress::parse(email) {
        Ok(e) => e,
        Err(e) => return fail(&e),
    };
    let mut parsed = Vec::new();
    for role in roles {
        match Role::parse(role) {
            Some(r) if !parsed.contains(&r) => parsed.push(r),
            Some(_) => {}
            None => {
                return fail(&format!(
                    "unknown role \"{role}\": use youth_reviewer, safeguarding_lead, publisher or admin"
                ));
            }
        }
    }
    let name = name.unwrap_or_else(|| email.as_str().split('@').next().unwrap_or_default().to_owned());
    let Some(settings) = settings() else { return ExitCode::FAILURE };
    let mut conn = match open_database(&settings) {
        Ok(c) => c,
        Err(e) => return fail(&Chain(&e)),
    };
    let result = conn.transaction(|conn| {
        let Some(id) = store::create(conn, &email, &name, &parsed)? else { return Ok(None) };
        let token = store::issue_token(conn, &id, store::TokenPurpose::Invite)?;
        let detail = format!("roles: {}", parsed.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "));
        audit::record(
            conn,
            &audit::Actor::NOBODY,
            "account added on the command line",
            Some(("staff", &id)),
            Some(&detail),
        )?;
        Ok::<_, diesel::result::Error>(Some(token))
    });
    match result {
        Ok(Some(token)) => {
            println!("Account created for {}.", email.as_str());
            println!("Open this link within 7 days to set the password (it works once):");
            println!("  {}/staff/accept/{token}", settings.base_url);
            ExitCode::SUCCESS
        }
        Ok(None) => fail(&format!("{} already has an account", email.as_str())),
        Err(e) => fail(&Chain(&e)),
    }
}

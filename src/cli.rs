//! The command line: `serve` (the default), `migrate`, `surveys check`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
            Command::Surveys { command: SurveysCommand::Check { files, dir } } => check_surveys(&dir, files),
        }
    }
}

fn settings() -> Result<Settings, ExitCode> {
    Settings::from_env().map_err(|e| {
        eprintln!("listening-loop: {e}");
        ExitCode::FAILURE
    })
}

fn serve() -> ExitCode {
    let settings = match settings() {
        Ok(s) => s,
        Err(code) => return code,
    };
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
                eprintln!("listening-loop: {e}");
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(port = app.port(), %base_url, "serving");
        match app.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("listening-loop: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

fn migrate() -> ExitCode {
    let settings = match settings() {
        Ok(s) => s,
        Err(code) => return code,
    };
    match crate::db::Database::connect(&settings.database_url) {
        Ok(_) => {
            println!("The database is up to date.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("listening-loop: {e}");
            ExitCode::FAILURE
        }
    }
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

//! How an error is written in a log line or on the command line: with every
//! cause behind it.

/// An error and every cause behind it, on one line for the log, each
/// after a ": " (crates.io's `.chain()`). A cause whose words the line
/// already ends with is not repeated: many errors, ours and other crates',
/// end their own words with their cause's.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut line = self.0.to_string();
        let mut cause = self.0.source();
        while let Some(error) = cause {
            let words = error.to_string();
            if !line.ends_with(&words) {
                line.push_str(": ");
                line.push_str(&words);
            }
            cause = error.source();
        }
        f.write_str(&line)
    }
}

//! An email address, parsed at the edge.

use validator::ValidateEmail;

/// A checked, lower-cased email address. Debug never prints it: logs must
/// never carry an email address.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Trims, lower-cases and checks the shape (the one thing we can check
    /// without sending mail).
    pub fn parse(input: &str) -> Result<EmailAddress, BadEmail> {
        let address = input.trim().to_lowercase();
        if address.is_empty() {
            return Err(BadEmail::Empty);
        }
        if address.len() > 254 || !address.validate_email() {
            return Err(BadEmail::Shape);
        }
        Ok(EmailAddress(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmailAddress(..)")
    }
}

/// Why an address was refused, in words for the person typing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadEmail {
    #[error("Enter an email address.")]
    Empty,
    #[error("Enter an email address in the right form, like name@example.org.")]
    Shape,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_lower_cased_and_checked() {
        assert_eq!(EmailAddress::parse("  Sam.Jones+ll@Example.ORG ").unwrap().as_str(), "sam.jones+ll@example.org");
        assert_eq!(EmailAddress::parse(""), Err(BadEmail::Empty));
        for bad in ["sam", "sam@", "@example.org", "sam example@org.uk", "sam@@example.org"] {
            assert_eq!(EmailAddress::parse(bad), Err(BadEmail::Shape), "{bad}");
        }
        assert!(!format!("{:?}", EmailAddress::parse("a@b.org").unwrap()).contains("a@b"));
    }
}

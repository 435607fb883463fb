//! What a staff member may do. A person may hold several roles.

/// A staff role. Respondents have none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// A Youth Council member: reads what young people said, groups it into themes.
    YouthReviewer,
    /// Reads responses that may show a child is being harmed.
    SafeguardingLead,
    /// Writes and publishes "You said, We did".
    Publisher,
    /// Accounts, links, retention, exports, the audit log.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::YouthReviewer, Role::SafeguardingLead, Role::Publisher, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::YouthReviewer => "youth_reviewer",
            Role::SafeguardingLead => "safeguarding_lead",
            Role::Publisher => "publisher",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::YouthReviewer => "Youth Council reviewer",
            Role::SafeguardingLead => "Safeguarding lead",
            Role::Publisher => "Sub-group publisher",
            Role::Admin => "Admin",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Role::YouthReviewer => {
                "reads what young people said and groups it into themes; never sees flagged responses"
            }
            Role::SafeguardingLead => {
                "reads responses that may show a child is being harmed, and records what was done"
            }
            Role::Publisher => "answers themes with \u{201c}You said, We did\u{201d} and publishes them",
            Role::Admin => "manages staff accounts, distribution links, retention and exports; reads the audit log",
        }
    }
}
